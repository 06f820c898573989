import { Code } from "../diagnostics/codes.js";
import type { DiagnosticBag, SourcePosition } from "../diagnostics/diagnostic.js";
import { formatIpv4, inRange, isHostAddress, parseIpv4 } from "../net/ipv4.js";
import type { IndexedNetwork } from "../validate/site-index.js";
import type { IpamAllocation, IpamState } from "./site-ir.js";

export interface AddressRequest {
  readonly key: string;
  readonly network: string;
  /** A literal address from the site; absent for `auto`. */
  readonly literal?: string;
  /** Where the request was written, for an exhaustion diagnostic; computed only then (30,000 lookups cost 0.4 s). */
  readonly at: () => SourcePosition;
}

export interface IpamResult {
  readonly addresses: ReadonlyMap<string, string>;
  readonly state: IpamState;
}

/**
 * Gives every `auto` request an address, stably: an allocation of the previous render is kept while
 * it is still free and valid, so adding or removing a machine never renumbers another. New requests
 * get the lowest free host address, VIPs first then in key order, so the same input always gives the same result.
 */
export function allocateAddresses(
  networks: ReadonlyMap<string, IndexedNetwork>,
  infrastructure: ReadonlyMap<number, string>,
  requests: readonly AddressRequest[],
  previous: IpamState | undefined,
  diagnostics: DiagnosticBag,
): IpamResult {
  const taken = new Map<string, Set<number>>();
  const takenOn = (network: string) => {
    let set = taken.get(network);
    if (!set) taken.set(network, (set = new Set()));
    return set;
  };
  const addresses = new Map<string, string>();
  // Per network, in the order state/ipam.json lists them: by address, then key.
  const byNetwork = new Map<string, { readonly allocation: IpamAllocation; readonly address: number }[]>();
  const previousByKey = previous ? indexOf(previous) : new Map<string, PreviousAllocation>();
  const record = (request: AddressRequest, address: number, origin: IpamAllocation["origin"], text = formatIpv4(address)) => {
    takenOn(request.network).add(address);
    addresses.set(request.key, text);
    const old = previousByKey.get(request.key)?.allocation;
    // An allocation the previous state holds as it is stays the same object: what is kept by it (its line of state/ipam.json) stays too.
    const same = old !== undefined && old.address === text && old.network === request.network && old.origin === origin;
    let list = byNetwork.get(request.network);
    if (!list) byNetwork.set(request.network, (list = []));
    list.push({ allocation: same ? old : { address: text, key: request.key, network: request.network, origin }, address });
  };

  const automatic: AddressRequest[] = [];
  for (const request of requests) {
    if (request.literal !== undefined) record(request, parseIpv4(request.literal), "literal");
    else automatic.push(request);
  }

  const fresh: AddressRequest[] = [];
  for (const request of automatic) {
    const old = previousByKey.get(request.key)?.auto;
    const kept = old && old.allocation.network === request.network ? old : undefined;
    const network = networks.get(request.network);
    if (network && kept && isAllocatable(network, kept.address, infrastructure) && !takenOn(request.network).has(kept.address)) {
      record(request, kept.address, "auto", kept.allocation.address);
    } else {
      fresh.push(request);
    }
  }

  const cursors = new Map<string, number>();
  for (const request of fresh.sort(byAllocationOrder)) {
    const network = networks.get(request.network);
    if (!network) continue;
    const used = takenOn(request.network);
    let candidate = cursors.get(request.network) ?? network.net.base;
    while (candidate <= network.net.last && (used.has(candidate) || !isAllocatable(network, candidate, infrastructure))) candidate++;
    cursors.set(request.network, candidate);
    if (candidate > network.net.last) {
      diagnostics.error(Code.AddressPoolExhausted, request.at(), `network ${request.network} (${network.located.doc.cidr}) has no free address left for ${request.key}`, "widen the network, shrink its reserved ranges or discovery pool, or give literal addresses");
      continue;
    }
    record(request, candidate, "auto");
  }

  const allocations: IpamAllocation[] = [];
  for (const network of [...byNetwork.keys()].sort()) for (const { allocation } of byAddress(byNetwork.get(network)!)) allocations.push(allocation);
  return { addresses, state: { version: 1, allocations } };
}

/**
 * A network's allocations by address, then key. Addresses (32 bits) and positions (20) make unique
 * numbers a typed array sorts natively; 40,000 allocations sorted by a comparator took 30 ms.
 */
function byAddress<T extends { readonly allocation: IpamAllocation; readonly address: number }>(list: readonly T[]): readonly T[] {
  const tied = (a: T, b: T) => a.address - b.address || (a.allocation.key < b.allocation.key ? -1 : 1);
  if (list.length >= 1 << 20) return [...list].sort(tied);
  const order = new Float64Array(list.length);
  for (let i = 0; i < list.length; i++) order[i] = list[i]!.address * (1 << 20) + i;
  order.sort();
  const sorted = Array.from(order, (n) => list[n % (1 << 20)]!);
  // Two allocations of one address (a site invalid elsewhere) are ordered by key, as a comparator would.
  for (let i = 1; i < sorted.length; i++) if (sorted[i - 1]!.address === sorted[i]!.address) return sorted.sort(tied);
  return sorted;
}

interface PreviousAllocation {
  /** The last allocation of the key. */
  readonly allocation: IpamAllocation;
  /** The last `auto` one, with its address parsed. */
  readonly auto?: { readonly allocation: IpamAllocation; readonly address: number };
}

// A previous state is read once per state: the daemon's is the one its last compile made, the same object.
const indexes = new WeakMap<IpamState, ReadonlyMap<string, PreviousAllocation>>();

function indexOf(state: IpamState): ReadonlyMap<string, PreviousAllocation> {
  let index = indexes.get(state);
  if (!index) {
    const built = new Map<string, PreviousAllocation>();
    for (const allocation of state.allocations) {
      const auto = allocation.origin === "auto" ? { allocation, address: parseIpv4(allocation.address) } : built.get(allocation.key)?.auto;
      built.set(allocation.key, { allocation, ...(auto ? { auto } : {}) });
    }
    indexes.set(state, (index = built));
  }
  return index;
}

// VIPs first, so a new cluster's VIP sits at the bottom of the free space, before its machines.
const KEY_RANK: Record<string, number> = { vip: 0, machine: 1, ipmi: 2 };

function byAllocationOrder(a: AddressRequest, b: AddressRequest): number {
  const rank = (key: string) => KEY_RANK[key.slice(0, key.indexOf("/"))] ?? 3;
  return rank(a.key) - rank(b.key) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}

/** Host addresses that are not the site's equipment (gateways, relays, servers, peers), reserved, or in the discovery pool. */
function isAllocatable(network: IndexedNetwork, address: number, infrastructure: ReadonlyMap<number, string>): boolean {
  if (!isHostAddress(network.net, address) || infrastructure.has(address)) return false;
  if (network.pool && inRange(network.pool, address)) return false;
  return !network.reserved.some((range) => inRange(range, address));
}

/** Reads a previous render's `state/ipam.json`. A damaged one is an error, not a reason to renumber the site. */
export function parseIpamState(text: string): IpamState | { readonly problem: string } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { problem: `not JSON: ${(error as Error).message}` };
  }
  const state = value as { version?: unknown; allocations?: unknown };
  if (state?.version !== 1 || !Array.isArray(state.allocations)) return { problem: "not an oci IPAM state (version 1)" };
  for (const a of state.allocations as Partial<IpamAllocation>[]) {
    const ok = typeof a?.key === "string" && typeof a.network === "string" && typeof a.address === "string" &&
      /^\d{1,3}(\.\d{1,3}){3}$/.test(a.address) && (a.origin === "auto" || a.origin === "literal");
    if (!ok) return { problem: `malformed allocation ${JSON.stringify(a)}` };
  }
  return state as IpamState;
}
