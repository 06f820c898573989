import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { normalizeMac, pxeClientId } from "../../../compiler/net/mac.js";

describe("MAC normalisation", () => {
  const forms = ["52:54:00:AB:cd:0F", "52-54-00-ab-CD-0f", "5254.00ab.cd0f", "525400ABCD0F"];
  for (const form of forms) {
    it(`reads ${form}`, () => assert.equal(normalizeMac(form), "52:54:00:ab:cd:0f"));
  }
  it("names pxelinux/GRUB client files with ARP type 1", () => assert.equal(pxeClientId("52:54:00:AB:CD:0F"), "01-52-54-00-ab-cd-0f"));
});
