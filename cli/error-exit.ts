import { Exit } from "./exit-codes.js";

/** How a command that threw ends: the line for stderr, and the exit code. */
export function errorExit(error: unknown): { readonly message: string; readonly code: number } {
  const code = (error as { code?: string } | undefined)?.code;
  const message = `oci: error${code ? ` ${code}` : ""}: ${error instanceof Error ? error.message : String(error)}\n`;
  // An unknown revision, a missing site directory or a machine that cannot be reinstalled is a wrong argument, not a failure of oci.
  return { message, code: code === "OCI2101" || code === "OCI2102" || code === "OCI2301" ? Exit.usage : Exit.runtimeFailure };
}
