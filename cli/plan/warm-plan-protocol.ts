import type { PlanRequest } from "./run-plan.js";

/**
 * The wire between `oci plan --keep-warm` and its warm plan process: one JSON message per line
 * over a Unix socket. The client sends one `plan`; the process answers with messages and progress
 * as they come, and ends with `exit`.
 */
export type ClientMessage = { readonly type: "plan"; readonly build: string; readonly idleMinutes: number; readonly request: PlanRequest };

export type ServerMessage =
  | { readonly type: "stdout"; readonly text: string }
  | { readonly type: "stderr"; readonly text: string }
  | { readonly type: "progress"; readonly phase: string; readonly done: number; readonly total: number }
  | { readonly type: "exit"; readonly code: number };

/** What a starting warm plan process says on stdout: listening, or another process of the same build already is. */
export const READY = "ready\n";
export const ALREADY_RUNNING = "running\n";

export class ProtocolError extends Error {
  constructor(message: string) {
    super(`warm plan process: ${message}`);
    this.name = "ProtocolError";
  }
}

export function encodeMessage(message: ClientMessage | ServerMessage): string {
  return `${JSON.stringify(message)}\n`;
}

/** Splits a byte stream into messages, checked for shape; a line that is not one throws ProtocolError. */
export class MessageReader<M> {
  #pending = "";
  readonly #decoder = new TextDecoder();

  constructor(private readonly check: (value: unknown) => M) {}

  push(chunk: Uint8Array): M[] {
    this.#pending += this.#decoder.decode(chunk, { stream: true });
    const lines = this.#pending.split("\n");
    this.#pending = lines.pop()!;
    return lines.map((line) => {
      let value: unknown;
      try {
        value = JSON.parse(line);
      } catch {
        throw new ProtocolError(`a line that is not JSON: ${line.slice(0, 80)}`);
      }
      return this.check(value);
    });
  }
}

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

export function checkClientMessage(value: unknown): ClientMessage {
  const r = isRecord(value) && isRecord(value["request"]) ? value["request"] : undefined;
  if (!isRecord(value) || value["type"] !== "plan" || typeof value["build"] !== "string" || typeof value["idleMinutes"] !== "number" || !r
    || typeof r["repo"] !== "string" || typeof r["base"] !== "string" || typeof r["head"] !== "string" || !["text", "markdown", "json"].includes(r["format"] as string)
    || typeof r["allFiles"] !== "boolean" || typeof r["cache"] !== "boolean") {
    throw new ProtocolError("not a plan request");
  }
  return value as unknown as ClientMessage;
}

export function checkServerMessage(value: unknown): ServerMessage {
  if (isRecord(value)) {
    const t = value["type"];
    if ((t === "stdout" || t === "stderr") && typeof value["text"] === "string") return value as unknown as ServerMessage;
    if (t === "progress" && typeof value["phase"] === "string" && typeof value["done"] === "number" && typeof value["total"] === "number") return value as unknown as ServerMessage;
    if (t === "exit" && Number.isInteger(value["code"])) return value as unknown as ServerMessage;
  }
  throw new ProtocolError("an answer of unknown shape");
}
