// DHCPv4 wire format (RFC 2131 §2, options RFC 2132). Bytes to a typed packet and back; nothing
// about what to answer lives here.

export const MAGIC_COOKIE = 0x63825363;
const FIXED_LENGTH = 236;

export const MessageType = { discover: 1, offer: 2, request: 3, decline: 4, ack: 5, nak: 6, release: 7, inform: 8 } as const;
export type MessageTypeName = keyof typeof MessageType;

export const Option = {
  subnetMask: 1, router: 3, dnsServers: 6, hostName: 12, domainName: 15, interfaceMtu: 26, requestedAddress: 50,
  leaseTime: 51, overload: 52, messageType: 53, serverId: 54, parameterList: 55, renewalTime: 58, rebindingTime: 59,
  vendorClass: 60, clientId: 61, userClass: 77, relayAgent: 82, clientArch: 93, end: 255, pad: 0,
} as const;

export interface DhcpPacket {
  readonly op: 1 | 2;
  readonly htype: number;
  readonly hlen: number;
  readonly hops: number;
  readonly xid: number;
  readonly secs: number;
  readonly flags: number;
  readonly ciaddr: string;
  readonly yiaddr: string;
  readonly siaddr: string;
  readonly giaddr: string;
  /** Lowercase colon form for Ethernet (htype 1, hlen 6); hex otherwise. */
  readonly chaddr: string;
  readonly sname: string;
  readonly file: string;
  /** Raw option payloads by code, in the order received. */
  readonly options: ReadonlyMap<number, Buffer>;
}

export class DhcpDecodeError extends Error {
  readonly code = "OCI4001";
  constructor(readonly reason: string) {
    super(`malformed DHCP packet: ${reason}`);
    this.name = "DhcpDecodeError";
  }
}

export function decodeDhcp(buffer: Buffer): DhcpPacket {
  if (buffer.length < FIXED_LENGTH + 4) throw new DhcpDecodeError(`${buffer.length} bytes, fewer than ${FIXED_LENGTH + 4}`);
  const op = buffer[0]!;
  if (op !== 1 && op !== 2) throw new DhcpDecodeError(`op ${op}`);
  const hlen = buffer[2]!;
  if (hlen > 16) throw new DhcpDecodeError(`hlen ${hlen}`);
  if (buffer.readUInt32BE(FIXED_LENGTH) !== MAGIC_COOKIE) throw new DhcpDecodeError("no magic cookie");
  const options = new Map<number, Buffer>();
  let i = FIXED_LENGTH + 4;
  while (i < buffer.length) {
    const code = buffer[i++]!;
    if (code === Option.pad) continue;
    if (code === Option.end) break;
    if (i >= buffer.length) throw new DhcpDecodeError(`option ${code} has no length`);
    const length = buffer[i++]!;
    if (i + length > buffer.length) throw new DhcpDecodeError(`option ${code} runs past the end`);
    const value = buffer.subarray(i, i + length);
    // RFC 3396: a repeated option is one long option, concatenated.
    options.set(code, options.has(code) ? Buffer.concat([options.get(code)!, value]) : Buffer.from(value));
    i += length;
  }
  const hardware = buffer.subarray(28, 28 + hlen);
  return {
    op, htype: buffer[1]!, hlen, hops: buffer[3]!, xid: buffer.readUInt32BE(4), secs: buffer.readUInt16BE(8), flags: buffer.readUInt16BE(10),
    ciaddr: ipAt(buffer, 12), yiaddr: ipAt(buffer, 16), siaddr: ipAt(buffer, 20), giaddr: ipAt(buffer, 24),
    chaddr: buffer[1] === 1 && hlen === 6 ? [...hardware].map((b) => b.toString(16).padStart(2, "0")).join(":") : hardware.toString("hex"),
    sname: cString(buffer.subarray(44, 108)), file: cString(buffer.subarray(108, 236)), options,
  };
}

export function encodeDhcp(packet: DhcpPacket): Buffer {
  const optionBytes: number[] = [];
  for (const [code, value] of packet.options) {
    // Values longer than 255 bytes are split into consecutive options (RFC 3396).
    for (let offset = 0; offset < Math.max(value.length, 1); offset += 255) {
      const chunk = value.subarray(offset, offset + 255);
      optionBytes.push(code, chunk.length, ...chunk);
    }
  }
  optionBytes.push(Option.end);
  const buffer = Buffer.alloc(Math.max(FIXED_LENGTH + 4 + optionBytes.length, 300));
  buffer[0] = packet.op;
  buffer[1] = packet.htype;
  buffer[2] = packet.hlen;
  buffer[3] = packet.hops;
  buffer.writeUInt32BE(packet.xid >>> 0, 4);
  buffer.writeUInt16BE(packet.secs, 8);
  buffer.writeUInt16BE(packet.flags, 10);
  writeIp(buffer, 12, packet.ciaddr);
  writeIp(buffer, 16, packet.yiaddr);
  writeIp(buffer, 20, packet.siaddr);
  writeIp(buffer, 24, packet.giaddr);
  const hardware = packet.htype === 1 && packet.hlen === 6 ? Buffer.from(packet.chaddr.replace(/:/g, ""), "hex") : Buffer.from(packet.chaddr, "hex");
  hardware.copy(buffer, 28, 0, Math.min(16, hardware.length));
  Buffer.from(packet.sname, "latin1").copy(buffer, 44, 0, 63);
  Buffer.from(packet.file, "latin1").copy(buffer, 108, 0, 127);
  buffer.writeUInt32BE(MAGIC_COOKIE, FIXED_LENGTH);
  Buffer.from(optionBytes).copy(buffer, FIXED_LENGTH + 4);
  return buffer;
}

export function messageTypeOf(packet: DhcpPacket): MessageTypeName | undefined {
  const value = packet.options.get(Option.messageType)?.[0];
  return (Object.keys(MessageType) as MessageTypeName[]).find((name) => MessageType[name] === value);
}

export function ipOption(packet: DhcpPacket, code: number): string | undefined {
  const value = packet.options.get(code);
  return value && value.length === 4 ? [...value].join(".") : undefined;
}

export function ipBytes(address: string): Buffer {
  return Buffer.from(address.split(".").map(Number));
}

function ipAt(buffer: Buffer, offset: number): string {
  return `${buffer[offset]}.${buffer[offset + 1]}.${buffer[offset + 2]}.${buffer[offset + 3]}`;
}

function writeIp(buffer: Buffer, offset: number, address: string): void {
  ipBytes(address).copy(buffer, offset);
}

function cString(bytes: Buffer): string {
  const end = bytes.indexOf(0);
  return bytes.subarray(0, end === -1 ? bytes.length : end).toString("latin1");
}
