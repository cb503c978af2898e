// Aggregated submission (docs/decisions/0011, 0015): proofs of models whose verifier is the hub's
// EzklAggregatingVerifierAdapter are held for a short window, then checked together by one
// `verifyAggregate` transaction (one batched pairing for all of them, across models), and each proof's
// requests are settled with `fulfil` / `fulfilBatch` and an empty proof, the adapter answering from the
// statements the aggregate recorded. Every transaction goes through sendRecorded (signed, recorded in the
// outbox, broadcast), so a crash between the aggregate and the settlements neither loses a request nor
// submits the aggregate twice: the restarted node proves the request again (same input, so the same
// instances and the same statement), finds the statement already accepted (`isAccepted`) and only
// settles it. An aggregate that would revert (one bad proof makes the whole batch fail) or that reverts
// is not retried as an aggregate: each proof is then submitted with its own bytes, so no request waits on
// another's bad proof.
import { describeError, type Limiter, type Logger, sendRecorded } from "@zk-vin/chain-kit";
import type { InferenceResult } from "@zk-vin/prover";
import { type Address, encodeFunctionData, type Hex, isAddressEqual, parseEventLogs } from "viem";
import { aggregatingAdapterAbi } from "./abi.js";
import type { Attempt, Entry } from "./attempt.js";
import { type FulfilmentContext, FulfilmentRejectedError, revertReason, submitFulfilment } from "./fulfilment.js";
import type { ServedModel } from "./models.js";
import { INFERENCE_KIND } from "./types.js";

/** The node's aggregation settings (relayer config `node.aggregate`). */
export interface AggregationOptions {
  /** The hub's EzklAggregatingVerifierAdapter: proofs of models registered with it are aggregated. */
  adapter: Address;
  /** Most proofs in one aggregate (2..32, the adapter's MAX_AGGREGATE). */
  maxProofs: number;
  /** How long the first proof waits for others before the aggregate goes out. */
  windowMs: number;
}

/** One proof and the requests it answers (request i in slot i), ready to submit. */
export interface ProofSubmission {
  model: ServedModel;
  members: ReadonlyArray<{ entry: Entry; result: InferenceResult }>;
}

/** Counters of the aggregation path, for `status`. */
export interface AggregationStatus {
  adapter: Address;
  maxProofs: number;
  windowMs: number;
  /** Proofs waiting for the window to close. */
  waiting: number;
  /** Aggregate transactions mined successfully, and the proofs they carried. */
  aggregates: number;
  aggregatedProofs: number;
  /** Aggregates refused before sending or reverted: their proofs went out one by one. */
  fallbacks: number;
  /** Proofs settled from a statement an earlier aggregate had accepted (after a restart). */
  alreadyAccepted: number;
  lastAggregateTx: Hex | null;
  lastAggregateGas: bigint | null;
  lastError: string | null;
}

/** What one flush did, for logs, metrics and tests. */
export interface AggregateOutcome {
  /** The aggregate transaction, when one was mined successfully. */
  tx: Hex | null;
  gasUsed: bigint | null;
  /** Proofs the aggregate carried (0 when none was sent). */
  proofs: number;
  /** Why the aggregate was not used (refused by the estimate, or reverted), else null. */
  fallbackReason: string | null;
}

interface Waiting {
  submission: ProofSubmission;
  resolve: (attempt: Attempt) => void;
}

/**
 * Collects proofs for aggregation. `add` resolves with the attempt for all requests of that proof once its
 * aggregate (or fallback) is settled. Flushes run through the pipeline's submit limiter, one after another.
 */
export class AggregationQueue {
  private waiting: Waiting[] = [];
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;
  private readonly counters: Omit<AggregationStatus, "adapter" | "maxProofs" | "windowMs" | "waiting"> = {
    aggregates: 0,
    aggregatedProofs: 0,
    fallbacks: 0,
    alreadyAccepted: 0,
    lastAggregateTx: null,
    lastAggregateGas: null,
    lastError: null,
  };

  constructor(
    private readonly ctx: FulfilmentContext,
    readonly options: AggregationOptions,
    private readonly limiter: Limiter,
    private readonly log: Logger,
    private readonly onAggregate?: (outcome: AggregateOutcome) => void,
  ) {}

  /** Whether proofs of `model` go through aggregation (its verifier is the aggregating adapter). */
  handles(model: ServedModel): boolean {
    return isAddressEqual(model.verifier, this.options.adapter);
  }

  add(submission: ProofSubmission): Promise<Attempt> {
    if (this.stopped) return Promise.resolve({ kind: "later", delayMs: 0, reason: "the node is stopping" });
    return new Promise<Attempt>((resolve) => {
      this.waiting.push({ submission, resolve });
      if (this.waiting.length >= this.options.maxProofs) this.flush();
      else this.timer ??= setTimeout(() => this.flush(), this.options.windowMs);
    });
  }

  /** Answers every waiting proof "later" (its requests stay in the outbox) and sends nothing more. */
  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    for (const w of this.waiting.splice(0)) w.resolve({ kind: "later", delayMs: 0, reason: "the node is stopping" });
  }

  status(): AggregationStatus {
    return { ...this.options, waiting: this.waiting.length, ...this.counters };
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const batch = this.waiting.splice(0, this.options.maxProofs);
    if (batch.length === 0) return;
    if (this.waiting.length > 0) this.timer = setTimeout(() => this.flush(), this.options.windowMs);
    this.limiter
      .run(() =>
        submitAggregated(
          this.ctx,
          this.options.adapter,
          batch.map((w) => w.submission),
        ),
      )
      .then(
        ({ attempts, outcome }) => {
          this.count(outcome, attempts);
          for (const [i, w] of batch.entries()) w.resolve(attempts[i]!);
        },
        (error: unknown) => {
          this.counters.lastError = describeError(error);
          for (const w of batch) w.resolve({ kind: "error", error });
        },
      );
  }

  private count(outcome: AggregateOutcome & { alreadyAccepted: number }, attempts: Attempt[]): void {
    this.counters.alreadyAccepted += outcome.alreadyAccepted;
    if (outcome.tx) {
      this.counters.aggregates++;
      this.counters.aggregatedProofs += outcome.proofs;
      this.counters.lastAggregateTx = outcome.tx;
      this.counters.lastAggregateGas = outcome.gasUsed;
    }
    if (outcome.fallbackReason) {
      this.counters.fallbacks++;
      this.counters.lastError = outcome.fallbackReason;
    }
    this.log.info(
      {
        tx: outcome.tx,
        proofs: outcome.proofs,
        gasUsed: outcome.gasUsed,
        fallback: outcome.fallbackReason,
        settled: attempts.filter((a) => a.kind === "final").length,
      },
      outcome.tx ? "aggregate verified" : "proofs submitted one by one",
    );
    this.onAggregate?.(outcome);
  }
}

/**
 * Submits `submissions` as one aggregate and settles each; returns one attempt per submission (in order)
 * and what the aggregate did. Proofs whose statement an earlier aggregate accepted are only settled; a
 * single remaining proof is submitted with its own bytes (an aggregate of one costs more than that).
 */
export async function submitAggregated(
  ctx: FulfilmentContext,
  adapter: Address,
  submissions: readonly ProofSubmission[],
): Promise<{ attempts: Attempt[]; outcome: AggregateOutcome & { alreadyAccepted: number } }> {
  const read = ctx.hub.publicClient;
  const statements = submissions.map((s) => {
    const proof = s.members[0]!.result.proof;
    return { key: s.model.verifierKey, proof: proof.proof, instances: proof.instances.map((w) => BigInt(w)) };
  });
  const accepted = await Promise.all(
    statements.map((st) =>
      read.readContract({
        address: adapter,
        abi: aggregatingAdapterAbi,
        functionName: "isAccepted",
        args: [st.key, st.instances],
      }),
    ),
  );
  const alreadyAccepted = accepted.filter(Boolean).length;
  const pending = statements.map((_, i) => i).filter((i) => !accepted[i]);
  const outcome: AggregateOutcome & { alreadyAccepted: number } = {
    tx: null,
    gasUsed: null,
    proofs: 0,
    fallbackReason: null,
    alreadyAccepted,
  };
  if (pending.length >= 2) {
    const aggregated = await sendAggregate(
      ctx,
      adapter,
      pending.map((i) => ({ ...statements[i]!, keys: submissions[i]!.members.map((m) => m.entry.key) })),
    );
    if (aggregated.ok) {
      for (const i of pending) accepted[i] = true;
      outcome.tx = aggregated.tx;
      outcome.gasUsed = aggregated.gasUsed;
      outcome.proofs = pending.length;
    } else {
      outcome.fallbackReason = aggregated.reason;
      ctx.log.warn({ proofs: pending.length, reason: aggregated.reason }, "aggregate refused: submitting one by one");
    }
  }
  const attempts: Attempt[] = [];
  for (const [i, s] of submissions.entries()) {
    attempts.push(await settle(ctx, s, accepted[i]!));
  }
  return { attempts, outcome };
}

/** Settles one proof's requests: with an empty proof when an aggregate accepted it, else with its own. */
async function settle(ctx: FulfilmentContext, s: ProofSubmission, accepted: boolean): Promise<Attempt> {
  try {
    if (accepted) {
      try {
        return await submitFulfilment(ctx, s.members, { proofBytes: "0x" });
      } catch (error) {
        // The statement stopped counting (e.g. its key was revoked since): the proof itself decides.
        if (!(error instanceof FulfilmentRejectedError)) throw error;
        ctx.log.warn({ reason: error.reason }, "settling from the aggregate refused: submitting the proof itself");
      }
    }
    return await submitFulfilment(ctx, s.members);
  } catch (error) {
    return { kind: "error", error };
  }
}

type AggregateResult = { ok: true; tx: Hex; gasUsed: bigint } | { ok: false; reason: string };

/** Sends one `verifyAggregate` (estimated first; recorded on every member's entry before broadcast). */
async function sendAggregate(
  ctx: FulfilmentContext,
  adapter: Address,
  items: ReadonlyArray<{ key: Hex; proof: Hex; instances: bigint[]; keys: string[] }>,
): Promise<AggregateResult> {
  const data = encodeFunctionData({
    abi: aggregatingAdapterAbi,
    functionName: "verifyAggregate",
    args: [items.map((x) => x.key), items.map((x) => x.proof), items.map((x) => x.instances)],
  });
  let gas: bigint;
  try {
    gas = await ctx.hub.publicClient.estimateGas({ account: ctx.operator, to: adapter, data });
  } catch (error) {
    return { ok: false, reason: revertReason(error, aggregatingAdapterAbi) };
  }
  gas += gas / 10n;
  const entryKeys = items.flatMap((x) => x.keys);
  // Write-ahead like a fulfilment: after a crash the hash is judged by its receipt (settleFulfilment finds
  // no InferenceFulfilled in it, clears it, and the request is proven and settled again, its statement
  // already accepted).
  const { hash, receipt } = await sendRecorded({
    publicClient: ctx.hub.publicClient,
    walletClient: ctx.hub.walletClient,
    request: { to: adapter, data, gas },
    record: (pendingTx) => ctx.store.updateMany(INFERENCE_KIND, entryKeys, { step: "submitting", pendingTx }),
    receiptTimeoutMs: ctx.receiptTimeoutMs,
  });
  if (receipt.status !== "success") {
    await ctx.store.updateMany(INFERENCE_KIND, entryKeys, { pendingTx: null });
    return { ok: false, reason: `aggregate ${hash} reverted` };
  }
  const [event] = parseEventLogs({
    abi: aggregatingAdapterAbi,
    eventName: "AggregateVerified",
    logs: receipt.logs.filter((l) => isAddressEqual(l.address, adapter)),
  });
  if (!event || event.args.count !== BigInt(items.length)) {
    return { ok: false, reason: `aggregate ${hash} succeeded without an AggregateVerified of ${items.length} proofs` };
  }
  return { ok: true, tx: hash, gasUsed: receipt.gasUsed };
}
