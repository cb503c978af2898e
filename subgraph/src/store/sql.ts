// A SQL connection for the entity tables: embedded PGlite (in memory or a data directory) or a Postgres
// server by URL, behind the relayer's SqlClient interface so the same queries run on both.
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import type { SqlClient, SqlExecutor } from "@zk-vin/chain-kit";
import pg from "pg";

export type DatabaseConfig =
  | { kind: "memory" }
  | { kind: "pglite"; dataDir: string }
  | { kind: "postgres"; url: string };

export async function openSqlClient(config: DatabaseConfig): Promise<SqlClient> {
  if (config.kind === "postgres") return openPostgres(config.url);
  const db = config.kind === "pglite" ? new PGlite({ dataDir: path.resolve(config.dataDir) }) : new PGlite();
  await db.waitReady;
  return pgliteClient(db);
}

function pgliteClient(db: PGlite): SqlClient {
  const executor = (q: Pick<PGlite, "query">): SqlExecutor => ({
    async query<R extends Record<string, unknown>>(text: string, params?: unknown[]) {
      return (await q.query<R>(text, params)).rows;
    },
  });
  return {
    backend: "pglite",
    ...executor(db),
    transaction: (fn) => db.transaction((tx) => fn(executor(tx))),
    close: () => db.close(),
  };
}

async function openPostgres(url: string): Promise<SqlClient> {
  const pool = new pg.Pool({ connectionString: url, max: 4 });
  // An idle client that loses its connection must not crash the process; the next query reconnects.
  pool.on("error", () => {});
  try {
    await pool.query("select 1");
  } catch (error) {
    await pool.end();
    throw error;
  }
  const executor = (q: pg.Pool | pg.PoolClient): SqlExecutor => ({
    async query<R extends Record<string, unknown>>(text: string, params?: unknown[]) {
      return (await q.query<R>(text, params)).rows;
    },
  });
  return {
    backend: "postgres",
    ...executor(pool),
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query("begin");
        const result = await fn(executor(client));
        await client.query("commit");
        return result;
      } catch (error) {
        await client.query("rollback").catch(() => {});
        throw error;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}
