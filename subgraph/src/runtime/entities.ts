// Entity classes for the local runtime, built at start-up from schema.graphql: the same API graph-cli's
// codegen writes for AssemblyScript (`new Model(id)`, `Model.load(id)`, a property per field, `save()`),
// over a synchronous entity store.
import type { EntityDef, SchemaModel } from "../schema/model.js";
import { MappingAbort, UnsupportedInLocalRuntime } from "./graph-ts/abort.js";
import { type EntityRecord, fromPlain, toPlain } from "./values.js";

/** What entity classes need from the store. `get` may throw EntityMiss (see EntityCache). */
export interface SyncEntityStore {
  get(entity: string, id: string): EntityRecord | null;
  set(entity: string, id: string, record: EntityRecord): void;
  remove(entity: string, id: string): void;
}

/** The instance side of a generated entity class. */
export interface EntityInstance {
  readonly _entity: string;
  _record: EntityRecord;
  save(): void;
  [field: string]: unknown;
}

export interface EntityClass {
  new (id: string): EntityInstance;
  load(id: string): EntityInstance | null;
  loadInBlock(id: string): EntityInstance | null;
}

function defineEntityClass(def: EntityDef, store: SyncEntityStore): EntityClass {
  const name = def.name;
  class Entity {
    readonly _entity = name;
    _record: EntityRecord;

    constructor(id: string) {
      if (typeof id !== "string") throw new MappingAbort(`${name}: id must be a string, got ${typeof id}`);
      this._record = { id };
    }

    save(): void {
      const id = this._record.id;
      if (typeof id !== "string") throw new MappingAbort(`${name}: cannot save an entity without an id`);
      store.set(name, id, { ...this._record });
    }

    static load(id: string): Entity | null {
      const record = store.get(name, id);
      if (!record) return null;
      const e = new Entity(id);
      e._record = { ...record };
      return e;
    }

    static loadInBlock(_id: string): Entity | null {
      throw new UnsupportedInLocalRuntime(`${name}.loadInBlock`);
    }
  }
  for (const f of def.fields) {
    const descriptor: PropertyDescriptor = f.derivedFrom
      ? {
          get() {
            throw new UnsupportedInLocalRuntime(`loading the derived field ${name}.${f.name} in a mapping`);
          },
        }
      : {
          get(this: Entity) {
            return fromPlain(name, f, this._record[f.name]);
          },
          set(this: Entity, value: unknown) {
            this._record[f.name] = toPlain(name, f, value);
          },
        };
    Object.defineProperty(Entity.prototype, f.name, { ...descriptor, enumerable: true, configurable: false });
  }
  Object.defineProperty(Entity, "name", { value: name });
  return Entity as unknown as EntityClass;
}

/** One class per entity type of the schema, keyed by type name (what `../generated/schema` exports). */
export function createEntityClasses(model: SchemaModel, store: SyncEntityStore): Record<string, EntityClass> {
  const classes: Record<string, EntityClass> = {};
  for (const def of model.entities.values()) classes[def.name] = defineEntityClass(def, store);
  return classes;
}
