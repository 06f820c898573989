import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { contains, formatIpv4, hasHostBits, isHostAddress, netmaskOf, overlaps, parseCidr, parseIpv4 } from "../../../compiler/net/ipv4.js";

describe("ipv4", () => {
  it("round-trips addresses at the edges of the space", () => {
    for (const text of ["0.0.0.0", "10.1.2.3", "192.168.100.255", "255.255.255.255"]) assert.equal(formatIpv4(parseIpv4(text)), text);
    assert.equal(parseIpv4("255.255.255.255"), 0xffffffff);
  });

  it("parses networks and their bounds", () => {
    const net = parseCidr("10.1.0.0/24");
    assert.equal(formatIpv4(net.base), "10.1.0.0");
    assert.equal(formatIpv4(net.last), "10.1.0.255");
    assert.equal(netmaskOf(24), "255.255.255.0");
    assert.equal(netmaskOf(0), "0.0.0.0");
    assert.equal(formatIpv4(parseCidr("0.0.0.0/0").last), "255.255.255.255");
  });

  it("knows host bits, host addresses, /31 and /32", () => {
    assert.equal(hasHostBits("10.1.0.7/24"), true);
    assert.equal(hasHostBits("10.1.0.0/24"), false);
    const net = parseCidr("10.1.0.0/24");
    assert.equal(isHostAddress(net, parseIpv4("10.1.0.0")), false);
    assert.equal(isHostAddress(net, parseIpv4("10.1.0.255")), false);
    assert.equal(isHostAddress(net, parseIpv4("10.1.0.1")), true);
    assert.equal(isHostAddress(net, parseIpv4("10.1.1.1")), false);
    assert.equal(isHostAddress(parseCidr("10.1.0.0/31"), parseIpv4("10.1.0.0")), true);
    assert.equal(isHostAddress(parseCidr("10.1.0.9/32"), parseIpv4("10.1.0.9")), true);
  });

  it("detects overlap and containment", () => {
    assert.equal(overlaps(parseCidr("10.1.0.0/24"), parseCidr("10.1.0.128/25")), true);
    assert.equal(overlaps(parseCidr("10.1.0.0/24"), parseCidr("10.1.1.0/24")), false);
    assert.equal(contains(parseCidr("10.0.0.0/8"), parseIpv4("10.255.255.255")), true);
    assert.equal(contains(parseCidr("10.0.0.0/8"), parseIpv4("11.0.0.0")), false);
  });
});
