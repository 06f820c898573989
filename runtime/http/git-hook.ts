import { createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingHttpHeaders } from "node:http";

/**
 * A forge's push webhook, checked against the shared secret the way each forge signs it: GitHub
 * and Gitea, an HMAC-SHA256 of the body (`X-Hub-Signature-256: sha256=<hex>`,
 * `X-Gitea-Signature: <hex>`); GitLab, the secret itself (`X-Gitlab-Token`). Constant-time
 * comparisons; anything else is refused.
 */
export function verifyGitHook(headers: IncomingHttpHeaders, body: Buffer, secret: string): boolean {
  const header = (name: string) => {
    const value = headers[name];
    return Array.isArray(value) ? value[0] : value;
  };
  const hmac = createHmac("sha256", secret).update(body).digest("hex");
  const github = header("x-hub-signature-256");
  if (github !== undefined) return github.startsWith("sha256=") && same(github.slice(7).toLowerCase(), hmac);
  const gitea = header("x-gitea-signature");
  if (gitea !== undefined) return same(gitea.toLowerCase(), hmac);
  const gitlab = header("x-gitlab-token");
  if (gitlab !== undefined) return same(gitlab, secret);
  return false;
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}
