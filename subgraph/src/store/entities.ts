// Entity tables for the local endpoint, derived from schema.graphql: one table per entity type in the
// `zkvin_subgraph` schema, one column per stored field (named as the field), plus `_block` (the block of
// the last write). Every version of every entity is kept with the block range it was current in (as
// graph-node's `block_range`), so a rewind to any earlier block puts back exactly what the replaced blocks
// changed; `_blocks` keeps the hash of every block whose logs were applied, so a reorg deeper than the
// watcher's window can find the newest block the chain still has; `_progress` says which block of each
// chain the tables include, so a batch delivered twice (a crash before the watcher moved its cursor) is
// applied once.
import { createHash } from "node:crypto";
import type { SqlClient, SqlExecutor } from "@zk-vin/chain-kit";
import type { EntityChange } from "../runtime/cache.js";
import type { EntityRecord, PlainValue } from "../runtime/values.js";
import { type EntityDef, type FieldDef, type SchemaModel, storedFields } from "../schema/model.js";

export const SUBGRAPH_SCHEMA = "zkvin_subgraph";
/** Bump when the table layout below changes (not the entity schema: that is fingerprinted). */
const LAYOUT_VERSION = 3;

/** The tables were built for another schema or mappings; the index must be rebuilt from the chain. */
export class IndexFingerprintMismatchError extends Error {
  override readonly name = "IndexFingerprintMismatchError";
  constructor(
    readonly stored: string,
    readonly expected: string,
  ) {
    super(
      `the entity tables were built by another schema or mapping version (${stored.slice(0, 12)}, now ` +
        `${expected.slice(0, 12)}); restart with reset to re-index from the chain`,
    );
  }
}

export const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;
export const tableName = (entity: string): string => `${SUBGRAPH_SCHEMA}.${quoteIdent(entity)}`;
/**
 * Every version an entity has had, as graph-node keeps them for time-travel queries: the version's
 * columns, where it began (`_chain`, `_block` and that block's timestamp `_ts`) and where the next version
 * or the removal replaced it (`_to_chain`, `_to_block`, `_to_ts`; null while current).
 */
export const versionsTableName = (entity: string): string => `${SUBGRAPH_SCHEMA}.${quoteIdent(`${entity}__versions`)}`;

function baseSqlType(f: FieldDef): string {
  if (f.type.kind !== "scalar") return "text";
  switch (f.type.scalar) {
    case "BigInt":
      return "numeric";
    case "Int":
      return "integer";
    case "Boolean":
      return "boolean";
    default:
      return "text";
  }
}

export function sqlType(f: FieldDef): string {
  return f.list ? `${baseSqlType(f)}[]` : baseSqlType(f);
}

/** The column as read back: numerics as text, so no driver turns a uint256 into a float. */
export function selectExpression(f: FieldDef, alias = ""): string {
  const col = `${alias}${quoteIdent(f.name)}`;
  if (baseSqlType(f) !== "numeric") return col;
  return `${col}::${f.list ? "text[]" : "text"} as ${quoteIdent(f.name)}`;
}

export function selectList(entity: EntityDef, alias = ""): string {
  return storedFields(entity)
    .map((f) => selectExpression(f, alias))
    .join(", ");
}

/** A database row (numerics already text) as an entity record; nulls are left out. */
export function rowToRecord(entity: EntityDef, row: Record<string, unknown>): EntityRecord {
  const record: EntityRecord = {};
  for (const f of storedFields(entity)) {
    const v = row[f.name];
    if (v === null || v === undefined) continue;
    record[f.name] = v as PlainValue;
  }
  return record;
}

export function tableDdl(entity: EntityDef): string {
  const cols = storedFields(entity).map(
    (f) => `${quoteIdent(f.name)} ${sqlType(f)}${f.name === "id" ? " primary key" : f.nonNull ? " not null" : ""}`,
  );
  cols.push("_block bigint not null");
  return `create table ${tableName(entity.name)} (${cols.join(", ")})`;
}

export function versionsDdl(entity: EntityDef): string[] {
  const cols = storedFields(entity).map((f) => `${quoteIdent(f.name)} ${sqlType(f)}`);
  cols.push(
    "_block bigint not null",
    "_chain bigint not null",
    "_ts bigint not null",
    "_to_chain bigint",
    "_to_block bigint",
    "_to_ts bigint",
  );
  const table = versionsTableName(entity.name);
  return [
    `create table ${table} (${cols.join(", ")})`,
    `create index on ${table} (id)`,
    `create index on ${table} (_chain, _block)`,
    `create index on ${table} (_to_chain, _to_block)`,
  ];
}

/** Identifies the entity schema and the mappings the tables were built with. */
export function indexFingerprint(model: SchemaModel, mappingSources: readonly string[]): string {
  const h = createHash("sha256");
  h.update(`layout:${LAYOUT_VERSION}\n`);
  h.update(model.source);
  for (const s of mappingSources) h.update(`\n--\n${s}`);
  return h.digest("hex");
}

export interface OpenEntityDatabaseOptions {
  sql: SqlClient;
  model: SchemaModel;
  fingerprint: string;
  /** Drop tables built by another fingerprint (the caller must also rewind its chain cursors). */
  reset: boolean;
}

export class EntityDatabase {
  private constructor(
    readonly sql: SqlClient,
    readonly model: SchemaModel,
    /** True when the tables were (re)created by open: everything must be indexed from the start. */
    readonly fresh: boolean,
  ) {}

  static async open(options: OpenEntityDatabaseOptions): Promise<EntityDatabase> {
    const { sql, model, fingerprint } = options;
    const fresh = await sql.transaction(async (tx) => {
      await tx.query("select pg_advisory_xact_lock(hashtext('zkvin:subgraph-schema'))");
      const exists = await tx.query("select 1 from information_schema.schemata where schema_name = $1", [
        SUBGRAPH_SCHEMA,
      ]);
      if (exists.length > 0) {
        const rows = await tx.query<{ value: string }>(
          `select value from ${SUBGRAPH_SCHEMA}._meta where key = 'fingerprint'`,
        );
        const stored = rows[0]?.value ?? "";
        if (stored === fingerprint) return false;
        if (!options.reset) throw new IndexFingerprintMismatchError(stored, fingerprint);
        await tx.query(`drop schema ${SUBGRAPH_SCHEMA} cascade`);
      }
      await tx.query(`create schema ${SUBGRAPH_SCHEMA}`);
      for (const entity of model.entities.values()) {
        await tx.query(tableDdl(entity));
        for (const ddl of versionsDdl(entity)) await tx.query(ddl);
      }
      await tx.query(
        `create table ${SUBGRAPH_SCHEMA}._blocks (chain_id bigint not null, block_number bigint not null,
         hash text not null, primary key (chain_id, block_number))`,
      );
      await tx.query(
        `create table ${SUBGRAPH_SCHEMA}._progress (chain_id bigint not null, stream text not null,
         block_number bigint not null, primary key (chain_id, stream))`,
      );
      await tx.query(`create table ${SUBGRAPH_SCHEMA}._meta (key text primary key, value text not null)`);
      await tx.query(`insert into ${SUBGRAPH_SCHEMA}._meta (key, value) values ('fingerprint', $1)`, [fingerprint]);
      return true;
    });
    return new EntityDatabase(sql, model, fresh);
  }

  private def(entity: string): EntityDef {
    const def = this.model.entities.get(entity);
    if (!def) throw new Error(`no entity type ${entity}`);
    return def;
  }

  async load(entity: string, id: string, executor: SqlExecutor = this.sql): Promise<EntityRecord | null> {
    const def = this.def(entity);
    const rows = await executor.query(`select ${selectList(def)} from ${tableName(entity)} where id = $1`, [id]);
    return rows[0] ? rowToRecord(def, rows[0]) : null;
  }

  /** The entities whose reference `field` (a single or a list reference) holds `id`, by id. */
  async loadRelated(
    entity: string,
    field: string,
    list: boolean,
    id: string,
    executor: SqlExecutor = this.sql,
  ): Promise<EntityRecord[]> {
    const def = this.def(entity);
    const cond = list ? `$1 = any(${quoteIdent(field)})` : `${quoteIdent(field)} = $1`;
    const rows = await executor.query(`select ${selectList(def)} from ${tableName(entity)} where ${cond} order by id`, [
      id,
    ]);
    return rows.map((r) => rowToRecord(def, r));
  }

  /** The last block of (chainId, stream) whose changes the tables hold, or null. */
  async progress(chainId: number, stream: string, executor: SqlExecutor = this.sql): Promise<bigint | null> {
    const rows = await executor.query<{ block_number: string | number }>(
      `select block_number::text as block_number from ${SUBGRAPH_SCHEMA}._progress where chain_id = $1 and stream = $2`,
      [chainId, stream],
    );
    return rows[0] ? BigInt(rows[0].block_number) : null;
  }

  async setProgress(tx: SqlExecutor, chainId: number, stream: string, block: bigint): Promise<void> {
    await tx.query(
      `insert into ${SUBGRAPH_SCHEMA}._progress (chain_id, stream, block_number) values ($1, $2, $3)
       on conflict (chain_id, stream) do update set block_number = excluded.block_number`,
      [chainId, stream, block.toString()],
    );
  }

  /** Writes one block's changes of one chain (latest rows and versions) and remembers the block's hash. */
  async applyChanges(
    tx: SqlExecutor,
    chain: { chainId: number; block: bigint; hash: string; timestamp: bigint },
    changes: readonly EntityChange[],
  ): Promise<void> {
    await tx.query(
      `insert into ${SUBGRAPH_SCHEMA}._blocks (chain_id, block_number, hash) values ($1, $2, $3)
       on conflict (chain_id, block_number) do update set hash = excluded.hash`,
      [chain.chainId, chain.block.toString(), chain.hash],
    );
    for (const change of changes) {
      await this.writeRow(tx, change.entity, change.id, change.after, chain.block);
      await this.writeVersion(tx, change.entity, change.id, change.after, chain);
    }
  }

  /** How many entities the latest tables hold, all types together (graph-node's `entityCount`). */
  async entityCount(executor: SqlExecutor = this.sql): Promise<bigint> {
    const counts = [...this.model.entities.keys()].map((e) => `(select count(*) from ${tableName(e)})`);
    if (counts.length === 0) return 0n;
    const rows = await executor.query<{ n: string }>(`select (${counts.join(" + ")})::text as n`);
    return BigInt(rows[0]?.n ?? "0");
  }

  /** The blocks of `chainId` whose logs the tables hold, oldest first (for finding a reorg's fork point). */
  async indexedBlocks(chainId: number, executor: SqlExecutor = this.sql): Promise<{ number: bigint; hash: string }[]> {
    const rows = await executor.query<{ block_number: string; hash: string }>(
      `select block_number::text as block_number, hash from ${SUBGRAPH_SCHEMA}._blocks where chain_id = $1
       order by block_number`,
      [chainId],
    );
    return rows.map((r) => ({ number: BigInt(r.block_number), hash: r.hash }));
  }

  /** Closes the entity's current version at this block and opens the new one (none after a removal). */
  private async writeVersion(
    tx: SqlExecutor,
    entity: string,
    id: string,
    record: EntityRecord | null,
    at: { chainId: number; block: bigint; timestamp: bigint },
  ): Promise<void> {
    const table = versionsTableName(entity);
    const where = [at.chainId, at.block.toString(), at.timestamp.toString()];
    await tx.query(
      `update ${table} set _to_chain = $2, _to_block = $3, _to_ts = $4 where id = $1 and _to_block is null`,
      [id, ...where],
    );
    if (record === null) return;
    const fields = storedFields(this.def(entity));
    const cols = [...fields.map((f) => quoteIdent(f.name)), "_block", "_chain", "_ts"];
    const values = fields.map((f, i) => `$${i + 1}::${sqlType(f)}`);
    const n = fields.length;
    values.push(`$${n + 1}::bigint`, `$${n + 2}::bigint`, `$${n + 3}::bigint`);
    await tx.query(`insert into ${table} (${cols.join(", ")}) values (${values.join(", ")})`, [
      ...fields.map((f) => record[f.name] ?? null),
      at.block.toString(),
      at.chainId,
      at.timestamp.toString(),
    ]);
  }

  private async writeRow(
    tx: SqlExecutor,
    entity: string,
    id: string,
    record: EntityRecord | null,
    block: bigint,
  ): Promise<void> {
    if (record === null) {
      await tx.query(`delete from ${tableName(entity)} where id = $1`, [id]);
      return;
    }
    const fields = storedFields(this.def(entity));
    const cols = fields.map((f) => quoteIdent(f.name));
    const values = fields.map((f, i) => `$${i + 1}::${sqlType(f)}`);
    const params = fields.map((f) => record[f.name] ?? null);
    cols.push("_block");
    values.push(`$${fields.length + 1}::bigint`);
    params.push(block.toString());
    const updates = cols.filter((c) => c !== '"id"').map((c) => `${c} = excluded.${c}`);
    await tx.query(
      `insert into ${tableName(entity)} (${cols.join(", ")}) values (${values.join(", ")})
       on conflict (id) do update set ${updates.join(", ")}`,
      params,
    );
  }

  /**
   * Undoes every change chain `chainId` made after block `toBlock` (null: all of them), at any depth, as
   * graph-node reverts block ranges: versions the replaced blocks began are deleted, versions they ended
   * are current again, and the latest rows are rebuilt from the current versions. Moves the chain's
   * progress back. Idempotent: a rewind found again after a crash finds nothing to undo.
   */
  async rewind(chainId: number, stream: string, toBlock: bigint | null): Promise<number> {
    return this.sql.transaction(async (tx) => {
      const after = (toBlock ?? -1n).toString();
      let undone = 0;
      for (const def of this.model.entities.values()) {
        const table = versionsTableName(def.name);
        const touched = await tx.query<{ id: string }>(
          `select distinct id from ${table} where (_chain = $1 and _block > $2) or (_to_chain = $1 and _to_block > $2)`,
          [chainId, after],
        );
        if (touched.length === 0) continue;
        undone += touched.length;
        await tx.query(`delete from ${table} where _chain = $1 and _block > $2`, [chainId, after]);
        await tx.query(
          `update ${table} set _to_chain = null, _to_block = null, _to_ts = null where _to_chain = $1 and _to_block > $2`,
          [chainId, after],
        );
        const ids = touched.map((t) => t.id);
        await tx.query(`delete from ${tableName(def.name)} where id = any($1::text[])`, [ids]);
        const cols = [...storedFields(def).map((f) => quoteIdent(f.name)), "_block"].join(", ");
        await tx.query(
          `insert into ${tableName(def.name)} (${cols}) select ${cols} from ${table}
           where id = any($1::text[]) and _to_block is null`,
          [ids],
        );
      }
      await tx.query(`delete from ${SUBGRAPH_SCHEMA}._blocks where chain_id = $1 and block_number > $2`, [
        chainId,
        after,
      ]);
      if (toBlock === null) {
        await tx.query(`delete from ${SUBGRAPH_SCHEMA}._progress where chain_id = $1 and stream = $2`, [
          chainId,
          stream,
        ]);
      } else {
        await tx.query(
          `update ${SUBGRAPH_SCHEMA}._progress set block_number = least(block_number, $3) where chain_id = $1 and stream = $2`,
          [chainId, stream, toBlock.toString()],
        );
      }
      return undone;
    });
  }
}
