// What one attempt at an assignment ends with, shared by the pipeline's steps.
import type { OutboxEntry } from "@zk-vin/chain-kit";
import type { Hex } from "viem";
import type { InferenceOutcome, InferencePayload } from "./types.js";

export type Attempt =
  | { kind: "final"; status: "done" | "failed"; outcome: InferenceOutcome; detail: string | null; tx?: Hex }
  | { kind: "later"; delayMs: number; reason: string }
  | { kind: "error"; error: unknown };

export type Entry = OutboxEntry<InferencePayload>;

export function final(
  status: "done" | "failed",
  outcome: InferenceOutcome,
  detail: string | null,
): { kind: "final"; status: "done" | "failed"; outcome: InferenceOutcome; detail: string | null } {
  return { kind: "final", status, outcome, detail };
}
