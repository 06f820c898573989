// Sends N well-formed DISCOVERs, naming as ciaddr one of 100 addresses PREFIX.100–199 that no host
// answers ARP for. Their OFFERs are unicast there (RFC 2131 §4.1) and wait in the kernel on ARP.
// Run inside the client namespace.
import { createSocket } from "node:dgram";
import { encodeDhcp, MessageType, Option } from "../../runtime/dhcp/dhcp-codec.js";

const [host, countText, prefix] = process.argv.slice(2) as [string, string, string];
const count = Number(countText);
const socket = createSocket("udp4");
socket.bind(0, () => {
  let sent = 0;
  const batch = () => {
    for (let i = 0; i < 200 && sent < count; i++, sent++) {
      // 16 MACs, each holding one pool address, so the discovery pool never runs out and every one is offered.
      const mac = `02:ff:00:00:00:${(sent % 16).toString(16).padStart(2, "0")}`;
      const datagram = encodeDhcp({
        op: 1, htype: 1, hlen: 6, hops: 0, xid: sent, secs: 0, flags: 0, ciaddr: `${prefix}.${100 + (sent % 100)}`, yiaddr: "0.0.0.0", siaddr: "0.0.0.0", giaddr: "0.0.0.0",
        chaddr: mac, sname: "", file: "", options: new Map([[Option.messageType, Buffer.from([MessageType.discover])]]),
      });
      socket.send(datagram, 67, host);
    }
    if (sent < count) setImmediate(batch);
    else socket.close(() => console.log(`sent ${sent}`));
  };
  batch();
});
