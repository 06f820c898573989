import type { CompilePorts } from "../ports.js";
import type { SecretKind } from "./secret-catalog.js";

const ALPHANUMERIC = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

/** A fresh secret value of `kind`, from the randomness port only. */
export function generateSecret(kind: SecretKind, ports: CompilePorts): string {
  switch (kind) {
    case "password":
      return alphanumeric(32, ports);
    case "hex":
      return Buffer.from(ports.randomBytes(16)).toString("hex");
    case "uuid": {
      const b = Buffer.from(ports.randomBytes(16));
      b[6] = (b[6]! & 0x0f) | 0x40; // RFC 4122 version 4
      b[8] = (b[8]! & 0x3f) | 0x80; // RFC 4122 variant
      const h = b.toString("hex");
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    }
    case "cephx":
      return cephxKey(ports);
    case "fernet":
      // A Fernet key (keystone's token and credential keys, barbican's KEK): 32 bytes, URL-safe base64 with padding.
      return Buffer.from(ports.randomBytes(32)).toString("base64url") + "=";
    case "ipmi-password":
      // IPMI 1.5 BMCs take at most 16 characters (2.0: 20); letters and digits pass every vendor's check.
      return alphanumeric(16, ports);
    case "corosync-key":
      // corosync reads at least 1024 bits of key material from its authkey file: 128 random bytes, written as hex.
      return Buffer.from(ports.randomBytes(128)).toString("hex");
  }
}

// 62 does not divide 256: bytes of 248 and above are rejected so every character is equally likely.
function alphanumeric(length: number, ports: CompilePorts): string {
  let out = "";
  while (out.length < length) {
    for (const byte of ports.randomBytes(length)) {
      if (byte < 248 && out.length < length) out += ALPHANUMERIC[byte % 62];
    }
  }
  return out;
}

/**
 * A Ceph secret as `ceph-authtool --gen-print-key` prints it: base64 of a little-endian header
 * (type 1 = AES, created seconds and nanoseconds, length 16) followed by 16 random bytes. The
 * creation time is zero so the value depends on randomness alone.
 */
function cephxKey(ports: CompilePorts): string {
  const header = Buffer.alloc(12);
  header.writeUInt16LE(1, 0);
  header.writeUInt16LE(16, 10);
  return Buffer.concat([header, Buffer.from(ports.randomBytes(16))]).toString("base64");
}
