import type { Account, Address, Chain, Hex, PublicClient, Transport, WalletClient } from "viem";

/** The outbox kind of inference assignments this node must prove and fulfil. */
export const INFERENCE_KIND = "inference";

/** The watcher stream of the hub market's request and assignment events. */
export const MARKET_STREAM = "hub:market";

/**
 * Steps of an assignment: `new` (discovered), `proving` (handed to the prover), `submitting` (a signed
 * fulfilment is recorded in `pendingTx` and may be on its way).
 */
export type InferenceStep = "new" | "proving" | "submitting";

/**
 * Why an assignment entry is final. done: `fulfilled` (our transaction fulfilled it) or `cleared` (found
 * already fulfilled by us, e.g. before a restart). failed: `reassigned` (the request moved on after this
 * assignment), `refunded`, `missed-deadline`, `unserved-model` (no matching artifact here), `unprovable`
 * (the prover refuses the input), `gave-up` (after maxAttempts errors), `reorged`.
 */
export type InferenceOutcome =
  | "fulfilled"
  | "cleared"
  | "reassigned"
  | "refunded"
  | "missed-deadline"
  | "unserved-model"
  | "unprovable"
  | "gave-up"
  | "reorged";

/** What the outbox keeps per assignment (JSON: big numbers as decimal strings). */
export interface InferencePayload {
  requestId: string;
  modelId: string;
  /** Fixed point at the model's input scale. */
  input: string[];
  inputCommitment: string;
  requester: Address;
  deadline: string;
  epoch: number;
  assignedBlock: string;
  assignedTx: Hex;
  /** When this node first saw the assignment (ms since epoch), for latency metrics. */
  discoveredAt: number;
  /** Set once the entry is done: the fulfilment transaction. */
  fulfilmentTx?: Hex;
}

/** The outbox key of an assignment: a request can come back to a node after an expiry, with a new deadline. */
export function inferenceKey(requestId: bigint, deadline: bigint): string {
  return `${requestId}@${deadline}`;
}

/** Hooks for metrics; every method is optional. */
export interface NodeObserver {
  assignmentDiscovered?(info: { modelId: string }): void;
  proofFinished?(info: { modelId: string; ok: boolean; seconds: number; rows: number }): void;
  fulfilmentSubmitted?(info: { modelId: string; requests: number; ok: boolean; gasUsed: bigint | null }): void;
  /** An aggregation flush: `ok` when one `verifyAggregate` of `proofs` proofs was mined; `fallback` when the
   * aggregate was refused or reverted and its proofs went out one by one. */
  aggregateSubmitted?(info: { proofs: number; ok: boolean; gasUsed: bigint | null; fallback: boolean }): void;
  assignmentFinished?(info: {
    modelId: string;
    status: "done" | "failed";
    outcome: InferenceOutcome;
    latencyMs: number;
  }): void;
  failure?(info: { stage: "discover" | "prove" | "submit" | "check" | "expire"; error: string }): void;
}

/** The hub chain as the node pipeline sees it. */
export interface NodeHubChain {
  name: string;
  chainId: number;
  publicClient: PublicClient;
  /** Sends as the node operator (the address the market assigns work to). */
  walletClient: WalletClient<Transport, Chain, Account>;
  confirmations: number;
  startBlock: bigint;
  pollIntervalMs: number;
  maxBlockRange: number;
  reorgWindow: number;
}
