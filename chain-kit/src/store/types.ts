import type { Hex } from "viem";

/** A block as the store remembers it: enough to notice that the chain replaced it. */
export interface BlockRef {
  number: bigint;
  hash: Hex;
}

/** One log stream of one chain (e.g. chain 31337, stream "layerzero:packets"). */
export interface StreamKey {
  chainId: number;
  stream: string;
}

/**
 * What a chain watcher persists: the last processed block of each stream and the hashes of the
 * processed tail, so a restart resumes where it stopped and a reorg is noticed and rolled back.
 */
export interface CursorStore {
  /** The last block whose logs were handled, or null before the first batch. */
  getCursor(key: StreamKey): Promise<BlockRef | null>;
  /** Remembered blocks of the processed tail, newest first. */
  getTail(key: StreamKey): Promise<BlockRef[]>;
  /**
   * Atomically moves the cursor to `to`, remembers `blocks` (which include `to`) and forgets
   * remembered blocks older than `keepFrom`.
   */
  advanceCursor(key: StreamKey, update: { to: BlockRef; blocks: BlockRef[]; keepFrom: bigint }): Promise<void>;
  /** Atomically moves the cursor back to `to` (null: before the first block) and forgets blocks after it. */
  rewindCursor(key: StreamKey, to: BlockRef | null): Promise<void>;
}

/**
 * Lifecycle of an outbox entry. `pending`: work remains; `done`: finished as intended; `failed`:
 * finished without success and needs an operator (the `outcome` says why). Neither final state is
 * retried automatically.
 */
export type OutboxStatus = "pending" | "done" | "failed";

/** One unit of outgoing work (a packet to deliver, a fulfilment to submit), keyed by (kind, key). */
export interface OutboxEntry<P = unknown> {
  kind: string;
  key: string;
  status: OutboxStatus;
  /** The last step completed on-chain (kind-specific, e.g. "verified"). */
  step: string;
  /** Why the entry is final (e.g. "delivered", "alerted"); null while pending. */
  outcome: string | null;
  payload: P;
  attempts: number;
  lastError: string | null;
  /** A signed transaction that may be in flight: written before broadcast, cleared once settled. */
  pendingTx: Hex | null;
  /** Earliest time (ms since epoch) the entry should be worked on again. */
  notBefore: number;
  sourceChainId: number;
  sourceBlock: bigint;
  sourceLogIndex: number;
  createdAt: number;
  updatedAt: number;
}

export type NewOutboxEntry<P = unknown> = Pick<
  OutboxEntry<P>,
  "kind" | "key" | "payload" | "sourceChainId" | "sourceBlock" | "sourceLogIndex"
> & { status?: OutboxStatus; step?: string; outcome?: string | null; lastError?: string | null };

export interface OutboxUpdate {
  status?: OutboxStatus;
  step?: string;
  outcome?: string | null;
  attempts?: number;
  lastError?: string | null;
  pendingTx?: Hex | null;
  notBefore?: number;
}

/**
 * Durable record of outgoing work, so that a restart never repeats finished work and never forgets
 * discovered work. Producers `enqueue` (idempotent by key); workers `due` / `update`.
 */
export interface Outbox {
  /**
   * Inserts entries whose (kind, key) is new; existing ones are left as they are, except entries
   * marked `reorged` by `retractAfter`, which come back to life as pending. Returns how many were
   * inserted or revived.
   */
  enqueue(entries: NewOutboxEntry[]): Promise<number>;
  get<P = unknown>(kind: string, key: string): Promise<OutboxEntry<P> | null>;
  /** Pending entries of `kind` whose `notBefore` has passed, in source order (chain, block, log index). */
  due<P = unknown>(kind: string, options: { now: number; limit: number }): Promise<OutboxEntry<P>[]>;
  update(kind: string, key: string, update: OutboxUpdate): Promise<void>;
  /** Applies one update to several entries atomically (all or none); OutboxEntryNotFoundError names a missing key. */
  updateMany(kind: string, keys: readonly string[], update: OutboxUpdate): Promise<void>;
  /**
   * Called when a source chain's blocks after `block` were replaced: pending entries from them that
   * have not touched any chain yet (step `initialStep`) are deleted (the watcher will rediscover what
   * still exists); pending entries that already made progress become failed with outcome `reorged`.
   * Returns the number of entries affected.
   */
  retractAfter(options: { kind: string; sourceChainId: number; block: bigint; initialStep: string }): Promise<number>;
  countByStatus(
    kind?: string,
  ): Promise<Array<{ kind: string; status: OutboxStatus; outcome: string | null; count: number }>>;
  list<P = unknown>(options: { kind: string; status?: OutboxStatus; limit: number }): Promise<OutboxEntry<P>[]>;
}

/** Every persistent thing the relayer keeps, behind one interface (PGlite or Postgres). */
export interface Store extends CursorStore, Outbox {
  /** "pglite" or "postgres". */
  readonly backend: string;
  /** Round-trips to the database; throws when it cannot. */
  ping(): Promise<void>;
  listCursors(): Promise<Array<StreamKey & BlockRef>>;
  close(): Promise<void>;
}
