import { nativeModule } from "../native/load-native.js";

/** One negotiated transfer, as the pump sends it: the source, the parameters, the two ends. */
export interface PumpTransfer {
  /** The source: an open file descriptor, or bytes in memory. */
  readonly file?: number;
  readonly data?: Buffer;
  readonly size: number;
  readonly blockSize: number;
  readonly windowSize: number;
  readonly timeoutMs: number;
  readonly retries: number;
  readonly localAddress: string;
  readonly peerAddress: string;
  readonly peerPort: number;
  /** Sent first, and retransmitted until ACK 0, when options were negotiated. */
  readonly oack?: Buffer;
}

export interface PumpResult {
  readonly outcome: "complete" | "timeout" | "client_error" | "socket_error" | "read_error" | "aborted";
  /** Payload bytes the client acknowledged. */
  readonly bytes: number;
  readonly retransmits: number;
  /** The transfer's own port (its TID). */
  readonly port: number;
}

/** The native data pump (native/tftp-pump.c): each transfer on its own thread and socket. */
export interface NativePump {
  pump(transfer: PumpTransfer, done: (result: PumpResult) => void): unknown;
  abort(handle: unknown): void;
  /** ACKs that moved the transfer on so far. */
  progress(handle: unknown): number;
}

/** The pump built by `npm run build`, or why it is not there (oci serve then uses its JavaScript engine). */
export function nativePump(): { pump?: NativePump; reason?: string } {
  const { module, reason } = nativeModule<NativePump>("tftp_pump");
  return module ? { pump: module } : { ...(reason ? { reason } : {}) };
}
