import { createHash } from "node:crypto";
import forge from "node-forge";

export class EyamlKeyError extends Error {
  readonly code = "OCI2201";
  constructor(detail: string) {
    super(`the eyaml public key is not usable: ${detail}`);
    this.name = "EyamlKeyError";
  }
}

/** hiera-eyaml's PKCS7 encryptor: an X.509 certificate whose RSA key encrypts each value's session key. */
export class EyamlEncryptor {
  readonly #certificate: forge.pki.Certificate;
  /** sha256 of the certificate, to notice when the site's eyaml key pair changes. */
  readonly fingerprint: string;

  constructor(publicCertificatePem: string) {
    try {
      this.#certificate = forge.pki.certificateFromPem(publicCertificatePem);
    } catch (error) {
      throw new EyamlKeyError((error as Error).message);
    }
    const der = forge.asn1.toDer(forge.pki.certificateToAsn1(this.#certificate)).getBytes();
    this.fingerprint = createHash("sha256").update(Buffer.from(der, "binary")).digest("hex");
  }

  /** `ENC[PKCS7,…]`: CMS EnvelopedData, AES-256-CBC, as `eyaml encrypt` writes and puppetserver's eyaml backend reads. */
  encrypt(plaintext: string): string {
    const envelope = forge.pkcs7.createEnvelopedData();
    envelope.addRecipient(this.#certificate);
    envelope.content = forge.util.createBuffer(plaintext, "utf8");
    envelope.encrypt(undefined, forge.pki.oids["aes256-CBC"]);
    return `ENC[PKCS7,${forge.util.encode64(forge.asn1.toDer(envelope.toAsn1()).getBytes())}]`;
  }
}

export const ENCRYPTED_VALUE = /^ENC\[PKCS7,[A-Za-z0-9+/=]+\]$/;
