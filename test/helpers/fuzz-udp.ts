// Sends N random and mutated datagrams, half to DHCP (67) and half to TFTP (69) of HOST, paced so
// the kernel's socket buffers are not the only thing tested. Run inside the client namespace.
import { createSocket } from "node:dgram";
import { encodeDhcp, MessageType, Option } from "../../runtime/dhcp/dhcp-codec.js";

const [host, countText] = process.argv.slice(2) as [string, string];
const count = Number(countText);
let seed = 12345;
const random = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff;
const dhcp = encodeDhcp({
  op: 1, htype: 1, hlen: 6, hops: 0, xid: 1, secs: 0, flags: 0x8000, ciaddr: "0.0.0.0", yiaddr: "0.0.0.0", siaddr: "0.0.0.0", giaddr: "0.0.0.0",
  chaddr: "02:00:00:00:00:01", sname: "", file: "", options: new Map([[Option.messageType, Buffer.from([MessageType.discover])]]),
});
const rrq = Buffer.from("\u0000\u0001undionly.kpxe\u0000octet\u0000blksize\u00001468\u0000", "latin1");
const socket = createSocket("udp4");
socket.bind(0, () => {
  socket.setBroadcast(true);
  let sent = 0;
  const batch = () => {
    for (let i = 0; i < 500 && sent < count; i++, sent++) {
      const base = sent % 2 === 0 ? dhcp : rrq;
      let bytes: Buffer;
      if (random() < 0.5) {
        bytes = Buffer.from(base);
        for (let m = 0; m < 1 + Math.floor(random() * 6); m++) bytes[Math.floor(random() * bytes.length)] = Math.floor(random() * 256);
      } else bytes = Buffer.from(Array.from({ length: Math.floor(random() * 400) }, () => Math.floor(random() * 256)));
      socket.send(bytes, sent % 2 === 0 ? 67 : 69, host);
    }
    if (sent < count) setImmediate(batch);
    else socket.close(() => console.log(`sent ${sent}`));
  };
  batch();
});
