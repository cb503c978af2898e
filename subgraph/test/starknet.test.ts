// The Starknet side of the local indexer, unit by unit: the event watcher against a scripted Starknet
// chain (every page of starknet_getEvents followed through its continuation tokens, a repeated token
// refused, reorgs inside and deeper than the window rewound to the fork point and the replacement events
// delivered, an event whose block the chain no longer has refused before the cursor moves), and the
// Cairo spoke's mapping (the module compiled from mappings/starknet-spoke.ts) run by the Starknet runtime
// on PGlite with events laid out as the Cairo spoke emits them. The whole chain, starknet-devnet and the
// hub included, is app/test/starknet.test.ts.
import { type BlockRef, openStore, type RewindEvent, type Store } from "@zk-vin/chain-kit";
import { hash } from "starknet";
import { encodeAbiParameters, keccak256 } from "viem";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { loadSchemaModel, mappingWasmFiles } from "../src/indexer/indexer.js";
import {
  ContinuationLoopError,
  InconsistentStarknetEventsError,
  type StarknetChainReader,
  type StarknetEventBatch,
  type StarknetEventsPage,
  StarknetEventWatcher,
} from "../src/indexer/starknet-watcher.js";
import { handlerName, STARKNET_DATA_SOURCE } from "../src/manifest/data-sources.js";
import { HandlerError } from "../src/runtime/runner.js";
import {
  type StarknetChainBlock,
  StarknetMappingRuntime,
  type StarknetRunnerEvent,
  starknetSelector,
} from "../src/runtime/starknet-runner.js";
import { feltHex, type StarknetTransactionTypeName } from "../src/runtime/wasm/starknet.js";
import { EntityDatabase } from "../src/store/entities.js";
import { openSqlClient } from "../src/store/sql.js";

const SPOKE = "0x4b3a3bc5c3b9dfd7d6ef7bcd2b1a9e4c9b3b2a1a0f9e8d7c6b5a4938271605f";
const OTHER = "0x123456789abcdef";
const sel = (name: string) => hash.getSelectorFromName(name);
const P = 2n ** 251n + 17n * 2n ** 192n + 1n;
const i128 = (v: bigint) => (v < 0n ? P + v : v);
const hex = (v: bigint) => `0x${v.toString(16)}`;

interface ScriptedEvent {
  from_address: string;
  keys: string[];
  data: string[];
  transaction_hash: string;
}

/** A Starknet chain in memory: blocks with hashes (a fork changes them) and events, paged as a node pages them. */
class ScriptedStarknet implements StarknetChainReader {
  blocks: Array<{ hash: string; events: ScriptedEvent[] }> = [];
  pagesServed = 0;
  /** Tokens are "<block>:<index>"; a repeat makes the node hand back the same token forever. */
  repeatToken = false;

  constructor(
    length: number,
    private fork = 0,
  ) {
    for (let n = 0; n < length; n++) this.blocks.push({ hash: this.hashOf(n), events: [] });
  }

  private hashOf(n: number): string {
    return hex(BigInt(n) * 1000n + BigInt(this.fork) + 1n);
  }

  /** Replaces blocks from `from` on (new hashes, no events), up to `length` blocks in all. */
  reorg(from: number, length: number): void {
    this.fork++;
    this.blocks = this.blocks.slice(0, from);
    for (let n = from; n < length; n++) this.blocks.push({ hash: this.hashOf(n), events: [] });
  }

  emit(block: number, event: Omit<ScriptedEvent, "transaction_hash">): void {
    const b = this.blocks[block];
    if (!b) throw new Error(`no block ${block}`);
    b.events.push({ ...event, transaction_hash: hex(BigInt(block) * 100n + BigInt(b.events.length) + 7n) });
  }

  async blockNumber() {
    return this.blocks.length - 1;
  }

  async blockHash(number: number) {
    return this.blocks[number]?.hash ?? null;
  }

  async getEvents(f: Parameters<StarknetChainReader["getEvents"]>[0]): Promise<StarknetEventsPage> {
    this.pagesServed++;
    const all: Array<ScriptedEvent & { block_number: number; block_hash: string }> = [];
    for (let n = f.fromBlock; n <= Math.min(f.toBlock, this.blocks.length - 1); n++) {
      const b = this.blocks[n] as { hash: string; events: ScriptedEvent[] };
      for (const e of b.events) {
        if (BigInt(e.from_address) !== BigInt(f.address)) continue;
        if (!f.keys[0]?.some((k) => BigInt(k) === BigInt(e.keys[0] ?? -1))) continue;
        all.push({ ...e, block_number: n, block_hash: b.hash });
      }
    }
    const start = f.continuationToken ? Number(f.continuationToken) : 0;
    const page = all.slice(start, start + f.chunkSize);
    const next = start + f.chunkSize < all.length ? String(this.repeatToken ? start : start + f.chunkSize) : undefined;
    return { events: page, ...(next === undefined ? {} : { continuation_token: next }) };
  }
}

function requestedEvent(id: bigint, input: bigint[] = [5n]): Omit<ScriptedEvent, "transaction_hash"> {
  return {
    from_address: SPOKE,
    keys: [sel("InferenceRequested"), hex(id), "0x777", "0x2", "0x0"],
    data: ["0x64", "0x0", "0x1000", hex(BigInt(input.length)), ...input.map((v) => hex(i128(v))), "0xabc"],
  };
}

describe("the Starknet event watcher", () => {
  let store: Store;
  let chain: ScriptedStarknet;
  let batches: StarknetEventBatch[];
  let rewinds: RewindEvent[];

  beforeEach(async () => {
    store = await openStore({ kind: "memory" });
    chain = new ScriptedStarknet(12);
    batches = [];
    rewinds = [];
  });

  const watcher = (o: Partial<ConstructorParameters<typeof StarknetEventWatcher>[0]> = {}) =>
    new StarknetEventWatcher({
      reader: chain,
      store,
      chainId: 0x534e,
      stream: "subgraph:starknet-test",
      address: SPOKE,
      selectors: STARKNET_DATA_SOURCE.events.map(sel),
      startBlock: 1,
      confirmations: 0,
      maxBlockRange: 100,
      chunkSize: 2,
      pollIntervalMs: 10,
      reorgWindow: 64,
      onEvents: async (b) => {
        batches.push(b);
      },
      onRewind: async (e) => {
        rewinds.push(e);
      },
      ...o,
    });

  const delivered = () => batches.flatMap((b) => b.events);

  it("follows every continuation token of a range and delivers the events in chain order", async () => {
    for (const [block, id] of [
      [2, 0n],
      [2, 1n],
      [5, 2n],
      [7, 3n],
      [7, 4n],
      [7, 5n],
      [11, 6n],
    ] as const)
      chain.emit(block, requestedEvent(id));
    // Another contract's events and the spoke's events the index does not handle are not asked for.
    chain.emit(3, { ...requestedEvent(99n), from_address: OTHER });
    chain.emit(3, { from_address: SPOKE, keys: [sel("Withdrawn"), "0x1"], data: ["0x1", "0x2", "0x0"] });
    const w = watcher();
    const result = await w.pollOnce();
    expect(result.processed).toEqual({ fromBlock: 1n, toBlock: 11n, events: 7, pages: 4 });
    expect(result.caughtUp).toBe(true);
    expect(delivered().map((e) => BigInt(e.keys[1] as string))).toEqual([0n, 1n, 2n, 3n, 4n, 5n, 6n]);
    expect(delivered().map((e) => [e.blockNumber, e.index])).toEqual([
      [2n, 0],
      [2n, 1],
      [5n, 0],
      [7n, 0],
      [7n, 1],
      [7n, 2],
      [11n, 0],
    ]);
    for (const e of delivered()) expect(e.blockHash).toBe(feltHex(chain.blocks[Number(e.blockNumber)]!.hash));
    expect((await store.getCursor({ chainId: 0x534e, stream: "subgraph:starknet-test" }))?.number).toBe(11n);
    // Nothing new: no range, no page.
    const served = chain.pagesServed;
    expect((await w.pollOnce()).processed).toBeNull();
    expect(chain.pagesServed).toBe(served);
  });

  it("refuses a node that repeats a continuation token, and moves no cursor", async () => {
    for (let i = 0n; i < 5n; i++) chain.emit(4, requestedEvent(i));
    chain.repeatToken = true;
    await expect(watcher().pollOnce()).rejects.toBeInstanceOf(ContinuationLoopError);
    expect(batches).toEqual([]);
    expect(await store.getCursor({ chainId: 0x534e, stream: "subgraph:starknet-test" })).toBeNull();
  });

  it("keeps to head - confirmations and to the range limit", async () => {
    chain.emit(10, requestedEvent(0n));
    chain.emit(4, requestedEvent(1n));
    const w = watcher({ confirmations: 2, maxBlockRange: 4 });
    expect((await w.pollOnce()).processed).toMatchObject({ fromBlock: 1n, toBlock: 4n, events: 1 });
    expect(await w.pollOnce()).toMatchObject({ processed: { fromBlock: 5n, toBlock: 8n, events: 0 }, caughtUp: false });
    expect(await w.pollOnce()).toMatchObject({ processed: { fromBlock: 9n, toBlock: 9n }, caughtUp: true });
    expect(delivered().map((e) => BigInt(e.keys[1] as string))).toEqual([1n]);
  });

  it("rewinds a reorg inside the window to the fork point and delivers the replacement events", async () => {
    chain.emit(6, requestedEvent(0n));
    chain.emit(9, requestedEvent(1n));
    const w = watcher();
    await w.pollOnce();
    // Blocks 8.. replaced: request 1 is gone, request 2 is in the new block 10, and the chain is longer.
    chain.reorg(8, 14);
    chain.emit(10, requestedEvent(2n));
    const result = await w.pollOnce();
    expect(rewinds).toEqual([{ chainId: 0x534e, stream: "subgraph:starknet-test", toBlock: 7n, fromBlock: 11n }]);
    expect(result.rewound?.toBlock).toBe(7n);
    expect(result.processed).toMatchObject({ fromBlock: 8n, toBlock: 13n, events: 1 });
    expect(batches.at(-1)?.events.map((e) => [BigInt(e.keys[1] as string), e.blockNumber])).toEqual([[2n, 10n]]);
    expect(w.status().reorgs).toBe(1);
    const tail = await store.getTail({ chainId: 0x534e, stream: "subgraph:starknet-test" });
    expect(tail[0]).toEqual({ number: 13n, hash: feltHex(chain.blocks[13]!.hash) });
  });

  it("asks the index for the fork point of a reorg deeper than the window", async () => {
    chain.emit(3, requestedEvent(0n));
    chain.emit(9, requestedEvent(1n));
    const indexed: BlockRef[] = [];
    const w = watcher({
      reorgWindow: 2,
      onEvents: async (b) => {
        batches.push(b);
        for (const e of b.events) indexed.push({ number: e.blockNumber, hash: e.blockHash as `0x${string}` });
      },
      // As the indexer does: the newest indexed block the chain still has.
      resolveDeepReorg: async () => {
        for (const b of [...indexed].reverse()) {
          if (feltHex((await chain.blockHash(Number(b.number))) ?? "0x0") === b.hash) return b;
        }
        return null;
      },
    });
    await w.pollOnce();
    chain.reorg(5, 12);
    const result = await w.pollOnce();
    expect(result.rewound?.toBlock).toBe(3n);
    expect(result.processed).toMatchObject({ fromBlock: 4n, toBlock: 11n, events: 0 });
    // Without the index's help a reorg past the window stops the watcher.
    const store2 = await openStore({ kind: "memory" });
    const bare = watcher({ reorgWindow: 2, store: store2, resolveDeepReorg: undefined });
    await bare.pollOnce();
    chain.reorg(4, 12);
    await expect(bare.pollOnce()).rejects.toThrow(/reorg deeper than the remembered blocks/);
  });

  it("refuses events whose block the chain replaced while they were read, before the cursor moves", async () => {
    chain.emit(5, requestedEvent(0n));
    const reader: StarknetChainReader = {
      blockNumber: () => chain.blockNumber(),
      blockHash: (n) => chain.blockHash(n),
      // The events are read, then the chain reorganises before the block hashes are checked.
      getEvents: async (f) => {
        const page = await chain.getEvents(f);
        chain.reorg(5, 12);
        return page;
      },
    };
    await expect(watcher({ reader }).pollOnce()).rejects.toBeInstanceOf(InconsistentStarknetEventsError);
    expect(batches).toEqual([]);
    expect(await store.getCursor({ chainId: 0x534e, stream: "subgraph:starknet-test" })).toBeNull();
  });
});

describe("the Cairo spoke's mapping, run by the Starknet runtime", () => {
  let db: EntityDatabase;
  let runtime: StarknetMappingRuntime;
  let sqlClose: () => Promise<void>;
  let block = 100n;

  beforeAll(async () => {
    const wasm = await mappingWasmFiles();
    const sql = await openSqlClient({ kind: "memory" });
    sqlClose = () => sql.close();
    db = await EntityDatabase.open({ sql, model: loadSchemaModel(), fingerprint: "starknet-test", reset: true });
    runtime = new StarknetMappingRuntime({
      db,
      dataSources: [
        {
          name: STARKNET_DATA_SOURCE.name,
          network: "starknet-test",
          address: SPOKE,
          wasmFile: wasm.get(STARKNET_DATA_SOURCE.name) as string,
          handlers: STARKNET_DATA_SOURCE.events.map((e) => ({ event: e, handler: handlerName(e) })),
        },
      ],
    });
  }, 300_000);

  afterAll(async () => {
    await sqlClose?.();
  });

  /** Applies one block holding `events` (in this order), each in its own transaction of `type`. */
  async function apply(
    events: Array<{ from?: string; keys: string[]; data: string[] }>,
    type: StarknetTransactionTypeName = "INVOKE",
  ) {
    block++;
    const blockHash = feltHex(0xb10c00n + block);
    const runnerEvents: StarknetRunnerEvent[] = events.map((e, i) => ({
      fromAddress: e.from ?? SPOKE,
      keys: e.keys,
      data: e.data,
      blockNumber: block,
      blockHash,
      transactionHash: feltHex(0x7a000n + block * 10n + BigInt(i)),
      index: i,
    }));
    const chainBlock: StarknetChainBlock = {
      header: {
        number: block,
        hash: blockHash,
        parentHash: feltHex(0xb10c00n + block - 1n),
        timestamp: 1_700_000_000n + block,
      },
      transactionTypes: new Map(runnerEvents.map((e) => [e.transactionHash, type])),
    };
    return runtime.applyBatch({
      chainId: 0x534e,
      stream: "subgraph:starknet-test",
      toBlock: block,
      events: runnerEvents,
      blockOf: async () => chainBlock,
    });
  }

  const requestId = (id: bigint) => `${feltHex(SPOKE)}-${id}`;

  it("writes a request as InferenceRequested lays it out, and settles and delivers it", async () => {
    const requested = {
      keys: [sel("InferenceRequested"), "0x7", "0x4e6f", hex(3n), hex(1n)],
      data: [hex(10n ** 16n), "0x0", "0x6553f100", "0x3", hex(i128(-12345n)), "0x0", hex(i128(2n ** 100n)), "0xfeed"],
    };
    expect(await apply([requested])).toEqual({ applied: 1 });
    const r = await db.load("StarknetRequest", requestId(7n));
    expect(r).toMatchObject({
      spoke: feltHex(SPOKE),
      requestId: "7",
      requester: feltHex(0x4e6fn),
      modelId: String(3n + (1n << 128n)),
      fee: String(10n ** 16n),
      deadline: String(0x6553f100),
      input: ["-12345", "0", String(2n ** 100n)],
      inputHash: feltHex(0xfeedn),
      status: "REQUESTED",
      requestedAtBlock: String(block),
      requestedAt: String(1_700_000_000n + block),
      // The gateway's ticket key, computed in the mapping as StarknetGateway.ticketKey does.
      hubTicket: keccak256(encodeAbiParameters([{ type: "uint256" }, { type: "uint256" }], [BigInt(SPOKE), 7n])),
    });
    expect(await db.load("StarknetSpoke", feltHex(SPOKE))).toMatchObject({
      address: feltHex(SPOKE),
      network: "starknet-test",
      requestCount: 1,
    });

    // RESULT settled on L2 (an L1 handler transaction), then delivered in the same block.
    const fulfilled = {
      keys: [sel("InferenceFulfilled"), "0x7"],
      data: [
        "0x2",
        hex(i128(-42n)),
        "0x2a",
        "0xa11",
        "0x64",
        "0x0",
        "0xb22",
        "0x32",
        "0x0",
        "0x5",
        "0x0",
        "0x1",
        "0x0",
      ],
    };
    const deliveredEv = { keys: [sel("ResultDelivered"), "0x7", "0x4e6f"], data: [] };
    expect(await apply([fulfilled, deliveredEv], "L1_HANDLER")).toEqual({ applied: 2 });
    expect(await db.load("StarknetRequest", requestId(7n))).toMatchObject({
      status: "DELIVERED",
      output: ["-42", "42"],
      node: feltHex(0xa11n),
      nodeAmount: "100",
      modelOwner: feltHex(0xb22n),
      modelOwnerAmount: "50",
      protocolAmount: "5",
      refund: "1",
      resolvedAtBlock: String(block),
      deliveredTo: feltHex(0x4e6fn),
      deliveredAtBlock: String(block),
    });
    expect(await db.load("StarknetSpoke", feltHex(SPOKE))).toMatchObject({ fulfilledCount: 1, deliveredCount: 1 });
  });

  it("records an expiry and a reclaim with the refund", async () => {
    const ask = (id: bigint) => ({
      keys: [sel("InferenceRequested"), hex(id), "0x4e6f", "0x3", "0x0"],
      data: ["0x64", "0x0", "0x1", "0x1", "0x5", "0x1"],
    });
    await apply([ask(8n), ask(9n)]);
    await apply([
      { keys: [sel("InferenceExpired"), "0x8"], data: ["0x4e6f", "0x64", "0x0"] },
      { keys: [sel("InferenceReclaimed"), "0x9"], data: ["0x4e6f", "0x64", "0x0"] },
    ]);
    expect(await db.load("StarknetRequest", requestId(8n))).toMatchObject({ status: "EXPIRED", refund: "100" });
    expect(await db.load("StarknetRequest", requestId(9n))).toMatchObject({ status: "RECLAIMED", refund: "100" });
    expect(await db.load("StarknetSpoke", feltHex(SPOKE))).toMatchObject({
      requestCount: 3,
      expiredCount: 1,
      reclaimedCount: 1,
    });
  });

  it("ignores another contract's events with the same selectors", async () => {
    const forged = {
      from: OTHER,
      keys: [sel("InferenceFulfilled"), "0x8"],
      data: ["0x1", "0x1", "0xa11", "0x64", "0x0", "0xb22", "0x0", "0x0", "0x0", "0x0", "0x0", "0x0"],
    };
    expect(await apply([forged])).toEqual({ applied: 0 });
    const r = await db.load("StarknetRequest", requestId(8n));
    expect(r?.status).toBe("EXPIRED");
    expect(r?.output ?? null).toBeNull();
  });

  it("fails the block on an event of another layout, writing nothing of it", async () => {
    const before = await db.progress(0x534e, "subgraph:starknet-test");
    const ok = {
      keys: [sel("InferenceRequested"), "0xa", "0x4e6f", "0x3", "0x0"],
      data: ["0x64", "0x0", "0x1", "0x1", "0x5", "0x1"],
    };
    // Says two inputs, carries one: the handler refuses it, the whole block is rolled back.
    const short = {
      keys: [sel("InferenceRequested"), "0xb", "0x4e6f", "0x3", "0x0"],
      data: ["0x64", "0x0", "0x1", "0x2", "0x5", "0x1"],
    };
    const failure = await apply([ok, short]).catch((e: unknown) => e);
    expect(failure).toBeInstanceOf(HandlerError);
    expect((failure as HandlerError).message).toMatch(/handleInferenceRequested.*expected 2 inputs and the input hash/);
    expect(await db.load("StarknetRequest", requestId(10n))).toBeNull();
    expect(await db.progress(0x534e, "subgraph:starknet-test")).toBe(before);
    // A result for a request the spoke never announced is refused too.
    const orphan = { keys: [sel("ResultDelivered"), "0x63", "0x1"], data: [] };
    await expect(apply([orphan])).rejects.toThrow(/no request .*-99/);
  });

  it("routes by starknet_keccak of the event name, as graph-node's Starknet data sources did", () => {
    expect(starknetSelector("InferenceRequested")).toBe(feltHex(sel("InferenceRequested")));
    expect(runtime.handles({ fromAddress: SPOKE, keys: [sel("ResultDelivered")] })).toBe(true);
    expect(runtime.handles({ fromAddress: `0x000${SPOKE.slice(2)}`, keys: [sel("ResultDelivered")] })).toBe(true);
    expect(runtime.handles({ fromAddress: SPOKE, keys: [sel("Withdrawn")] })).toBe(false);
    expect(runtime.handles({ fromAddress: SPOKE, keys: [] })).toBe(false);
  });
});
