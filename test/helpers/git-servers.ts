import { existsSync } from "node:fs";
import { mkdir, writeFile } from "node:fs/promises";
import { createConnection } from "node:net";
import { join } from "node:path";
import { runTool } from "./run-tool.js";
import { startService, type Service } from "./service.js";

/** Whether something accepts TCP connections on 127.0.0.1:port. */
export function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: "127.0.0.1", port }, () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
  });
}

/**
 * OpenSSH's sshd on 127.0.0.1:port, its own host key, root logging in with a key the test made
 * (no password, no PAM): git over ssh as a forge or a plain SSH server serves it. `clientKey` and
 * `sshCommand` (GIT_SSH_COMMAND) are what a client needs.
 */
export async function startSshServer(dir: string, port: number): Promise<Service & { sshCommand: string; clientKey: string }> {
  await mkdir(dir, { recursive: true });
  await mkdir("/run/sshd", { recursive: true });
  const hostKey = join(dir, "host_ed25519");
  const clientKey = join(dir, "client_ed25519");
  for (const key of [hostKey, clientKey]) {
    if (existsSync(key)) continue; // a restart keeps its keys
    const made = await runTool("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", "oci-test", "-f", key]);
    if (made.code !== 0) throw new Error(made.output);
  }
  await runTool("cp", [`${clientKey}.pub`, join(dir, "authorized_keys")]);
  await writeFile(join(dir, "sshd_config"), [
    `Port ${port}`, "ListenAddress 127.0.0.1", `HostKey ${hostKey}`, `AuthorizedKeysFile ${join(dir, "authorized_keys")}`,
    `PidFile ${join(dir, "sshd.pid")}`, "StrictModes no", "UsePAM no", "PermitRootLogin prohibit-password", "PasswordAuthentication no",
    "KbdInteractiveAuthentication no", "LogLevel VERBOSE", "",
  ].join("\n"));
  const service = await startService("sshd", ["/usr/sbin/sshd", "-D", "-e", "-f", join(dir, "sshd_config")], async () => listening(port), 20_000);
  const sshCommand = `ssh -i ${clientKey} -o IdentitiesOnly=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o BatchMode=yes -o ConnectTimeout=5 -o LogLevel=ERROR`;
  return { ...service, sshCommand, clientKey };
}

/**
 * git's smart HTTP (git http-backend, as CGI) behind lighttpd on 127.0.0.1:port, every repository
 * under `root` at http://127.0.0.1:port/git/<name>, HTTP basic authentication for `user`.
 */
export async function startSmartHttpServer(dir: string, port: number, root: string, user: { name: string; password: string }): Promise<Service> {
  await mkdir(join(dir, "www"), { recursive: true });
  await writeFile(join(dir, "users"), `${user.name}:${user.password}\n`);
  await writeFile(join(dir, "lighttpd.conf"), [
    `server.document-root = "${join(dir, "www")}"`, `server.port = ${port}`, `server.bind = "127.0.0.1"`,
    `server.errorlog = "${join(dir, "error.log")}"`, `server.pid-file = "${join(dir, "lighttpd.pid")}"`,
    `server.modules = ("mod_alias", "mod_setenv", "mod_auth", "mod_authn_file", "mod_cgi")`,
    `alias.url = ("/git" => "/usr/lib/git-core/git-http-backend")`,
    `$HTTP["url"] =~ "^/git" {`,
    `  cgi.assign = ("" => "")`,
    `  setenv.add-environment = ("GIT_PROJECT_ROOT" => "${root}", "GIT_HTTP_EXPORT_ALL" => "")`,
    `  auth.backend = "plain"`, `  auth.backend.plain.userfile = "${join(dir, "users")}"`,
    `  auth.require = ("" => ("method" => "basic", "realm" => "git", "require" => "valid-user"))`,
    `}`, "",
  ].join("\n"));
  return startService("lighttpd", ["/usr/sbin/lighttpd", "-D", "-f", join(dir, "lighttpd.conf")], async () => listening(port), 20_000);
}
