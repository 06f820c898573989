import { randomBytes } from "node:crypto";

/** Time and randomness enter the compiler only through these, so tests can make a compile reproducible. */
export interface CompilePorts {
  now(): Date;
  randomBytes(size: number): Uint8Array;
}

export const systemPorts: CompilePorts = {
  now: () => new Date(),
  randomBytes: (size) => randomBytes(size),
};
