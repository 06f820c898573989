import { SECRETS_STATE_PATH, type Credentials, type EncryptedSecret } from "../../secrets/credentials.js";
import { jsonListItem, jsonTextWithList, type OutputFile } from "../output-file.js";

// A secret's line is kept by the secret, when frozen: a kept secret is the same object while its
// spec and value are (CredentialMemo.kept). 20,000 of them at 10,000 machines.
const lines = new WeakMap<EncryptedSecret, string>();

function line(secret: EncryptedSecret): string {
  let text = lines.get(secret);
  if (text === undefined) {
    text = jsonListItem({ file: secret.hieraFile, key: secret.hieraKey, name: secret.name });
    if (Object.isFrozen(secret)) lines.set(secret, text);
  }
  return text;
}

/** state/secrets.json: which secrets exist and where their encrypted value is. Never a value. */
export function renderSecretsState(credentials: Credentials): OutputFile[] {
  const state = { version: 1, ...(credentials.eyamlFingerprint ? { eyamlFingerprint: credentials.eyamlFingerprint } : {}) };
  return [{ path: SECRETS_STATE_PATH, content: jsonTextWithList(state, "secrets", credentials.secrets.map(line)) }];
}
