import { randomBytes, scryptSync, timingSafeEqual } from "node:crypto";

// scrypt at N=2^15, r=8, p=1 (about 50 ms here): the status page's users, salted, never in clear in the site.
const PARAMS = { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };
const FORMAT = /^scrypt\$([A-Za-z0-9+/]{22})\$([A-Za-z0-9+/]{43})$/;

const unpadded = (bytes: Buffer) => bytes.toString("base64").replace(/=+$/, "");

/** `scrypt$<salt>$<hash>`, base64 without padding: what `oci hash-password` prints and statusPage.users[].passwordHash holds. */
export function hashPassword(password: string, salt: Buffer = randomBytes(16)): string {
  return `scrypt$${unpadded(salt)}$${unpadded(scryptSync(password, salt, 32, PARAMS))}`;
}

export function verifyPassword(password: string, hash: string): boolean {
  const parts = FORMAT.exec(hash);
  if (!parts) return false;
  const expected = Buffer.from(parts[2]!, "base64");
  return timingSafeEqual(scryptSync(password, Buffer.from(parts[1]!, "base64"), 32, PARAMS), expected);
}
