import type { Hex } from "viem";
import { RelayerError } from "../errors.js";
import { migrate } from "./migrations.js";
import { type SqlClient, type SqlExecutor, toBigInt, toNumber } from "./sql.js";
import type { BlockRef, NewOutboxEntry, OutboxEntry, OutboxStatus, OutboxUpdate, Store, StreamKey } from "./types.js";

/** An outbox entry's payload could not be stored as JSON (e.g. it holds a bigint or a cycle). */
export class OutboxPayloadError extends RelayerError {
  override readonly name = "OutboxPayloadError";
  constructor(
    readonly kind: string,
    readonly key: string,
    cause: unknown,
  ) {
    super(`outbox entry ${kind}/${key}: payload is not JSON-serialisable`, { cause });
  }
}

/** `update` named an entry that does not exist. */
export class OutboxEntryNotFoundError extends RelayerError {
  override readonly name = "OutboxEntryNotFoundError";
  constructor(
    readonly kind: string,
    readonly key: string,
  ) {
    super(`outbox entry ${kind}/${key} does not exist`);
  }
}

/** The Store over any SqlClient: one schema, one set of queries, for PGlite and Postgres alike. */
export class SqlStore implements Store {
  private constructor(private readonly sql: SqlClient) {}

  /** Opens the store on `sql`, applying pending migrations first. */
  static async open(sql: SqlClient): Promise<SqlStore> {
    await migrate(sql);
    return new SqlStore(sql);
  }

  get backend(): string {
    return this.sql.backend;
  }

  async ping(): Promise<void> {
    await this.sql.query("select 1 as ok");
  }

  close(): Promise<void> {
    return this.sql.close();
  }

  // --- cursors ---

  async getCursor(key: StreamKey): Promise<BlockRef | null> {
    const rows = await this.sql.query(
      "select block_number, block_hash from zkvin_chain_cursors where chain_id = $1 and stream = $2",
      [key.chainId, key.stream],
    );
    const row = rows[0];
    return row ? { number: toBigInt(row.block_number), hash: row.block_hash as Hex } : null;
  }

  async getTail(key: StreamKey): Promise<BlockRef[]> {
    const rows = await this.sql.query(
      `select block_number, block_hash from zkvin_chain_blocks
       where chain_id = $1 and stream = $2 order by block_number desc`,
      [key.chainId, key.stream],
    );
    return rows.map((r) => ({ number: toBigInt(r.block_number), hash: r.block_hash as Hex }));
  }

  async advanceCursor(key: StreamKey, update: { to: BlockRef; blocks: BlockRef[]; keepFrom: bigint }): Promise<void> {
    await this.sql.transaction(async (tx) => {
      await setCursor(tx, key, update.to);
      for (const block of update.blocks) {
        await tx.query(
          `insert into zkvin_chain_blocks (chain_id, stream, block_number, block_hash) values ($1, $2, $3, $4)
           on conflict (chain_id, stream, block_number) do update set block_hash = excluded.block_hash`,
          [key.chainId, key.stream, block.number.toString(), block.hash],
        );
      }
      await tx.query("delete from zkvin_chain_blocks where chain_id = $1 and stream = $2 and block_number < $3", [
        key.chainId,
        key.stream,
        update.keepFrom.toString(),
      ]);
    });
  }

  async rewindCursor(key: StreamKey, to: BlockRef | null): Promise<void> {
    await this.sql.transaction(async (tx) => {
      if (to === null) {
        await tx.query("delete from zkvin_chain_cursors where chain_id = $1 and stream = $2", [
          key.chainId,
          key.stream,
        ]);
        await tx.query("delete from zkvin_chain_blocks where chain_id = $1 and stream = $2", [key.chainId, key.stream]);
        return;
      }
      await setCursor(tx, key, to);
      await tx.query("delete from zkvin_chain_blocks where chain_id = $1 and stream = $2 and block_number > $3", [
        key.chainId,
        key.stream,
        to.number.toString(),
      ]);
    });
  }

  async listCursors(): Promise<Array<StreamKey & BlockRef>> {
    const rows = await this.sql.query(
      "select chain_id, stream, block_number, block_hash from zkvin_chain_cursors order by chain_id, stream",
    );
    return rows.map((r) => ({
      chainId: toNumber(r.chain_id),
      stream: r.stream as string,
      number: toBigInt(r.block_number),
      hash: r.block_hash as Hex,
    }));
  }

  // --- outbox ---

  async enqueue(entries: NewOutboxEntry[]): Promise<number> {
    if (entries.length === 0) return 0;
    const now = Date.now();
    return this.sql.transaction(async (tx) => {
      let written = 0;
      for (const e of entries) {
        let payload: string;
        try {
          payload = JSON.stringify(e.payload);
        } catch (error) {
          throw new OutboxPayloadError(e.kind, e.key, error);
        }
        const rows = await tx.query(
          `insert into zkvin_outbox (kind, key, status, step, outcome, payload, attempts, last_error, pending_tx,
             not_before, source_chain_id, source_block, source_log_index, created_at, updated_at)
           values ($1, $2, $3, $4, $5, $6::jsonb, 0, $7, null, 0, $8, $9, $10, $11, $11)
           on conflict (kind, key) do update set
             status = excluded.status, step = excluded.step, outcome = excluded.outcome, payload = excluded.payload,
             attempts = 0, last_error = excluded.last_error, pending_tx = null, not_before = 0,
             source_chain_id = excluded.source_chain_id, source_block = excluded.source_block,
             source_log_index = excluded.source_log_index, updated_at = excluded.updated_at
           where zkvin_outbox.outcome = 'reorged'
           returning key`,
          [
            e.kind,
            e.key,
            e.status ?? "pending",
            e.step ?? "new",
            e.outcome ?? null,
            payload,
            e.lastError ?? null,
            e.sourceChainId,
            e.sourceBlock.toString(),
            e.sourceLogIndex,
            now,
          ],
        );
        written += rows.length;
      }
      return written;
    });
  }

  async get<P = unknown>(kind: string, key: string): Promise<OutboxEntry<P> | null> {
    const rows = await this.sql.query("select * from zkvin_outbox where kind = $1 and key = $2", [kind, key]);
    return rows[0] ? toEntry<P>(rows[0]) : null;
  }

  async due<P = unknown>(kind: string, options: { now: number; limit: number }): Promise<OutboxEntry<P>[]> {
    const rows = await this.sql.query(
      `select * from zkvin_outbox where kind = $1 and status = 'pending' and not_before <= $2
       order by source_chain_id, source_block, source_log_index limit $3`,
      [kind, options.now, options.limit],
    );
    return rows.map((r) => toEntry<P>(r));
  }

  async update(kind: string, key: string, update: OutboxUpdate): Promise<void> {
    await updateEntry(this.sql, kind, key, update);
  }

  async updateMany(kind: string, keys: readonly string[], update: OutboxUpdate): Promise<void> {
    if (keys.length === 0) return;
    await this.sql.transaction(async (tx) => {
      for (const key of keys) await updateEntry(tx, kind, key, update);
    });
  }

  async retractAfter(options: {
    kind: string;
    sourceChainId: number;
    block: bigint;
    initialStep: string;
  }): Promise<number> {
    return this.sql.transaction(async (tx) => {
      const params = [options.kind, options.sourceChainId, options.block.toString()];
      const deleted = await tx.query(
        `delete from zkvin_outbox where kind = $1 and source_chain_id = $2 and source_block > $3
         and status = 'pending' and step = $4 and pending_tx is null returning key`,
        [...params, options.initialStep],
      );
      const failed = await tx.query(
        `update zkvin_outbox set status = 'failed', outcome = 'reorged', updated_at = $4,
           last_error = 'the source block was replaced by a reorg after work on this entry had started'
         where kind = $1 and source_chain_id = $2 and source_block > $3 and status = 'pending' returning key`,
        [...params, Date.now()],
      );
      return deleted.length + failed.length;
    });
  }

  async countByStatus(
    kind?: string,
  ): Promise<Array<{ kind: string; status: OutboxStatus; outcome: string | null; count: number }>> {
    const rows = await this.sql.query(
      `select kind, status, outcome, count(*) as n from zkvin_outbox
       where ($1::text is null or kind = $1) group by kind, status, outcome order by kind, status, outcome`,
      [kind ?? null],
    );
    return rows.map((r) => ({
      kind: r.kind as string,
      status: r.status as OutboxStatus,
      outcome: (r.outcome as string | null) ?? null,
      count: toNumber(r.n),
    }));
  }

  async list<P = unknown>(options: { kind: string; status?: OutboxStatus; limit: number }): Promise<OutboxEntry<P>[]> {
    const rows = await this.sql.query(
      `select * from zkvin_outbox where kind = $1 and ($2::text is null or status = $2)
       order by source_chain_id, source_block, source_log_index limit $3`,
      [options.kind, options.status ?? null, options.limit],
    );
    return rows.map((r) => toEntry<P>(r));
  }
}

async function updateEntry(sql: SqlExecutor, kind: string, key: string, update: OutboxUpdate): Promise<void> {
  const sets: string[] = [];
  const params: unknown[] = [kind, key];
  const set = (column: string, value: unknown) => {
    params.push(value);
    sets.push(`${column} = $${params.length}`);
  };
  if (update.status !== undefined) set("status", update.status);
  if (update.step !== undefined) set("step", update.step);
  if (update.outcome !== undefined) set("outcome", update.outcome);
  if (update.attempts !== undefined) set("attempts", update.attempts);
  if (update.lastError !== undefined) set("last_error", update.lastError);
  if (update.pendingTx !== undefined) set("pending_tx", update.pendingTx);
  if (update.notBefore !== undefined) set("not_before", update.notBefore);
  set("updated_at", Date.now());
  const rows = await sql.query(
    `update zkvin_outbox set ${sets.join(", ")} where kind = $1 and key = $2 returning key`,
    params,
  );
  if (rows.length === 0) throw new OutboxEntryNotFoundError(kind, key);
}

async function setCursor(tx: SqlExecutor, key: StreamKey, to: BlockRef): Promise<void> {
  await tx.query(
    `insert into zkvin_chain_cursors (chain_id, stream, block_number, block_hash, updated_at)
     values ($1, $2, $3, $4, now())
     on conflict (chain_id, stream) do update set
       block_number = excluded.block_number, block_hash = excluded.block_hash, updated_at = now()`,
    [key.chainId, key.stream, to.number.toString(), to.hash],
  );
}

function toEntry<P>(r: Record<string, unknown>): OutboxEntry<P> {
  const payload = typeof r.payload === "string" ? JSON.parse(r.payload) : r.payload;
  return {
    kind: r.kind as string,
    key: r.key as string,
    status: r.status as OutboxStatus,
    step: r.step as string,
    outcome: (r.outcome as string | null) ?? null,
    payload: payload as P,
    attempts: toNumber(r.attempts),
    lastError: (r.last_error as string | null) ?? null,
    pendingTx: (r.pending_tx as Hex | null) ?? null,
    notBefore: toNumber(r.not_before),
    sourceChainId: toNumber(r.source_chain_id),
    sourceBlock: toBigInt(r.source_block),
    sourceLogIndex: toNumber(r.source_log_index),
    createdAt: toNumber(r.created_at),
    updatedAt: toNumber(r.updated_at),
  };
}
