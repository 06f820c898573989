import { createHash, createPrivateKey, createPublicKey, sign, verify, type KeyObject } from "node:crypto";

/** The trailer a rendered commit carries its signature in: `Render-Signature: ed25519 <key id> <base64>`. */
export const SIGNATURE_TRAILER = "Render-Signature";

/** What a rendered commit's signature covers: everything that decides what is served, and the history claim. */
export interface RenderStatement {
  readonly tree: string;
  /** The previous rendered commit; undefined for the first of a history. */
  readonly parent?: string;
  readonly source: string;
  /** `bootstrap`, `rewound from <sha>` or `accepted <sha>` when the commit starts a new history, or goes on from a branch an operator accepted. */
  readonly history?: string;
}

function payload(s: RenderStatement): Buffer {
  return Buffer.from(`oci-render-v1\ntree ${s.tree}\nparent ${s.parent ?? "-"}\nsource ${s.source}\nhistory ${s.history ?? "-"}\n`, "utf8");
}

/** A key's short, stable name: the first 16 hex digits of the SHA-256 of its public key (SPKI DER). */
export function keyId(key: KeyObject): string {
  const publicKey = key.type === "private" ? createPublicKey(key) : key;
  return createHash("sha256").update(publicKey.export({ type: "spki", format: "der" })).digest("hex").slice(0, 16);
}

/** Signs rendered commits with the keystore's Ed25519 key: only the host holding it makes renders that are applied. */
export class RenderSigner {
  readonly id: string;
  readonly #key: KeyObject;

  constructor(privateKey: string | KeyObject) {
    this.#key = typeof privateKey === "string" ? createPrivateKey(privateKey) : privateKey;
    if (this.#key.type !== "private") throw new TypeError("a render signing key is a private key");
    if (this.#key.asymmetricKeyType !== "ed25519") throw new TypeError("a render signing key is Ed25519");
    this.id = keyId(this.#key);
  }

  get publicKey(): KeyObject {
    return createPublicKey(this.#key);
  }

  /** The key itself, for the render worker of this process (a KeyObject crosses threads, never a file or socket). */
  get signingKey(): KeyObject {
    return this.#key;
  }

  trailer(statement: RenderStatement): string {
    return `${SIGNATURE_TRAILER}: ed25519 ${this.id} ${sign(null, payload(statement), this.#key).toString("base64")}`;
  }
}

/** Public keys whose renders this host applies: its own keystore's, and those given by --render-signer. */
export class RenderVerifier {
  readonly #keys = new Map<string, KeyObject>();

  constructor(publicKeys: readonly KeyObject[]) {
    for (const key of publicKeys) this.#keys.set(keyId(key), key);
  }

  static fromPem(pems: readonly string[]): RenderVerifier {
    return new RenderVerifier(pems.map((pem) => createPublicKey(pem)));
  }

  get size(): number {
    return this.#keys.size;
  }

  get publicKeys(): KeyObject[] {
    return [...this.#keys.values()];
  }

  /** Why `message`'s signature does not vouch for `statement`, or undefined when it does. */
  problem(message: string, statement: RenderStatement): string | undefined {
    const line = new RegExp(`^${SIGNATURE_TRAILER}: ed25519 ([0-9a-f]{16}) ([A-Za-z0-9+/=]+)$`, "m").exec(message);
    if (!line) return `it carries no ${SIGNATURE_TRAILER} trailer: it was not made by an oci holding a signing key`;
    const key = this.#keys.get(line[1]!);
    if (!key) return `it is signed by key ${line[1]}, which this host does not trust (its own keystore's, or --render-signer)`;
    return verify(null, payload(statement), key, Buffer.from(line[2]!, "base64")) ? undefined : "its signature does not match its content";
  }
}
