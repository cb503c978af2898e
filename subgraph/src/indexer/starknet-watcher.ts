// Watches one Cairo contract's events on a Starknet chain the way chain-kit's ChainWatcher watches EVM
// logs: from a persisted cursor (chain-kit's cursor store), up to head - confirmations, in bounded block
// ranges, every page of starknet_getEvents followed through its continuation tokens; each range goes to
// `onEvents` before the cursor moves (a crash re-delivers, never skips). It remembers the hashes of the
// processed blocks that could still change and of every block with an event; when the chain no longer
// has the newest one it finds the newest surviving block (deeper than the window: `resolveDeepReorg`),
// tells `onRewind`, rewinds the cursor there, and delivers the replacement events.
import {
  AbortedError,
  type BackoffPolicy,
  type BlockRef,
  backoffDelay,
  type CursorStore,
  defaultBackoff,
  describeError,
  type Logger,
  RelayerError,
  ReorgTooDeepError,
  type RewindEvent,
  type StreamKey,
  silentLogger,
  sleep,
  WatcherConfigError,
  type WatcherStatus,
} from "@zk-vin/chain-kit";
import type { Hex } from "viem";
import type { StarknetRunnerEvent } from "../runtime/starknet-runner.js";
import { feltHex } from "../runtime/wasm/starknet.js";

/** One page of starknet_getEvents. */
export interface StarknetEventsPage {
  events: ReadonlyArray<{
    from_address: string;
    keys: readonly string[];
    data: readonly string[];
    block_hash?: string;
    block_number?: number;
    transaction_hash: string;
  }>;
  continuation_token?: string;
}

/** What the watcher reads from a Starknet node (rpcStarknetReader adapts starknet.js's RpcProvider). */
export interface StarknetChainReader {
  blockNumber(): Promise<number>;
  /** The hash of the accepted block with this number, or null when the chain has none (yet). */
  blockHash(number: number): Promise<string | null>;
  getEvents(filter: {
    address: string;
    fromBlock: number;
    toBlock: number;
    keys: string[][];
    chunkSize: number;
    continuationToken?: string;
  }): Promise<StarknetEventsPage>;
}

/** An event's block hash disagrees with the chain's block of that number: a reorg is under way. */
export class InconsistentStarknetEventsError extends RelayerError {
  override readonly name = "InconsistentStarknetEventsError";
  constructor(
    readonly blockNumber: number,
    readonly eventBlockHash: string | null,
    readonly canonicalHash: string | null,
  ) {
    super(
      `event of Starknet block ${blockNumber} has hash ${eventBlockHash ?? "none"} but the chain says ${canonicalHash ?? "no block"}`,
    );
  }
}

/** The node handed back a continuation token it had already given for this range. */
export class ContinuationLoopError extends RelayerError {
  override readonly name = "ContinuationLoopError";
  constructor(
    readonly token: string,
    readonly fromBlock: number,
    readonly toBlock: number,
  ) {
    super(`starknet_getEvents repeated continuation token ${token} for blocks ${fromBlock}..${toBlock}`);
  }
}

export interface StarknetEventBatch {
  fromBlock: bigint;
  toBlock: bigint;
  events: StarknetRunnerEvent[];
}

export interface StarknetWatcherOptions {
  reader: StarknetChainReader;
  store: CursorStore;
  /** The store's key for this chain (Starknet chain ids are short strings; the store keys by number). */
  chainId: number;
  stream: string;
  address: string;
  /** Event selectors (felts); an event is delivered when its first key is one of them. */
  selectors: readonly string[];
  startBlock: number;
  confirmations: number;
  maxBlockRange: number;
  /** Events per starknet_getEvents page. */
  chunkSize?: number;
  pollIntervalMs: number;
  reorgWindow: number;
  onEvents: (batch: StarknetEventBatch) => Promise<void>;
  onRewind?: (event: RewindEvent) => Promise<void>;
  resolveDeepReorg?: (info: StreamKey & { oldestRemembered: bigint | null }) => Promise<BlockRef | null>;
  backoff?: BackoffPolicy;
  logger?: Logger;
}

export interface StarknetPollResult {
  processed: { fromBlock: bigint; toBlock: bigint; events: number; pages: number } | null;
  rewound: RewindEvent | null;
  caughtUp: boolean;
}

const HASH_FETCH_PARALLELISM = 8;

export class StarknetEventWatcher {
  private readonly key: StreamKey;
  private readonly log: Logger;
  private readonly selectors: string[];
  private readonly address: string;
  private controller: AbortController | null = null;
  private loop: Promise<void> | null = null;
  private readonly current: WatcherStatus;

  constructor(private readonly options: StarknetWatcherOptions) {
    const positive = (field: string, value: number) => {
      if (!Number.isInteger(value) || value < 1)
        throw new WatcherConfigError(field, value, "must be a positive integer");
    };
    positive("maxBlockRange", options.maxBlockRange);
    positive("reorgWindow", options.reorgWindow);
    positive("chunkSize", options.chunkSize ?? 1000);
    if (!Number.isInteger(options.confirmations) || options.confirmations < 0)
      throw new WatcherConfigError("confirmations", options.confirmations, "must be a non-negative integer");
    if (!Number.isInteger(options.startBlock) || options.startBlock < 0)
      throw new WatcherConfigError("startBlock", options.startBlock, "must be a non-negative integer");
    if (options.selectors.length === 0) throw new WatcherConfigError("selectors", "[]", "must name at least one event");
    this.key = { chainId: options.chainId, stream: options.stream };
    this.address = feltHex(options.address);
    this.selectors = options.selectors.map((s) => feltHex(s));
    this.log = (options.logger ?? silentLogger).child({ chainId: options.chainId, stream: options.stream });
    this.current = {
      chainId: options.chainId,
      stream: options.stream,
      state: "idle",
      cursor: null,
      head: null,
      lag: null,
      lastSuccessAt: null,
      consecutiveFailures: 0,
      lastError: null,
      reorgs: 0,
    };
  }

  status(): WatcherStatus {
    return { ...this.current };
  }

  start(): void {
    if (this.loop) return;
    this.controller = new AbortController();
    this.current.state = "running";
    this.loop = this.run(this.controller.signal);
  }

  async stop(): Promise<void> {
    this.controller?.abort();
    await this.loop;
    this.loop = null;
    if (this.current.state === "running") this.current.state = "stopped";
  }

  /** One step: reorg check, then at most one block range. */
  async pollOnce(): Promise<StarknetPollResult> {
    const o = this.options;
    const rewound = await this.checkForReorg();
    const head = await o.reader.blockNumber();
    this.current.head = BigInt(head);
    const safe = head - o.confirmations;
    const cursor = await o.store.getCursor(this.key);
    this.current.cursor = cursor?.number ?? null;
    const from = cursor ? Number(cursor.number) + 1 : o.startBlock;
    if (safe < from) {
      this.current.lag = 0n;
      return { processed: null, rewound, caughtUp: true };
    }
    const to = Math.min(safe, from + o.maxBlockRange - 1);
    const { events, pages } = await this.fetchEvents(from, to);
    const unsettledFrom = Math.max(from, head - o.reorgWindow + 1);
    const blocks = await this.confirmBlocks(unsettledFrom, to, events);
    await o.onEvents({ fromBlock: BigInt(from), toBlock: BigInt(to), events });
    const toRef = blocks.get(to);
    if (!toRef) throw new RelayerError(`Starknet block ${to} was not fetched`);
    await o.store.advanceCursor(this.key, {
      to: toRef,
      blocks: [...blocks.values()],
      keepFrom: BigInt(Math.min(to, head - o.reorgWindow + 1)),
    });
    this.current.cursor = BigInt(to);
    this.current.lag = BigInt(safe - to);
    return {
      processed: { fromBlock: BigInt(from), toBlock: BigInt(to), events: events.length, pages },
      rewound,
      caughtUp: to === safe,
    };
  }

  private async run(signal: AbortSignal): Promise<void> {
    const backoff = this.options.backoff ?? defaultBackoff;
    while (!signal.aborted) {
      try {
        const result = await this.pollOnce();
        this.current.consecutiveFailures = 0;
        this.current.lastError = null;
        this.current.lastSuccessAt = Date.now();
        if (result.caughtUp) await sleep(this.options.pollIntervalMs, signal);
      } catch (error) {
        if (error instanceof AbortedError) break;
        this.current.lastError = describeError(error);
        if (error instanceof ReorgTooDeepError) {
          this.current.state = "failed";
          this.log.error({ err: this.current.lastError }, "starknet watcher stopped");
          return;
        }
        this.current.consecutiveFailures++;
        const delayMs = backoffDelay(this.current.consecutiveFailures, backoff);
        this.log.warn(
          { err: this.current.lastError, failures: this.current.consecutiveFailures, delayMs },
          "poll failed",
        );
        try {
          await sleep(delayMs, signal);
        } catch {
          break;
        }
      }
    }
  }

  /** Every event of the range, all pages: the node's continuation token is followed until it stops. */
  private async fetchEvents(from: number, to: number): Promise<{ events: StarknetRunnerEvent[]; pages: number }> {
    const events: StarknetRunnerEvent[] = [];
    const seenTokens = new Set<string>();
    const perBlock = new Map<number, number>();
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await this.options.reader.getEvents({
        address: this.address,
        fromBlock: from,
        toBlock: to,
        keys: [this.selectors],
        chunkSize: this.options.chunkSize ?? 1000,
        ...(token ? { continuationToken: token } : {}),
      });
      pages++;
      for (const e of page.events) {
        if (e.block_number === undefined || e.block_hash === undefined) {
          // Only accepted blocks are asked for; an event without a block is a node's error.
          throw new InconsistentStarknetEventsError(e.block_number ?? -1, e.block_hash ?? null, null);
        }
        const index = perBlock.get(e.block_number) ?? 0;
        perBlock.set(e.block_number, index + 1);
        events.push({
          fromAddress: e.from_address,
          keys: [...e.keys],
          data: [...e.data],
          blockNumber: BigInt(e.block_number),
          blockHash: feltHex(e.block_hash),
          transactionHash: feltHex(e.transaction_hash),
          index,
        });
      }
      token = page.continuation_token || undefined;
      if (token !== undefined) {
        if (seenTokens.has(token)) throw new ContinuationLoopError(token, from, to);
        seenTokens.add(token);
      }
    } while (token !== undefined);
    return { events, pages };
  }

  /**
   * The hashes of `to`, of every block in from..to that could still change and of every block with an
   * event; each event's block hash must be the chain's.
   */
  private async confirmBlocks(
    from: number,
    to: number,
    events: readonly StarknetRunnerEvent[],
  ): Promise<Map<number, BlockRef>> {
    const numbers = new Set<number>([to]);
    for (let n = from; n <= to; n++) numbers.add(n);
    for (const e of events) numbers.add(Number(e.blockNumber));
    const all = [...numbers].sort((a, b) => a - b);
    const blocks = new Map<number, BlockRef>();
    for (let i = 0; i < all.length; i += HASH_FETCH_PARALLELISM) {
      const chunk = all.slice(i, i + HASH_FETCH_PARALLELISM);
      const hashes = await Promise.all(chunk.map((n) => this.options.reader.blockHash(n)));
      chunk.forEach((n, j) => {
        const hash = hashes[j] ?? null;
        if (hash === null) throw new InconsistentStarknetEventsError(n, null, null);
        blocks.set(n, { number: BigInt(n), hash: feltHex(hash) as Hex });
      });
    }
    for (const e of events) {
      const canonical = blocks.get(Number(e.blockNumber))?.hash ?? null;
      if (canonical !== e.blockHash) {
        throw new InconsistentStarknetEventsError(Number(e.blockNumber), e.blockHash, canonical);
      }
    }
    return blocks;
  }

  private async canonicalHash(number: bigint): Promise<string | null> {
    const hash = await this.options.reader.blockHash(Number(number));
    return hash === null ? null : feltHex(hash);
  }

  /** Compares the newest remembered block with the chain; on a mismatch rewinds to the newest match. */
  private async checkForReorg(): Promise<RewindEvent | null> {
    const o = this.options;
    const tail = await o.store.getTail(this.key);
    const newest = tail[0];
    if (!newest) return null;
    if ((await this.canonicalHash(newest.number)) === newest.hash) return null;
    const cursor = await o.store.getCursor(this.key);
    let survivor: BlockRef | null = null;
    for (const block of tail.slice(1)) {
      if ((await this.canonicalHash(block.number)) === block.hash) {
        survivor = block;
        break;
      }
    }
    const oldest = tail[tail.length - 1]?.number ?? null;
    if (!survivor && (oldest === null || oldest > BigInt(o.startBlock))) {
      if (!o.resolveDeepReorg) throw new ReorgTooDeepError(this.key, oldest);
      survivor = await o.resolveDeepReorg({ ...this.key, oldestRemembered: oldest });
      if (survivor && (await this.canonicalHash(survivor.number)) !== feltHex(survivor.hash)) {
        throw new RelayerError(
          `Starknet block ${survivor.number} named as a deep reorg's fork point is not on the chain`,
        );
      }
    }
    const event: RewindEvent = {
      chainId: this.key.chainId,
      stream: this.key.stream,
      toBlock: survivor?.number ?? null,
      fromBlock: cursor?.number ?? newest.number,
    };
    this.log.warn({ from: event.fromBlock, to: event.toBlock }, "starknet reorg: rewinding the cursor");
    await o.onRewind?.(event);
    await o.store.rewindCursor(this.key, survivor);
    this.current.reorgs++;
    this.current.cursor = survivor?.number ?? null;
    return event;
  }
}

/** A StarknetChainReader over starknet.js's RpcProvider (JSON-RPC 0.8). */
export function rpcStarknetReader(provider: {
  getBlockNumber(): Promise<number>;
  getBlockWithTxHashes(blockId: number): Promise<unknown>;
  getEvents(filter: Record<string, unknown>): Promise<unknown>;
}): StarknetChainReader {
  return {
    blockNumber: () => provider.getBlockNumber(),
    async blockHash(number) {
      try {
        const b = (await provider.getBlockWithTxHashes(number)) as { block_hash?: string };
        return b.block_hash ?? null;
      } catch (error) {
        if (isBlockNotFound(error)) return null;
        throw error;
      }
    },
    async getEvents(f) {
      return (await provider.getEvents({
        address: f.address,
        from_block: { block_number: f.fromBlock },
        to_block: { block_number: f.toBlock },
        keys: f.keys,
        chunk_size: f.chunkSize,
        ...(f.continuationToken ? { continuation_token: f.continuationToken } : {}),
      })) as StarknetEventsPage;
    },
  };
}

/** starknet_* error 24 (BLOCK_NOT_FOUND), as starknet.js reports it. */
export function isBlockNotFound(error: unknown): boolean {
  const e = error as { code?: unknown; baseError?: { code?: unknown }; message?: unknown };
  return e?.baseError?.code === 24 || e?.code === 24 || /block not found/i.test(String(e?.message ?? ""));
}
