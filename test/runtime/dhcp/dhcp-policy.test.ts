import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { compile } from "../../../compiler/index.js";
import { DirectoryTree } from "../../../compiler/load/directory-tree.js";
import { decodeDhcp, encodeDhcp, ipBytes, MessageType, messageTypeOf, Option, type DhcpPacket } from "../../../runtime/dhcp/dhcp-codec.js";
import { decide, type DhcpDecision, type DhcpRelease, type Lease, type LeaseView } from "../../../runtime/dhcp/dhcp-policy.js";
import { siteWithRelayAndTwoNics } from "../../helpers/site-variants.js";

const release = JSON.parse((await compile({ tree: new DirectoryTree(await siteWithRelayAndTwoNics()) })).files!.find((f) => f.path === "dhcp/reservations.json")!.content) as DhcpRelease;
const NOW = 1_800_000_000_000;

function leasesOf(list: Lease[] = []): LeaseView {
  const byAddress = (address: string) => list.find((l) => l.address === address);
  const freeAddress = (start: number, end: number, now: number) => {
    for (let a = start; a <= end; a++) {
      const lease = byAddress(`${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`);
      if (!lease || lease.expires <= now) return a;
    }
    return undefined;
  };
  return { byMac: (mac) => list.find((l) => l.mac === mac), byAddress, freeAddress };
}

function request(type: keyof typeof MessageType, mac: string, extra: { options?: [number, Buffer][]; giaddr?: string; ciaddr?: string } = {}): DhcpPacket {
  return {
    op: 1, htype: 1, hlen: 6, hops: 0, xid: 0x1234, secs: 0, flags: 0x8000, ciaddr: extra.ciaddr ?? "0.0.0.0", yiaddr: "0.0.0.0", siaddr: "0.0.0.0",
    giaddr: extra.giaddr ?? "0.0.0.0", chaddr: mac, sname: "", file: "",
    options: new Map([[Option.messageType, Buffer.from([MessageType[type]])], ...(extra.options ?? [])]),
  };
}

function run(packet: DhcpPacket, leases: Lease[] = [], localNetwork = "pxe"): DhcpDecision {
  // Every decision is also round-tripped through the codec, as the server sends it.
  const decision = decide(release, leasesOf(leases), decodeDhcp(encodeDhcp(packet)), { now: NOW, localNetwork });
  if (decision.action === "reply") assert.deepEqual(decodeDhcp(encodeDhcp(decision.reply)).yiaddr, decision.reply.yiaddr);
  return decision;
}

function replyOf(decision: DhcpDecision) {
  assert.equal(decision.action, "reply", JSON.stringify(decision));
  return decision as Extract<DhcpDecision, { action: "reply" }>;
}

const KNOWN = "52:54:00:10:00:01"; // c1-ctl-1 on pxe, 192.168.10.10
const RACK2 = "52:54:00:10:00:04"; // c1-cmp-1 on the relayed pxe-rack2, 192.168.20.2
const UNKNOWN = "52:54:00:99:99:99";
const arch = (n: number): [number, Buffer] => [Option.clientArch, Buffer.from([n >> 8, n & 255])];

describe("DHCP policy: what the embedded server answers", () => {
  const cases: { name: string; packet: DhcpPacket; local?: string; yiaddr?: string; file?: string; type?: string; to?: string; ignore?: boolean }[] = [
    { name: "known MAC, BIOS PXE ROM → its reservation and undionly.kpxe", packet: request("discover", KNOWN, { options: [arch(0)] }), yiaddr: "192.168.10.10", file: "undionly.kpxe", type: "offer", to: "255.255.255.255:68" },
    { name: "known MAC, x86-64 UEFI (arch 7) → snponly.efi", packet: request("discover", KNOWN, { options: [arch(7)] }), yiaddr: "192.168.10.10", file: "snponly.efi", type: "offer" },
    { name: "known MAC, UEFI arch 9 → snponly.efi", packet: request("discover", KNOWN, { options: [arch(9)] }), file: "snponly.efi" },
    { name: "iPXE (user class iPXE) → the HTTP chain script", packet: request("discover", KNOWN, { options: [arch(0), [Option.userClass, Buffer.from("iPXE")]] }), file: "http://192.168.10.2/boot.ipxe" },
    { name: "iPXE with an RFC 3004 user class → the HTTP chain script", packet: request("discover", KNOWN, { options: [[Option.userClass, Buffer.from("\u0004iPXE")]] }), file: "http://192.168.10.2/boot.ipxe" },
    { name: "second boot NIC of the same machine → the same address", packet: request("discover", "52:54:00:aa:bb:01"), yiaddr: "192.168.10.10" },
    { name: "unknown MAC on the pxe segment → first pool address", packet: request("discover", UNKNOWN), yiaddr: "192.168.10.200", type: "offer" },
    { name: "relayed request from rack 2 → its reservation, answered to the relay", packet: request("discover", RACK2, { giaddr: "192.168.20.1" }), yiaddr: "192.168.20.2", to: "192.168.20.1:67" },
    { name: "unknown MAC through the relay → rack 2's pool", packet: request("discover", UNKNOWN, { giaddr: "192.168.20.1" }), yiaddr: "192.168.20.200", to: "192.168.20.1:67" },
    { name: "UEFI HTTP boot client (vendor class HTTPClient, arch 16) → silence: no URL to give it", packet: request("discover", KNOWN, { options: [arch(16), [Option.vendorClass, Buffer.from("HTTPClient:Arch:00016:UNDI:003001")]] }), ignore: true },
    { name: "UEFI PXE client (vendor class PXEClient) → snponly.efi", packet: request("discover", KNOWN, { options: [arch(7), [Option.vendorClass, Buffer.from("PXEClient:Arch:00007:UNDI:003000")]] }), file: "snponly.efi" },
    { name: "relay on a network we do not serve → silence", packet: request("discover", KNOWN, { giaddr: "10.99.0.1" }), ignore: true },
    { name: "broadcast on a segment we do not serve → silence", packet: request("discover", KNOWN), local: "storage", ignore: true },
    { name: "a machine reserved on rack 2, booting on the local segment → a pool address here", packet: request("discover", RACK2), yiaddr: "192.168.10.200" },
    { name: "REQUEST for its reserved address → ACK with host name", packet: request("request", KNOWN, { options: [[Option.requestedAddress, ipBytes("192.168.10.10")], [Option.serverId, ipBytes("192.168.10.2")]] }), yiaddr: "192.168.10.10", type: "ack" },
    { name: "REQUEST for another address → NAK, broadcast", packet: request("request", KNOWN, { options: [[Option.requestedAddress, ipBytes("192.168.10.99")]] }), type: "nak", yiaddr: "0.0.0.0", to: "255.255.255.255:68" },
    { name: "renewal (ciaddr set) → ACK unicast to the client", packet: request("request", KNOWN, { ciaddr: "192.168.10.10" }), type: "ack", to: "192.168.10.10:68" },
    { name: "INFORM → ACK without an address", packet: request("inform", KNOWN, { ciaddr: "192.168.10.10" }), type: "ack", yiaddr: "0.0.0.0", to: "192.168.10.10:68" },
    { name: "DISCOVER with a ciaddr on its network → OFFER unicast there", packet: request("discover", KNOWN, { ciaddr: "192.168.10.10" }), type: "offer", to: "192.168.10.10:68" },
    { name: "DISCOVER with a ciaddr off its network → silence: no reply to wait on ARP for a host not there", packet: request("discover", KNOWN, { ciaddr: "14.0.0.7" }), ignore: true },
    { name: "INFORM with a ciaddr off its network → silence", packet: request("inform", KNOWN, { ciaddr: "192.168.20.5" }), ignore: true },
    { name: "relayed DISCOVER with a ciaddr off the relay's network → silence", packet: request("discover", RACK2, { giaddr: "192.168.20.1", ciaddr: "192.168.10.10" }), ignore: true },
    { name: "relayed DISCOVER with a ciaddr on the relay's network → answered to the relay", packet: request("discover", RACK2, { giaddr: "192.168.20.1", ciaddr: "192.168.20.2" }), to: "192.168.20.1:67" },
    { name: "renewal with a ciaddr off its network → NAK, broadcast", packet: request("request", KNOWN, { ciaddr: "14.0.0.7" }), type: "nak", to: "255.255.255.255:68" },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const decision = run(c.packet, [], c.local ?? "pxe");
      if (c.ignore) return assert.equal(decision.action, "ignore");
      const { reply, to } = replyOf(decision);
      if (c.yiaddr) assert.equal(reply.yiaddr, c.yiaddr);
      if (c.file) assert.equal(reply.file, c.file);
      if (c.type) assert.equal(messageTypeOf(reply), c.type);
      if (c.to) assert.equal(`${to.address}:${to.port}`, c.to);
      assert.equal(reply.xid, 0x1234);
      assert.equal(reply.chaddr, c.packet.chaddr);
    });
  }

  it("the hostname and options of the subnet go with a reservation", () => {
    const { reply } = replyOf(run(request("discover", KNOWN)));
    assert.equal(reply.options.get(Option.hostName)?.toString(), "c1-ctl-1");
    assert.deepEqual([...reply.options.get(Option.router)!], [192, 168, 10, 1]);
    assert.deepEqual([...reply.options.get(Option.serverId)!], [192, 168, 10, 2]);
    assert.equal(reply.siaddr, "192.168.10.2", "next-server for TFTP");
  });

  it("a pool address held by another MAC is skipped; the same MAC keeps its lease", () => {
    const held: Lease[] = [{ mac: "52:54:00:00:00:01", address: "192.168.10.200", expires: NOW + 1000, state: "bound" }];
    assert.equal(replyOf(run(request("discover", UNKNOWN), held)).reply.yiaddr, "192.168.10.201");
    assert.equal(replyOf(run(request("discover", "52:54:00:00:00:01"), held)).reply.yiaddr, "192.168.10.200");
    const expired: Lease[] = [{ ...held[0]!, expires: NOW - 1 }];
    assert.equal(replyOf(run(request("discover", UNKNOWN), expired)).reply.yiaddr, "192.168.10.200");
  });

  it("an exhausted pool is silence, not a crash", () => {
    const all: Lease[] = Array.from({ length: 21 }, (_, i) => ({ mac: `02:00:00:00:00:${i.toString(16).padStart(2, "0")}`, address: `192.168.10.${200 + i}`, expires: NOW + 1000, state: "bound" as const }));
    assert.equal(run(request("discover", UNKNOWN), all).action, "ignore");
  });

  it("REQUEST naming another server, RELEASE and DECLINE change leases", () => {
    assert.deepEqual(run(request("request", UNKNOWN, { options: [[Option.serverId, ipBytes("192.168.10.3")]] })), { action: "forget", mac: UNKNOWN });
    assert.deepEqual(run(request("release", UNKNOWN, { ciaddr: "192.168.10.200" })), { action: "forget", mac: UNKNOWN });
    const declined = run(request("decline", UNKNOWN, { options: [[Option.requestedAddress, ipBytes("192.168.10.200")]] }));
    assert.equal(declined.action, "quarantine");
  });

  it("server messages and replies are ignored", () => {
    assert.equal(run(request("offer", KNOWN)).action, "ignore");
    assert.equal(run({ ...request("discover", KNOWN), op: 2 }).action, "ignore");
  });

  it("a hardware address that is not 6-byte Ethernet gets no pool address", () => {
    assert.equal(run({ ...request("discover", "52:54:00:99:99:99:01:02"), hlen: 8 }).action, "ignore");
    assert.equal(run({ ...request("discover", "0102030405060708"), htype: 6, hlen: 6 }).action, "ignore");
    assert.equal(run({ ...request("discover", "52"), hlen: 1 }).action, "ignore");
  });
});

describe("DHCP codec", () => {
  it("round-trips a packet with long and repeated options (RFC 3396)", () => {
    const packet = request("discover", KNOWN, { options: [[Option.parameterList, Buffer.alloc(300, 7)]] });
    const back = decodeDhcp(encodeDhcp(packet));
    assert.equal(back.options.get(Option.parameterList)!.length, 300);
    assert.equal(back.chaddr, KNOWN);
  });

  it("survives 100,000 random and mutated packets: only typed decode errors, and decide never throws", () => {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
    const valid = encodeDhcp(request("discover", KNOWN, { options: [arch(7), [Option.userClass, Buffer.from("iPXE")]] }));
    let decoded = 0;
    for (let i = 0; i < 100_000; i++) {
      let bytes: Buffer;
      if (i % 2 === 0) {
        bytes = Buffer.from(valid);
        for (let m = 0; m < 1 + Math.floor(random() * 8); m++) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
        if (random() < 0.2) bytes = bytes.subarray(0, Math.floor(random() * bytes.length));
      } else {
        bytes = Buffer.from(Array.from({ length: Math.floor(random() * 600) }, () => Math.floor(random() * 256)));
      }
      let packet: DhcpPacket;
      try {
        packet = decodeDhcp(bytes);
      } catch (error) {
        assert.equal((error as { code?: string }).code, "OCI4001");
        continue;
      }
      decoded++;
      const decision = decide(release, leasesOf(), packet, { now: NOW, localNetwork: "pxe" });
      if (decision.action === "reply") encodeDhcp(decision.reply);
    }
    assert.ok(decoded > 10_000, `${decoded} mutated packets still decoded and went through the policy`);
  });
});
