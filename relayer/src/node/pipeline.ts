import { setMaxListeners } from "node:events";
import type { Store } from "@zk-vin/chain-kit";
import {
  AbortedError,
  type BackoffPolicy,
  backoffDelay,
  ChainWatcher,
  createLimiter,
  defaultBackoff,
  describeError,
  type Limiter,
  type Logger,
  RelayerError,
  silentLogger,
  sleep,
  type WatcherStatus,
} from "@zk-vin/chain-kit";
import {
  type ArtifactStore,
  InferenceBatcher,
  type InferenceResult,
  InvalidInputError,
  type ProverClient,
} from "@zk-vin/prover";
import type { Address } from "viem";
import { marketAbi, marketEventsAbi, nodePoolAbi } from "./abi.js";
import { type AggregationOptions, AggregationQueue, type AggregationStatus } from "./aggregation.js";
import { type AssignmentContext, checkAssignment, handleMissed } from "./assignment.js";
import { type Attempt, type Entry, final } from "./attempt.js";
import { assignmentEntries, lookupRequested } from "./discovery.js";
import {
  type FulfilmentContext,
  FulfilmentRejectedError,
  FulfilmentRevertedError,
  settleFulfilment,
  submitFulfilment,
} from "./fulfilment.js";
import { ModelCatalog, type ServedModel, UnservedModelError } from "./models.js";
import { INFERENCE_KIND, type InferencePayload, MARKET_STREAM, type NodeHubChain, type NodeObserver } from "./types.js";

export interface NodePipelineOptions {
  hub: NodeHubChain;
  market: Address;
  store: Store;
  prover: { client: ProverClient; artifacts: ArtifactStore };
  /** How long the first request of a model waits for others to share its proof (the batcher's window). */
  batchWindowMs: number;
  /** Assignments worked on at once (waiting for proofs included). */
  maxInFlight: number;
  /** Fulfilment transactions in flight at once. */
  submitConcurrency: number;
  /** Failed attempts (proof or submission) after which an assignment is given up. */
  maxAttempts: number;
  /** Pause of the work loop when nothing is due, and the re-check delay of waiting entries. */
  pollIntervalMs: number;
  /** Whether to call `expire` on an assignment of this node whose deadline passed (anyone may), so the
   * request moves to another node or is refunded instead of waiting for someone else to notice. */
  expireMissed: boolean;
  /** Artifact ids to use instead of the registry's artifact URIs. */
  modelOverrides?: ReadonlyMap<bigint, string>;
  /** Aggregation mode (off when absent): proofs of models registered with `adapter` are verified together
   * by one `verifyAggregate`, up to `maxProofs` or `windowMs`, then each request is settled (aggregation.ts). */
  aggregate?: AggregationOptions | null;
  backoff?: BackoffPolicy;
  receiptTimeoutMs?: number;
  logger?: Logger;
  observer?: NodeObserver;
}

export interface NodePipelineStatus {
  running: boolean;
  operator: Address;
  watcher: WatcherStatus;
  inFlight: number;
  lastRoundAt: number | null;
  lastRoundError: string | null;
  /** The aggregation path's counters, when aggregation is on. */
  aggregation: AggregationStatus | null;
}

interface Member {
  entry: Entry;
  result: InferenceResult;
  model: ServedModel;
}

interface ProofGroup {
  expected: number;
  members: Member[];
  resolve: (outcomes: Map<string, Attempt>) => void;
  promise: Promise<Map<string, Attempt>>;
}

/**
 * The node's work on the hub: watches the market for requests assigned to the operator (persisted cursor,
 * confirmations, reorgs), records each assignment in the outbox, proves it through the prover's queue
 * (the batcher groups requests of one model into one proof, up to the circuit's batch size or the batch
 * window), and fulfils each proof with one `fulfil` / `fulfilBatch` transaction (or, in aggregation mode,
 * verifies the proofs of several models with one `verifyAggregate` and settles each with an empty proof:
 * aggregation.ts). Exactly once: before every step the request's state is read from the market (still
 * pending, still ours, before the deadline), and the fulfilment is signed and recorded in the outbox before
 * it is broadcast, so after a crash its outcome is looked up rather than guessed (docs/decisions/0041, 0070).
 * The steps live beside it: discovery.ts (assignments from market events), assignment.ts (where an
 * assignment stands; missed deadlines), fulfilment.ts (the transaction and its settlement after a crash).
 */
export class NodePipeline {
  private readonly log: Logger;
  private readonly operator: Address;
  private readonly watcher: ChainWatcher<typeof marketEventsAbi>;
  private readonly batcher: InferenceBatcher;
  private readonly submitLimiter: Limiter;
  private readonly fulfilmentContext: FulfilmentContext;
  private readonly assignmentContext: AssignmentContext;
  private readonly aggregator: AggregationQueue | null;
  private readonly groups = new Map<string, ProofGroup>();
  private readonly inFlight = new Map<string, Promise<void>>();
  private catalog: ModelCatalog | null = null;
  private controller: AbortController | null = null;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private lastRoundAt: number | null = null;
  private lastRoundError: string | null = null;

  constructor(private readonly options: NodePipelineOptions) {
    this.log = (options.logger ?? silentLogger).child({ component: "node" });
    this.operator = options.hub.walletClient.account.address;
    this.batcher = new InferenceBatcher({
      client: options.prover.client,
      store: options.prover.artifacts,
      windowMs: options.batchWindowMs,
    });
    this.submitLimiter = createLimiter(options.submitConcurrency);
    const hub = options.hub;
    const receiptTimeoutMs = options.receiptTimeoutMs ?? 60_000;
    const shared = { hub, market: options.market, operator: this.operator, pollIntervalMs: options.pollIntervalMs };
    this.fulfilmentContext = {
      ...shared,
      store: options.store,
      receiptTimeoutMs,
      observer: options.observer,
      log: this.log,
    };
    this.assignmentContext = {
      ...shared,
      expireMissed: options.expireMissed,
      receiptTimeoutMs,
      observer: options.observer,
    };
    this.aggregator = options.aggregate
      ? new AggregationQueue(this.fulfilmentContext, options.aggregate, this.submitLimiter, this.log, (o) =>
          options.observer?.aggregateSubmitted?.({
            proofs: o.proofs,
            ok: o.tx !== null,
            gasUsed: o.gasUsed,
            fallback: o.fallbackReason !== null,
          }),
        )
      : null;
    this.watcher = new ChainWatcher({
      client: hub.publicClient,
      chainId: hub.chainId,
      stream: MARKET_STREAM,
      address: options.market,
      abi: marketEventsAbi,
      store: options.store,
      confirmations: hub.confirmations,
      startBlock: hub.startBlock,
      maxBlockRange: hub.maxBlockRange,
      pollIntervalMs: hub.pollIntervalMs,
      reorgWindow: hub.reorgWindow,
      backoff: options.backoff,
      logger: this.log,
      onLogs: async (batch) => {
        const entries = await assignmentEntries({
          batch,
          operator: this.operator,
          lookup: (requestId) =>
            lookupRequested({ client: hub.publicClient, market: options.market, fromBlock: hub.startBlock, requestId }),
          now: Date.now(),
        });
        const added = await options.store.enqueue(entries);
        if (added > 0) {
          for (const e of entries) options.observer?.assignmentDiscovered?.({ modelId: e.payload.modelId });
          this.log.info({ assignments: added, toBlock: batch.toBlock }, "assignments discovered");
          this.wake?.();
        }
      },
      onRewind: async (event) => {
        const affected = await options.store.retractAfter({
          kind: INFERENCE_KIND,
          sourceChainId: hub.chainId,
          block: event.toBlock ?? -1n,
          initialStep: "new",
        });
        this.log.warn({ toBlock: event.toBlock, affected }, "hub reorg: assignments retracted");
      },
    });
  }

  /** Reads the registry from the market, reports what this node serves, and starts watching and working. */
  async start(): Promise<void> {
    if (this.loop) return;
    const read = this.options.hub.publicClient;
    const [registry, pool] = await Promise.all([
      read.readContract({ address: this.options.market, abi: marketAbi, functionName: "registry" }),
      read.readContract({ address: this.options.market, abi: marketAbi, functionName: "pool" }),
    ]);
    this.catalog = new ModelCatalog({
      client: read,
      registry,
      artifacts: this.options.prover.artifacts,
      ...(this.options.modelOverrides ? { overrides: this.options.modelOverrides } : {}),
    });
    await this.reportServedModels(pool);
    this.watcher.start();
    this.controller = new AbortController();
    // Every assignment in flight listens for the stop signal.
    setMaxListeners(this.options.maxInFlight + 16, this.controller.signal);
    this.loop = this.workLoop(this.controller.signal);
  }

  /** Stops watching and working. Proofs already queued stay in Redis; their requests are picked up again
   * from the outbox on the next start. */
  async stop(): Promise<void> {
    this.controller?.abort();
    this.aggregator?.stop();
    this.wake?.();
    await Promise.all([this.loop, this.watcher.stop(), ...this.inFlight.values()]);
    this.loop = null;
  }

  status(): NodePipelineStatus {
    return {
      running: this.loop !== null,
      operator: this.operator,
      watcher: this.watcher.status(),
      inFlight: this.inFlight.size,
      lastRoundAt: this.lastRoundAt,
      lastRoundError: this.lastRoundError,
      aggregation: this.aggregator?.status() ?? null,
    };
  }

  private async reportServedModels(pool: Address): Promise<void> {
    const read = this.options.hub.publicClient;
    const info = await read.readContract({
      address: pool,
      abi: nodePoolAbi,
      functionName: "node",
      args: [this.operator],
    });
    if (info.capacity === 0n) {
      this.log.warn({ operator: this.operator }, "the operator is not a registered node (run register-node)");
      return;
    }
    const models = await read.readContract({
      address: pool,
      abi: nodePoolAbi,
      functionName: "nodeModels",
      args: [this.operator],
    });
    for (const modelId of models) {
      try {
        const served = await this.catalog!.resolve(modelId);
        this.log.info({ modelId, artifactId: served.artifactId, batchSize: served.batchSize }, "serving model");
      } catch (error) {
        this.log.error({ modelId, err: describeError(error) }, "registered for a model this node cannot prove");
      }
    }
  }

  private async workLoop(signal: AbortSignal): Promise<void> {
    let failures = 0;
    while (!signal.aborted) {
      try {
        const due = await this.options.store.due<InferencePayload>(INFERENCE_KIND, {
          now: Date.now(),
          limit: this.options.maxInFlight + this.inFlight.size,
        });
        for (const entry of due) {
          if (this.inFlight.size >= this.options.maxInFlight) break;
          if (this.inFlight.has(entry.key)) continue;
          const work = this.work(entry, signal).finally(() => {
            this.inFlight.delete(entry.key);
            this.wake?.();
          });
          this.inFlight.set(entry.key, work);
        }
        this.lastRoundAt = Date.now();
        this.lastRoundError = null;
        failures = 0;
      } catch (error) {
        failures++;
        this.lastRoundError = describeError(error);
        this.log.error({ err: this.lastRoundError, failures }, "work round failed");
        await this.idle(backoffDelay(failures, this.options.backoff ?? defaultBackoff), signal);
        continue;
      }
      await this.idle(this.options.pollIntervalMs, signal);
    }
  }

  /** Sleeps until `ms` pass, something finishes or is discovered, or the pipeline stops. */
  private async idle(ms: number, signal: AbortSignal): Promise<void> {
    const woken = new Promise<void>((resolve) => {
      this.wake = resolve;
    });
    await Promise.race([sleep(ms, signal).catch(() => {}), woken]);
    this.wake = null;
  }

  /** One attempt at one assignment, recorded in the outbox. */
  private async work(entry: Entry, signal: AbortSignal): Promise<void> {
    const log = this.log.child({ request: entry.payload.requestId, model: entry.payload.modelId });
    let attempt: Attempt;
    try {
      attempt = await abortable(this.attempt(entry, signal, log), signal);
    } catch (error) {
      if (error instanceof AbortedError || signal.aborted) return;
      attempt = { kind: "error", error };
    }
    if (signal.aborted) return;
    try {
      await this.record(entry, attempt, log);
    } catch (error) {
      // The outbox could not be written: the entry stays as it was and is worked again.
      log.error({ err: describeError(error) }, "recording the attempt failed");
    }
  }

  private async attempt(entry: Entry, signal: AbortSignal, log: Logger): Promise<Attempt> {
    // 1. A fulfilment signed before (maybe by a previous run) is judged by its receipt, never re-sent blindly.
    if (entry.pendingTx) {
      const settled = await settleFulfilment(this.fulfilmentContext, entry, entry.pendingTx);
      if (settled) return settled;
    }
    // 2. Still ours to fulfil?
    const state = await checkAssignment(this.assignmentContext, entry);
    if (state.kind !== "open") {
      return state.kind === "missed" ? handleMissed(this.assignmentContext, entry, state, log) : state;
    }
    // 3. Prove (batched with other requests of the model), then fulfil once per proof.
    let model: ServedModel;
    try {
      model = await this.catalog!.resolve(BigInt(entry.payload.modelId));
    } catch (error) {
      if (!(error instanceof UnservedModelError)) throw error;
      log.error({ err: describeError(error) }, "cannot prove this request");
      return final("failed", "unserved-model", error.message);
    }
    if (entry.step === "new") await this.options.store.update(INFERENCE_KIND, entry.key, { step: "proving" });
    const t0 = Date.now();
    let result: InferenceResult;
    try {
      result = await this.batcher.submit({
        artifactId: model.artifactId,
        // A new proving job per attempt: a job that failed for good keeps its id in the prover's queue.
        requestId: `${entry.key}#${entry.attempts}`,
        inputFixed: entry.payload.input,
      });
    } catch (error) {
      this.options.observer?.proofFinished?.({
        modelId: entry.payload.modelId,
        ok: false,
        seconds: (Date.now() - t0) / 1000,
        rows: 1,
      });
      if (error instanceof InvalidInputError) return final("failed", "unprovable", describeError(error));
      throw error;
    }
    if (signal.aborted) throw new AbortedError();
    if (result.slot === 0) {
      this.options.observer?.proofFinished?.({
        modelId: entry.payload.modelId,
        ok: true,
        seconds: (Date.now() - t0) / 1000,
        rows: result.proof.rows,
      });
    }
    log.debug({ jobId: result.proof.jobId, slot: result.slot, ms: Date.now() - t0 }, "proved");
    return this.join({ entry, result, model });
  }

  /**
   * Every request of one proof arrives here (the batcher answers them in the same tick); the last one
   * to arrive submits the proof for all of them.
   */
  private async join(member: Member): Promise<Attempt> {
    const jobId = member.result.proof.jobId;
    let group = this.groups.get(jobId);
    if (!group) {
      let resolve!: (outcomes: Map<string, Attempt>) => void;
      const promise = new Promise<Map<string, Attempt>>((r) => {
        resolve = r;
      });
      group = { expected: member.result.proof.requestIds.length, members: [], resolve, promise };
      this.groups.set(jobId, group);
    }
    group.members.push(member);
    if (group.members.length === group.expected) {
      this.groups.delete(jobId);
      const g = group;
      this.submitGroup(g.members).then(g.resolve, (error: unknown) => {
        g.resolve(new Map(g.members.map((m) => [m.entry.key, { kind: "error", error } as Attempt])));
      });
    }
    const outcomes = await group.promise;
    return (
      outcomes.get(member.entry.key) ?? { kind: "error", error: new RelayerError("no outcome for a proof member") }
    );
  }

  /**
   * Submits one proof. Request i of the transaction must sit in slot i of the proof, so only the leading
   * run of members that are still ours can go; members behind one that is not are proven again.
   */
  private async submitGroup(members: Member[]): Promise<Map<string, Attempt>> {
    members.sort((a, b) => a.result.slot - b.result.slot);
    const outcomes = new Map<string, Attempt>();
    const states = await Promise.all(members.map((m) => checkAssignment(this.assignmentContext, m.entry)));
    let open = 0;
    while (open < members.length && states[open]!.kind === "open" && members[open]!.result.slot === open) open++;
    members.forEach((m, i) => {
      const state = states[i]!;
      if (i < open) return;
      if (state.kind === "open") {
        outcomes.set(m.entry.key, { kind: "later", delayMs: 0, reason: "proven together with a request that left" });
      } else if (state.kind === "missed") {
        outcomes.set(m.entry.key, { kind: "later", delayMs: 0, reason: "the deadline passed while proving" });
      } else {
        outcomes.set(m.entry.key, state);
      }
    });
    if (open === 0) return outcomes;
    const chosen = members.slice(0, open);
    const model = chosen[0]!.model;
    const submitted =
      this.aggregator?.handles(model) === true
        ? await this.aggregator.add({ model, members: chosen })
        : await this.submitLimiter
            .run(() => submitFulfilment(this.fulfilmentContext, chosen))
            .catch((error: unknown): Attempt => ({ kind: "error", error }));
    for (const m of chosen) outcomes.set(m.entry.key, submitted);
    return outcomes;
  }

  private async record(entry: Entry, attempt: Attempt, log: Logger): Promise<void> {
    const store = this.options.store;
    if (attempt.kind === "later") {
      log.debug({ reason: attempt.reason }, "assignment waits");
      await store.update(INFERENCE_KIND, entry.key, { notBefore: Date.now() + attempt.delayMs });
      return;
    }
    if (attempt.kind === "error") {
      const attempts = entry.attempts + 1;
      const message = describeError(attempt.error);
      const stage =
        attempt.error instanceof FulfilmentRejectedError || attempt.error instanceof FulfilmentRevertedError
          ? "submit"
          : "prove";
      this.options.observer?.failure?.({ stage, error: message });
      if (attempts < this.options.maxAttempts) {
        const delayMs = backoffDelay(attempts, this.options.backoff ?? defaultBackoff);
        log.warn({ attempts, delayMs, err: message }, "attempt failed; will retry");
        await store.update(INFERENCE_KIND, entry.key, {
          attempts,
          lastError: message,
          notBefore: Date.now() + delayMs,
        });
        return;
      }
      log.error({ attempts, err: message }, "assignment given up");
      await store.update(INFERENCE_KIND, entry.key, { attempts, lastError: message });
      attempt = final("failed", "gave-up", message);
      entry = { ...entry, attempts };
    }
    const latencyMs = Date.now() - entry.payload.discoveredAt;
    await store.update(INFERENCE_KIND, entry.key, {
      status: attempt.status,
      outcome: attempt.outcome,
      lastError: attempt.detail,
      // A done entry keeps the transaction that fulfilled it.
      pendingTx: attempt.tx ?? (attempt.status === "done" ? entry.pendingTx : null),
    });
    if (attempt.status === "done") log.info({ outcome: attempt.outcome, latencyMs }, "assignment done");
    else log.error({ outcome: attempt.outcome, detail: attempt.detail }, "assignment failed");
    this.options.observer?.assignmentFinished?.({
      modelId: entry.payload.modelId,
      status: attempt.status,
      outcome: attempt.outcome,
      latencyMs,
    });
  }
}

/** Rejects with AbortedError as soon as `signal` aborts (the promise itself keeps running). */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(new AbortedError());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(new AbortedError(signal.reason));
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}
