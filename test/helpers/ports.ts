import { createSocket } from "node:dgram";
import { createServer } from "node:net";

/** A port free on 127.0.0.1 for TCP or UDP: bound once by the system's choice, then released. */
export async function freePort(kind: "tcp" | "udp" = "tcp"): Promise<number> {
  if (kind === "tcp") {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const { port } = server.address() as { port: number };
    await new Promise((resolve) => server.close(resolve));
    return port;
  }
  const socket = createSocket("udp4");
  await new Promise<void>((resolve) => socket.bind(0, "127.0.0.1", resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(resolve));
  return port;
}
