// The entity store mappings see while the local runtime applies a block. Mappings are synchronous (as
// they are in WebAssembly) but the database is not, so a handler runs against this cache: reading or
// writing an entity the cache does not know throws EntityMiss, the runner discards what the attempt
// wrote, fetches the entity, and runs the handler again. Handlers are deterministic functions of the
// event and the store, so the replay ends the same way a single run with a synchronous store would.
import { entityDef, type SchemaModel, storedFields } from "../schema/model.js";
import { type EntityRecord, MappingAbort, type PlainValue } from "./values.js";
import type { HostStore } from "./wasm/host.js";

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

/**
 * The cache does not know which entities reference this one through a derived field; the runner loads
 * them (`field` of `entity` pointing at `id`) and replays the handler.
 */
export class RelatedMiss extends Error {
  override readonly name = "RelatedMiss";
  constructor(
    readonly entity: string,
    readonly field: string,
    readonly list: boolean,
    readonly id: string,
  ) {
    super(`entities ${entity} with ${field} = ${id} are not cached`);
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

const copy = (r: EntityRecord | null): EntityRecord | null => (r === null ? null : { ...r });

function sameValue(a: PlainValue | undefined, b: PlainValue | undefined): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

export function sameRecord(a: EntityRecord | null, b: EntityRecord | null): boolean {
  if (a === null || b === null) return a === b;
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  for (const k of keys) if (!sameValue(a[k], b[k])) return false;
  return true;
}

export class EntityCache implements HostStore {
  private readonly committed = new Map<string, EntityRecord | null>();
  private overlay: Map<string, EntityRecord | null> | null = null;
  private readonly blockChanges = new Map<string, { entity: string; id: string; before: EntityRecord | null }>();
  private readonly relatedLoaded = new Set<string>();

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

  /**
   * Records the entities the database holds whose `field` references `id` (RelatedMiss); versions the
   * cache already has (changed earlier in the batch) are newer and are kept.
   */
  provideRelated(miss: RelatedMiss, records: readonly EntityRecord[]): void {
    for (const r of records) {
      const key = keyOf(miss.entity, String(r.id));
      if (!this.committed.has(key)) this.committed.set(key, r);
    }
    this.relatedLoaded.add(keyOf(`${miss.entity}.${miss.field}`, miss.id));
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
    this.relatedLoaded.clear();
    this.overlay = null;
  }

  get(entity: string, id: string): EntityRecord | null {
    const record = this.lookup(entity, id);
    return record ? { ...record } : null;
  }

  /** The entity as the current block left it, or null when the block has not written it (get_in_block). */
  getInBlock(entity: string, id: string): EntityRecord | null {
    entityDef(this.model, entity);
    const key = keyOf(entity, id);
    const overlay = this.requireOverlay();
    if (overlay.has(key)) return copy(overlay.get(key) ?? null);
    if (this.blockChanges.has(key)) return copy(this.committed.get(key) ?? null);
    return null;
  }

  /** The entities whose reference `derivedFrom` points at `entity` `id`, for its derived `field`. */
  related(entity: string, id: string, field: string): EntityRecord[] {
    const f = entityDef(this.model, entity).fields.find((x) => x.name === field);
    if (!f?.derivedFrom || f.type.kind !== "entity")
      throw new MappingAbort(`${entity}.${field} is not a derived field`);
    const target = f.type.entityName;
    const back = entityDef(this.model, target).fields.find((x) => x.name === f.derivedFrom);
    if (!this.relatedLoaded.has(keyOf(`${target}.${f.derivedFrom}`, id))) {
      throw new RelatedMiss(target, f.derivedFrom, back?.list ?? false, id);
    }
    const found = new Map<string, EntityRecord>();
    const prefix = `${target}${SEP}`;
    const consider = (key: string, record: EntityRecord | null) => {
      if (!key.startsWith(prefix)) return;
      found.delete(key);
      const v = record?.[f.derivedFrom as string];
      if (record && (v === id || (Array.isArray(v) && v.includes(id)))) found.set(key, record);
    };
    for (const [key, record] of this.committed) consider(key, record);
    for (const [key, record] of this.requireOverlay()) consider(key, record);
    return [...found.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, r]) => ({ ...r }));
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
