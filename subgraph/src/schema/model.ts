// The subgraph's schema.graphql as a small typed model: entity types, their fields, enums. The local
// runtime (entity classes), the SQL store (tables) and the GraphQL API (query fields, filters) are all
// derived from it, so they cannot drift from the schema graph-node serves.
import {
  type DocumentNode,
  type FieldDefinitionNode,
  Kind,
  parse,
  type TypeNode,
  type ValueNode,
} from "../graphql-js.js";

/**
 * The scalars of The Graph's schema language that the local runtime supports. BigDecimal, Int8 and
 * Timestamp are left out on purpose (the schema does not use them; see subgraph/README.md).
 */
export type ScalarName = "ID" | "String" | "Bytes" | "BigInt" | "Int" | "Boolean";
const SCALARS: ReadonlySet<string> = new Set<ScalarName>(["ID", "String", "Bytes", "BigInt", "Int", "Boolean"]);
const UNSUPPORTED_SCALARS: ReadonlySet<string> = new Set(["BigDecimal", "Int8", "Timestamp"]);

export type FieldKind =
  | { kind: "scalar"; scalar: ScalarName }
  | { kind: "enum"; enumName: string }
  | { kind: "entity"; entityName: string };

export interface FieldDef {
  name: string;
  type: FieldKind;
  /** `[T!]!` and friends. Nested lists are not supported. */
  list: boolean;
  nonNull: boolean;
  /** For lists: whether the items are non-null. */
  itemNonNull: boolean;
  /** `@derivedFrom(field: ...)`: not stored; resolved from the other side's reference. */
  derivedFrom: string | null;
  description: string | null;
}

export interface EntityDef {
  name: string;
  immutable: boolean;
  /** Every field, id first, in schema order. */
  fields: FieldDef[];
  description: string | null;
}

export interface SchemaModel {
  /** The schema text as given (the GraphQL API re-serves its types verbatim). */
  source: string;
  entities: Map<string, EntityDef>;
  enums: Map<string, string[]>;
}

/** The schema uses something the local runtime does not implement, or is inconsistent. */
export class SchemaModelError extends Error {
  override readonly name = "SchemaModelError";
  constructor(
    readonly where: string,
    message: string,
  ) {
    super(`schema.graphql ${where}: ${message}`);
  }
}

export function parseSchemaModel(source: string): SchemaModel {
  const doc: DocumentNode = parse(source);
  const entities = new Map<string, EntityDef>();
  const enums = new Map<string, string[]>();
  const objectNodes = [];
  for (const def of doc.definitions) {
    if (def.kind === Kind.ENUM_TYPE_DEFINITION) {
      enums.set(
        def.name.value,
        (def.values ?? []).map((v) => v.name.value),
      );
    } else if (def.kind === Kind.OBJECT_TYPE_DEFINITION) {
      objectNodes.push(def);
    } else {
      throw new SchemaModelError(`definition ${def.kind}`, "only entity object types and enums are supported");
    }
  }
  const entityNames = new Set(objectNodes.map((n) => n.name.value));
  for (const node of objectNodes) {
    const name = node.name.value;
    const directive = node.directives?.find((d) => d.name.value === "entity");
    if (!directive) throw new SchemaModelError(name, "object types must carry @entity");
    const immutableArg = directive.arguments?.find((a) => a.name.value === "immutable");
    const fields = (node.fields ?? []).map((f) => fieldDef(name, f, { entityNames, enums }));
    const id = fields.find((f) => f.name === "id");
    if (id?.type.kind !== "scalar" || (id.type.scalar !== "ID" && id.type.scalar !== "String") || !id.nonNull) {
      throw new SchemaModelError(name, "needs `id: ID!` (Bytes ids are not supported)");
    }
    entities.set(name, {
      name,
      immutable: immutableArg ? booleanValue(immutableArg.value, `${name} @entity(immutable)`) : false,
      fields: [id, ...fields.filter((f) => f !== id)],
      description: node.description?.value ?? null,
    });
  }
  const model = { source, entities, enums };
  checkDerivedFields(model);
  return model;
}

function booleanValue(v: ValueNode, where: string): boolean {
  if (v.kind !== Kind.BOOLEAN) throw new SchemaModelError(where, "expected a boolean");
  return v.value;
}

function fieldDef(
  entity: string,
  f: FieldDefinitionNode,
  names: { entityNames: Set<string>; enums: Map<string, string[]> },
): FieldDef {
  const where = `${entity}.${f.name.value}`;
  let t: TypeNode = f.type;
  const nonNull = t.kind === Kind.NON_NULL_TYPE;
  if (t.kind === Kind.NON_NULL_TYPE) t = t.type;
  let list = false;
  let itemNonNull = false;
  if (t.kind === Kind.LIST_TYPE) {
    list = true;
    t = t.type;
    itemNonNull = t.kind === Kind.NON_NULL_TYPE;
    if (t.kind === Kind.NON_NULL_TYPE) t = t.type;
    if (t.kind !== Kind.NAMED_TYPE) throw new SchemaModelError(where, "nested lists are not supported");
  }
  if (t.kind !== Kind.NAMED_TYPE) throw new SchemaModelError(where, "unexpected type");
  const typeName = t.name.value;
  if (UNSUPPORTED_SCALARS.has(typeName)) throw new SchemaModelError(where, `${typeName} is not supported locally`);
  let type: FieldKind;
  if (SCALARS.has(typeName)) type = { kind: "scalar", scalar: typeName as ScalarName };
  else if (names.enums.has(typeName)) type = { kind: "enum", enumName: typeName };
  else if (names.entityNames.has(typeName)) type = { kind: "entity", entityName: typeName };
  else throw new SchemaModelError(where, `unknown type ${typeName}`);
  const derived = f.directives?.find((d) => d.name.value === "derivedFrom");
  let derivedFrom: string | null = null;
  if (derived) {
    const arg = derived.arguments?.find((a) => a.name.value === "field");
    if (!arg || arg.value.kind !== Kind.STRING) throw new SchemaModelError(where, "@derivedFrom needs field: String");
    if (type.kind !== "entity") throw new SchemaModelError(where, "@derivedFrom only on entity-typed fields");
    derivedFrom = arg.value.value;
  }
  return {
    name: f.name.value,
    type,
    list,
    nonNull,
    itemNonNull,
    derivedFrom,
    description: f.description?.value ?? null,
  };
}

function checkDerivedFields(model: SchemaModel): void {
  for (const entity of model.entities.values()) {
    for (const f of entity.fields) {
      if (!f.derivedFrom || f.type.kind !== "entity") continue;
      const target = model.entities.get(f.type.entityName);
      const back = target?.fields.find((g) => g.name === f.derivedFrom);
      if (!back || back.derivedFrom || back.type.kind !== "entity" || back.type.entityName !== entity.name) {
        throw new SchemaModelError(
          `${entity.name}.${f.name}`,
          `@derivedFrom(field: "${f.derivedFrom}") must name a stored ${entity.name} reference on ${f.type.entityName}`,
        );
      }
    }
  }
}

/** Fields that have a column: everything but @derivedFrom fields. */
export function storedFields(entity: EntityDef): FieldDef[] {
  return entity.fields.filter((f) => f.derivedFrom === null);
}

/** The entity, or an error naming the ones there are. */
export function entityDef(model: SchemaModel, name: string): EntityDef {
  const e = model.entities.get(name);
  if (!e) throw new SchemaModelError(name, `no entity type ${name} (types: ${[...model.entities.keys()].join(", ")})`);
  return e;
}
