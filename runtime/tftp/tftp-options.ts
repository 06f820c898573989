// Which requested options the server accepts, and with what values: RFC 2348 (blksize),
// RFC 2349 (timeout, tsize), RFC 7440 (windowsize). A pure function, table-tested.

export interface TransferParameters {
  readonly blockSize: number;
  readonly timeoutMs: number;
  readonly windowSize: number;
  /** Options to acknowledge in an OACK; empty means no OACK (plain RFC 1350 transfer). */
  readonly acknowledged: ReadonlyMap<string, string>;
}

export const DEFAULT_BLOCK_SIZE = 512;
export const MAX_WINDOW = 64;
/** The longest retransmission timeout a client may ask for, in seconds. */
export const MAX_TIMEOUT_S = 10;

export function negotiate(requested: ReadonlyMap<string, string>, fileSize: number, defaultTimeoutMs = 1000): TransferParameters {
  const acknowledged = new Map<string, string>();
  let blockSize = DEFAULT_BLOCK_SIZE;
  let timeoutMs = defaultTimeoutMs;
  let windowSize = 1;
  const integer = (name: string) => {
    const text = requested.get(name);
    return text !== undefined && /^\d{1,6}$/.test(text) ? Number(text) : undefined;
  };
  const blksize = integer("blksize");
  if (blksize !== undefined && blksize >= 8) {
    blockSize = Math.min(blksize, 65464);
    acknowledged.set("blksize", String(blockSize));
  }
  // RFC 2349: seconds, 1 to 255; a server may decline it (leave it out of the OACK). Above
  // MAX_TIMEOUT_S it is declined: a client asking 255 s would hold a transfer slot for (retries+1)
  // × 255 s without ever answering. Milliseconds (curl and node-tftp send them) are declined too.
  const timeout = integer("timeout");
  if (timeout !== undefined && timeout >= 1 && timeout <= MAX_TIMEOUT_S) {
    timeoutMs = timeout * 1000;
    acknowledged.set("timeout", String(timeout));
  }
  if (requested.get("tsize") === "0") acknowledged.set("tsize", String(fileSize));
  const window = integer("windowsize");
  if (window !== undefined && window >= 1) {
    windowSize = Math.min(window, MAX_WINDOW);
    acknowledged.set("windowsize", String(windowSize));
  }
  return { blockSize, timeoutMs, windowSize, acknowledged };
}
