// The entity store mappings see while the local runtime applies a block. Mappings are synchronous (as
// they are in WebAssembly) but the database is not, so a handler runs against this cache: reading or
// writing an entity the cache does not know throws EntityMiss, the runner discards what the attempt
// wrote, fetches the entity, and runs the handler again. Handlers are deterministic functions of the
// event and the store, so the replay ends the same way a single run with a synchronous store would.
import { entityDef, type SchemaModel, storedFields } from "../schema/model.js";
import type { SyncEntityStore } from "./entities.js";
import { MappingAbort } from "./graph-ts/abort.js";
import type { EntityRecord, PlainValue } from "./values.js";

/** The cache does not know this entity yet; the runner fetches it and replays the handler. */
export class EntityMiss extends Error {
  override readonly name = "EntityMiss";
  constructor(
    readonly entity: string,
    readonly id: string,
  ) {
    super(`entity ${entity}[${id}] is not cached`);
  }
}

/** One entity changed by a block: its record before the block and after it (null: absent). */
export interface EntityChange {
  entity: string;
  id: string;
  before: EntityRecord | null;
  after: EntityRecord | null;
}

const SEP = "\u0000";
const keyOf = (entity: string, id: string) => `${entity}${SEP}${id}`;

function sameValue(a: PlainValue | undefined, b: PlainValue | undefined): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

export function sameRecord(a: EntityRecord | null, b: EntityRecord | null): boolean {
  if (a === null || b === null) return a === b;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) if (!sameValue(a[k], b[k])) return false;
  return true;
}

export class EntityCache implements SyncEntityStore {
  private readonly committed = new Map<string, EntityRecord | null>();
  private overlay: Map<string, EntityRecord | null> | null = null;
  private readonly blockChanges = new Map<string, { entity: string; id: string; before: EntityRecord | null }>();

  constructor(private readonly model: SchemaModel) {}

  /** Starts a handler attempt: its writes stay apart until commitAttempt. */
  beginAttempt(): void {
    this.overlay = new Map();
  }

  commitAttempt(): void {
    const overlay = this.requireOverlay();
    for (const [key, record] of overlay) {
      if (!this.blockChanges.has(key)) {
        const [entity = "", id = ""] = key.split(SEP);
        this.blockChanges.set(key, { entity, id, before: this.committed.get(key) ?? null });
      }
      this.committed.set(key, record);
    }
    this.overlay = null;
  }

  rollbackAttempt(): void {
    this.overlay = null;
  }

  /** Records what the database holds for an entity (null: nothing). */
  provide(entity: string, id: string, record: EntityRecord | null): void {
    this.committed.set(keyOf(entity, id), record);
  }

  /** The entities the block changed (writes that ended where they started are dropped); resets the list. */
  takeBlockChanges(): EntityChange[] {
    const changes: EntityChange[] = [];
    for (const [key, { entity, id, before }] of this.blockChanges) {
      const after = this.committed.get(key) ?? null;
      if (!sameRecord(before, after)) changes.push({ entity, id, before, after });
    }
    this.blockChanges.clear();
    return changes;
  }

  /** Forgets everything (after a rewind, or to bound memory between batches). */
  clear(): void {
    this.committed.clear();
    this.blockChanges.clear();
    this.overlay = null;
  }

  get(entity: string, id: string): EntityRecord | null {
    const record = this.lookup(entity, id);
    return record ? { ...record } : null;
  }

  set(entity: string, id: string, record: EntityRecord): void {
    const def = entityDef(this.model, entity);
    const current = this.lookup(entity, id);
    // graph-node merges a saved entity into the stored one; fields set to null are removed.
    const merged: EntityRecord = { ...(current ?? {}), ...record };
    for (const [k, v] of Object.entries(merged)) if (v === null) delete merged[k];
    if (merged.id !== id) throw new MappingAbort(`${entity}[${id}]: the record's id is ${String(merged.id)}`);
    const fields = new Map(storedFields(def).map((f) => [f.name, f]));
    for (const k of Object.keys(merged)) {
      if (!fields.has(k)) throw new MappingAbort(`${entity}[${id}]: ${k} is not a stored field of ${entity}`);
    }
    for (const f of fields.values()) {
      const v = merged[f.name];
      if (f.nonNull && (v === undefined || v === null)) {
        throw new MappingAbort(`Entity ${entity}[${id}]: missing value for non-nullable field \`${f.name}\``);
      }
      if (f.list && f.itemNonNull && Array.isArray(v) && v.some((item) => item === null)) {
        throw new MappingAbort(`Entity ${entity}[${id}]: field \`${f.name}\` holds a null item`);
      }
    }
    if (def.immutable && current !== null && !sameRecord(current, merged)) {
      throw new MappingAbort(`Entity ${entity}[${id}] is immutable and cannot be changed`);
    }
    this.requireOverlay().set(keyOf(entity, id), merged);
  }

  remove(entity: string, id: string): void {
    entityDef(this.model, entity);
    this.lookup(entity, id);
    this.requireOverlay().set(keyOf(entity, id), null);
  }

  private lookup(entity: string, id: string): EntityRecord | null {
    const key = keyOf(entity, id);
    const overlay = this.requireOverlay();
    if (overlay.has(key)) return overlay.get(key) ?? null;
    if (this.committed.has(key)) return this.committed.get(key) ?? null;
    throw new EntityMiss(entity, id);
  }

  private requireOverlay(): Map<string, EntityRecord | null> {
    if (!this.overlay) throw new MappingAbort("the store is only available inside an event handler");
    return this.overlay;
  }
}
