import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse } from "yaml";
import { SETUP_ORDER_PATH, type SetupOrder } from "../../compiler/emit/setup/render-setup-order.js";

export class UnknownNodeError extends Error {
  readonly code = "OCI3403";
  constructor(readonly certname: string, detail: string) {
    super(`${certname}: ${detail}`);
    this.name = "UnknownNodeError";
  }
}

/** Puppet certnames oci issues are FQDNs; anything else (a path, a glob) is refused before touching the disk. */
const CERTNAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/;

/** Reads what the daemon published into the puppet environment: the view `oci enc` and `oci autosign` decide from. */
export class PublishedEnvironment {
  readonly root: string;

  constructor(directory: string) {
    this.root = resolve(directory);
  }

  encOf(certname: string): Record<string, unknown> {
    return this.#yaml(certname, join("enc", `${certname}.yaml`));
  }

  nodeDataOf(certname: string): Record<string, unknown> {
    return this.#yaml(certname, join("data", "nodes", `${certname}.yaml`));
  }

  setupOrder(): SetupOrder {
    return JSON.parse(readFileSync(join(this.root, SETUP_ORDER_PATH), "utf8")) as SetupOrder;
  }

  #yaml(certname: string, path: string): Record<string, unknown> {
    if (!CERTNAME.test(certname)) throw new UnknownNodeError(certname, "not a valid certname (a lowercase FQDN)");
    let text: string;
    try {
      text = readFileSync(join(this.root, path), "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ENOENT") throw new UnknownNodeError(certname, `not a machine of the release published in ${this.root}`);
      throw error;
    }
    return parse(text, { version: "1.1" }) as Record<string, unknown>;
  }
}
