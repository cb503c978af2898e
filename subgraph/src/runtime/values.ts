// Entity field values as the store keeps them (plain JSON: BigInt as a decimal string, Bytes as 0x hex,
// Int as a number) and as graph-ts's store `Value` carries them inside a mapping module; conversions
// both ways follow the field's type in schema.graphql, and a value of the wrong kind fails the handler
// as graph-node fails it.
import { bytesToHex, hexToBytes, isHex } from "viem";
import type { FieldDef } from "../schema/model.js";
import type { AscHeap } from "./wasm/asc.js";

export type PlainScalar = string | number | boolean;
export type PlainValue = PlainScalar | null | Array<PlainScalar | null>;
/** An entity as stored: field name -> plain value (absent or null: not set). */
export type EntityRecord = Record<string, PlainValue>;

/**
 * The mapping did something graph-node aborts the handler for (an assertion, a host function error, a
 * value of the wrong type, a missing non-null field). The indexer stops at that event, as graph-node
 * marks the subgraph failed.
 */
export class MappingAbort extends Error {
  override readonly name: string = "MappingAbort";
}

/** A host function graph-node has and the local endpoint does not (see subgraph/README.md). */
export class UnsupportedInLocalRuntime extends MappingAbort {
  override readonly name = "UnsupportedInLocalRuntime";
  constructor(readonly feature: string) {
    super(`${feature} is not supported by the local endpoint; see subgraph/README.md (what differs from graph-node)`);
  }
}

/** graph-ts's store ValueKind (common/value.ts). */
export const StoreValueKind = {
  STRING: 0,
  INT: 1,
  BIGDECIMAL: 2,
  BOOL: 3,
  ARRAY: 4,
  NULL: 5,
  BYTES: 6,
  BIGINT: 7,
  INT8: 8,
  TIMESTAMP: 9,
} as const;
const KIND_NAMES = ["String", "Int", "BigDecimal", "Boolean", "Array", "null", "Bytes", "BigInt", "Int8", "Timestamp"];

/** A store Value read out of the module, before the schema gives it a field type. */
export type DynamicValue =
  | { kind: "String"; value: string }
  | { kind: "Int"; value: number }
  | { kind: "Boolean"; value: boolean }
  | { kind: "Bytes"; value: string }
  | { kind: "BigInt"; value: string }
  | { kind: "BigDecimal" | "Int8" | "Timestamp"; value: string }
  | { kind: "null" }
  | { kind: "Array"; value: DynamicValue[] };

export function readStoreValue(heap: AscHeap, ptr: number): DynamicValue {
  if (ptr === 0) return { kind: "null" };
  const kind = heap.enumKind(ptr);
  const payload = heap.enumPayload(ptr);
  const ref = Number(payload & 0xffffffffn);
  switch (kind) {
    case StoreValueKind.STRING:
      return { kind: "String", value: heap.string(ref) };
    case StoreValueKind.INT:
      return { kind: "Int", value: Number(BigInt.asIntN(32, payload)) };
    case StoreValueKind.BOOL:
      return { kind: "Boolean", value: payload !== 0n };
    case StoreValueKind.BYTES:
      return { kind: "Bytes", value: bytesToHex(heap.bytes(ref)) };
    case StoreValueKind.BIGINT:
      return { kind: "BigInt", value: heap.bigInt(ref).toString() };
    case StoreValueKind.INT8:
    case StoreValueKind.TIMESTAMP:
      return {
        kind: kind === StoreValueKind.INT8 ? "Int8" : "Timestamp",
        value: BigInt.asIntN(64, payload).toString(),
      };
    case StoreValueKind.BIGDECIMAL:
      return { kind: "BigDecimal", value: `${heap.bigInt(heap.field(ref, 0))}e${heap.bigInt(heap.field(ref, 1))}` };
    case StoreValueKind.NULL:
      return { kind: "null" };
    case StoreValueKind.ARRAY:
      return { kind: "Array", value: heap.array(ref).map((p) => readStoreValue(heap, p)) };
    default:
      throw new MappingAbort(`unknown store value kind ${kind}`);
  }
}

/** The kind of store Value a field of this type holds. */
export function fieldValueKind(f: FieldDef): string {
  const t = f.type;
  if (t.kind !== "scalar") return "String";
  switch (t.scalar) {
    case "ID":
    case "String":
      return "String";
    default:
      return t.scalar;
  }
}

function describe(v: DynamicValue): string {
  if (v.kind === "null") return "null";
  if (v.kind === "Array") return `[${v.value.map(describe).join(", ")}]`;
  return `${v.kind} ${JSON.stringify(v.value)}`;
}

/** A value the mapping stored in field `f`, as the store keeps it; a mismatch fails like graph-node. */
export function toPlain(
  entity: string,
  id: string,
  f: FieldDef,
  v: DynamicValue,
  enums: ReadonlyMap<string, readonly string[]>,
): PlainValue {
  if (v.kind === "null") return null;
  const expected = fieldValueKind(f);
  const fail = (): never => {
    throw new MappingAbort(
      `Entity ${entity}[${id}]: the value ${describe(v)} for field \`${f.name}\` is not of type ${f.list ? `[${expected}]` : expected}`,
    );
  };
  const scalar = (item: DynamicValue): PlainScalar => {
    if (item.kind !== expected || item.kind === "null" || item.kind === "Array") return fail();
    if (f.type.kind === "enum" && !enums.get(f.type.enumName)?.includes(item.value as string)) return fail();
    return item.value as PlainScalar;
  };
  if (!f.list) return v.kind === "Array" ? fail() : scalar(v);
  if (v.kind !== "Array") return fail();
  return v.value.map((item) => (item.kind === "null" ? null : scalar(item)));
}

/** A stored plain value as a store Value inside the module (what `store.get` returns per field). */
export function newStoreValue(heap: AscHeap, f: FieldDef, v: PlainValue | undefined): number {
  if (v === null || v === undefined) return heap.newEnum("StoreValue", StoreValueKind.NULL, 0n);
  if (Array.isArray(v)) {
    const items = v.map((item) => newStoreValue(heap, f, item));
    return heap.newEnum("StoreValue", StoreValueKind.ARRAY, BigInt(heap.newArray(items, "ArrayStoreValue")));
  }
  const kind = fieldValueKind(f);
  switch (kind) {
    case "String":
      return heap.newEnum("StoreValue", StoreValueKind.STRING, BigInt(heap.newString(String(v))));
    case "Int":
      return heap.newEnum("StoreValue", StoreValueKind.INT, BigInt.asUintN(64, BigInt(Number(v))));
    case "Boolean":
      return heap.newEnum("StoreValue", StoreValueKind.BOOL, v === true ? 1n : 0n);
    case "Bytes": {
      const hex = String(v);
      if (!isHex(hex)) throw new MappingAbort(`${f.name}: stored Bytes value ${hex} is not hex`);
      return heap.newEnum("StoreValue", StoreValueKind.BYTES, BigInt(heap.newBytes(hexToBytes(hex))));
    }
    case "BigInt":
      return heap.newEnum("StoreValue", StoreValueKind.BIGINT, BigInt(heap.newBigInt(BigInt(String(v)))));
    default:
      throw new MappingAbort(`${f.name}: ${kind} fields are not supported locally`);
  }
}

export const storeValueKindName = (kind: number): string => KIND_NAMES[kind] ?? `kind ${kind}`;
