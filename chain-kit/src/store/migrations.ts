import type { SqlClient } from "./sql.js";

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * The store's schema, in order. Never edit an applied migration: append a new one. Table names carry
 * a `zkvin_` prefix so the store can share a database with other components.
 */
export const storeMigrations: readonly Migration[] = [
  {
    version: 1,
    name: "chain cursors, remembered blocks, outbox",
    sql: `
      create table zkvin_chain_cursors (
        chain_id bigint not null,
        stream text not null,
        block_number bigint not null,
        block_hash text not null,
        updated_at timestamptz not null default now(),
        primary key (chain_id, stream)
      );
      create table zkvin_chain_blocks (
        chain_id bigint not null,
        stream text not null,
        block_number bigint not null,
        block_hash text not null,
        primary key (chain_id, stream, block_number)
      );
      create table zkvin_outbox (
        kind text not null,
        key text not null,
        status text not null check (status in ('pending', 'done', 'failed')),
        step text not null,
        outcome text,
        payload jsonb not null,
        attempts integer not null default 0,
        last_error text,
        pending_tx text,
        not_before bigint not null default 0,
        source_chain_id bigint not null,
        source_block bigint not null,
        source_log_index integer not null,
        created_at bigint not null,
        updated_at bigint not null,
        primary key (kind, key)
      );
      create index zkvin_outbox_due on zkvin_outbox (kind, status, not_before);
      create index zkvin_outbox_source on zkvin_outbox (kind, source_chain_id, source_block);
    `,
  },
];

const COMPONENT = "relayer-store";

/**
 * Applies the migrations not yet recorded, each in its own transaction, under an advisory lock so
 * that two processes starting together on one Postgres do not race. Returns the versions applied.
 */
export async function migrate(sql: SqlClient, migrations: readonly Migration[] = storeMigrations): Promise<number[]> {
  const applied: number[] = [];
  for (const migration of migrations) {
    const didApply = await sql.transaction(async (tx) => {
      // Even `create table if not exists` races between sessions, so the lock comes first.
      await tx.query("select pg_advisory_xact_lock(hashtext('zkvin:migrations'))");
      await tx.query(`
        create table if not exists zkvin_migrations (
          component text not null,
          version integer not null,
          name text not null,
          applied_at timestamptz not null default now(),
          primary key (component, version)
        )`);
      const done = await tx.query("select 1 from zkvin_migrations where component = $1 and version = $2", [
        COMPONENT,
        migration.version,
      ]);
      if (done.length > 0) return false;
      for (const statement of splitStatements(migration.sql)) await tx.query(statement);
      await tx.query("insert into zkvin_migrations (component, version, name) values ($1, $2, $3)", [
        COMPONENT,
        migration.version,
        migration.name,
      ]);
      return true;
    });
    if (didApply) applied.push(migration.version);
  }
  return applied;
}

/** Migrations hold plain DDL without semicolons inside literals, so splitting on `;` is exact. */
function splitStatements(sql: string): string[] {
  return sql
    .split(";")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
