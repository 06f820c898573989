import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { hashPassword, verifyPassword } from "../../../runtime/http/password-hash.js";
import { pageAccess } from "../../../runtime/http/status-page.js";

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;

describe("who may read the status page", () => {
  it("is open to anyone without settings", () => {
    assert.equal(pageAccess({}, "10.9.8.7", "", new Set()), undefined);
  });

  it("statusPage.allow: this host (loopback or its own addresses) and the listed networks only", () => {
    const settings = { allow: ["10.1.0.0/16", "192.168.100.0/24"] };
    assert.equal(pageAccess(settings, "10.1.200.3", "", new Set()), undefined);
    assert.equal(pageAccess(settings, "192.168.100.254", "", new Set()), undefined);
    assert.equal(pageAccess(settings, "127.0.0.1", "", new Set()), undefined, "this host");
    assert.equal(pageAccess(settings, "::1", "", new Set()), undefined, "this host over IPv6");
    // Documentation addresses (RFC 5737, RFC 3849): never one of this host's own.
    const refused = pageAccess(settings, "192.0.2.1", "", new Set());
    assert.equal(refused?.status, 403);
    assert.match(refused!.body, /not open to 192\.0\.2\.1 \(site setting statusPage\.allow\)/);
    assert.equal(pageAccess(settings, "2001:db8::1", "", new Set())?.status, 403, "an IPv6 client is in no IPv4 network");
  });

  it("statusPage.users: basic authentication against the scrypt hash, remembered once verified", () => {
    const settings = { users: [{ name: "ops", passwordHash: hashPassword("correct horse battery staple") }] };
    const verified = new Set<string>();
    assert.equal(pageAccess(settings, "127.0.0.1", "", verified)?.status, 401, "this host too");
    assert.match(pageAccess(settings, "10.0.0.1", "", verified)!.headers["www-authenticate"]!, /^Basic realm="oci"/);
    assert.equal(pageAccess(settings, "10.0.0.1", basic("ops", "wrong"), verified)?.status, 401);
    assert.equal(pageAccess(settings, "10.0.0.1", basic("root", "correct horse battery staple"), verified)?.status, 401);
    assert.equal(pageAccess(settings, "10.0.0.1", "Bearer x", verified)?.status, 401);
    assert.equal(pageAccess(settings, "10.0.0.1", basic("ops", "correct horse battery staple"), verified), undefined);
    assert.equal(verified.size, 1);
  });

  it("a password hash is salted, verifies only its password, and a malformed one never verifies", () => {
    const a = hashPassword("correct horse battery staple");
    const b = hashPassword("correct horse battery staple");
    assert.notEqual(a, b, "salted");
    assert.match(a, /^scrypt\$[A-Za-z0-9+/]{22}\$[A-Za-z0-9+/]{43}$/);
    assert.equal(verifyPassword("correct horse battery staple", a), true);
    assert.equal(verifyPassword("correct horse battery stapl", a), false);
    assert.equal(verifyPassword("x", "scrypt$short$hash"), false);
  });
});
