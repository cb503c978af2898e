import pg from "pg";
import type { SqlClient, SqlExecutor } from "./sql.js";
import { SqlStore } from "./sqlStore.js";

export interface PostgresStoreOptions {
  /** postgres://user:password@host:port/database */
  url: string;
  /** Pool size; the relayer's queries are short, a few connections suffice. */
  maxConnections?: number;
}

/** Opens the store on a Postgres server. */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<SqlStore> {
  const pool = new pg.Pool({ connectionString: options.url, max: options.maxConnections ?? 4 });
  // An idle client that loses its connection must not crash the process; the next query reconnects.
  pool.on("error", () => {});
  try {
    await pool.query("select 1");
    return await SqlStore.open(postgresClient(pool));
  } catch (error) {
    await pool.end();
    throw error;
  }
}

function postgresClient(pool: pg.Pool): SqlClient {
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
