import type { Credentials } from "../../secrets/credentials.js";
import type { OutputFile } from "../output-file.js";

/** pki/ca.pem, pki/intermediate.pem and pki/certs/<name>.pem (leaf + intermediate). Public material only. */
export function renderPki(credentials: Credentials): OutputFile[] {
  const files: OutputFile[] = [];
  if (credentials.caPem) files.push({ path: "pki/ca.pem", content: credentials.caPem });
  if (credentials.intermediatePem) files.push({ path: "pki/intermediate.pem", content: credentials.intermediatePem });
  for (const cert of credentials.certificates) files.push({ path: `pki/certs/${cert.request.name}.pem`, content: cert.chainPem });
  return files;
}
