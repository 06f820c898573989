import { createSocket, type RemoteInfo, type Socket } from "node:dgram";
import { logEvent, type Metrics } from "../observe/metrics.js";
import { dataHeader, decodeTftp, ErrorCode, errorPacket, oackPacket, Opcode, type TftpPacket } from "./tftp-codec.js";
import { nativePump, type NativePump } from "./native-pump.js";
import { negotiate, type TransferParameters } from "./tftp-options.js";

/** A readable file: in memory (release files) or on disk (boot programs, live image). */
export interface TftpSource {
  readonly size: number;
  /** A Buffer when the bytes are at hand (memory, or the chunk already read), else a promise. */
  read(offset: number, length: number): Buffer | Promise<Buffer>;
  close(): void;
  /** What the native pump reads instead: the open file's descriptor, or the bytes in memory. */
  readonly handoff?: { readonly file: number } | { readonly data: Buffer };
}

export type TftpResolution = { readonly source: TftpSource } | { readonly error: "not-found" | "access-violation" };

export interface TftpServerOptions {
  readonly port: number;
  readonly listen: string;
  readonly resolve: (filename: string) => Promise<TftpResolution>;
  readonly metrics: Metrics;
  readonly maxSessions?: number;
  /** Transfers one client address may run at once (default 8). */
  readonly maxPerClient?: number;
  /** How long a transfer may wait for its first ACK (default 10 s), and how long standing still makes it evictable (default 3 s). */
  readonly firstAckMs?: number;
  readonly stalledMs?: number;
  readonly retries?: number;
  /** "auto" (the default): the native data pump when it was built, else JavaScript; "js": JavaScript only. */
  readonly engine?: "auto" | "js";
  /** False until every service of oci serve is bound: requests before are dropped. Default: always serving. */
  readonly serving?: () => boolean;
}

export class TftpBindError extends Error {
  readonly code = "OCI3203";
  constructor(detail: string) {
    super(detail);
    this.name = "TftpBindError";
  }
}

/** The running server, and which engine moves the data (with the reason when it is not the native pump). */
export interface TftpServer {
  readonly port: number;
  readonly engine: "native" | "js";
  readonly engineReason?: string;
  sessions(): number;
  close(): Promise<void>;
}

/**
 * Read-only TFTP (RFC 1350) with option negotiation (RFC 2347–2349) and windowed transfers
 * (RFC 7440). Each transfer runs on its own socket (its TID); lost packets are retransmitted on
 * timeout, a transfer gives up after `retries` silent timeouts, and at most `maxSessions` run at once.
 * Requests, names and options are handled here; once a transfer is negotiated, the native pump
 * (when built) sends it on a thread of its own, else this file's JavaScript does.
 */
export async function startTftpServer(options: TftpServerOptions): Promise<TftpServer> {
  const sessions = new Set<Session>();
  const native = options.engine === "js" ? { reason: "engine js requested" } : nativePump();
  const socket = createSocket("udp4");
  socket.on("message", (message, peer) => {
    if (options.serving && !options.serving()) return;
    let packet: TftpPacket;
    try {
      packet = decodeTftp(message);
    } catch {
      options.metrics.count("oci_tftp_errors_total", "TFTP errors by kind", { kind: "malformed" });
      return;
    }
    if (packet.op === "wrq") {
      options.metrics.count("oci_tftp_errors_total", "TFTP errors by kind", { kind: "write_refused" });
      socket.send(errorPacket(ErrorCode.accessViolation, "read-only server"), peer.port, peer.address);
      return;
    }
    if (packet.op !== "rrq") return;
    const refusal = admit(sessions, peer.address, options);
    if (refusal) {
      options.metrics.count("oci_tftp_errors_total", "TFTP errors by kind", { kind: refusal.kind });
      socket.send(errorPacket(ErrorCode.undefined, refusal.text), peer.port, peer.address);
      return;
    }
    const session = new Session(packet.filename, packet.options, peer, options, native.pump, () => sessions.delete(session));
    sessions.add(session);
    // A request the socket layer refuses (a source port of 0, say) ends that transfer, never the daemon.
    session.start().catch((error: Error) => session.fail(error));
  });
  await new Promise<void>((resolve, reject) => {
    const fail = (error: Error) => reject(new TftpBindError(`cannot bind TFTP on ${options.listen}:${options.port}: ${error.message}`));
    socket.once("error", fail);
    socket.bind(options.port, options.listen, () => {
      socket.off("error", fail);
      resolve();
    });
  });
  // After the bind, a socket error (an ICMP error surfacing, say) is logged; it never ends the process.
  socket.on("error", (error) => logEvent("tftp.socket_error", { error: error.message }));
  // A transfer no ACK ever moved on gives its slot back after FIRST_ACK_MS, whatever timeout it asked.
  const sweeper = setInterval(() => {
    const now = Date.now();
    for (const s of sessions) {
      if (s.progress() === 0 && now - s.startedAt > (options.firstAckMs ?? FIRST_ACK_MS)) {
        options.metrics.count("oci_tftp_errors_total", "TFTP errors by kind", { kind: "no_first_ack" });
        s.abort();
      }
    }
  }, Math.min(1000, options.firstAckMs ?? FIRST_ACK_MS));
  sweeper.unref();
  return {
    port: socket.address().port,
    engine: native.pump ? "native" : "js",
    ...(native.reason ? { engineReason: native.reason } : {}),
    sessions: () => sessions.size,
    close: async () => {
      clearInterval(sweeper);
      for (const s of sessions) s.abort();
      await new Promise<void>((resolve) => socket.close(() => resolve()));
    },
  };
}

/** How long a transfer may wait for its first ACK, and how long without progress makes it evictable. */
const FIRST_ACK_MS = 10_000;
const STALLED_MS = 3_000;

/**
 * Whether a new request gets a transfer slot. One address may hold `maxPerClient` transfers; when
 * every slot is taken, the transfer that stood still longest (at least STALLED_MS) is evicted for
 * it, so a flood of requests that are never acknowledged cannot lock machines out of booting.
 */
function admit(sessions: Set<Session>, address: string, options: TftpServerOptions): { kind: string; text: string } | undefined {
  const now = Date.now();
  const own = [...sessions].filter((s) => s.peer.address === address);
  if (own.length >= (options.maxPerClient ?? 8)) {
    const victim = mostStalled(own, now, options.stalledMs ?? STALLED_MS);
    if (!victim) return { kind: "per_client", text: "too many transfers from your address, retry" };
    options.metrics.count("oci_tftp_evicted_total", "stalled TFTP transfers ended to make room for a new request");
    victim.abort();
  }
  if (sessions.size >= (options.maxSessions ?? 64)) {
    const victim = mostStalled([...sessions], now, options.stalledMs ?? STALLED_MS);
    if (!victim) return { kind: "busy", text: "server busy, retry" };
    options.metrics.count("oci_tftp_evicted_total", "stalled TFTP transfers ended to make room for a new request");
    victim.abort();
  }
  return undefined;
}

function mostStalled(candidates: readonly Session[], now: number, stalledMs: number): Session | undefined {
  let victim: Session | undefined;
  for (const s of candidates) {
    const idle = s.idleMs(now);
    if (idle >= stalledMs && (!victim || idle > victim.idleMs(now))) victim = s;
  }
  return victim;
}

class Session {
  readonly #socket: Socket = createSocket("udp4");
  #source?: TftpSource;
  #params?: TransferParameters;
  #lastBlock = 0;
  /** First block of the window not yet acknowledged (absolute, 1-based; 0 while waiting for the OACK's ACK). */
  #base = 0;
  #timer?: NodeJS.Timeout;
  #silent = 0;
  #done = false;
  #sent = 0;
  /** The native pump's handle while it sends this transfer. */
  #pumping?: unknown;
  #socketClosed = false;
  /** ACKs that moved the transfer on (the JavaScript engine's count; the pump keeps its own). */
  #acks = 0;
  #seenProgress = 0;
  #progressAt = Date.now();
  readonly startedAt = Date.now();

  constructor(
    readonly filename: string,
    readonly requested: ReadonlyMap<string, string>,
    readonly peer: RemoteInfo,
    readonly options: TftpServerOptions,
    readonly pump: NativePump | undefined,
    readonly onEnd: () => void,
  ) {}

  /** ACKs that moved the transfer on so far, whichever engine sends it. */
  progress(): number {
    return this.#pumping !== undefined ? this.pump!.progress(this.#pumping) : this.#acks;
  }

  /** Milliseconds since the transfer last moved on (or started). */
  idleMs(now: number): number {
    const progress = this.progress();
    if (progress !== this.#seenProgress) {
      this.#seenProgress = progress;
      this.#progressAt = now;
    }
    return now - this.#progressAt;
  }

  /** Ends the transfer after an unexpected error of its own socket or source. */
  fail(error: Error): void {
    logEvent("tftp.session_error", { file: this.filename, client: `${this.peer.address}:${this.peer.port}`, error: error.message });
    this.#finish("socket_error");
  }

  async start(): Promise<void> {
    this.#socket.on("message", (message) => this.#onMessage(message));
    this.#socket.on("error", () => this.#finish("socket_error"));
    await new Promise<void>((resolve) => this.#socket.bind(0, this.options.listen, () => resolve()));
    // A connected socket: the kernel drops datagrams from other transfer ids (RFC 1350 §4 allows
    // an ERROR reply instead; silence is as correct), and each send skips the address lookup.
    await new Promise<void>((resolve) => this.#socket.connect(this.peer.port, this.peer.address, () => resolve()));
    const resolution = await this.options.resolve(this.filename).catch(() => ({ error: "not-found" as const }));
    if (this.#done) {
      // Aborted (the server is closing) while the name was looked up.
      if ("source" in resolution) resolution.source.close();
      return;
    }
    if ("error" in resolution) {
      const [code, text] = resolution.error === "not-found" ? [ErrorCode.notFound, "file not found"] : [ErrorCode.accessViolation, "access violation"];
      this.#send(errorPacket(code, text));
      return this.#finish(resolution.error === "not-found" ? "not_found" : "access_violation");
    }
    this.#source = resolution.source;
    this.#params = negotiate(this.requested, this.#source.size);
    this.#lastBlock = Math.floor(this.#source.size / this.#params.blockSize) + 1;
    if (this.pump && this.#source.handoff) return this.#handOff(this.pump, this.#source.handoff);
    if (this.#params.acknowledged.size > 0) {
      this.#base = 0;
      this.#sendOack();
    } else {
      this.#base = 1;
      this.#sendWindow();
    }
  }

  abort(): void {
    // A pumped transfer ends at the pump's next look (within 100 ms), through its callback.
    if (this.#pumping !== undefined) this.pump!.abort(this.#pumping);
    else this.#finish("aborted");
  }

  /** The negotiated transfer goes to the native pump, on its own socket: nothing was sent from ours, so the client learns the pump's TID. */
  #handOff(pump: NativePump, handoff: NonNullable<TftpSource["handoff"]>): void {
    this.#closeSocket();
    const params = this.#params!;
    this.#pumping = pump.pump({
      ...handoff, size: this.#source!.size, blockSize: params.blockSize, windowSize: params.windowSize, timeoutMs: params.timeoutMs,
      retries: this.options.retries ?? 5, localAddress: this.options.listen, peerAddress: this.peer.address, peerPort: this.peer.port,
      ...(params.acknowledged.size > 0 ? { oack: oackPacket(params.acknowledged) } : {}),
    }, (result) => {
      this.#pumping = undefined;
      this.#sent = result.bytes;
      if (result.retransmits > 0) this.options.metrics.count("oci_tftp_retransmits_total", "TFTP windows sent again after a timeout", {}, result.retransmits);
      this.#finish(result.outcome);
    });
  }

  #closeSocket(): void {
    if (this.#socketClosed) return;
    this.#socketClosed = true;
    this.#socket.close();
  }

  #sendOack(): void {
    this.#send(oackPacket(this.#params!.acknowledged));
    this.#arm(() => this.#sendOack());
  }

  /** Sends the window from #base; synchronous while the bytes are at hand, which is the common case. */
  #sendWindow(): void {
    const params = this.#params!;
    const end = Math.min(this.#base + params.windowSize - 1, this.#lastBlock);
    for (let block = this.#base; block <= end && !this.#done; block++) {
      const offset = (block - 1) * params.blockSize;
      const pending = this.#source!.read(offset, Math.max(0, Math.min(params.blockSize, this.#source!.size - offset)));
      if (!Buffer.isBuffer(pending)) {
        void pending.then(() => this.#sendWindow(), () => this.#finish("read_error"));
        return;
      }
      this.#sendData(block, pending);
    }
    this.#arm(() => this.#sendWindow());
  }

  #onMessage(message: Buffer): void {
    // The hot path: an ACK is 4 bytes, read in place (one per block in lock-step transfers).
    if (message.length < 4) return;
    const opcode = message.readUInt16BE(0);
    if (opcode === Opcode.error) return this.#finish("client_error");
    if (opcode !== Opcode.ack || this.#done) return;
    const packet = { block: message.readUInt16BE(2) };
    if (this.#base === 0) {
      if (packet.block !== 0) return;
      this.#acks++;
      this.#base = 1;
      this.#silent = 0;
      this.#sendWindow();
      return;
    }
    // Block numbers wrap at 65536: place the ACK relative to the window's base.
    const windowSize = this.#params!.windowSize;
    const ahead = (packet.block - ((this.#base - 1) & 0xffff) + 0x10000) & 0xffff;
    if (ahead === 0 || ahead > windowSize) return; // a duplicate or stale ACK: ignore (no Sorcerer's Apprentice)
    const acked = this.#base - 1 + ahead;
    this.#sent += Math.min(acked * this.#params!.blockSize, this.#source!.size) - Math.min((this.#base - 1) * this.#params!.blockSize, this.#source!.size);
    this.#base = acked + 1;
    this.#silent = 0;
    this.#acks++;
    if (acked >= this.#lastBlock) return this.#finish("complete");
    this.#sendWindow();
  }

  #retry: () => void = () => undefined;

  /** One timer per transfer, pushed back on progress (refresh() is far cheaper than a new timer per block). */
  #arm(retry: () => void): void {
    this.#retry = retry;
    if (this.#timer) {
      this.#timer.refresh();
      return;
    }
    this.#timer = setTimeout(() => this.#onTimeout(), this.#params?.timeoutMs ?? 1000);
  }

  #onTimeout(): void {
    this.#timer = undefined;
    if (this.#done) return;
    if (++this.#silent > (this.options.retries ?? 5)) return this.#finish("timeout");
    this.options.metrics.count("oci_tftp_retransmits_total", "TFTP windows sent again after a timeout");
    this.#retry();
  }

  #pending = 0;
  #closeWhenSent = false;

  /** OACK and ERROR: counted, so the socket is closed only after they left. */
  #send(packet: Buffer): void {
    if (this.#done) return;
    this.#pending++;
    this.#socket.send(packet, this.#afterSend);
  }

  /**
   * DATA, the hot path: header and payload go out as one datagram from two buffers (no copy of the
   * payload), without a completion callback (no request object per block). A DATA still queued
   * when the transfer ends does not matter: the client has acknowledged the last block, or given up.
   */
  #sendData(block: number, payload: Buffer): void {
    if (this.#done) return;
    this.#socket.send([dataHeader(block), payload]);
  }

  // A socket closed with a datagram still queued drops it (the final ERROR, say): close after the last send.
  readonly #afterSend = (): void => {
    if (--this.#pending === 0 && this.#closeWhenSent) this.#closeSocket();
  };

  #finish(outcome: string): void {
    if (this.#done) return;
    this.#done = true;
    clearTimeout(this.#timer);
    this.#source?.close();
    this.options.metrics.count("oci_tftp_transfers_total", "TFTP transfers by outcome", { outcome });
    this.options.metrics.count("oci_tftp_bytes_total", "TFTP payload bytes acknowledged by clients", {}, this.#sent);
    // The options the client asked for and what was agreed (UEFI firmware asks for windowsize, curl and tftp-hpa do not).
    logEvent("tftp.transfer", {
      file: this.filename, client: `${this.peer.address}:${this.peer.port}`, outcome, bytes: this.#sent,
      ...(this.requested.size > 0 ? { requested: Object.fromEntries(this.requested) } : {}),
      ...(this.#params && this.#params.acknowledged.size > 0 ? { negotiated: Object.fromEntries(this.#params.acknowledged) } : {}),
    });
    if (this.#pending === 0) this.#closeSocket();
    else this.#closeWhenSent = true;
    this.onEnd();
  }
}
