import forge from "node-forge";

export class EyamlDecryptError extends Error {
  readonly code = "OCI3402";
  constructor(detail: string) {
    super(`cannot decrypt the eyaml value: ${detail}`);
    this.name = "EyamlDecryptError";
  }
}

/** Decrypts hiera-eyaml `ENC[PKCS7,…]` values with the private key puppetserver uses (PEM, PKCS#1 or PKCS#8). */
export class EyamlDecryptor {
  readonly #key: forge.pki.rsa.PrivateKey;

  constructor(privateKeyPem: string) {
    try {
      this.#key = forge.pki.privateKeyFromPem(privateKeyPem) as forge.pki.rsa.PrivateKey;
    } catch (error) {
      throw new EyamlDecryptError(`the private key: ${(error as Error).message}`);
    }
  }

  decrypt(value: string): string {
    const match = /^ENC\[PKCS7,([A-Za-z0-9+/=\s]+)\]$/.exec(value.trim());
    if (!match) throw new EyamlDecryptError("not an ENC[PKCS7,…] value");
    try {
      const der = forge.util.decode64(match[1]!.replace(/\s/g, ""));
      const message = forge.pkcs7.messageFromAsn1(forge.asn1.fromDer(der)) as forge.pkcs7.PkcsEnvelopedData & {
        recipients: unknown[];
        decrypt(recipient: unknown, key: forge.pki.rsa.PrivateKey): void;
        content: forge.util.ByteStringBuffer;
      };
      const recipient = message.recipients[0];
      if (!recipient) throw new Error("no recipient");
      message.decrypt(recipient, this.#key);
      return forge.util.decodeUtf8(message.content.getBytes());
    } catch (error) {
      throw new EyamlDecryptError((error as Error).message);
    }
  }
}
