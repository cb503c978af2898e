// Translates graph-node query arguments (where, orderBy, orderDirection, first, skip) into one SQL
// query over the entity tables. Values are always bound parameters, never spliced into the text.
import type { EntityDef, FieldDef, SchemaModel } from "../schema/model.js";
import { quoteIdent, selectList, sqlType, tableName, versionsTableName } from "../store/entities.js";
import { DEFAULT_FIRST, type FilterOp, filterOps, MAX_FIRST, MAX_SKIP } from "./api-schema.js";

/** A query argument graph-node would refuse; the message goes back to the client. */
export class QueryArgumentError extends Error {
  override readonly name = "QueryArgumentError";
  constructor(
    readonly argument: string,
    readonly value: unknown,
    message: string,
  ) {
    super(message);
  }
}

export interface ListArgs {
  skip?: number | null;
  first?: number | null;
  orderBy?: string | null;
  orderDirection?: "asc" | "desc" | null;
  where?: Record<string, unknown> | null;
}

/** Restricts a list to the children of one parent (list fields of entities). */
export type ListScope =
  | { kind: "derived"; backField: FieldDef; parentId: string }
  | { kind: "ids"; ids: readonly string[] };

export interface SqlQuery {
  text: string;
  params: unknown[];
}

class Params {
  readonly values: unknown[] = [];
  add(value: unknown, cast: string): string {
    this.values.push(value);
    return `$${this.values.length}::${cast}`;
  }
}

const OPS_LONGEST_FIRST: FilterOp[] = [
  "not_starts_with_nocase",
  "not_ends_with_nocase",
  "not_contains_nocase",
  "starts_with_nocase",
  "ends_with_nocase",
  "not_starts_with",
  "contains_nocase",
  "not_ends_with",
  "not_contains",
  "starts_with",
  "ends_with",
  "contains",
  "not_in",
  "gte",
  "lte",
  "not",
  "gt",
  "lt",
  "in",
];

function scalarCast(f: FieldDef): string {
  return sqlType({ ...f, list: false });
}

function normalise(f: FieldDef, argument: string, v: unknown): unknown {
  if (f.type.kind === "scalar" && f.type.scalar === "Bytes") {
    if (typeof v !== "string" || !/^0x([0-9a-fA-F]{2})*$/.test(v)) {
      throw new QueryArgumentError(argument, v, `${argument}: ${JSON.stringify(v)} is not 0x-prefixed hex bytes`);
    }
    return v.toLowerCase();
  }
  if (f.type.kind === "scalar" && f.type.scalar === "BigInt") {
    const s = typeof v === "number" ? String(v) : v;
    if (typeof s !== "string" || !/^-?[0-9]+$/.test(s)) {
      throw new QueryArgumentError(argument, v, `${argument}: ${JSON.stringify(v)} is not a BigInt`);
    }
    return s;
  }
  return v;
}

interface Ctx {
  model: SchemaModel;
  params: Params;
  aliasCounter: { n: number };
  at?: BlockAt | undefined;
}

/**
 * A time-travel query's block: the hub chain's block `number` and its `timestamp`. An entity version is
 * visible when it began at or before that hub block, or, for versions written by another chain of the
 * deployment (spokes), at or before that timestamp; and its replacement is not visible.
 */
export interface BlockAt {
  hubChainId: number;
  number: bigint;
  timestamp: bigint;
}

/** The FROM source of an entity: its table, or its versions as they stood at `ctx.at`. */
function source(ctx: Ctx, entity: string): string {
  if (!ctx.at) return tableName(entity);
  const h = ctx.params.add(ctx.at.hubChainId, "bigint");
  const n = ctx.params.add(ctx.at.number.toString(), "bigint");
  const t = ctx.params.add(ctx.at.timestamp.toString(), "bigint");
  const began = `((_chain = ${h} and _block <= ${n}) or (_chain <> ${h} and _ts <= ${t}))`;
  const ended = `((_to_chain = ${h} and _to_block <= ${n}) or (_to_chain <> ${h} and _to_ts <= ${t}))`;
  return `(select * from ${versionsTableName(entity)} where ${began} and (_to_block is null or not ${ended}))`;
}

function nextAlias(ctx: Ctx): string {
  return `t${++ctx.aliasCounter.n}`;
}

function fieldOf(entity: EntityDef, name: string): FieldDef | undefined {
  return entity.fields.find((f) => f.name === name);
}

function splitKey(entity: EntityDef, key: string): { field: FieldDef; op: FilterOp } | null {
  const exact = fieldOf(entity, key);
  if (exact && !exact.derivedFrom) return { field: exact, op: "" };
  for (const op of OPS_LONGEST_FIRST) {
    if (!key.endsWith(`_${op}`)) continue;
    const field = fieldOf(entity, key.slice(0, -(op.length + 1)));
    if (field && !field.derivedFrom && filterOps(field).includes(op)) return { field, op };
  }
  return null;
}

function scalarCondition(ctx: Ctx, col: string, field: FieldDef, op: FilterOp, raw: unknown, argument: string): string {
  const cast = scalarCast(field);
  if (raw === null || raw === undefined) {
    if (op === "") return `${col} is null`;
    if (op === "not") return `${col} is not null`;
    throw new QueryArgumentError(argument, raw, `${argument}: null is only allowed with equality filters`);
  }
  if (op === "in" || op === "not_in") {
    if (!Array.isArray(raw)) throw new QueryArgumentError(argument, raw, `${argument}: expected a list`);
    const p = ctx.params.add(
      raw.map((v) => normalise(field, argument, v)),
      `${cast}[]`,
    );
    return op === "in" ? `${col} = any(${p})` : `not (${col} = any(${p}))`;
  }
  const v = normalise(field, argument, raw);
  const isBytes = field.type.kind === "scalar" && field.type.scalar === "Bytes";
  const p = ctx.params.add(v, cast);
  switch (op) {
    case "":
      return `${col} = ${p}`;
    case "not":
      return `${col} <> ${p}`;
    case "gt":
      return `${col} > ${p}`;
    case "lt":
      return `${col} < ${p}`;
    case "gte":
      return `${col} >= ${p}`;
    case "lte":
      return `${col} <= ${p}`;
    case "contains":
    case "not_contains": {
      const test = isBytes
        ? `position(decode(substr(${p}, 3), 'hex') in decode(substr(${col}, 3), 'hex')) > 0`
        : `position(${p} in ${col}) > 0`;
      return op === "contains" ? test : `not (${test})`;
    }
    case "contains_nocase":
      return `position(lower(${p}) in lower(${col})) > 0`;
    case "not_contains_nocase":
      return `not (position(lower(${p}) in lower(${col})) > 0)`;
    case "starts_with":
      return `starts_with(${col}, ${p})`;
    case "starts_with_nocase":
      return `starts_with(lower(${col}), lower(${p}))`;
    case "not_starts_with":
      return `not starts_with(${col}, ${p})`;
    case "not_starts_with_nocase":
      return `not starts_with(lower(${col}), lower(${p}))`;
    case "ends_with":
      return `right(${col}, length(${p})) = ${p}`;
    case "ends_with_nocase":
      return `lower(right(${col}, length(${p}))) = lower(${p})`;
    case "not_ends_with":
      return `right(${col}, length(${p})) <> ${p}`;
    case "not_ends_with_nocase":
      return `lower(right(${col}, length(${p}))) <> lower(${p})`;
  }
}

function listCondition(ctx: Ctx, col: string, field: FieldDef, op: FilterOp, raw: unknown, argument: string): string {
  if (raw === null || raw === undefined) {
    if (op === "") return `${col} is null`;
    if (op === "not") return `${col} is not null`;
    throw new QueryArgumentError(argument, raw, `${argument}: null is only allowed with equality filters`);
  }
  if (!Array.isArray(raw)) throw new QueryArgumentError(argument, raw, `${argument}: expected a list`);
  const values = raw.map((v) => normalise(field, argument, v));
  const cast = `${scalarCast(field)}[]`;
  const p = ctx.params.add(values, cast);
  const lowered = (expr: string) => `array(select lower(x::text) from unnest(${expr}) x)`;
  switch (op) {
    case "":
      return `${col} = ${p}`;
    case "not":
      return `${col} <> ${p}`;
    case "contains":
      return `${col} @> ${p}`;
    case "not_contains":
      return `not (${col} @> ${p})`;
    case "contains_nocase":
      return `${lowered(col)} @> ${lowered(p)}`;
    case "not_contains_nocase":
      return `not (${lowered(col)} @> ${lowered(p)})`;
    default:
      throw new QueryArgumentError(argument, raw, `${argument}: not a list filter`);
  }
}

function nestedCondition(ctx: Ctx, alias: string, field: FieldDef, raw: unknown, argument: string): string {
  if (field.type.kind !== "entity") throw new QueryArgumentError(argument, raw, `${argument}: not a reference`);
  if (raw === null || typeof raw !== "object")
    throw new QueryArgumentError(argument, raw, `${argument}: expected a filter`);
  const child = ctx.model.entities.get(field.type.entityName) as EntityDef;
  const c = nextAlias(ctx);
  const inner = compileFilter(ctx, child, raw as Record<string, unknown>, c);
  const from = `${source(ctx, child.name)} ${c}`;
  if (field.derivedFrom) {
    const back = fieldOf(child, field.derivedFrom) as FieldDef;
    const link = back.list
      ? `${alias}.id = any(${c}.${quoteIdent(back.name)})`
      : `${c}.${quoteIdent(back.name)} = ${alias}.id`;
    return `exists (select 1 from ${from} where ${link} and ${inner})`;
  }
  const col = `${alias}.${quoteIdent(field.name)}`;
  if (field.list) return `exists (select 1 from ${from} where ${c}.id = any(${col}) and ${inner})`;
  return `${col} in (select ${c}.id from ${from} where ${inner})`;
}

function compileFilter(ctx: Ctx, entity: EntityDef, where: Record<string, unknown>, alias: string): string {
  const parts: string[] = [];
  for (const [key, raw] of Object.entries(where)) {
    if (raw === undefined) continue;
    const argument = `${entity.name}_filter.${key}`;
    if (key === "and" || key === "or") {
      if (!Array.isArray(raw)) throw new QueryArgumentError(argument, raw, `${argument}: expected a list of filters`);
      const subs = raw.map((w) => compileFilter(ctx, entity, (w ?? {}) as Record<string, unknown>, alias));
      if (subs.length === 0) parts.push(key === "and" ? "true" : "false");
      else parts.push(`(${subs.join(key === "and" ? " and " : " or ")})`);
      continue;
    }
    if (key === "_change_block") {
      const n = (raw as { number_gte?: unknown } | null)?.number_gte;
      if (typeof n !== "number") throw new QueryArgumentError(argument, raw, `${argument}: number_gte is required`);
      parts.push(`${alias}._block >= ${ctx.params.add(n, "bigint")}`);
      continue;
    }
    if (key.endsWith("_")) {
      const field = fieldOf(entity, key.slice(0, -1));
      if (field && field.type.kind === "entity") {
        parts.push(nestedCondition(ctx, alias, field, raw, argument));
        continue;
      }
    }
    const split = splitKey(entity, key);
    if (!split) throw new QueryArgumentError(argument, raw, `${argument}: unknown filter field`);
    const col = `${alias}.${quoteIdent(split.field.name)}`;
    parts.push(
      split.field.list
        ? listCondition(ctx, col, split.field, split.op, raw, argument)
        : scalarCondition(ctx, col, split.field, split.op, raw, argument),
    );
  }
  return parts.length === 0 ? "true" : parts.join(" and ");
}

function orderExpression(ctx: Ctx, entity: EntityDef, alias: string, orderBy: string): string {
  const direct = fieldOf(entity, orderBy);
  if (direct) {
    if (direct.list || direct.derivedFrom) {
      throw new QueryArgumentError("orderBy", orderBy, `cannot sort ${entity.name} by the list field ${orderBy}`);
    }
    return `${alias}.${quoteIdent(direct.name)}`;
  }
  const [refName, childName] = orderBy.split("__");
  const ref = refName ? fieldOf(entity, refName) : undefined;
  if (ref?.type.kind !== "entity" || ref.list || ref.derivedFrom || !childName) {
    throw new QueryArgumentError("orderBy", orderBy, `cannot sort ${entity.name} by ${orderBy}`);
  }
  const child = ctx.model.entities.get(ref.type.entityName) as EntityDef;
  const childField = fieldOf(child, childName);
  if (!childField || childField.list || childField.derivedFrom) {
    throw new QueryArgumentError("orderBy", orderBy, `cannot sort ${entity.name} by ${orderBy}`);
  }
  const c = nextAlias(ctx);
  return `(select ${c}.${quoteIdent(childName)} from ${source(ctx, child.name)} ${c} where ${c}.id = ${alias}.${quoteIdent(ref.name)})`;
}

export function checkPaging(args: ListArgs): { first: number; skip: number } {
  const first = args.first ?? DEFAULT_FIRST;
  const skip = args.skip ?? 0;
  if (!Number.isInteger(first) || first < 0 || first > MAX_FIRST) {
    throw new QueryArgumentError(
      "first",
      first,
      `The \`first\` argument must be between 0 and ${MAX_FIRST}, but is ${first}`,
    );
  }
  if (!Number.isInteger(skip) || skip < 0 || skip > MAX_SKIP) {
    throw new QueryArgumentError(
      "skip",
      skip,
      `The \`skip\` argument must be between 0 and ${MAX_SKIP}, but is ${skip}`,
    );
  }
  return { first, skip };
}

/** The SQL for a list of `entity` (top level, or the children of one parent when `scope` is given). */
export function buildListQuery(
  model: SchemaModel,
  entity: EntityDef,
  args: ListArgs,
  scope?: ListScope,
  at?: BlockAt,
): SqlQuery {
  const ctx: Ctx = { model, params: new Params(), aliasCounter: { n: 0 }, at };
  const alias = "t0";
  const { first, skip } = checkPaging(args);
  const conditions: string[] = [];
  if (scope?.kind === "derived") {
    const back = `${alias}.${quoteIdent(scope.backField.name)}`;
    const p = ctx.params.add(scope.parentId, "text");
    conditions.push(scope.backField.list ? `${p} = any(${back})` : `${back} = ${p}`);
  } else if (scope?.kind === "ids") {
    conditions.push(`${alias}.id = any(${ctx.params.add([...scope.ids], "text[]")})`);
  }
  if (args.where) conditions.push(compileFilter(ctx, entity, args.where, alias));
  const dir = args.orderDirection === "desc" ? "desc" : "asc";
  const order = args.orderBy ? `${orderExpression(ctx, entity, alias, args.orderBy)} ${dir}, ` : "";
  const from = source(ctx, entity.name);
  const text =
    `select ${selectList(entity, `${alias}.`)} from ${from} ${alias}` +
    ` where ${conditions.length ? conditions.join(" and ") : "true"}` +
    ` order by ${order}${alias}.id ${dir}` +
    ` limit ${ctx.params.add(first, "bigint")} offset ${ctx.params.add(skip, "bigint")}`;
  return { text, params: ctx.params.values };
}

export function buildByIdQuery(entity: EntityDef, id: string, at?: BlockAt): SqlQuery {
  if (!at) return { text: `select ${selectList(entity)} from ${tableName(entity.name)} where id = $1`, params: [id] };
  const ctx: Ctx = {
    model: { source: "", entities: new Map(), enums: new Map() },
    params: new Params(),
    aliasCounter: { n: 0 },
    at,
  };
  const p = ctx.params.add(id, "text");
  return {
    text: `select ${selectList(entity)} from ${source(ctx, entity.name)} v where v.id = ${p}`,
    params: ctx.params.values,
  };
}
