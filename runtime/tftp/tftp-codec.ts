// TFTP wire format: RFC 1350 packets, RFC 2347 option lists (OACK). Nothing about policy here.

export const Opcode = { rrq: 1, wrq: 2, data: 3, ack: 4, error: 5, oack: 6 } as const;
export const ErrorCode = { undefined: 0, notFound: 1, accessViolation: 2, illegalOperation: 4, unknownTid: 5, optionRefused: 8 } as const;

export type TftpPacket =
  | { readonly op: "rrq" | "wrq"; readonly filename: string; readonly mode: string; readonly options: ReadonlyMap<string, string> }
  | { readonly op: "data"; readonly block: number; readonly data: Buffer }
  | { readonly op: "ack"; readonly block: number }
  | { readonly op: "error"; readonly code: number; readonly message: string }
  | { readonly op: "oack"; readonly options: ReadonlyMap<string, string> };

export class TftpDecodeError extends Error {
  readonly code = "OCI4101";
  constructor(readonly reason: string) {
    super(`malformed TFTP packet: ${reason}`);
    this.name = "TftpDecodeError";
  }
}

export function decodeTftp(buffer: Buffer): TftpPacket {
  if (buffer.length < 4) throw new TftpDecodeError(`${buffer.length} bytes`);
  const opcode = buffer.readUInt16BE(0);
  switch (opcode) {
    case Opcode.rrq:
    case Opcode.wrq: {
      const fields = strings(buffer.subarray(2));
      if (fields.length < 2 || fields.length % 2 !== 0) throw new TftpDecodeError("request fields");
      const options = new Map<string, string>();
      for (let i = 2; i < fields.length; i += 2) options.set(fields[i]!.toLowerCase(), fields[i + 1]!);
      return { op: opcode === Opcode.rrq ? "rrq" : "wrq", filename: fields[0]!, mode: fields[1]!.toLowerCase(), options };
    }
    case Opcode.data:
      return { op: "data", block: buffer.readUInt16BE(2), data: buffer.subarray(4) };
    case Opcode.ack:
      return { op: "ack", block: buffer.readUInt16BE(2) };
    case Opcode.error:
      return { op: "error", code: buffer.readUInt16BE(2), message: strings(buffer.subarray(4))[0] ?? "" };
    case Opcode.oack: {
      const fields = strings(buffer.subarray(2));
      const options = new Map<string, string>();
      for (let i = 0; i + 1 < fields.length; i += 2) options.set(fields[i]!.toLowerCase(), fields[i + 1]!);
      return { op: "oack", options };
    }
    default:
      throw new TftpDecodeError(`opcode ${opcode}`);
  }
}

/** The 4-byte header of a DATA packet; the payload is sent after it as a second buffer of the same datagram. */
export function dataHeader(block: number): Buffer {
  const header = Buffer.allocUnsafe(4);
  header.writeUInt16BE(Opcode.data, 0);
  header.writeUInt16BE(block & 0xffff, 2);
  return header;
}

export function errorPacket(code: number, message: string): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt16BE(Opcode.error, 0);
  header.writeUInt16BE(code, 2);
  return Buffer.concat([header, Buffer.from(`${message}\0`, "latin1")]);
}

export function oackPacket(options: ReadonlyMap<string, string>): Buffer {
  const parts = [Buffer.from([0, Opcode.oack])];
  for (const [name, value] of options) parts.push(Buffer.from(`${name}\0${value}\0`, "latin1"));
  return Buffer.concat(parts);
}

/** NUL-terminated strings; the last must be terminated (RFC 1350 §5). */
function strings(buffer: Buffer): string[] {
  if (buffer.length === 0 || buffer[buffer.length - 1] !== 0) throw new TftpDecodeError("unterminated string");
  return buffer.subarray(0, -1).toString("latin1").split("\0");
}
