import type { Address, Hex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ChainIdMismatchError,
  ChainWatcher,
  type ChainWatcherOptions,
  type LogBatch,
  ReorgTooDeepError,
  type RewindEvent,
  WatcherConfigError,
} from "../src/chain/watcher.js";
import { type Anvil, startAnvil } from "../src/devchain/anvil.js";
import { openPgliteStore, type Store } from "../src/store/index.js";
import { deployEmitter, emitterAbi, note } from "./support/emitter.js";

type EmitterAbi = typeof emitterAbi;

/**
 * A handler like the real ones: idempotent (keyed by block and log index) and able to forget what a
 * rewind retracts. `seen` counts every delivery, so tests can tell re-deliveries apart.
 */
class NoteBook {
  readonly notes = new Map<string, { block: bigint; value: bigint }>();
  readonly batches: LogBatch<EmitterAbi>[] = [];
  readonly rewinds: RewindEvent[] = [];
  deliveries = 0;
  failNext = 0;

  onLogs = async (batch: LogBatch<EmitterAbi>) => {
    if (this.failNext > 0) {
      this.failNext--;
      throw new Error("handler failed on purpose");
    }
    this.batches.push(batch);
    for (const log of batch.logs) {
      this.deliveries++;
      this.notes.set(`${log.blockNumber}:${log.logIndex}`, { block: log.blockNumber, value: log.args.value });
    }
  };

  onRewind = async (event: RewindEvent) => {
    this.rewinds.push(event);
    for (const [k, v] of this.notes) if (event.toBlock === null || v.block > event.toBlock) this.notes.delete(k);
  };

  values(): bigint[] {
    return [...this.notes.values()].sort((a, b) => Number(a.block - b.block)).map((n) => n.value);
  }
}

describe("ChainWatcher on anvil", () => {
  let anvil: Anvil;
  let store: Store;
  let emitter: Address;
  let other: Address;
  let streams = 0;

  beforeAll(async () => {
    [anvil, store] = await Promise.all([startAnvil({ chainId: 31_401 }), openPgliteStore()]);
    emitter = await deployEmitter(anvil);
    other = await deployEmitter(anvil);
  });

  afterAll(async () => {
    await anvil?.stop();
    await store?.close();
  });

  function watcher(book: NoteBook, over: Partial<ChainWatcherOptions<EmitterAbi>> = {}) {
    return new ChainWatcher({
      client: anvil.publicClient,
      chainId: anvil.chainId,
      stream: `notes-${streams}`,
      address: emitter,
      abi: emitterAbi,
      store,
      onLogs: book.onLogs,
      onRewind: book.onRewind,
      confirmations: 0,
      startBlock: 0n,
      maxBlockRange: 1000,
      pollIntervalMs: 20,
      reorgWindow: 64,
      backoff: { baseMs: 10, maxMs: 50, jitter: 0 },
      ...over,
    });
  }

  async function drain(w: ChainWatcher<EmitterAbi>) {
    for (let i = 0; i < 1000; i++) if ((await w.pollOnce()).caughtUp) return;
    throw new Error("watcher did not catch up");
  }

  it("delivers only confirmed logs of the watched contract, in order, and resumes from its cursor", async () => {
    streams++;
    const book = new NoteBook();
    const start = await anvil.publicClient.getBlockNumber();
    await note(anvil, emitter, 1n);
    await note(anvil, other, 99n);
    await note(anvil, emitter, 2n);
    await note(anvil, emitter, 3n);
    // Blocks start+1..start+4 hold 1, 99 (other contract), 2, 3; two confirmations leave start+3 and +4 out.
    const w = watcher(book, { confirmations: 2, startBlock: start + 1n });
    await drain(w);
    expect(book.values()).toEqual([1n]);
    expect(w.status()).toMatchObject({ cursor: start + 2n, head: start + 4n, lag: 0n });

    await anvil.testClient.mine({ blocks: 2 });
    await drain(w);
    expect(book.values()).toEqual([1n, 2n, 3n]);

    // A new instance (a restart) continues after the cursor: nothing is delivered twice.
    await note(anvil, emitter, 4n);
    await anvil.testClient.mine({ blocks: 2 });
    const restarted = watcher(book, { confirmations: 2, startBlock: start + 1n });
    await drain(restarted);
    expect(book.values()).toEqual([1n, 2n, 3n, 4n]);
    expect(book.deliveries).toBe(4);
  });

  it("walks a long history in ranges no larger than maxBlockRange", async () => {
    streams++;
    const book = new NoteBook();
    const start = await anvil.publicClient.getBlockNumber();
    for (let v = 10n; v < 15n; v++) await note(anvil, emitter, v);
    await anvil.testClient.mine({ blocks: 3 });
    const w = watcher(book, { maxBlockRange: 2, startBlock: start + 1n });
    await drain(w);
    expect(book.values()).toEqual([10n, 11n, 12n, 13n, 14n]);
    expect(book.batches.length).toBeGreaterThanOrEqual(4);
    for (const b of book.batches) expect(b.toBlock - b.fromBlock + 1n).toBeLessThanOrEqual(2n);
  });

  it("re-delivers a batch whose handler failed, without moving the cursor past it", async () => {
    streams++;
    const book = new NoteBook();
    const start = await anvil.publicClient.getBlockNumber();
    await note(anvil, emitter, 21n);
    const w = watcher(book, { startBlock: start + 1n });
    book.failNext = 1;
    await expect(w.pollOnce()).rejects.toThrow("handler failed on purpose");
    expect(await store.getCursor({ chainId: anvil.chainId, stream: `notes-${streams}` })).toBeNull();
    await drain(w);
    expect(book.values()).toEqual([21n]);
  });

  it("notices a reorg, rewinds to the fork point, and delivers the replacement logs", async () => {
    streams++;
    const book = new NoteBook();
    const start = await anvil.publicClient.getBlockNumber();
    await note(anvil, emitter, 31n);
    const fork = await anvil.publicClient.getBlockNumber();
    const snapshot = await anvil.testClient.snapshot();
    await note(anvil, emitter, 32n);
    await note(anvil, emitter, 33n);
    const w = watcher(book, { startBlock: start + 1n });
    await drain(w);
    expect(book.values()).toEqual([31n, 32n, 33n]);

    // The chain drops the two blocks after `fork` and grows a different, longer branch.
    await anvil.testClient.revert({ id: snapshot });
    await note(anvil, emitter, 34n);
    await anvil.testClient.mine({ blocks: 2 });
    const first = await w.pollOnce();
    expect(first.rewound).toMatchObject({ toBlock: fork, fromBlock: fork + 2n });
    await drain(w);
    expect(book.rewinds).toHaveLength(1);
    expect(book.values()).toEqual([31n, 34n]);
    expect(w.status().reorgs).toBe(1);
    expect(await store.getCursor({ chainId: anvil.chainId, stream: `notes-${streams}` })).toMatchObject({
      number: fork + 3n,
    });
  });

  it("stops in state failed when a reorg reaches below the remembered blocks", async () => {
    streams++;
    const book = new NoteBook();
    const snapshot = await anvil.testClient.snapshot();
    const start = await anvil.publicClient.getBlockNumber();
    for (let v = 40n; v < 45n; v++) await note(anvil, emitter, v);
    // Remember only the newest block: confirmations 0 and a window of 1.
    const w = watcher(book, { startBlock: start - 3n, reorgWindow: 1 });
    await drain(w);
    await anvil.testClient.revert({ id: snapshot });
    for (let v = 50n; v < 57n; v++) await note(anvil, emitter, v);
    await expect(w.pollOnce()).rejects.toBeInstanceOf(ReorgTooDeepError);
    w.start();
    for (let i = 0; i < 100 && w.status().state === "running"; i++) await new Promise((r) => setTimeout(r, 20));
    expect(w.status()).toMatchObject({ state: "failed" });
    expect(w.status().lastError).toMatch(/ReorgTooDeepError/);
    await w.stop();
  });

  it("rewinds below the remembered blocks to the fork point resolveDeepReorg names, and goes on", async () => {
    streams++;
    const book = new NoteBook();
    const start = await anvil.publicClient.getBlockNumber();
    await note(anvil, emitter, 60n);
    const kept = await anvil.publicClient.getBlock();
    const snapshot = await anvil.testClient.snapshot();
    for (let v = 61n; v < 65n; v++) await note(anvil, emitter, v);
    // The handler keeps its own hashes of every block it processed; the watcher only the newest one.
    const processed = new Map<bigint, Hex>();
    const asked: Array<bigint | null> = [];
    const w = watcher(book, {
      startBlock: start + 1n,
      reorgWindow: 1,
      onLogs: async (batch) => {
        for (const l of batch.logs) processed.set(l.blockNumber, l.blockHash);
        await book.onLogs(batch);
      },
      resolveDeepReorg: async ({ oldestRemembered }) => {
        asked.push(oldestRemembered);
        for (const [number, hash] of [...processed].sort((a, b) => Number(b[0] - a[0]))) {
          if ((await anvil.publicClient.getBlock({ blockNumber: number }).catch(() => null))?.hash === hash) {
            return { number, hash };
          }
        }
        return null;
      },
    });
    await drain(w);
    expect(book.values()).toEqual([60n, 61n, 62n, 63n, 64n]);
    await anvil.testClient.revert({ id: snapshot });
    for (let v = 70n; v < 76n; v++) await note(anvil, emitter, v);
    const first = await w.pollOnce();
    expect(asked).toEqual([kept.number + 4n]);
    expect(first.rewound).toMatchObject({ toBlock: kept.number });
    await drain(w);
    expect(book.values()).toEqual([60n, 70n, 71n, 72n, 73n, 74n, 75n]);
    expect(w.status()).toMatchObject({ reorgs: 1, state: "idle" });
  });

  it("refuses an RPC that serves another chain", async () => {
    streams++;
    const w = watcher(new NoteBook(), { chainId: 1 });
    await expect(w.pollOnce()).rejects.toBeInstanceOf(ChainIdMismatchError);
  });

  it("keeps polling in the background, retrying a failing handler with backoff", async () => {
    streams++;
    const book = new NoteBook();
    const start = await anvil.publicClient.getBlockNumber();
    const w = watcher(book, { startBlock: start + 1n });
    book.failNext = 2;
    w.start();
    await note(anvil, emitter, 61n);
    await note(anvil, emitter, 62n);
    for (let i = 0; i < 200 && book.values().length < 2; i++) await new Promise((r) => setTimeout(r, 20));
    await w.stop();
    expect(book.values()).toEqual([61n, 62n]);
    expect(w.status()).toMatchObject({ state: "stopped", consecutiveFailures: 0 });
    expect(book.failNext).toBe(0);
  });

  it("rejects nonsensical options with the offending field", () => {
    const book = new NoteBook();
    expect(() => watcher(book, { confirmations: -1 })).toThrow(WatcherConfigError);
    expect(() => watcher(book, { maxBlockRange: 0 })).toThrow(/maxBlockRange=0/);
    expect(() => watcher(book, { reorgWindow: 2, confirmations: 2 })).toThrow(/reorgWindow=2: must exceed/);
  });
});
