import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeSync } from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { RelayerError } from "../errors.js";
import type { SqlClient, SqlExecutor } from "./sql.js";
import { SqlStore } from "./sqlStore.js";

/** Another live process holds the PGlite data directory (PGlite allows one process per directory). */
export class StoreLockedError extends RelayerError {
  override readonly name = "StoreLockedError";
  constructor(
    readonly dataDir: string,
    readonly holderPid: number,
  ) {
    super(`PGlite data directory ${dataDir} is in use by process ${holderPid}; stop it or use another directory`);
  }
}

export interface PgliteStoreOptions {
  /** A directory for the database files; omitted: an in-memory database (tests). */
  dataDir?: string;
}

/** Opens the embedded-Postgres store: a data directory by default, memory when none is given. */
export async function openPgliteStore(options: PgliteStoreOptions = {}): Promise<SqlStore> {
  const release = options.dataDir ? lockDataDir(path.resolve(options.dataDir)) : () => {};
  try {
    const db = options.dataDir ? new PGlite({ dataDir: path.resolve(options.dataDir) }) : new PGlite();
    await db.waitReady;
    return await SqlStore.open(pgliteClient(db, release));
  } catch (error) {
    release();
    throw error;
  }
}

function pgliteClient(db: PGlite, release: () => void): SqlClient {
  const executor = (q: Pick<PGlite, "query">): SqlExecutor => ({
    async query<R extends Record<string, unknown>>(text: string, params?: unknown[]) {
      return (await q.query<R>(text, params)).rows;
    },
  });
  return {
    backend: "pglite",
    ...executor(db),
    transaction: (fn) => db.transaction((tx) => fn(executor(tx))),
    async close() {
      try {
        await db.close();
      } finally {
        release();
      }
    },
  };
}

/**
 * Takes `<dataDir>.lock` (created exclusively, holding our pid). A lock left by a dead process (a
 * crash or SIGKILL) is taken over; one held by a live process refuses with StoreLockedError.
 */
function lockDataDir(dataDir: string): () => void {
  const lockFile = `${dataDir}.lock`;
  mkdirSync(path.dirname(lockFile), { recursive: true });
  for (let tries = 0; tries < 2; tries++) {
    try {
      const fd = openSync(lockFile, "wx");
      writeSync(fd, String(process.pid));
      closeSync(fd);
      return () => rmSync(lockFile, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const holder = Number.parseInt(readFileSync(lockFile, "utf8"), 10);
      if (Number.isInteger(holder) && isAlive(holder)) {
        throw new StoreLockedError(dataDir, holder);
      }
      rmSync(lockFile, { force: true });
    }
  }
  throw new RelayerError(`could not take the lock ${lockFile}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
