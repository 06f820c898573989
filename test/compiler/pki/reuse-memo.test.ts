import assert from "node:assert/strict";
import { describe, it } from "node:test";
import type { CertificateRequest } from "../../../compiler/pki/certificate-requests.js";
import { ReuseMemo } from "../../../compiler/pki/reuse-certificate.js";

const request: CertificateRequest = { name: "n1.example.org", commonName: "n1.example.org", dnsNames: ["n1", "n1.example.org"], ipAddresses: ["10.0.0.1"], clientAuth: true, fqdn: "n1.example.org", cluster: "c1" };
const DAY = 24 * 3600 * 1000;

describe("certificate verdicts kept by an earlier process", () => {
  it("are taken for the very same certificate and request until their renew time, and judged again otherwise", () => {
    // Not a certificate at all: only a stored verdict can call it reusable.
    const chain = "-----BEGIN CERTIFICATE-----\nnot one\n-----END CERTIFICATE-----\n";
    const now = new Date(Date.UTC(2026, 0, 1));
    const judged = new ReuseMemo();
    assert.equal(judged.judge(chain, request, "issuer", now, 30).reuse, false, "judged: it cannot be parsed");

    // A verdict as an earlier run stored it: its digest covers request name, chain, issuer, names and window.
    const earlier = new ReuseMemo();
    earlier.remember(request, chain, "issuer", 30, now.getTime() + DAY);
    const stored = earlier.storedVerdicts();
    assert.equal(Object.keys(stored).length, 1);

    const memo = new ReuseMemo();
    memo.takeStoredVerdicts(stored);
    assert.deepEqual(memo.judge(chain, request, "issuer", now, 30), { reuse: true, renewAt: now.getTime() + DAY });
    for (const [what, verdict] of [
      ["another chain", memo.judge(`${chain}\n`, request, "issuer", now, 30)],
      ["another issuer", new ReuseMemoWith(stored).judge(chain, request, "other issuer", now, 30)],
      ["other names", new ReuseMemoWith(stored).judge(chain, { ...request, ipAddresses: ["10.0.0.2"] }, "issuer", now, 30)],
      ["another window", new ReuseMemoWith(stored).judge(chain, request, "issuer", now, 31)],
      ["past its renew time", new ReuseMemoWith(stored).judge(chain, request, "issuer", new Date(now.getTime() + 2 * DAY), 30)],
    ] as const) assert.equal(verdict.reuse, false, what);
  });

  it("counts the changes to what it keeps, and only those: a warm plan process stores its verdicts again only after one", () => {
    const chain = "-----BEGIN CERTIFICATE-----\nnot one\n-----END CERTIFICATE-----\n";
    const now = new Date(Date.UTC(2026, 0, 1));
    const memo = new ReuseMemo();
    memo.judge(chain, request, "issuer", now, 30);
    assert.equal(memo.changes, 0, "a certificate judged not reusable, as it was not kept: no change");
    memo.remember(request, chain, "issuer", 30, now.getTime() + DAY);
    assert.equal(memo.changes, 1);
    memo.judge(chain, request, "issuer", now, 30);
    memo.retain(new Set([request.name]));
    assert.equal(memo.changes, 1, "the same verdict taken again, the same request retained: no change");
    memo.judge(chain, request, "issuer", new Date(now.getTime() + 2 * DAY), 30);
    assert.equal(memo.changes, 2, "past its renew time: judged again, and no longer kept");
    memo.remember(request, chain, "issuer", 30, now.getTime() + DAY);
    memo.retain(new Set());
    assert.equal(memo.changes, 4, "kept, then dropped with its request");
  });

  it("ignores what is not a verdict: a renew time that is no time", () => {
    const chain = "-----BEGIN CERTIFICATE-----\nnot one\n-----END CERTIFICATE-----\n";
    const now = new Date(Date.UTC(2026, 0, 1));
    const earlier = new ReuseMemo();
    earlier.remember(request, chain, "issuer", 30, now.getTime() + DAY);
    const [digest] = Object.keys(earlier.storedVerdicts());
    for (const renewAt of [Number.NaN, Number.POSITIVE_INFINITY, 1.5, "soon"]) {
      const memo = new ReuseMemo();
      memo.takeStoredVerdicts({ "not a digest": now.getTime() + DAY, [digest!]: renewAt as number });
      assert.equal(memo.judge(chain, request, "issuer", now, 30).reuse, false, String(renewAt));
    }
  });
});

class ReuseMemoWith extends ReuseMemo {
  constructor(stored: Record<string, number>) {
    super();
    this.takeStoredVerdicts(stored);
  }
}
