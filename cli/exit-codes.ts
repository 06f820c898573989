/** The exit codes of the command-line contract (DESIGN.md). */
export const Exit = {
  ok: 0,
  invalidInput: 1,
  usage: 2,
  runtimeFailure: 3,
} as const;
