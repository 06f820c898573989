// A TCP relay between network namespaces: `node tcp-relay.js LISTEN CONNECT`, each `tcp:HOST:PORT`
// or `unix:PATH`. A Unix socket is reachable from every namespace of the host, so a relay on each
// side lets a VM in a test's namespace reach a service bound to the host's loopback (the apt cache)
// without routing or NAT. Prints "relay ready" once listening.
import { connect, createServer, type Socket } from "node:net";

type Endpoint = { path: string } | { host: string; port: number };

function parse(spec: string): Endpoint {
  if (spec.startsWith("unix:")) return { path: spec.slice(5) };
  const match = /^tcp:(.+):(\d+)$/.exec(spec);
  if (!match) throw new Error(`bad endpoint ${spec}: tcp:HOST:PORT or unix:PATH`);
  return { host: match[1]!, port: Number(match[2]) };
}

const [listenSpec, connectSpec] = process.argv.slice(2) as [string, string];
const target = parse(connectSpec);
const server = createServer((client: Socket) => {
  const upstream = "path" in target ? connect(target.path) : connect(target.port, target.host);
  client.pipe(upstream).pipe(client);
  const close = () => {
    client.destroy();
    upstream.destroy();
  };
  client.on("error", close);
  upstream.on("error", close);
  client.on("close", close);
  upstream.on("close", close);
});
const listen = parse(listenSpec);
server.on("error", (error) => {
  console.error(`relay: ${error.message}`);
  process.exit(1);
});
if ("path" in listen) server.listen(listen.path, () => console.log("relay ready"));
else server.listen(listen.port, listen.host, () => console.log("relay ready"));
process.on("SIGTERM", () => server.close(() => process.exit(0)));
