import { PUBLIC_CSR_FILE, type Credentials } from "../../secrets/credentials.js";
import type { OutputFile } from "../output-file.js";

/** pki/ca.pem, pki/intermediate.pem, pki/certs/<name>.pem (leaf + intermediate) and bring-your-own CSRs. Public material only. */
export function renderPki(credentials: Credentials): OutputFile[] {
  const files: OutputFile[] = [];
  if (credentials.caPem) files.push({ path: "pki/ca.pem", content: credentials.caPem });
  if (credentials.intermediatePem) files.push({ path: "pki/intermediate.pem", content: credentials.intermediatePem });
  for (const cert of credentials.certificates) files.push({ path: `pki/certs/${cert.request.name}.pem`, content: cert.chainPem });
  for (const byo of credentials.publicEndpoints) {
    files.push({ path: PUBLIC_CSR_FILE(byo.endpoint), content: byo.csrPem });
    if (byo.chainPem) files.push({ path: `pki/certs/${byo.endpoint}.pem`, content: byo.chainPem });
  }
  return files;
}
