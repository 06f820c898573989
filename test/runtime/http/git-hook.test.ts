import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { describe, it } from "node:test";
import { redactUrl } from "../../../runtime/git/remote-mirror.js";
import { verifyGitHook } from "../../../runtime/http/git-hook.js";

describe("forge webhooks and remote URLs", () => {
  const secret = "s3cret-of-sixteen+";
  const body = Buffer.from('{"ref":"refs/heads/main"}');
  const hmac = createHmac("sha256", secret).update(body).digest("hex");

  it("takes GitHub's and Gitea's HMAC of the body and GitLab's token, nothing else", () => {
    assert.equal(verifyGitHook({ "x-hub-signature-256": `sha256=${hmac}` }, body, secret), true);
    assert.equal(verifyGitHook({ "x-hub-signature-256": `sha256=${hmac.toUpperCase()}` }, body, secret), true);
    assert.equal(verifyGitHook({ "x-gitea-signature": hmac }, body, secret), true);
    assert.equal(verifyGitHook({ "x-gitlab-token": secret }, body, secret), true);
    assert.equal(verifyGitHook({ "x-hub-signature-256": hmac }, body, secret), false, "without sha256=");
    assert.equal(verifyGitHook({ "x-hub-signature-256": `sha256=${hmac}` }, Buffer.from('{"ref":"refs/heads/evil"}'), secret), false, "another body");
    assert.equal(verifyGitHook({ "x-gitea-signature": hmac.slice(0, 10) }, body, secret), false);
    assert.equal(verifyGitHook({ "x-gitlab-token": `${secret}x` }, body, secret), false);
    assert.equal(verifyGitHook({ "x-hub-signature": `sha1=${hmac}` }, body, secret), false, "SHA-1 signatures are not taken");
    assert.equal(verifyGitHook({}, body, secret), false);
  });

  it("never shows a password in a remote URL", () => {
    assert.equal(redactUrl("https://oci:p4ss@forge.example.com/site.git"), "https://oci:***@forge.example.com/site.git");
    assert.equal(redactUrl("fatal: unable to access 'http://u:pw@h:8080/x.git/': 401"), "fatal: unable to access 'http://u:***@h:8080/x.git/': 401");
    assert.equal(redactUrl("ssh://git@forge.example.com:2222/site.git"), "ssh://git@forge.example.com:2222/site.git");
    assert.equal(redactUrl("git@forge.example.com:ops/site.git"), "git@forge.example.com:ops/site.git");
  });
});
