// Entity field values in two forms: graph-ts objects (what mappings see: BigInt, Bytes, string, i32,
// boolean) and plain JSON values (what the store keeps: BigInt as a decimal string, Bytes as 0x hex).
import type { FieldDef } from "../schema/model.js";
import { MappingAbort } from "./graph-ts/abort.js";
import { ByteArray, Bytes } from "./graph-ts/bytes.js";
import { GraphBigInt } from "./graph-ts/numbers.js";

export type PlainScalar = string | number | boolean;
export type PlainValue = PlainScalar | null | Array<PlainScalar | null>;
/** An entity as stored: field name -> plain value (absent or null: not set). */
export type EntityRecord = Record<string, PlainValue>;

/** The wrong kind of value was assigned to a field. */
export class FieldTypeError extends MappingAbort {
  override readonly name = "FieldTypeError";
  constructor(
    readonly entity: string,
    readonly field: string,
    readonly value: unknown,
    expected: string,
  ) {
    super(`${entity}.${field}: expected ${expected}, got ${describe(value)}`);
  }
}

function describe(v: unknown): string {
  if (v === null || v === undefined) return String(v);
  if (typeof v === "object") return v.constructor?.name ?? "object";
  return `${typeof v} ${String(v)}`;
}

function expectedName(f: FieldDef): string {
  const t = f.type;
  const base = t.kind === "scalar" ? t.scalar : t.kind === "enum" ? `${t.enumName} (string)` : `${t.entityName} id`;
  return f.list ? `[${base}]` : base;
}

function scalarToPlain(entity: string, f: FieldDef, v: unknown): PlainScalar {
  const fail = (): never => {
    throw new FieldTypeError(entity, f.name, v, expectedName(f));
  };
  const t = f.type;
  if (t.kind === "enum" || t.kind === "entity") return typeof v === "string" ? v : fail();
  switch (t.scalar) {
    case "ID":
    case "String":
      return typeof v === "string" ? v : fail();
    case "Bytes":
      return v instanceof ByteArray ? v.toHexString() : fail();
    case "BigInt":
      return v instanceof GraphBigInt ? v.toString() : fail();
    case "Int":
      return typeof v === "number" && Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31 ? v : fail();
    case "Boolean":
      return typeof v === "boolean" ? v : fail();
  }
}

/** A mapping's value for field `f` as the store keeps it; throws FieldTypeError on a mismatch. */
export function toPlain(entity: string, f: FieldDef, v: unknown): PlainValue {
  if (v === null || v === undefined) return null;
  if (!f.list) return scalarToPlain(entity, f, v);
  if (!Array.isArray(v)) throw new FieldTypeError(entity, f.name, v, expectedName(f));
  return v.map((item: unknown) => (item === null ? null : scalarToPlain(entity, f, item)));
}

function scalarFromPlain(f: FieldDef, v: PlainScalar): unknown {
  const t = f.type;
  if (t.kind !== "scalar") return v;
  switch (t.scalar) {
    case "Bytes":
      return Bytes.fromHexString(String(v));
    case "BigInt":
      return GraphBigInt.fromString(String(v));
    default:
      return v;
  }
}

/**
 * The graph-ts value a generated getter returns for a stored plain value. Unset non-null Int and
 * Boolean fields read as 0 and false, as graph-cli's generated AssemblyScript getters do; other unset
 * non-null fields abort, as dereferencing the missing value does there.
 */
export function fromPlain(entity: string, f: FieldDef, v: PlainValue | undefined): unknown {
  if (v === null || v === undefined) {
    if (!f.list && f.type.kind === "scalar" && f.type.scalar === "Int") return 0;
    if (!f.list && f.type.kind === "scalar" && f.type.scalar === "Boolean") return false;
    if (f.nonNull) throw new MappingAbort(`${entity}.${f.name} is read before it was set`);
    return null;
  }
  if (Array.isArray(v)) return v.map((item) => (item === null ? null : scalarFromPlain(f, item)));
  return scalarFromPlain(f, v);
}
