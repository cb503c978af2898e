// The GraphQL API graph-node generates from a subgraph schema, generated the same way here: per entity
// `entity(id)` and `entities(skip, first, orderBy, orderDirection, where, block, subgraphError)`, an
// `<Entity>_filter` input with graph-node's operator suffixes (`_not`, `_gt`, `_in`, `_contains_nocase`,
// ...), nested `<field>_` filters, `and`/`or`, an `<Entity>_orderBy` enum with `<ref>__<field>` child
// sorting, arguments on list fields, and `_meta`. Queries written against a hosted subgraph run here.
import type { EntityDef, FieldDef, SchemaModel } from "../schema/model.js";
import { pluralField, singularField } from "./naming.js";

export const DEFAULT_FIRST = 100;
export const MAX_FIRST = 1000;
export const MAX_SKIP = 5000;

const PRELUDE = `
scalar BigInt
scalar BigDecimal
scalar Bytes
scalar Int8
scalar Timestamp

enum OrderDirection {
  asc
  desc
}

input Block_height {
  hash: Bytes
  number: Int
  number_gte: Int
}

input BlockChangedFilter {
  number_gte: Int!
}

type _Block_ {
  hash: Bytes
  number: Int!
  timestamp: Int
  parentHash: Bytes
}

type _Meta_ {
  block: _Block_!
  deployment: String!
  hasIndexingErrors: Boolean!
  """
  Local endpoint only (graph-node has one chain per subgraph and reports it in its index-node API):
  the indexing status of every chain of the deployment.
  """
  chains: [_ChainStatus_!]!
}

enum _Health_ {
  healthy
  unhealthy
  failed
}

type _ChainError_ {
  message: String!
  handler: String
  block: _Block_
  deterministic: Boolean!
}

type _ChainStatus_ {
  network: String!
  chainId: Int!
  "the data sources' start block"
  earliestBlock: Int!
  "the newest block whose logs the index holds"
  latestBlock: _Block_
  "the chain's head as its RPC reports it"
  chainHeadBlock: _Block_
  "the index holds every block the confirmations allow"
  synced: Boolean!
  health: _Health_!
  fatalError: _ChainError_
  reorgs: Int!
}

enum _SubgraphErrorPolicy_ {
  allow
  deny
}
`;

/** The operators graph-node offers for a field, by the suffix they add to its name. */
export type FilterOp =
  | ""
  | "not"
  | "gt"
  | "lt"
  | "gte"
  | "lte"
  | "in"
  | "not_in"
  | "contains"
  | "contains_nocase"
  | "not_contains"
  | "not_contains_nocase"
  | "starts_with"
  | "starts_with_nocase"
  | "not_starts_with"
  | "not_starts_with_nocase"
  | "ends_with"
  | "ends_with_nocase"
  | "not_ends_with"
  | "not_ends_with_nocase";

const ORDER_OPS: FilterOp[] = ["", "not", "gt", "lt", "gte", "lte", "in", "not_in"];
const STRING_OPS: FilterOp[] = [
  ...ORDER_OPS,
  "contains",
  "contains_nocase",
  "not_contains",
  "not_contains_nocase",
  "starts_with",
  "starts_with_nocase",
  "not_starts_with",
  "not_starts_with_nocase",
  "ends_with",
  "ends_with_nocase",
  "not_ends_with",
  "not_ends_with_nocase",
];
const LIST_OPS: FilterOp[] = ["", "not", "contains", "contains_nocase", "not_contains", "not_contains_nocase"];

/** The operators a stored field supports, as graph-node derives them from its type. */
export function filterOps(f: FieldDef): FilterOp[] {
  if (f.list) return LIST_OPS;
  if (f.type.kind === "enum") return ["", "not", "in", "not_in"];
  if (f.type.kind === "entity") return STRING_OPS;
  switch (f.type.scalar) {
    case "String":
      return STRING_OPS;
    case "Bytes":
      return [...ORDER_OPS, "contains", "not_contains"];
    case "Boolean":
      return ["", "not", "in", "not_in"];
    default:
      return ORDER_OPS;
  }
}

/** The GraphQL type name of a field's values in filters (references filter on the child's id). */
function filterScalar(f: FieldDef): string {
  if (f.type.kind === "entity") return "String";
  if (f.type.kind === "enum") return f.type.enumName;
  return f.type.scalar;
}

export function filterFieldName(field: string, op: FilterOp): string {
  return op === "" ? field : `${field}_${op}`;
}

function filterInput(entity: EntityDef): string {
  const lines: string[] = [];
  for (const f of entity.fields) {
    if (!f.derivedFrom) {
      const t = filterScalar(f);
      for (const op of filterOps(f)) {
        const many = f.list || op === "in" || op === "not_in";
        lines.push(`  ${filterFieldName(f.name, op)}: ${many ? `[${t}!]` : t}`);
      }
    }
    if (f.type.kind === "entity") lines.push(`  ${f.name}_: ${f.type.entityName}_filter`);
  }
  lines.push("  _change_block: BlockChangedFilter");
  lines.push(`  and: [${entity.name}_filter]`);
  lines.push(`  or: [${entity.name}_filter]`);
  return `input ${entity.name}_filter {\n${lines.join("\n")}\n}`;
}

/** `<ref>__<field>` values: single stored references sort by a scalar field of the child. */
export function childSortFields(
  model: SchemaModel,
  entity: EntityDef,
): Array<{ value: string; ref: FieldDef; child: FieldDef }> {
  const out: Array<{ value: string; ref: FieldDef; child: FieldDef }> = [];
  for (const ref of entity.fields) {
    if (ref.type.kind !== "entity" || ref.list || ref.derivedFrom) continue;
    const target = model.entities.get(ref.type.entityName);
    for (const child of target?.fields ?? []) {
      if (child.list || child.derivedFrom || child.type.kind === "entity") continue;
      out.push({ value: `${ref.name}__${child.name}`, ref, child });
    }
  }
  return out;
}

function orderByEnum(model: SchemaModel, entity: EntityDef): string {
  const values = entity.fields.map((f) => f.name);
  for (const c of childSortFields(model, entity)) values.push(c.value);
  return `enum ${entity.name}_orderBy {\n${values.map((v) => `  ${v}`).join("\n")}\n}`;
}

function listArgs(entityName: string): string {
  return (
    `(skip: Int = 0, first: Int = ${DEFAULT_FIRST}, orderBy: ${entityName}_orderBy, ` +
    `orderDirection: OrderDirection, where: ${entityName}_filter)`
  );
}

function outputType(f: FieldDef): string {
  const base = f.type.kind === "scalar" ? f.type.scalar : f.type.kind === "enum" ? f.type.enumName : f.type.entityName;
  const item = f.list ? `[${base}${f.itemNonNull ? "!" : ""}]` : base;
  return `${item}${f.nonNull ? "!" : ""}`;
}

function describe(text: string | null, indent: string): string {
  return text ? `${indent}"""${text.replace(/"""/g, '\\"""')}"""\n` : "";
}

function entityType(entity: EntityDef): string {
  const fields = entity.fields.map((f) => {
    const args = f.type.kind === "entity" && f.list ? listArgs(f.type.entityName) : "";
    return `${describe(f.description, "  ")}  ${f.name}${args}: ${outputType(f)}`;
  });
  return `${describe(entity.description, "")}type ${entity.name} {\n${fields.join("\n")}\n}`;
}

function queryType(model: SchemaModel): string {
  const fields: string[] = [];
  for (const e of model.entities.values()) {
    fields.push(
      `  ${singularField(e.name)}(id: ID!, block: Block_height, subgraphError: _SubgraphErrorPolicy_! = deny): ${e.name}`,
    );
    fields.push(
      `  ${pluralField(e.name)}(skip: Int = 0, first: Int = ${DEFAULT_FIRST}, orderBy: ${e.name}_orderBy, ` +
        `orderDirection: OrderDirection, where: ${e.name}_filter, block: Block_height, ` +
        `subgraphError: _SubgraphErrorPolicy_! = deny): [${e.name}!]!`,
    );
  }
  fields.push("  _meta(block: Block_height): _Meta_");
  return `type Query {\n${fields.join("\n")}\n}`;
}

/** The API schema (SDL) for the entity schema. */
export function apiSchemaSdl(model: SchemaModel): string {
  const parts = [PRELUDE.trim()];
  for (const [name, values] of model.enums) parts.push(`enum ${name} {\n${values.map((v) => `  ${v}`).join("\n")}\n}`);
  for (const e of model.entities.values()) {
    parts.push(entityType(e), filterInput(e), orderByEnum(model, e));
  }
  parts.push(queryType(model));
  return `${parts.join("\n\n")}\n`;
}
