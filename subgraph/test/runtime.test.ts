// The local mapping runtime on real PGlite, with a small subgraph of its own (schema + an
// AssemblyScript-style mapping in a temporary folder): handlers replay on cache misses without
// repeating side effects, graph-node's store rules hold (merge on save, non-null fields, immutable
// entities), a batch applies once, a rewind restores exactly what the replaced blocks changed, and the
// project's real mappings load with every handler their data sources name.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { type AbiEvent, type Hex, parseAbiItem, toEventSelector } from "viem";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { subgraphDir } from "../src/indexer/indexer.js";
import { DATA_SOURCE_TEMPLATES, handlerName } from "../src/manifest/data-sources.js";
import { MappingAbort, UnsupportedInLocalRuntime } from "../src/runtime/graph-ts/abort.js";
import { Address, Bytes } from "../src/runtime/graph-ts/bytes.js";
import { createGraphTsModule } from "../src/runtime/graph-ts/index.js";
import { GraphBigInt } from "../src/runtime/graph-ts/numbers.js";
import { createMappingModules, MappingLoadError } from "../src/runtime/loader.js";
import { HandlerError, MappingRuntime, type RunnerLog } from "../src/runtime/runner.js";
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

const MAPPING = `
import { BigInt, log } from "@graphprotocol/graph-ts";
import { Broken, Bumped, Noted, Rewritten, Strange } from "../generated/Test/Test";
import { Counter, Receipt } from "../generated/schema";

export function handleBumped(event: Bumped): void {
  const id = event.params.id.toString();
  let c = Counter.load(id);
  if (c === null) {
    c = new Counter(id);
    c.total = BigInt.zero();
    c.hits = 0;
    c.owner = event.params.owner;
    c.tags = [];
  }
  c.total = c.total.plus(event.params.amount);
  c.hits = c.hits + 1;
  const tags = c.tags;
  tags.push(\`block-\${event.block.number.toString()}\`);
  c.tags = tags;
  c.save();
  const r = new Receipt(\`\${event.transaction.hash.toHexString()}-\${event.logIndex.toString()}\`);
  r.counter = id;
  r.amount = event.params.amount;
  r.save();
  log.info("bumped {} by {}", [id, event.params.amount.toString()]);
}

// Saves only the fields it sets: graph-node merges them into the stored entity.
export function handleNoted(event: Noted): void {
  const c = new Counter(event.params.id.toString());
  c.note = event.params.note;
  c.save();
}

export function handleBroken(event: Broken): void {
  const c = new Counter(\`fresh-\${event.params.id.toString()}\`);
  c.hits = 1;
  c.save();
}

export function handleRewritten(event: Rewritten): void {
  const r = Receipt.load(event.params.receipt);
  if (r === null) return;
  r.amount = BigInt.fromI32(1);
  r.save();
}

export function handleStrange(event: Strange): void {
  log.info("strange {}", [event.params.id.toString()]);
  const c = Counter.load(event.params.id.toString());
  if (c !== null) c.receipts;
}
`;

const EVENTS: Record<string, AbiEvent> = {
  Bumped: parseAbiItem("event Bumped(uint256 indexed id, address owner, uint256 amount)") as AbiEvent,
  Noted: parseAbiItem("event Noted(uint256 indexed id, string note)") as AbiEvent,
  Broken: parseAbiItem("event Broken(uint256 id)") as AbiEvent,
  Rewritten: parseAbiItem("event Rewritten(string receipt)") as AbiEvent,
  Strange: parseAbiItem("event Strange(uint256 id)") as AbiEvent,
};
const ADDRESS = "0x00000000000000000000000000000000000000aa" as Hex;
const OWNER = "0x00000000000000000000000000000000000000bb" as Hex;

let dir: string;
let sql: Awaited<ReturnType<typeof openSqlClient>>;
let generation = 0;
let db: EntityDatabase;
let runtime: MappingRuntime;
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
    blockTimestamp: 1_700_000_000n + block,
    transactionHash: `0x${(1000n + BigInt(logIndex)).toString(16).padStart(64, "0")}`,
    transactionIndex: 0,
    logIndex,
  };
}

async function apply(toBlock: bigint, logs: RunnerLog[]) {
  return runtime.applyBatch({
    chainId: 1,
    stream: "test",
    toBlock,
    logs,
    timestampOf: async (b) => 1_700_000_000n + b,
    keepJournalFrom: 0n,
  });
}

async function counters() {
  return (
    await db.sql.query(`select id, total::text as total, hits, note, tags from zkvin_subgraph."Counter" order by id`)
  ).map((r) => ({ ...r }));
}

beforeAll(async () => {
  sql = await openSqlClient({ kind: "memory" });
  dir = mkdtempSync(path.join(os.tmpdir(), "zkvin-runtime-"));
  mkdirSync(path.join(dir, "mappings"));
  writeFileSync(path.join(dir, "schema.graphql"), SCHEMA);
  writeFileSync(path.join(dir, "mappings", "test.ts"), MAPPING);
});

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
    subgraphDir: dir,
    dataSources: [
      {
        name: "Test",
        network: "testnet",
        address: ADDRESS,
        context: {},
        mappingFile: path.join(dir, "mappings", "test.ts"),
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
    expect(await counters()).toEqual([{ id: "7", total: "11", hits: 2, note: "hello", tags: ["block-2", "block-3"] }]);
    expect(logged).toEqual(["info: bumped 7 by 5", "info: bumped 7 by 6"]);
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
    expect(await counters()).toEqual([{ id: "1", total: "2", hits: 1, note: null, tags: ["block-4"] }]);
    expect(await db.progress(1, "test")).toBe(4n);
  });

  it("abort on a missing non-null field, leaving the tables and the progress as they were", async () => {
    await apply(5n, [log("Bumped", 5n, { id: 1n, owner: OWNER, amount: 2n })]);
    const failing = apply(6n, [log("Bumped", 6n, { id: 1n, owner: OWNER, amount: 3n }), log("Broken", 6n, { id: 9n })]);
    await expect(failing).rejects.toBeInstanceOf(HandlerError);
    await expect(failing).rejects.toThrow(/missing value for non-nullable field `total`/);
    expect(await counters()).toEqual([{ id: "1", total: "2", hits: 1, note: null, tags: ["block-5"] }]);
    expect(await db.progress(1, "test")).toBe(5n);
  });

  it("refuse to change an immutable entity", async () => {
    const bump = log("Bumped", 2n, { id: 1n, owner: OWNER, amount: 2n });
    await apply(2n, [bump]);
    const receipt = `${bump.transactionHash}-${bump.logIndex}`;
    await expect(apply(3n, [log("Rewritten", 3n, { receipt })])).rejects.toThrow(/immutable/);
  });

  it("refuse graph-ts features the local runtime does not have, naming them", async () => {
    await apply(2n, [log("Bumped", 2n, { id: 1n, owner: OWNER, amount: 2n })]);
    const failing = apply(3n, [log("Strange", 3n, { id: 1n })]);
    await expect(failing).rejects.toThrow(/derived field Counter.receipts/);
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

describe("the mapping loader", () => {
  it("loads the subgraph's own mappings with every handler their data sources name", () => {
    const model = parseSchemaModel(SCHEMA);
    const modules = createMappingModules({
      subgraphDir,
      graphTs: createGraphTsModule({
        store: { get: () => null, set: () => {}, remove: () => {} },
        currentDataSource: () => {
          throw new MappingAbort("not in a handler");
        },
        log: () => {},
      }),
      schemaExports: Object.fromEntries([...model.entities.keys()].map((k) => [k, class {}])),
    });
    for (const t of DATA_SOURCE_TEMPLATES) {
      const exports = modules.exportsOf(path.join(subgraphDir, t.mapping));
      for (const e of t.events)
        expect(typeof exports[handlerName(e)], `${t.mapping} ${handlerName(e)}`).toBe("function");
    }
  });

  it("allows imports of graph-ts, generated/ and other mappings only", () => {
    const file = path.join(dir, "mappings", "bad.ts");
    writeFileSync(file, `import { keccak256 } from "viem";\nexport function handle(): void { keccak256("0x"); }\n`);
    const modules = createMappingModules({ subgraphDir: dir, graphTs: {}, schemaExports: {} });
    expect(() => modules.exportsOf(file)).toThrow(MappingLoadError);
  });
});

describe("graph-ts subset", () => {
  it("computes as graph-node does (truncating division, i32 range, hex)", () => {
    expect(GraphBigInt.fromI32(-7).div(GraphBigInt.fromI32(2)).toString()).toBe("-3");
    expect(GraphBigInt.fromI32(-7).mod(GraphBigInt.fromI32(2)).toString()).toBe("-1");
    expect(() => GraphBigInt.fromString("2147483648").toI32()).toThrow(MappingAbort);
    expect(() => GraphBigInt.fromI32(1).div(GraphBigInt.zero())).toThrow(/divide BigInt by zero/);
    expect(GraphBigInt.fromUnsignedBytes(Bytes.fromHexString("0x0001")).toString()).toBe("256");
    expect(GraphBigInt.fromSignedBytes(Bytes.fromHexString("0xff")).toString()).toBe("-1");
    expect(Bytes.fromHexString("0xAbCd").toHexString()).toBe("0xabcd");
    expect(Bytes.fromUTF8("zk").concatI32(1).toHexString()).toBe("0x7a6b01000000");
    expect(() => Address.fromString("0x1234")).toThrow(/not 20 bytes/);
    const graphTs = createGraphTsModule({
      store: { get: () => null, set: () => {}, remove: () => {} },
      currentDataSource: () => {
        throw new MappingAbort("none");
      },
      log: () => {},
    });
    expect(() => graphTs.ipfs).toThrow(UnsupportedInLocalRuntime);
  });
});
