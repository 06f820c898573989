import { yamlText } from "../../compiler/emit/output-file.js";
import { setupGates } from "../setup/setup-gates.js";
import type { StatusSnapshot } from "../state/status-store.js";
import type { PublishedEnvironment } from "./published-environment.js";

/**
 * The ENC answer for puppetserver's exec node terminus: the node's published classes and
 * parameters, with its setup gate applied. A node whose earlier waves have not all succeeded gets
 * no class at all (puppet runs and changes nothing) and says whom it waits for.
 */
export function classifyNode(environment: PublishedEnvironment, status: StatusSnapshot, certname: string): string {
  const enc = environment.encOf(certname);
  const gate = setupGates(environment.setupOrder(), status).get(certname);
  const open = gate?.open ?? false;
  const parameters = { ...(enc["parameters"] as Record<string, unknown> | undefined), oci_puppet_enabled: open, ...(open ? {} : { oci_waiting_for: [...(gate?.waitingFor ?? [])] }) };
  return yamlText({ ...enc, classes: open ? enc["classes"] : [], parameters });
}
