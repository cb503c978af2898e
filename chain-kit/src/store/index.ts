import { openPgliteStore } from "./pglite.js";
import { openPostgresStore } from "./postgres.js";
import type { Store } from "./types.js";

export type StoreConfig =
  | { kind: "memory" }
  | { kind: "pglite"; dataDir: string }
  | { kind: "postgres"; url: string; maxConnections?: number };

/** Opens the store the config names: in-memory PGlite, a PGlite data directory, or Postgres by URL. */
export function openStore(config: StoreConfig): Promise<Store> {
  switch (config.kind) {
    case "memory":
      return openPgliteStore();
    case "pglite":
      return openPgliteStore({ dataDir: config.dataDir });
    case "postgres":
      return openPostgresStore({ url: config.url, maxConnections: config.maxConnections });
  }
}

export { type Migration, migrate, storeMigrations } from "./migrations.js";
export { openPgliteStore, type PgliteStoreOptions, StoreLockedError } from "./pglite.js";
export { openPostgresStore, type PostgresStoreOptions } from "./postgres.js";
export type { SqlClient, SqlExecutor } from "./sql.js";
export { OutboxEntryNotFoundError, OutboxPayloadError, SqlStore } from "./sqlStore.js";
export type * from "./types.js";
