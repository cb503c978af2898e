import {
  type Abi,
  type AbiEvent,
  type Address,
  BlockNotFoundError,
  formatLog,
  type Hex,
  type Log,
  type ParseEventLogsReturnType,
  type PublicClient,
  parseEventLogs,
  toEventSelector,
} from "viem";
import { describeError, RelayerError } from "../errors.js";
import type { BlockRef, CursorStore, StreamKey } from "../store/types.js";
import { type Logger, silentLogger } from "../util/logger.js";
import { AbortedError, type BackoffPolicy, backoffDelay, defaultBackoff, sleep } from "../util/retry.js";

/** A decoded log of one of the watched events. */
export type WatchedLog<TAbi extends Abi> = ParseEventLogsReturnType<TAbi, undefined, true>[number];

/** The logs of a contiguous, confirmed block range, handed to the handler before the cursor moves. */
export interface LogBatch<TAbi extends Abi> {
  chainId: number;
  stream: string;
  fromBlock: bigint;
  toBlock: bigint;
  /** In chain order (block, then log index). */
  logs: WatchedLog<TAbi>[];
}

/** Blocks after `toBlock` were replaced (or `toBlock` is null: everything processed was). */
export interface RewindEvent {
  chainId: number;
  stream: string;
  /** The last block still valid, or null when no processed block survived. */
  toBlock: bigint | null;
  /** The cursor before the rewind. */
  fromBlock: bigint;
}

export interface ChainWatcherOptions<TAbi extends Abi> {
  client: PublicClient;
  /** The chain's id, used as the store key (checked against the RPC on start). */
  chainId: number;
  /** Names this log stream in the store; several streams can watch one chain independently. */
  stream: string;
  /** Contracts whose logs are watched. */
  address: Address | Address[];
  /** An ABI holding the watched events (other entries are ignored). */
  abi: TAbi;
  store: CursorStore;
  /** Handles a batch; must be idempotent: after a crash or a reorg a batch can be delivered again. */
  onLogs: (batch: LogBatch<TAbi>) => Promise<void>;
  /** Told when processed blocks were replaced, before their replacement is delivered. */
  onRewind?: (event: RewindEvent) => Promise<void>;
  /** Blocks that must be built on top of a block before its logs are delivered (0: the head itself). */
  confirmations: number;
  /** First block scanned when the stream has no cursor yet. */
  startBlock: bigint;
  /** Most blocks per eth_getLogs call; halved while the RPC refuses a range, grown back after. */
  maxBlockRange: number;
  /** Pause between polls once caught up. */
  pollIntervalMs: number;
  /** How many processed blocks are remembered for reorg detection; deeper reorgs stop the watcher
   * unless `resolveDeepReorg` is given. */
  reorgWindow: number;
  /**
   * Asked when no remembered block survived a reorg (it is deeper than `reorgWindow`): the newest
   * processed block the chain still has, found in the handler's own longer history, or null when none
   * survived (everything is processed again from `startBlock`). The watcher checks the answer against the
   * chain, tells `onRewind` and carries on. Without it such a reorg stops the watcher (ReorgTooDeepError):
   * a handler whose effects cannot be undone (the relayer's deliveries) must not go on by itself.
   */
  resolveDeepReorg?: (event: {
    chainId: number;
    stream: string;
    oldestRemembered: bigint | null;
  }) => Promise<BlockRef | null>;
  backoff?: BackoffPolicy;
  logger?: Logger;
}

export type WatcherState = "idle" | "running" | "stopped" | "failed";

export interface WatcherStatus {
  chainId: number;
  stream: string;
  state: WatcherState;
  cursor: bigint | null;
  head: bigint | null;
  /** Confirmed blocks not processed yet (head - confirmations - cursor), when known. */
  lag: bigint | null;
  lastSuccessAt: number | null;
  consecutiveFailures: number;
  lastError: string | null;
  reorgs: number;
}

export interface PollResult {
  /** Blocks processed by this poll (fromBlock..toBlock), or null when there was nothing to do. */
  processed: { fromBlock: bigint; toBlock: bigint; logs: number } | null;
  rewound: RewindEvent | null;
  /** True when the cursor has reached head - confirmations. */
  caughtUp: boolean;
}

/** The RPC serves another chain than the configuration says. */
export class ChainIdMismatchError extends RelayerError {
  override readonly name = "ChainIdMismatchError";
  constructor(
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`the RPC serves chain ${actual}, but the watcher is configured for chain ${expected}`);
  }
}

/** No remembered block matches the chain any more: the reorg is deeper than `reorgWindow`. */
export class ReorgTooDeepError extends RelayerError {
  override readonly name = "ReorgTooDeepError";
  constructor(
    readonly stream: StreamKey,
    readonly oldestRemembered: bigint | null,
  ) {
    super(
      `chain ${stream.chainId} stream ${stream.stream}: reorg deeper than the remembered blocks` +
        ` (oldest remembered: ${oldestRemembered ?? "none"}); an operator must rewind the cursor`,
    );
  }
}

/** A log's block hash disagrees with the block the node returned for that number: a reorg is under way. */
export class InconsistentLogsError extends RelayerError {
  override readonly name = "InconsistentLogsError";
  constructor(
    readonly blockNumber: bigint,
    readonly logBlockHash: Hex,
    readonly canonicalHash: Hex | null,
  ) {
    super(`log of block ${blockNumber} has hash ${logBlockHash} but the chain says ${canonicalHash ?? "no block"}`);
  }
}

/** Options rejected before the watcher starts. */
export class WatcherConfigError extends RelayerError {
  override readonly name = "WatcherConfigError";
  constructor(
    readonly field: string,
    readonly value: unknown,
    reason: string,
  ) {
    super(`watcher option ${field}=${String(value)}: ${reason}`);
  }
}

/**
 * Polls a chain's logs for a set of contracts and events from a persisted cursor, only up to
 * head - confirmations, in bounded block ranges, and hands each range to `onLogs` before moving the
 * cursor (so a crash re-delivers, never skips). It remembers the hashes of processed blocks; when the
 * chain no longer has them it finds the newest surviving block, rewinds the cursor there, tells
 * `onRewind`, and delivers the replacement logs. Knows nothing about what the logs mean.
 */
export class ChainWatcher<TAbi extends Abi> {
  private readonly key: StreamKey;
  private readonly events: AbiEvent[];
  private readonly log: Logger;
  private range: number;
  private controller: AbortController | null = null;
  private loop: Promise<void> | null = null;
  private readonly current: WatcherStatus;
  private chainChecked = false;

  constructor(private readonly options: ChainWatcherOptions<TAbi>) {
    validate(options);
    this.key = { chainId: options.chainId, stream: options.stream };
    this.events = options.abi.filter((item): item is AbiEvent => item.type === "event");
    if (this.events.length === 0) throw new WatcherConfigError("abi", "(no events)", "must contain at least one event");
    this.range = options.maxBlockRange;
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

  /** Starts polling in the background until `stop`. Failures are retried with backoff, except a
   * chain id mismatch or a reorg deeper than the window, which stop the watcher in state "failed". */
  start(): void {
    if (this.loop) return;
    this.controller = new AbortController();
    this.current.state = "running";
    this.loop = this.run(this.controller.signal);
  }

  /** Stops polling and waits for the batch in progress (if any) to finish. */
  async stop(): Promise<void> {
    this.controller?.abort();
    await this.loop;
    this.loop = null;
    if (this.current.state === "running") this.current.state = "stopped";
  }

  /** Does one step: reorg check, then at most one block range. Exposed for tests and one-shot tools. */
  async pollOnce(): Promise<PollResult> {
    const { client, confirmations } = this.options;
    if (!this.chainChecked) {
      const actual = await client.getChainId();
      if (actual !== this.options.chainId) throw new ChainIdMismatchError(this.options.chainId, actual);
      this.chainChecked = true;
    }
    const rewound = await this.checkForReorg();
    const head = await client.getBlockNumber({ cacheTime: 0 });
    this.current.head = head;
    const safe = head - BigInt(confirmations);
    const cursor = await this.options.store.getCursor(this.key);
    this.current.cursor = cursor?.number ?? null;
    const from = cursor ? cursor.number + 1n : this.options.startBlock;
    if (safe < from) {
      this.current.lag = 0n;
      return { processed: null, rewound, caughtUp: true };
    }
    const to = minBig(safe, from + BigInt(this.range) - 1n);
    const logs = await this.fetchLogs(from, to);
    // Blocks that could still be reorged are remembered one by one, so a reorg finds its exact fork point.
    const unsettledFrom = maxBig(from, head - BigInt(this.options.reorgWindow) + 1n);
    const blocks = await this.confirmBlocks({ from: unsettledFrom, to, logs });
    const decoded = parseEventLogs({ abi: this.options.abi, logs, strict: true }) as WatchedLog<TAbi>[];
    if (decoded.length !== logs.length) {
      this.log.warn({ fetched: logs.length, decoded: decoded.length }, "logs that do not match the ABI were skipped");
    }
    await this.options.onLogs({
      chainId: this.key.chainId,
      stream: this.key.stream,
      fromBlock: from,
      toBlock: to,
      logs: decoded,
    });
    const toRef = blocks.get(to);
    if (!toRef) throw new RelayerError(`block ${to} was not fetched`);
    await this.options.store.advanceCursor(this.key, {
      to: toRef,
      blocks: [...blocks.values()],
      keepFrom: minBig(to, head - BigInt(this.options.reorgWindow) + 1n),
    });
    this.current.cursor = to;
    this.current.lag = safe - to;
    // A successful range lets the next one grow back towards the configured maximum.
    this.range = Math.min(this.options.maxBlockRange, this.range * 2);
    return { processed: { fromBlock: from, toBlock: to, logs: decoded.length }, rewound, caughtUp: to === safe };
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
        if (error instanceof ChainIdMismatchError || error instanceof ReorgTooDeepError) {
          this.current.state = "failed";
          this.log.error({ err: this.current.lastError }, "watcher stopped");
          return;
        }
        this.current.consecutiveFailures++;
        const delayMs = backoffDelay(this.current.consecutiveFailures, backoff);
        this.log.warn(
          { err: this.current.lastError, failures: this.current.consecutiveFailures, delayMs },
          "poll failed; retrying",
        );
        try {
          await sleep(delayMs, signal);
        } catch {
          break;
        }
      }
    }
  }

  /** Compares the newest remembered block with the chain; on mismatch rewinds to the newest match. */
  private async checkForReorg(): Promise<RewindEvent | null> {
    const tail = await this.options.store.getTail(this.key);
    const newest = tail[0];
    if (!newest) return null;
    if ((await this.canonicalHash(newest.number)) === newest.hash) return null;
    const cursor = await this.options.store.getCursor(this.key);
    let survivor: BlockRef | null = null;
    for (const block of tail.slice(1)) {
      if ((await this.canonicalHash(block.number)) === block.hash) {
        survivor = block;
        break;
      }
    }
    const oldest = tail[tail.length - 1]?.number ?? null;
    // With no surviving block we may only restart from scratch if the window still covers startBlock,
    // or if the handler's own history says where the chains part.
    if (!survivor && (oldest === null || oldest > this.options.startBlock)) {
      if (!this.options.resolveDeepReorg) throw new ReorgTooDeepError(this.key, oldest);
      survivor = await this.options.resolveDeepReorg({ ...this.key, oldestRemembered: oldest });
      if (survivor && (await this.canonicalHash(survivor.number)) !== survivor.hash) {
        // The chain moved again while the handler looked: the next poll starts over.
        throw new RelayerError(`block ${survivor.number} named as the fork point of a deep reorg is not on the chain`);
      }
      this.log.warn({ oldestRemembered: oldest, forkPoint: survivor?.number ?? null }, "reorg deeper than the window");
    }
    const event: RewindEvent = {
      chainId: this.key.chainId,
      stream: this.key.stream,
      toBlock: survivor?.number ?? null,
      fromBlock: cursor?.number ?? newest.number,
    };
    this.log.warn({ from: event.fromBlock, to: event.toBlock }, "reorg: rewinding the cursor");
    // The handler forgets derived state first: if we crash in between, the rewind is simply found again.
    await this.options.onRewind?.(event);
    await this.options.store.rewindCursor(this.key, survivor);
    this.current.reorgs++;
    this.current.cursor = survivor?.number ?? null;
    return event;
  }

  private async fetchLogs(from: bigint, to: bigint): Promise<Log[]> {
    try {
      const raw = await this.options.client.request({
        method: "eth_getLogs",
        params: [
          {
            address: this.options.address,
            topics: [this.events.map((e) => toEventSelector(e))],
            fromBlock: `0x${from.toString(16)}`,
            toBlock: `0x${to.toString(16)}`,
          },
        ],
      });
      return raw.map((l) => formatLog(l));
    } catch (error) {
      // Providers cap ranges and result sizes in different words; a smaller range is the common cure.
      const before = this.range;
      this.range = Math.max(1, Math.floor(this.range / 2));
      if (this.range !== before) this.log.warn({ from: before, to: this.range }, "eth_getLogs failed; range reduced");
      throw error;
    }
  }

  /**
   * Fetches the headers of `to`, of every block in from..to (the unsettled part of the range) and of
   * every block that holds a log; checks each log against its block's hash; returns those blocks for
   * the store to remember.
   */
  private async confirmBlocks(range: { from: bigint; to: bigint; logs: Log[] }): Promise<Map<bigint, BlockRef>> {
    const { from, to, logs } = range;
    const numbers = new Set<bigint>([to]);
    for (let n = from; n <= to; n++) numbers.add(n);
    for (const l of logs) if (l.blockNumber !== null) numbers.add(l.blockNumber);
    const blocks = new Map<bigint, BlockRef>();
    const all = [...numbers];
    for (let i = 0; i < all.length; i += HEADER_FETCH_PARALLELISM) {
      const chunk = all.slice(i, i + HEADER_FETCH_PARALLELISM);
      const hashes = await Promise.all(chunk.map((n) => this.canonicalHash(n)));
      chunk.forEach((n, j) => {
        const hash = hashes[j] ?? null;
        if (hash === null) {
          throw new InconsistentLogsError(n, logs.find((l) => l.blockNumber === n)?.blockHash ?? "0x", null);
        }
        blocks.set(n, { number: n, hash });
      });
    }
    for (const l of logs) {
      if (l.blockNumber === null || l.blockHash === null) continue;
      const canonical = blocks.get(l.blockNumber)?.hash ?? null;
      if (canonical !== l.blockHash) throw new InconsistentLogsError(l.blockNumber, l.blockHash, canonical);
    }
    return blocks;
  }

  private async canonicalHash(number: bigint): Promise<Hex | null> {
    try {
      const block = await this.options.client.getBlock({ blockNumber: number, includeTransactions: false });
      return block.hash;
    } catch (error) {
      if (error instanceof BlockNotFoundError) return null;
      throw error;
    }
  }
}

const HEADER_FETCH_PARALLELISM = 8;

function minBig(a: bigint, b: bigint): bigint {
  return a < b ? a : b;
}

function maxBig(a: bigint, b: bigint): bigint {
  return a > b ? a : b;
}

function validate<TAbi extends Abi>(o: ChainWatcherOptions<TAbi>): void {
  const positive = (field: string, value: number) => {
    if (!Number.isInteger(value) || value < 1) throw new WatcherConfigError(field, value, "must be a positive integer");
  };
  if (!Number.isInteger(o.confirmations) || o.confirmations < 0) {
    throw new WatcherConfigError("confirmations", o.confirmations, "must be a non-negative integer");
  }
  positive("maxBlockRange", o.maxBlockRange);
  positive("reorgWindow", o.reorgWindow);
  if (!Number.isFinite(o.pollIntervalMs) || o.pollIntervalMs < 0) {
    throw new WatcherConfigError("pollIntervalMs", o.pollIntervalMs, "must be a non-negative number");
  }
  if (o.startBlock < 0n) throw new WatcherConfigError("startBlock", o.startBlock, "must not be negative");
  if (o.stream.length === 0) throw new WatcherConfigError("stream", o.stream, "must not be empty");
  if (o.reorgWindow <= o.confirmations) {
    throw new WatcherConfigError("reorgWindow", o.reorgWindow, `must exceed confirmations (${o.confirmations})`);
  }
}
