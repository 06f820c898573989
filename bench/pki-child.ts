// Certificates per second for one algorithm, in a fresh process: key generation + signing by a CA of the same algorithm.
import "reflect-metadata";
import { webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";

x509.cryptoProvider.set(webcrypto as unknown as Crypto);
const algorithms = {
  "ECDSA P-256": { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" },
  "RSA-2048": { name: "RSASSA-PKCS1-v1_5", hash: "SHA-256", publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 },
} as const;
const name = process.argv[2] as keyof typeof algorithms;
const count = Number(process.argv[3] ?? 50);
const alg = algorithms[name];
const generate = async () => (await webcrypto.subtle.generateKey(alg, true, ["sign", "verify"])) as CryptoKeyPair;
const caKeys = await generate();
const ca = await x509.X509CertificateGenerator.createSelfSigned({ serialNumber: "01", name: "CN=bench CA", keys: caKeys, signingAlgorithm: alg, extensions: [new x509.BasicConstraintsExtension(true, 0, true)] });
const started = performance.now();
for (let i = 0; i < count; i++) {
  const keys = await generate();
  await x509.X509CertificateGenerator.create({
    serialNumber: (i + 2).toString(16).padStart(2, "0"), subject: `CN=node-${i}.bench`, issuer: ca.subject, publicKey: keys.publicKey, signingKey: caKeys.privateKey, signingAlgorithm: alg,
    extensions: [new x509.SubjectAlternativeNameExtension([{ type: "dns", value: `node-${i}.bench` }, { type: "ip", value: "10.0.0.1" }])],
  });
}
const ms = performance.now() - started;
process.stdout.write(JSON.stringify({ perSecond: (count * 1000) / ms, msPerCert: ms / count }) + "\n");
