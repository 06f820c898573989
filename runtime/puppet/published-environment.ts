import { readFileSync, statSync } from "node:fs";
import { join, resolve } from "node:path";
import { parse } from "yaml";
import { SETUP_ORDER_PATH, type SetupOrder } from "../../compiler/emit/setup/render-setup-order.js";
import { RELEASE_MARKER } from "./publish-environment.js";

/** Nothing is published where the hooks look: a wrong --puppet-env-dir, or a daemon that never applied a release. */
export class EnvironmentMissingError extends Error {
  readonly code = "OCI3404";
  constructor(readonly directory: string, detail: string) {
    super(`puppet environment directory ${directory} ${detail}: check OCI_PUPPET_ENV_DIR (/etc/default/oci) and that oci serve has applied a release (oci status)`);
    this.name = "EnvironmentMissingError";
  }
}

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
    this.#mustExist();
    return JSON.parse(readFileSync(join(this.root, SETUP_ORDER_PATH), "utf8")) as SetupOrder;
  }

  /** Tells a missing environment (or one this user may not read) apart from a certname that is not in it. */
  #mustExist(): void {
    try {
      statSync(join(this.root, RELEASE_MARKER));
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new EnvironmentMissingError(this.root, code === "EACCES" ? "is not readable by this user (the puppet user must be in group oci)" : "is missing or holds no published release");
    }
  }

  #yaml(certname: string, path: string): Record<string, unknown> {
    if (!CERTNAME.test(certname)) throw new UnknownNodeError(certname, "not a valid certname (a lowercase FQDN)");
    this.#mustExist();
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
