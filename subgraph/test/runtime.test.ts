// The WebAssembly mapping runtime on real PGlite, with a small subgraph of its own (schema + an
// AssemblyScript mapping in a temporary folder, compiled by graph-cli's `graph codegen` + `graph
// build` as for graph-node): handlers replay on cache misses without repeating side effects, graph-node's
// store rules hold (merge on save, non-null fields, immutable entities, derived-field loads), a batch
// applies once, a rewind restores exactly what the replaced blocks changed, host functions compute as
// graph-node's do, and the project's own compiled mappings export every handler their data sources name.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { type AbiEvent, type Hex, parseAbiItem, toEventSelector } from "viem";
import { afterAll, beforeAll, beforeEach, describe, expect, it, onTestFinished } from "vitest";
import { mappingWasmFiles, subgraphDir } from "../src/indexer/indexer.js";
import {
  DATA_SOURCE_TEMPLATES,
  handlerName,
  MODULE_NAMES,
  STARKNET_DATA_SOURCE,
} from "../src/manifest/data-sources.js";
import { manifestEventSignature } from "../src/runtime/params.js";
import { type ChainBlock, HandlerError, MappingRuntime, type RunnerLog } from "../src/runtime/runner.js";
import { UnsupportedInLocalRuntime } from "../src/runtime/values.js";
import { bigIntFromSignedLe, bigIntToSignedLe } from "../src/runtime/wasm/asc.js";
import { compileManifest } from "../src/runtime/wasm/compile.js";
import * as decimal from "../src/runtime/wasm/decimal.js";
import { parseSchemaModel } from "../src/schema/model.js";
import { EntityDatabase, IndexFingerprintMismatchError } from "../src/store/entities.js";
import { openSqlClient } from "../src/store/sql.js";

const SCHEMA = `
type Counter @entity(immutable: false) {
  id: ID!
  total: BigInt!
  hits: Int!
  owner: Bytes!
  note: String
  tags: [String!]!
  receipts: [Receipt!]! @derivedFrom(field: "counter")
}
type Receipt @entity(immutable: true) {
  id: ID!
  counter: Counter!
  amount: BigInt!
}
`;

// AssemblyScript, compiled by graph-cli: integer semantics are AssemblyScript's (i32 wraps, BigInt
// division truncates), and the block's timestamp and the transaction's sender come from graph-node's
// ethereum.Event.
const MAPPING = `
import { BigDecimal, BigInt, ipfs, log } from "@graphprotocol/graph-ts";
import { Broken, Bumped, Noted, Offline, Rewritten, Strange } from "../generated/Test/Test";
import { Counter, Receipt } from "../generated/schema";

export function handleBumped(event: Bumped): void {
  const id = event.params.id.toString();
  let c = Counter.load(id);
  if (c == null) {
    c = new Counter(id);
    c.total = BigInt.zero();
    c.hits = 0;
    c.owner = event.params.owner;
    c.tags = [];
  }
  c.total = c.total.plus(event.params.amount);
  c.hits = c.hits + 1;
  const tags = c.tags;
  tags.push("block-" + event.block.number.toString() + "-" + event.block.timestamp.toString());
  c.tags = tags;
  c.save();
  const r = new Receipt(event.transaction.hash.toHexString() + "-" + event.logIndex.toString());
  r.counter = id;
  r.amount = event.params.amount;
  r.save();
  log.info("bumped {} by {} from {}", [id, event.params.amount.toString(), event.transaction.from.toHexString()]);
}

// Saves only the fields it sets: graph-node merges them into the stored entity.
export function handleNoted(event: Noted): void {
  const c = new Counter(event.params.id.toString());
  c.note = event.params.note;
  c.save();
}

export function handleBroken(event: Broken): void {
  const c = new Counter("fresh-" + event.params.id.toString());
  c.hits = 1;
  c.save();
}

export function handleRewritten(event: Rewritten): void {
  const r = Receipt.load(event.params.receipt);
  if (r == null) return;
  r.amount = BigInt.fromI32(1);
  r.save();
}

// Derived-field loads, BigInt and BigDecimal host arithmetic, and i32 wrap-around.
export function handleStrange(event: Strange): void {
  const c = Counter.load(event.params.id.toString());
  if (c == null) return;
  const receipts = c.receipts.load();
  const wrapped: i32 = i32.MAX_VALUE + c.hits;
  const q = BigInt.fromI32(-7).div(BigInt.fromI32(2));
  const d = BigDecimal.fromString("1").div(BigDecimal.fromString("3"));
  c.note = receipts.length.toString() + " " + wrapped.toString() + " " + q.toString() + " " + d.toString();
  c.save();
}

export function handleOffline(event: Offline): void {
  ipfs.cat("QmYwAPJzv5CZsnA625s3Xf2nemtYgPpHdWEz79ojWnPbdG");
}
`;

const EVENTS: Record<string, AbiEvent> = {
  Bumped: parseAbiItem("event Bumped(uint256 indexed id, address owner, uint256 amount)") as AbiEvent,
  Noted: parseAbiItem("event Noted(uint256 indexed id, string note)") as AbiEvent,
  Broken: parseAbiItem("event Broken(uint256 id)") as AbiEvent,
  Rewritten: parseAbiItem("event Rewritten(string receipt)") as AbiEvent,
  Strange: parseAbiItem("event Strange(uint256 id)") as AbiEvent,
  Offline: parseAbiItem("event Offline(uint256 id)") as AbiEvent,
};
const SENDER = "0x00000000000000000000000000000000000000cc" as Hex;
const ADDRESS = "0x00000000000000000000000000000000000000aa" as Hex;
const OWNER = "0x00000000000000000000000000000000000000bb" as Hex;

let dir: string;
let sql: Awaited<ReturnType<typeof openSqlClient>>;
let generation = 0;
let db: EntityDatabase;
let runtime: MappingRuntime;
let wasmFile: string;
let logged: string[];
let logIndex = 0;

function log(event: keyof typeof EVENTS, block: bigint, args: Record<string, unknown>): RunnerLog {
  const e = EVENTS[event] as AbiEvent;
  logIndex += 1;
  return {
    address: ADDRESS,
    topics: [toEventSelector(e)],
    args,
    blockNumber: block,
    blockHash: `0x${block.toString(16).padStart(64, "0")}`,
    transactionHash: `0x${(1000n + BigInt(logIndex)).toString(16).padStart(64, "0")}`,
    transactionIndex: 0,
    logIndex,
  };
}

/** A block holding the logs' transactions (the runner passes them to ethereum.Event). */
function chainBlock(number: bigint, hash: Hex, logs: readonly RunnerLog[]): ChainBlock {
  const zero = `0x${"0".repeat(64)}` as Hex;
  return {
    header: {
      hash,
      parentHash: `0x${(number - 1n).toString(16).padStart(64, "0")}`,
      sha3Uncles: zero,
      miner: OWNER,
      stateRoot: zero,
      transactionsRoot: zero,
      receiptsRoot: zero,
      number,
      gasUsed: 21_000n,
      gasLimit: 30_000_000n,
      timestamp: 1_700_000_000n + number,
      difficulty: 0n,
      totalDifficulty: null,
      size: null,
      baseFeePerGas: 1n,
    },
    transactions: logs
      .filter((l) => l.blockNumber === number)
      .map((l) => ({
        hash: l.transactionHash,
        index: BigInt(l.transactionIndex),
        from: SENDER,
        to: ADDRESS,
        value: 0n,
        gasLimit: 100_000n,
        gasPrice: 1n,
        input: "0x",
        nonce: 0n,
      })),
  };
}

async function apply(toBlock: bigint, logs: RunnerLog[]) {
  return runtime.applyBatch({
    chainId: 1,
    stream: "test",
    toBlock,
    logs,
    blockOf: async (number, hash) => chainBlock(number, hash, logs),
  });
}

async function counters() {
  return (
    await db.sql.query(`select id, total::text as total, hits, note, tags from zkvin_subgraph."Counter" order by id`)
  ).map((r) => ({ ...r }));
}

const MANIFEST = `specVersion: 1.2.0
schema:
  file: ./schema.graphql
dataSources:
  - kind: ethereum/contract
    name: Test
    network: testnet
    source:
      address: "${ADDRESS}"
      abi: Test
      startBlock: 0
    mapping:
      kind: ethereum/events
      apiVersion: 0.0.9
      language: wasm/assemblyscript
      entities:
        - Counter
        - Receipt
      abis:
        - name: Test
          file: ./abis/Test.json
      eventHandlers:
${Object.entries(EVENTS)
  .map(
    ([name, e]) =>
      `        - event: ${JSON.stringify(manifestEventSignature(e))}\n          handler: ${handlerName(name)}`,
  )
  .join("\n")}
      file: ./mappings/test.ts
`;

beforeAll(async () => {
  sql = await openSqlClient({ kind: "memory" });
  dir = mkdtempSync(path.join(os.tmpdir(), "zkvin-runtime-"));
  mkdirSync(path.join(dir, "mappings"));
  mkdirSync(path.join(dir, "abis"));
  // graph-cli resolves @graphprotocol/graph-ts from the subgraph folder.
  symlinkSync(path.join(subgraphDir, "..", "node_modules"), path.join(dir, "node_modules"));
  writeFileSync(path.join(dir, "schema.graphql"), SCHEMA);
  writeFileSync(path.join(dir, "mappings", "test.ts"), MAPPING);
  writeFileSync(path.join(dir, "abis", "Test.json"), JSON.stringify(Object.values(EVENTS)));
  writeFileSync(path.join(dir, "subgraph.yaml"), MANIFEST);
  await compileManifest({ subgraphDir: dir, manifest: "subgraph.yaml", outDir: "build", inputsHash: "test" });
  wasmFile = path.join(dir, "build", "Test", "Test.wasm");
}, 180_000);

afterAll(async () => {
  await sql?.close();
  rmSync(dir, { recursive: true, force: true });
});

// One PGlite for the file; each test gets fresh tables (a new fingerprint with reset rebuilds them).
beforeEach(async () => {
  const model = parseSchemaModel(SCHEMA);
  db = await EntityDatabase.open({ sql, model, fingerprint: `test-${++generation}`, reset: true });
  logged = [];
  runtime = new MappingRuntime({
    db,
    dataSources: [
      {
        name: "Test",
        network: "testnet",
        address: ADDRESS,
        context: {},
        wasmFile,
        handlers: Object.entries(EVENTS).map(([name, event]) => ({ event, handler: handlerName(name) })),
      },
    ],
    logger: { log: (level, message) => logged.push(`${level}: ${message}`) },
  });
});

describe("handlers", () => {
  it("replay on cache misses without repeating their log lines, and merge partial saves", async () => {
    const result = await apply(3n, [
      log("Bumped", 2n, { id: 7n, owner: OWNER, amount: 5n }),
      log("Bumped", 3n, { id: 7n, owner: OWNER, amount: 6n }),
      log("Noted", 3n, { id: 7n, note: "hello" }),
    ]);
    expect(result.applied).toBe(3);
    expect(await counters()).toEqual([
      { id: "7", total: "11", hits: 2, note: "hello", tags: ["block-2-1700000002", "block-3-1700000003"] },
    ]);
    expect(logged).toEqual([`info: bumped 7 by 5 from ${SENDER}`, `info: bumped 7 by 6 from ${SENDER}`]);
    const receipts = await db.sql.query(
      `select counter, amount::text as amount from zkvin_subgraph."Receipt" order by amount`,
    );
    expect(receipts).toEqual([
      { counter: "7", amount: "5" },
      { counter: "7", amount: "6" },
    ]);
  });

  it("apply a batch once: a batch delivered again (crash before the cursor moved) changes nothing", async () => {
    const batch = [log("Bumped", 4n, { id: 1n, owner: OWNER, amount: 2n })];
    await apply(4n, batch);
    expect((await apply(4n, batch)).applied).toBe(0);
    expect(await counters()).toEqual([{ id: "1", total: "2", hits: 1, note: null, tags: ["block-4-1700000004"] }]);
    expect(await db.progress(1, "test")).toBe(4n);
  });

  it("abort on a missing non-null field, leaving the tables and the progress as they were", async () => {
    await apply(5n, [log("Bumped", 5n, { id: 1n, owner: OWNER, amount: 2n })]);
    const failing = apply(6n, [log("Bumped", 6n, { id: 1n, owner: OWNER, amount: 3n }), log("Broken", 6n, { id: 9n })]);
    await expect(failing).rejects.toBeInstanceOf(HandlerError);
    await expect(failing).rejects.toThrow(/missing value for non-nullable field `total`/);
    expect(await counters()).toEqual([{ id: "1", total: "2", hits: 1, note: null, tags: ["block-5-1700000005"] }]);
    expect(await db.progress(1, "test")).toBe(5n);
  });

  it("refuse to change an immutable entity", async () => {
    const bump = log("Bumped", 2n, { id: 1n, owner: OWNER, amount: 2n });
    await apply(2n, [bump]);
    const receipt = `${bump.transactionHash}-${bump.logIndex}`;
    await expect(apply(3n, [log("Rewritten", 3n, { receipt })])).rejects.toThrow(/immutable/);
  });

  it("load derived fields, compute with graph-node's BigInt and BigDecimal, wrap i32 as AssemblyScript does", async () => {
    await apply(3n, [
      log("Bumped", 2n, { id: 1n, owner: OWNER, amount: 2n }),
      log("Bumped", 3n, { id: 1n, owner: OWNER, amount: 3n }),
      log("Bumped", 3n, { id: 2n, owner: OWNER, amount: 4n }),
    ]);
    // Two receipts of counter 1 in the tables, a third written in the same batch before the load.
    await apply(4n, [log("Bumped", 4n, { id: 1n, owner: OWNER, amount: 1n }), log("Strange", 4n, { id: 1n })]);
    const note = (await counters()).find((c) => c.id === "1")?.note;
    expect(note).toBe(`3 ${-(2 ** 31) + 2} -3 0.3333333333333333333333333333333333`);
  });

  it("refuse host functions the local endpoint does not have, naming them", async () => {
    const failing = apply(3n, [log("Offline", 3n, { id: 1n })]);
    await expect(failing).rejects.toThrow(/host function index.ipfs.cat/);
    await failing.catch((e: HandlerError) => expect(e.cause).toBeInstanceOf(UnsupportedInLocalRuntime));
  });
});

describe("rewinds", () => {
  it("restore exactly what the replaced blocks changed (updates undone, creations removed)", async () => {
    await apply(3n, [log("Bumped", 3n, { id: 1n, owner: OWNER, amount: 2n })]);
    const kept = await counters();
    await apply(5n, [
      log("Bumped", 4n, { id: 1n, owner: OWNER, amount: 3n }),
      log("Bumped", 5n, { id: 2n, owner: OWNER, amount: 4n }),
      log("Noted", 5n, { id: 1n, note: "later" }),
    ]);
    expect((await counters()).length).toBe(2);
    expect(await db.rewind(1, "test", 3n)).toBeGreaterThan(0);
    expect(await counters()).toEqual(kept);
    expect(await db.sql.query(`select count(*)::int as n from zkvin_subgraph."Receipt"`)).toEqual([{ n: 1 }]);
    expect(await db.progress(1, "test")).toBe(3n);
    // The version history (time travel) is rewound too: nothing begins or ends after block 3.
    const versions = await db.sql.query<{ id: string; from: string; to: string | null }>(
      `select id, _block::text as from, _to_block::text as to from zkvin_subgraph."Counter__versions" order by id, _block`,
    );
    expect(versions.map((v) => ({ ...v }))).toEqual([{ id: "1", from: "3", to: null }]);
    expect(await db.rewind(1, "test", 3n)).toBe(0);
    await db.rewind(1, "test", null);
    expect(await counters()).toEqual([]);
    expect(await db.progress(1, "test")).toBeNull();
  });
});

describe("the entity tables", () => {
  it("refuse a database built by another schema or mapping version unless told to rebuild", async () => {
    const model = parseSchemaModel(SCHEMA);
    await EntityDatabase.open({ sql, model, fingerprint: "v1", reset: true });
    await expect(EntityDatabase.open({ sql, model, fingerprint: "v2", reset: false })).rejects.toBeInstanceOf(
      IndexFingerprintMismatchError,
    );
    const rebuilt = await EntityDatabase.open({ sql, model, fingerprint: "v2", reset: true });
    expect(rebuilt.fresh).toBe(true);
    expect((await EntityDatabase.open({ sql, model, fingerprint: "v2", reset: false })).fresh).toBe(false);
  });
});

describe("the project's compiled mappings", () => {
  it("are compiled, when no build folder holds them, for every data source (hub, spoke and Starknet) with every handler", async () => {
    // An empty build folder: the indexer's own graph-cli compile, as when `npm run build` was not run.
    const buildDir = mkdtempSync(path.join(os.tmpdir(), "zkvin-subgraph-build-"));
    onTestFinished(() => rmSync(buildDir, { recursive: true, force: true }));
    const wasm = await mappingWasmFiles({ buildDir });
    expect([...wasm.keys()].sort()).toEqual([...MODULE_NAMES].sort());
    for (const file of wasm.values()) expect(file.startsWith(buildDir)).toBe(true);
    for (const t of [...DATA_SOURCE_TEMPLATES, STARKNET_DATA_SOURCE]) {
      const module = new WebAssembly.Module(readFileSync(wasm.get(t.name) as string));
      const exported = new Set(WebAssembly.Module.exports(module).map((e) => e.name));
      for (const e of t.events) expect(exported.has(handlerName(e)), `${t.name} ${handlerName(e)}`).toBe(true);
      expect(exported.has("__new") && exported.has("id_of_type"), t.name).toBe(true);
    }
  }, 300_000);
});

describe("host values", () => {
  it("encode BigInt as graph-node does (signed little-endian, minimal)", () => {
    for (const v of [0n, 1n, -1n, 127n, 128n, -128n, -129n, 255n, 2n ** 255n, -(2n ** 255n), 10n ** 30n]) {
      expect(bigIntFromSignedLe(bigIntToSignedLe(v))).toBe(v);
    }
    expect([...bigIntToSignedLe(128n)]).toEqual([0x80, 0x00]);
    expect([...bigIntToSignedLe(-1n)]).toEqual([0xff]);
    expect([...bigIntToSignedLe(0n)]).toEqual([0]);
  });

  it("keep BigDecimal to 34 significant digits, rounding half to even", () => {
    const d = (s: string) => decimal.fromString(s);
    expect(decimal.toDecimalString(decimal.dividedBy(d("2"), d("3")))).toBe("0.6666666666666666666666666666666667");
    expect(decimal.toDecimalString(decimal.plus(d("1.50"), d("-0.5")))).toBe("1");
    expect(decimal.toDecimalString(decimal.times(d("1e3"), d("0.25")))).toBe("250");
    expect(decimal.toDecimalString(d("12345678901234567890123456789012345"))).toBe(
      "12345678901234567890123456789012340",
    );
    expect(decimal.toDecimalString(d("12345678901234567890123456789012355"))).toBe(
      "12345678901234567890123456789012360",
    );
    expect(decimal.equals(d("1.0"), d("1"))).toBe(true);
    expect(() => decimal.dividedBy(d("1"), d("0"))).toThrow(/division by zero/);
  });
});
