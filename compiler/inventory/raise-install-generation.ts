import { parseDocument } from "yaml";
import type { SiteModel } from "../validate/site-model.js";

/** What `oci reinstall` changes in a machine file: its installGeneration, one higher. */
export interface RaisedGeneration {
  /** The machine file, relative to the site. */
  readonly path: string;
  readonly hostname: string;
  readonly from: number;
  readonly to: number;
  /** The file's new text: the same document, comments and order kept, with the generation raised. */
  readonly content: string;
}

export class ReinstallError extends Error {
  readonly code = "OCI2301";
  constructor(readonly machine: string, detail: string) {
    super(`reinstall ${machine}: ${detail}`);
    this.name = "ReinstallError";
  }
}

/**
 * A reinstall is a reviewed change of the machine file: its installGeneration raised by one. From
 * the commit that carries it on, the machine's next PXE boot installs it again (the daemon answers
 * "install" until it reports `installed` for the new generation). `machine`: a hostname or an FQDN.
 */
export function raiseInstallGeneration(model: SiteModel, machine: string, fileText: (path: string) => string): RaisedGeneration {
  const hostname = machine.split(".")[0]!;
  const found = model.machines.find((m) => m.doc.hostname === hostname);
  if (!found) {
    const known = model.machines.map((m) => m.doc.hostname).sort();
    throw new ReinstallError(machine, `no machine file of the site has hostname ${hostname}${known.length > 0 ? ` (machines: ${known.slice(0, 8).join(", ")}${known.length > 8 ? ", …" : ""})` : ""}`);
  }
  const path = found.source.path;
  if (found.doc.install !== true) {
    throw new ReinstallError(machine, `${path} has no \`install: true\`: oci does not install this machine, so there is nothing to reinstall (set install: true to have oci install it)`);
  }
  const from = found.doc.installGeneration ?? 1;
  const document = parseDocument(fileText(path));
  document.set("installGeneration", from + 1);
  return { path, hostname, from, to: from + 1, content: document.toString() };
}
