import type { Socket } from "node:dgram";
import { nativeModule } from "../native/load-native.js";
import { hostAddresses } from "../net/host-addresses.js";

interface BindDeviceModule { bindToDevice(fd: number, name: string): number }

/** The interface that holds an IPv4 address of this host (with carrier or not), or undefined. */
export function interfaceOf(address: string): string | undefined {
  return hostAddresses().find((a) => a.address === address)?.device;
}

/**
 * SO_BINDTODEVICE on a bound dgram socket: from then on it hears only that interface. Node keeps
 * the descriptor in the socket's internal state; the native module sets the option on it.
 * Resolves to an explanation when it could not be done (no native module, no permission).
 */
export function bindSocketToDevice(socket: Socket, device: string): string | undefined {
  const { module, reason } = nativeModule<BindDeviceModule>("bind_device");
  if (!module) return `the native module is missing (${reason})`;
  const state = Object.getOwnPropertySymbols(socket).find((s) => String(s) === "Symbol(state symbol)");
  const fd = (state ? (socket as unknown as Record<symbol, { handle?: { fd?: number } }>)[state]?.handle?.fd : undefined) ?? -1;
  if (fd < 0) return "this Node.js does not expose the socket's descriptor";
  const errno = module.bindToDevice(fd, device);
  return errno === 0 ? undefined : `setsockopt(SO_BINDTODEVICE, ${device}) failed with errno ${errno}`;
}
