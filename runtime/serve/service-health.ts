import type { Refusal } from "../daemon/daemon-state.js";
import type { ServiceHealth } from "../daemon/overview.js";
import type { RemoteState } from "../git/remote-mirror.js";
import { EMPTY_RELEASE, type Release } from "../release/release.js";

export interface ServiceHealthInput {
  /** What the DHCP and TFTP servers bound, or false when not run. */
  readonly dhcp: Readonly<Record<string, unknown>> | false;
  readonly tftp: Readonly<Record<string, unknown>> | false;
  readonly httpPort: number;
  readonly release: Release;
  /** The puppet environment published to, when there is one. */
  readonly puppetDirectory?: string;
  readonly refusals: readonly Refusal[];
  readonly repo?: string;
  /** The forge followed (oci serve --remote), as the last exchange left it. */
  readonly remote?: RemoteState;
}

/** The status page's service line: each of oci serve's parts, ok, failing, or not run (null). */
export function serviceHealth(input: ServiceHealthInput): ServiceHealth[] {
  const { dhcp, tftp, release } = input;
  const refusedPublish = input.refusals.find((r) => r.stage === "publish");
  const serving = release !== EMPTY_RELEASE;
  return [
    dhcp ? { name: "dhcp", ok: true, detail: `port ${String(dhcp["port"])}${dhcp["warning"] ? `: ${String(dhcp["warning"])}` : ""}` } : { name: "dhcp", ok: null, detail: "not run (--no-dhcp)" },
    tftp ? { name: "tftp", ok: true, detail: `port ${String(tftp["port"])}, ${String(tftp["engine"])} engine` } : { name: "tftp", ok: null, detail: "not run (--no-tftp)" },
    { name: "http", ok: serving, detail: serving ? `port ${input.httpPort || "chosen"}, serving ${release.id}` : "no release applied: boot files are not served" },
    input.puppetDirectory
      ? { name: "puppet", ok: !refusedPublish, detail: refusedPublish ? refusedPublish.reason : `environment ${input.puppetDirectory}` }
      : { name: "puppet", ok: null, detail: "not published (no --puppet-env-dir)" },
    input.remote ? remoteHealth(input.remote)
      : { name: "git remote", ok: null, detail: input.repo ? `follows the repository ${input.repo} on this host; no remote configured` : "serves one render directory" },
  ];
}

function remoteHealth(remote: RemoteState): ServiceHealth {
  if (remote.ok === undefined) return { name: "git remote", ok: null, detail: `${remote.url}: first exchange under way` };
  const last = remote.lastSuccessAt === undefined ? "never reached" : `last exchange ${new Date(remote.lastSuccessAt).toISOString()}`;
  return remote.ok
    ? { name: "git remote", ok: true, detail: `${remote.url}: ${last}` }
    : { name: "git remote", ok: false, detail: `${remote.url}: ${remote.error ?? "failed"} (${last})` };
}
