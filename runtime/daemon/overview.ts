import type { SetupOrder } from "../../compiler/emit/setup/render-setup-order.js";
import { machineInventory, recordLookup, type InventoryRow } from "../inventory/machine-inventory.js";
import type { ActivitySample } from "../observe/activity-history.js";
import { setupGates } from "../setup/setup-gates.js";
import type { StatusSnapshot } from "../state/status-store.js";
import type { DaemonState, Refusal } from "./daemon-state.js";

export interface ServiceHealth {
  readonly name: "dhcp" | "tftp" | "http" | "puppet" | "git remote";
  /** null: not run by this daemon. */
  readonly ok: boolean | null;
  readonly detail: string;
}

export interface WaveView {
  readonly wave: number;
  readonly machines: number;
  readonly succeeded: number;
  readonly open: boolean;
  /** The machines of earlier waves it waits for (the first ten), and how many in all. */
  readonly waitingFor: readonly string[];
  readonly waitingCount: number;
}

/** What the status page shows: one JSON document (no clock in it: an unchanged one is not sent again), sent whole on every change (`/api/v1/overview`, `/api/v1/events`). */
export interface Overview {
  readonly release?: {
    readonly id: string; readonly commit?: string; readonly appliedAt: string;
    readonly source?: { readonly commit: string; readonly author?: string; readonly subject?: string; readonly time?: string };
  };
  /** The forge link of a commit, `{commit}` standing for its id (site setting statusPage.commitUrl). */
  readonly commitUrl?: string;
  readonly refusals: readonly (Omit<Refusal, "at"> & { readonly at: string })[];
  readonly warnings: readonly string[];
  readonly health: readonly ServiceHealth[];
  readonly clusters: readonly { readonly cluster: string; readonly waves: readonly WaveView[] }[];
  readonly machines: readonly InventoryRow[];
  readonly history: readonly ActivitySample[];
}

export interface OverviewInputs {
  readonly daemon?: DaemonState;
  readonly order?: SetupOrder;
  readonly status: StatusSnapshot;
  readonly health: readonly ServiceHealth[];
  readonly history: readonly ActivitySample[];
  readonly commitUrl?: string;
}

const iso = (ms: number) => new Date(ms).toISOString();

export function overview(inputs: OverviewInputs): Overview {
  const release = inputs.daemon?.release;
  return {
    ...(release ? {
      release: {
        id: release.id, ...(release.commit ? { commit: release.commit } : {}), appliedAt: iso(release.appliedAt),
        ...(release.source ? {
          source: {
            commit: release.source, ...(release.sourceAuthor ? { author: release.sourceAuthor } : {}),
            ...(release.sourceSubject ? { subject: release.sourceSubject } : {}), ...(release.sourceTime ? { time: iso(release.sourceTime) } : {}),
          },
        } : {}),
      },
    } : {}),
    ...(inputs.commitUrl ? { commitUrl: inputs.commitUrl } : {}),
    refusals: (inputs.daemon?.refusals ?? []).map((r) => ({ ...r, at: iso(r.at) })),
    warnings: inputs.daemon?.warnings ?? [],
    health: inputs.health,
    clusters: inputs.order ? wavesByCluster(inputs.order, inputs.status) : [],
    machines: machineInventory(inputs.order, inputs.status),
    history: inputs.history,
  };
}

/** Per cluster, each setup wave: how many machines, how many succeeded, whether Puppet is open to it, and whom it waits for. */
export function wavesByCluster(order: SetupOrder, status: StatusSnapshot): { cluster: string; waves: WaveView[] }[] {
  const gates = setupGates(order, status);
  const lookup = recordLookup(status);
  const clusters = new Map<string, Map<number, { machines: number; succeeded: number; open: boolean; waitingFor: readonly string[] }>>();
  for (const m of order.machines) {
    const waves = clusters.get(m.cluster) ?? new Map();
    clusters.set(m.cluster, waves);
    const gate = gates.get(m.fqdn)!;
    const wave = waves.get(m.wave) ?? { machines: 0, succeeded: 0, open: gate.open, waitingFor: gate.waitingFor };
    waves.set(m.wave, { ...wave, machines: wave.machines + 1, succeeded: wave.succeeded + (status.succeeded[lookup(m)?.serial ?? ""] ? 1 : 0) });
  }
  return [...clusters].sort(([a], [b]) => (a < b ? -1 : 1)).map(([cluster, waves]) => ({
    cluster,
    waves: [...waves].sort(([a], [b]) => a - b).map(([wave, w]) => ({
      wave, machines: w.machines, succeeded: w.succeeded, open: w.open, waitingFor: w.waitingFor.slice(0, 10), waitingCount: w.waitingFor.length,
    })),
  }));
}
