import { execFile } from "node:child_process";

/**
 * Whether a commit carries a signature by a key of the allowed-signers file (OpenSSH's format,
 * `ssh-keygen -Y verify`, which `git verify-commit` runs for SSH signatures): undefined when it does,
 * else why not. The file is the host's, never the repository's: a commit could add its own key there.
 */
export async function commitSignatureProblem(gitdir: string, commit: string, allowedSigners: string, timeoutMs = 30_000): Promise<string | undefined> {
  const object = await git(gitdir, ["cat-file", "commit", commit], timeoutMs);
  if (!/^gpgsig /m.test(object.said.split("\n\n")[0] ?? "")) {
    return `source commit ${commit} is not signed: with an allowed-signers file, only commits signed by one of its keys are applied (git commit -S, gpg.format=ssh)`;
  }
  const verified = await git(gitdir, ["-c", `gpg.ssh.allowedSignersFile=${allowedSigners}`, "verify-commit", "--raw", commit], timeoutMs);
  if (verified.ok) return undefined;
  const said = verified.said.trim();
  if (/No principal matched|not allowed|Could not verify/i.test(said)) return `source commit ${commit} is signed by a key that is not in ${allowedSigners}`;
  return `source commit ${commit}: its signature does not verify: ${said.split("\n").filter(Boolean).slice(-2).join(" ")}`;
}

function git(gitdir: string, args: readonly string[], timeoutMs: number): Promise<{ ok: boolean; said: string }> {
  return new Promise((resolve) => {
    execFile("git", ["--git-dir", gitdir, ...args], { timeout: timeoutMs }, (error, stdout, stderr) => resolve({ ok: !error, said: `${stdout}${stderr}` }));
  });
}
