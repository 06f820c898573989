import { SECRETS_STATE_PATH, type Credentials } from "../../secrets/credentials.js";
import { jsonText, type OutputFile } from "../output-file.js";

/** state/secrets.json: which secrets exist and where their encrypted value is. Never a value. */
export function renderSecretsState(credentials: Credentials): OutputFile[] {
  return [{
    path: SECRETS_STATE_PATH,
    content: jsonText({
      version: 1,
      ...(credentials.eyamlFingerprint ? { eyamlFingerprint: credentials.eyamlFingerprint } : {}),
      secrets: credentials.secrets.map((s) => ({ file: s.hieraFile, key: s.hieraKey, name: s.name })), // in key order: not copied to sort
    }),
  }];
}
