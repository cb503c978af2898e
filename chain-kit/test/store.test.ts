import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensurePostgres, stopPostgres } from "../../scripts/lib/postgres.mjs";
import {
  migrate,
  type NewOutboxEntry,
  OutboxEntryNotFoundError,
  OutboxPayloadError,
  openPgliteStore,
  openPostgresStore,
  type SqlClient,
  type Store,
  StoreLockedError,
} from "../src/store/index.js";

const H = (n: number) => `0x${n.toString(16).padStart(64, "0")}` as const;

function entry(over: Partial<NewOutboxEntry> & Pick<NewOutboxEntry, "kind" | "key">): NewOutboxEntry {
  return { payload: { k: over.key }, sourceChainId: 1, sourceBlock: 10n, sourceLogIndex: 0, ...over };
}

/** The same behaviour is required of every backend; each test uses its own chain id or kind. */
function storeContract(open: () => Promise<Store>) {
  let store: Store;
  beforeAll(async () => {
    store = await open();
  });
  afterAll(async () => {
    await store?.close();
  });

  it("starts without a cursor and advances atomically with the remembered tail", async () => {
    const key = { chainId: 101, stream: "s" };
    expect(await store.getCursor(key)).toBeNull();
    await store.advanceCursor(key, {
      to: { number: 5n, hash: H(5) },
      blocks: [
        { number: 3n, hash: H(3) },
        { number: 5n, hash: H(5) },
      ],
      keepFrom: 0n,
    });
    expect(await store.getCursor(key)).toEqual({ number: 5n, hash: H(5) });
    await store.advanceCursor(key, {
      to: { number: 9n, hash: H(9) },
      blocks: [{ number: 9n, hash: H(9) }],
      keepFrom: 4n,
    });
    expect(await store.getCursor(key)).toEqual({ number: 9n, hash: H(9) });
    expect(await store.getTail(key)).toEqual([
      { number: 9n, hash: H(9) },
      { number: 5n, hash: H(5) },
    ]);
    expect(await store.getCursor({ chainId: 101, stream: "other" })).toBeNull();
    expect(await store.getCursor({ chainId: 102, stream: "s" })).toBeNull();
    const listed = await store.listCursors();
    expect(listed).toContainEqual({ chainId: 101, stream: "s", number: 9n, hash: H(9) });
  });

  it("rewinds the cursor and forgets the blocks after it", async () => {
    const key = { chainId: 103, stream: "s" };
    const blocks = [1n, 2n, 3n, 4n].map((n) => ({ number: n, hash: H(Number(n)) }));
    await store.advanceCursor(key, { to: blocks[3]!, blocks, keepFrom: 0n });
    await store.rewindCursor(key, blocks[1]!);
    expect(await store.getCursor(key)).toEqual(blocks[1]);
    expect((await store.getTail(key)).map((b) => b.number)).toEqual([2n, 1n]);
    await store.rewindCursor(key, null);
    expect(await store.getCursor(key)).toBeNull();
    expect(await store.getTail(key)).toEqual([]);
  });

  it("enqueues idempotently and never resets progress of a known entry", async () => {
    const kind = "k-idem";
    expect(await store.enqueue([entry({ kind, key: "a" }), entry({ kind, key: "b" })])).toBe(2);
    await store.update(kind, "a", { step: "verified", attempts: 2, lastError: "boom" });
    expect(await store.enqueue([entry({ kind, key: "a", payload: { other: true } })])).toBe(0);
    const a = await store.get<{ k: string }>(kind, "a");
    expect(a).toMatchObject({
      status: "pending",
      step: "verified",
      attempts: 2,
      lastError: "boom",
      payload: { k: "a" },
    });
    expect(await store.get(kind, "missing")).toBeNull();
  });

  it("hands out due entries in source order and honours notBefore", async () => {
    const kind = "k-due";
    await store.enqueue([
      entry({ kind, key: "late", sourceChainId: 2, sourceBlock: 1n }),
      entry({ kind, key: "second", sourceChainId: 1, sourceBlock: 7n, sourceLogIndex: 3 }),
      entry({ kind, key: "first", sourceChainId: 1, sourceBlock: 7n, sourceLogIndex: 1 }),
      entry({ kind, key: "done", sourceChainId: 1, sourceBlock: 1n, status: "done", outcome: "delivered" }),
    ]);
    const now = Date.now();
    expect((await store.due(kind, { now, limit: 10 })).map((e) => e.key)).toEqual(["first", "second", "late"]);
    await store.update(kind, "first", { notBefore: now + 60_000 });
    expect((await store.due(kind, { now, limit: 10 })).map((e) => e.key)).toEqual(["second", "late"]);
    expect((await store.due(kind, { now, limit: 1 })).map((e) => e.key)).toEqual(["second"]);
    await store.update(kind, "second", { status: "done", outcome: "delivered", pendingTx: null });
    expect((await store.due(kind, { now: now + 120_000, limit: 10 })).map((e) => e.key)).toEqual(["first", "late"]);
  });

  it("records a pending transaction and clears it", async () => {
    const kind = "k-tx";
    await store.enqueue([entry({ kind, key: "x" })]);
    await store.update(kind, "x", { pendingTx: H(77), step: "executing" });
    expect((await store.get(kind, "x"))?.pendingTx).toBe(H(77));
    await store.update(kind, "x", { pendingTx: null });
    expect((await store.get(kind, "x"))?.pendingTx).toBeNull();
  });

  it("refuses updates of unknown entries and payloads that are not JSON", async () => {
    await expect(store.update("k-none", "nope", { step: "x" })).rejects.toBeInstanceOf(OutboxEntryNotFoundError);
    const bad = entry({ kind: "k-bad", key: "big", payload: { n: 1n } });
    const error = await store.enqueue([bad]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OutboxPayloadError);
    expect(error).toMatchObject({ kind: "k-bad", key: "big" });
    expect(await store.get("k-bad", "big")).toBeNull();
  });

  it("retracts reorged entries: untouched ones vanish, started ones fail, rediscovery revives them", async () => {
    const kind = "k-reorg";
    await store.enqueue([
      entry({ kind, key: "kept", sourceChainId: 5, sourceBlock: 10n }),
      entry({ kind, key: "fresh", sourceChainId: 5, sourceBlock: 11n }),
      entry({ kind, key: "started", sourceChainId: 5, sourceBlock: 12n }),
      entry({ kind, key: "finished", sourceChainId: 5, sourceBlock: 12n, status: "done", outcome: "delivered" }),
      entry({ kind, key: "other-chain", sourceChainId: 6, sourceBlock: 50n }),
    ]);
    await store.update(kind, "started", { step: "verified" });
    expect(await store.retractAfter({ kind, sourceChainId: 5, block: 10n, initialStep: "new" })).toBe(2);
    expect(await store.get(kind, "fresh")).toBeNull();
    expect(await store.get(kind, "started")).toMatchObject({ status: "failed", outcome: "reorged" });
    expect(await store.get(kind, "finished")).toMatchObject({ status: "done", outcome: "delivered" });
    expect(await store.get(kind, "kept")).toMatchObject({ status: "pending" });
    expect(await store.get(kind, "other-chain")).toMatchObject({ status: "pending" });

    expect(await store.enqueue([entry({ kind, key: "started", sourceChainId: 5, sourceBlock: 14n })])).toBe(1);
    expect(await store.get(kind, "started")).toMatchObject({ status: "pending", outcome: null, sourceBlock: 14n });
  });

  it("counts and lists entries by status", async () => {
    const kind = "k-count";
    await store.enqueue([
      entry({ kind, key: "p1" }),
      entry({ kind, key: "p2" }),
      entry({ kind, key: "f", status: "failed", outcome: "alerted" }),
    ]);
    const counts = await store.countByStatus(kind);
    expect(counts).toEqual([
      { kind, status: "failed", outcome: "alerted", count: 1 },
      { kind, status: "pending", outcome: null, count: 2 },
    ]);
    expect((await store.list({ kind, status: "failed", limit: 5 })).map((e) => e.key)).toEqual(["f"]);
    expect(await store.list({ kind, limit: 5 })).toHaveLength(3);
    expect((await store.countByStatus()).some((c) => c.kind === kind)).toBe(true);
  });

  it("answers ping", async () => {
    await expect(store.ping()).resolves.toBeUndefined();
  });
}

describe("store on PGlite (in memory)", () => {
  storeContract(() => openPgliteStore());
});

describe("store on a PGlite data directory", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "zkvin-store-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("keeps its data across reopen, holds the directory exclusively, and takes over a dead holder's lock", async () => {
    const dataDir = path.join(dir, "db");
    const first = await openPgliteStore({ dataDir });
    const key = { chainId: 7, stream: "persist" };
    await first.advanceCursor(key, {
      to: { number: 42n, hash: H(42) },
      blocks: [{ number: 42n, hash: H(42) }],
      keepFrom: 0n,
    });
    await first.enqueue([entry({ kind: "persist", key: "e" })]);

    const locked = await openPgliteStore({ dataDir }).catch((e: unknown) => e);
    expect(locked).toBeInstanceOf(StoreLockedError);
    expect(locked).toMatchObject({ holderPid: process.pid });
    await first.close();

    // A lock left by a process that no longer exists (a crash) does not block a restart.
    writeFileSync(`${dataDir}.lock`, "2147483646");
    const second = await openPgliteStore({ dataDir });
    expect(await second.getCursor(key)).toEqual({ number: 42n, hash: H(42) });
    expect(await second.get("persist", "e")).toMatchObject({ status: "pending" });
    await second.close();
  });
});

describe("store on PostgreSQL", () => {
  let started = false;
  let adminUrl = "";
  const databases: string[] = [];

  /** A fresh, empty database on the test server; dropped after the suite. */
  async function freshDatabase(): Promise<string> {
    const name = `zkvin_store_test_${process.pid}_${databases.length}_${Date.now()}`;
    const admin = new pg.Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`create database ${name}`);
    await admin.end();
    databases.push(name);
    const u = new URL(adminUrl);
    u.pathname = `/${name}`;
    return u.toString();
  }

  beforeAll(async () => {
    const server = await ensurePostgres();
    started = server.started;
    adminUrl = server.url;
  });

  afterAll(async () => {
    if (adminUrl && databases.length > 0) {
      const admin = new pg.Client({ connectionString: adminUrl });
      await admin.connect();
      for (const name of databases) await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
    }
    if (started) stopPostgres();
  });

  describe("contract", () => {
    storeContract(async () => openPostgresStore({ url: await freshDatabase() }));
  });

  it("migrates once when two processes open a new database at the same time, then finds nothing to apply", async () => {
    const url = await freshDatabase();
    const [a, b] = await Promise.all([openPostgresStore({ url }), openPostgresStore({ url })]);
    const pool = new pg.Pool({ connectionString: url });
    const rows = await pool.query("select version from zkvin_migrations where component = 'relayer-store'");
    expect(rows.rows.map((r) => r.version)).toEqual([1]);
    const sql: SqlClient = {
      backend: "postgres",
      query: async <R extends Record<string, unknown>>(text: string, params?: unknown[]) =>
        (await pool.query<R>(text, params)).rows,
      // Single statements on a pool: enough for a migration run that finds nothing to do.
      transaction: (fn) => fn(sql),
      close: () => pool.end(),
    };
    expect(await migrate(sql)).toEqual([]);
    await pool.end();
    await Promise.all([a.close(), b.close()]);
  });

  it("fails with the driver's error when the server is unreachable", async () => {
    await expect(openPostgresStore({ url: "postgres://postgres@127.0.0.1:1/none" })).rejects.toThrow(/ECONNREFUSED/);
  });
});
