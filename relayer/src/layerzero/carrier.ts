import type { OutboxEntry, Store } from "@zk-vin/chain-kit";
import {
  AbortedError,
  type BackoffPolicy,
  backoffDelay,
  ChainWatcher,
  createLimiter,
  defaultBackoff,
  describeError,
  type Logger,
  RelayerError,
  silentLogger,
  sleep,
  type WatcherStatus,
} from "@zk-vin/chain-kit";
import type { LocalAccount } from "viem";
import { dvnAbi, packetSentEventAbi, WORKER_ADMIN_ROLE } from "./abi.js";
import { type DeliveryContext, type DeliveryResult, deliverPacket } from "./delivery.js";
import { packetEntries } from "./discovery.js";
import {
  type CarrierObserver,
  type LayerZeroChain,
  PACKET_KIND,
  PACKET_STREAM,
  type PacketEntryPayload,
  type PacketStep,
} from "./types.js";

export interface LayerZeroCarrierOptions {
  chains: LayerZeroChain[];
  store: Store;
  /** Signs DVN instructions; must be in every chain's DVN quorum. */
  signer: LocalAccount;
  /** Destination chains worked on at the same time (each chain's packets go one after another). */
  concurrency: number;
  /** Failed attempts after which a packet is given up (status failed, outcome gave-up). */
  maxAttempts: number;
  /** Pause of the delivery loop when nothing is due, and the re-check delay of waiting packets. */
  pollIntervalMs: number;
  backoff?: BackoffPolicy;
  signatureTtlSeconds?: number;
  receiptTimeoutMs?: number;
  logger?: Logger;
  observer?: CarrierObserver;
}

/** The carrier cannot act on a chain (e.g. the operator is not an admin of its DVN or executor). */
export class CarrierSetupError extends RelayerError {
  override readonly name = "CarrierSetupError";
  constructor(
    readonly chain: string,
    reason: string,
  ) {
    super(`layerzero carrier, chain ${chain}: ${reason}`);
  }
}

export interface CarrierStatus {
  running: boolean;
  watchers: WatcherStatus[];
  lastRoundAt: number | null;
  lastRoundError: string | null;
}

/**
 * Plays LayerZero's DVN and executor on local networks, against the real contracts: watches
 * PacketSent on every chain (persisted cursor, confirmations, reorgs), records each packet in the
 * outbox, and delivers it on its destination (DVN-signed verify, commitVerification, execute302 with
 * the gas and native value its options ask for). Exactly-once rests on the outbox plus on-chain
 * checks before every step, so the process may be killed at any moment and restarted.
 */
export class LayerZeroCarrier {
  private readonly byEid: Map<number, LayerZeroChain>;
  private readonly watchers: ChainWatcher<typeof packetSentEventAbi>[];
  private readonly log: Logger;
  private readonly dvnVids = new Map<number, number>();
  private controller: AbortController | null = null;
  private loop: Promise<void> | null = null;
  private wake: (() => void) | null = null;
  private lastRoundAt: number | null = null;
  private lastRoundError: string | null = null;
  private laneError: string | null = null;
  /** Running lane tasks by destination EID. */
  private readonly lanes = new Map<number, Promise<void>>();

  constructor(private readonly options: LayerZeroCarrierOptions) {
    this.log = (options.logger ?? silentLogger).child({ component: "layerzero-carrier" });
    this.byEid = new Map(options.chains.map((c) => [c.eid, c]));
    if (this.byEid.size !== options.chains.length) throw new CarrierSetupError("*", "two chains share one EID");
    this.watchers = options.chains.map(
      (chain) =>
        new ChainWatcher({
          client: chain.publicClient,
          chainId: chain.chainId,
          stream: PACKET_STREAM,
          address: chain.endpoint,
          abi: packetSentEventAbi,
          store: options.store,
          confirmations: chain.confirmations,
          startBlock: chain.startBlock,
          maxBlockRange: chain.maxBlockRange,
          pollIntervalMs: chain.pollIntervalMs,
          reorgWindow: chain.reorgWindow,
          backoff: options.backoff,
          logger: this.log,
          onLogs: async (batch) => {
            const entries = packetEntries({ batch, source: chain, destinations: this.byEid, now: Date.now() });
            const added = await options.store.enqueue(entries);
            if (added > 0) {
              for (const e of entries) {
                const p = e.payload as Partial<PacketEntryPayload>;
                if (e.status === "failed") {
                  this.log.warn({ guid: e.key, outcome: e.outcome, reason: e.lastError }, "packet will not be carried");
                } else if (p.srcEid !== undefined && p.dstEid !== undefined) {
                  options.observer?.packetDiscovered?.({ srcEid: p.srcEid, dstEid: p.dstEid });
                }
              }
              this.wake?.();
            }
          },
          onRewind: async (event) => {
            const affected = await options.store.retractAfter({
              kind: PACKET_KIND,
              sourceChainId: chain.chainId,
              block: event.toBlock ?? -1n,
              initialStep: "new",
            });
            this.log.warn({ chain: chain.name, toBlock: event.toBlock, affected }, "source reorg: packets retracted");
          },
        }),
    );
  }

  /**
   * Checks that the operator can act on every chain (DVN and executor admin, DVN signer), then starts
   * the watchers and the delivery loop.
   */
  async start(): Promise<void> {
    if (this.loop) return;
    await this.checkRoles();
    for (const w of this.watchers) w.start();
    this.controller = new AbortController();
    this.loop = this.deliveryLoop(this.controller.signal);
  }

  async stop(): Promise<void> {
    this.controller?.abort();
    this.wake?.();
    await Promise.all([this.loop, ...this.watchers.map((w) => w.stop())]);
    this.loop = null;
  }

  status(): CarrierStatus {
    return {
      running: this.loop !== null,
      watchers: this.watchers.map((w) => w.status()),
      lastRoundAt: this.lastRoundAt,
      lastRoundError: this.lastRoundError,
    };
  }

  /** Works every due packet once (each destination's packets in order). Exposed for tests and tools. */
  async deliverDue(): Promise<{ worked: number; final: number }> {
    const due = await this.options.store.due<PacketEntryPayload>(PACKET_KIND, { now: Date.now(), limit: 500 });
    const lanes = new Map<number, OutboxEntry<PacketEntryPayload>[]>();
    for (const e of due) {
      const lane = lanes.get(e.payload.dstEid) ?? [];
      lane.push(e);
      lanes.set(e.payload.dstEid, lane);
    }
    const limiter = createLimiter(this.options.concurrency);
    let finals = 0;
    await Promise.all(
      [...lanes.values()].map((lane) =>
        limiter.run(async () => {
          for (const entry of lane) {
            if (this.controller?.signal.aborted) return;
            if (await this.work(entry)) finals++;
          }
        }),
      ),
    );
    return { worked: due.length, final: finals };
  }

  /** One attempt at one packet; returns true when the packet reached a final state. */
  private async work(entry: OutboxEntry<PacketEntryPayload>): Promise<boolean> {
    const p = entry.payload;
    const source = this.byEid.get(p.srcEid);
    const destination = this.byEid.get(p.dstEid);
    if (!source || !destination) {
      // Configuration changed since discovery: keep the entry, but say why it cannot move.
      await this.options.store.update(PACKET_KIND, entry.key, {
        lastError: `EID ${source ? p.dstEid : p.srcEid} is no longer configured`,
        notBefore: Date.now() + 60_000,
      });
      return false;
    }
    const log = this.log.child({ guid: entry.key, src: source.name, dst: destination.name, nonce: p.nonce });
    let result: DeliveryResult;
    try {
      result = await deliverPacket(await this.context(source, destination), entry);
    } catch (error) {
      if (error instanceof AbortedError) throw error;
      return this.recordFailure(entry, error, log);
    }
    if (result.kind === "wait") {
      log.debug({ reason: result.reason }, "packet waits");
      await this.options.store.update(PACKET_KIND, entry.key, { notBefore: Date.now() + this.options.pollIntervalMs });
      return false;
    }
    await this.options.store.update(PACKET_KIND, entry.key, {
      status: result.status,
      outcome: result.outcome,
      lastError: result.detail,
      pendingTx: null,
    });
    const latencyMs = Date.now() - p.discoveredAt;
    if (result.status === "done") log.info({ outcome: result.outcome, latencyMs }, "packet delivered");
    else log.error({ outcome: result.outcome, detail: result.detail }, "packet failed on its destination");
    this.options.observer?.packetFinished?.({
      srcEid: p.srcEid,
      dstEid: p.dstEid,
      status: result.status,
      outcome: result.outcome,
      latencyMs,
    });
    return true;
  }

  private async recordFailure(entry: OutboxEntry<PacketEntryPayload>, error: unknown, log: Logger): Promise<boolean> {
    const attempts = entry.attempts + 1;
    const message = describeError(error);
    const fresh = await this.options.store.get(PACKET_KIND, entry.key);
    const step = (fresh?.step ?? entry.step) as PacketStep;
    this.options.observer?.deliveryError?.({ dstEid: entry.payload.dstEid, step, error: message });
    if (attempts >= this.options.maxAttempts) {
      log.error({ attempts, err: message }, "packet given up");
      await this.options.store.update(PACKET_KIND, entry.key, {
        status: "failed",
        outcome: "gave-up",
        attempts,
        lastError: message,
      });
      this.options.observer?.packetFinished?.({
        srcEid: entry.payload.srcEid,
        dstEid: entry.payload.dstEid,
        status: "failed",
        outcome: "gave-up",
        latencyMs: Date.now() - entry.payload.discoveredAt,
      });
      return true;
    }
    const delayMs = backoffDelay(attempts, this.options.backoff ?? defaultBackoff);
    log.warn({ attempts, delayMs, err: message }, "delivery attempt failed; will retry");
    await this.options.store.update(PACKET_KIND, entry.key, {
      attempts,
      lastError: message,
      notBefore: Date.now() + delayMs,
    });
    return false;
  }

  private async context(source: LayerZeroChain, destination: LayerZeroChain): Promise<DeliveryContext> {
    let vid = this.dvnVids.get(destination.eid);
    if (vid === undefined) {
      vid = await destination.publicClient.readContract({ address: destination.dvn, abi: dvnAbi, functionName: "vid" });
      this.dvnVids.set(destination.eid, vid);
    }
    return {
      source,
      destination,
      signer: this.options.signer,
      dvnVid: vid,
      outbox: this.options.store,
      signatureTtlSeconds: this.options.signatureTtlSeconds ?? 600,
      receiptTimeoutMs: this.options.receiptTimeoutMs ?? 60_000,
    };
  }

  /**
   * Each destination chain is a lane: its packets go one after another (the endpoint executes a pathway's
   * nonces in order), while lanes run side by side, each at its own pace, so a long queue towards one chain
   * never holds back packets towards another. The loop starts a lane task for every destination with due
   * packets and no task yet (at most `concurrency`), and wakes when a lane finishes or a watcher finds packets.
   */
  private async deliveryLoop(signal: AbortSignal): Promise<void> {
    let failures = 0;
    while (!signal.aborted) {
      try {
        await this.startLanes(signal);
        this.lastRoundAt = Date.now();
        this.lastRoundError = this.laneError;
        failures = 0;
      } catch (error) {
        failures++;
        this.lastRoundError = describeError(error);
        this.log.error({ err: this.lastRoundError, failures }, "delivery round failed");
        await this.idle(backoffDelay(failures, this.options.backoff ?? defaultBackoff), signal);
        continue;
      }
      await this.idle(this.options.pollIntervalMs, signal);
    }
    await Promise.allSettled(this.lanes.values());
  }

  private async startLanes(signal: AbortSignal): Promise<void> {
    const due = await this.options.store.due<PacketEntryPayload>(PACKET_KIND, { now: Date.now(), limit: 500 });
    const byLane = new Map<number, OutboxEntry<PacketEntryPayload>[]>();
    for (const e of due) {
      if (this.lanes.has(e.payload.dstEid)) continue;
      const lane = byLane.get(e.payload.dstEid) ?? [];
      lane.push(e);
      byLane.set(e.payload.dstEid, lane);
    }
    for (const [dstEid, entries] of byLane) {
      if (this.lanes.size >= this.options.concurrency) break;
      const task = this.runLane(entries, signal).finally(() => {
        this.lanes.delete(dstEid);
        this.wake?.();
      });
      this.lanes.set(dstEid, task);
    }
  }

  private async runLane(entries: OutboxEntry<PacketEntryPayload>[], signal: AbortSignal): Promise<void> {
    try {
      for (const entry of entries) {
        if (signal.aborted) return;
        await this.work(entry);
      }
      this.laneError = null;
    } catch (error) {
      if (error instanceof AbortedError) return;
      // The store failed under the lane: its remaining packets are picked up again by a later round.
      this.laneError = describeError(error);
      this.log.error({ err: this.laneError }, "delivery lane failed");
    }
  }

  /** Sleeps until `ms` pass, the watchers enqueue something, or the carrier stops. */
  private async idle(ms: number, signal: AbortSignal): Promise<void> {
    const woken = new Promise<void>((resolve) => {
      this.wake = resolve;
    });
    await Promise.race([sleep(ms, signal).catch(() => {}), woken]);
    this.wake = null;
  }

  private async checkRoles(): Promise<void> {
    const operator = (chain: LayerZeroChain) => chain.walletClient.account.address;
    await Promise.all(
      this.options.chains.map(async (chain) => {
        const read = chain.publicClient;
        const [dvnAdmin, executorAdmin, signer] = await Promise.all([
          read.readContract({
            address: chain.dvn,
            abi: dvnAbi,
            functionName: "hasRole",
            args: [WORKER_ADMIN_ROLE, operator(chain)],
          }),
          read.readContract({
            address: chain.executor,
            abi: dvnAbi,
            functionName: "hasRole",
            args: [WORKER_ADMIN_ROLE, operator(chain)],
          }),
          read.readContract({
            address: chain.dvn,
            abi: dvnAbi,
            functionName: "isSigner",
            args: [this.options.signer.address],
          }),
        ]);
        if (!dvnAdmin)
          throw new CarrierSetupError(chain.name, `${operator(chain)} is not an admin of DVN ${chain.dvn}`);
        if (!executorAdmin) {
          throw new CarrierSetupError(chain.name, `${operator(chain)} is not an admin of executor ${chain.executor}`);
        }
        if (!signer)
          throw new CarrierSetupError(chain.name, `${this.options.signer.address} is not a signer of DVN ${chain.dvn}`);
      }),
    );
  }
}
