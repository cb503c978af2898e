// The host functions graph-node gives a mapping module (graph-ts's `declare` namespaces: store, bigInt,
// bigDecimal, typeConversion, crypto, dataSource, log, ethereum, env.abort), over one handler run's
// heap, entity store and data source. Imports the module declares that are not here are bound to a
// function that fails the handler naming them (graph-node has them; the local endpoint does not).
import {
  type AbiParameter,
  bytesToHex,
  decodeAbiParameters,
  encodeAbiParameters,
  type Hex,
  hexToBytes,
  isHex,
  keccak256,
  parseAbiParameters,
} from "viem";
import { entityDef, type SchemaModel, storedFields } from "../../schema/model.js";
import {
  type EntityRecord,
  MappingAbort,
  newStoreValue,
  readStoreValue,
  toPlain,
  UnsupportedInLocalRuntime,
} from "../values.js";
import type { AscHeap } from "./asc.js";
import * as decimal from "./decimal.js";
import { newEthereumValue, readEthereumValue } from "./ethereum.js";

/** A manifest `context` entry, as graph-node's DataSourceContext holds it. */
export type ContextEntry =
  | { type: "String"; data: string }
  | { type: "Int"; data: number }
  | { type: "BigInt"; data: string }
  | { type: "Bool"; data: boolean }
  | { type: "Bytes"; data: string };

/** The data source whose handler is running. */
export interface DataSourceInfo {
  name: string;
  network: string;
  address: Hex;
  context: Record<string, ContextEntry>;
}

export type LogLevel = "critical" | "error" | "warning" | "info" | "debug";
const LOG_LEVELS: readonly LogLevel[] = ["critical", "error", "warning", "info", "debug"];

/** What the host functions need from the store (EntityCache: reads may throw EntityMiss). */
export interface HostStore {
  get(entity: string, id: string): EntityRecord | null;
  getInBlock(entity: string, id: string): EntityRecord | null;
  related(entity: string, id: string, field: string): EntityRecord[];
  set(entity: string, id: string, record: EntityRecord): void;
  remove(entity: string, id: string): void;
}

export interface HostContext {
  model: SchemaModel;
  store: HostStore;
  dataSource: DataSourceInfo;
  log(level: LogLevel, message: string): void;
}

type HostFn = (...args: number[]) => number | bigint | undefined;

const BASE58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";
function base58(bytes: Uint8Array): string {
  let n = 0n;
  for (const b of bytes) n = (n << 8n) | BigInt(b);
  let out = "";
  while (n > 0n) {
    out = (BASE58[Number(n % 58n)] as string) + out;
    n /= 58n;
  }
  for (const b of bytes) {
    if (b !== 0) break;
    out = `1${out}`;
  }
  return out;
}

/** A JS string from a Rust-style UTF-8 decode: invalid sequences replaced, trailing NULs trimmed. */
function bytesToString(bytes: Uint8Array): string {
  let s = new TextDecoder("utf-8").decode(bytes);
  while (s.endsWith("\u0000")) s = s.slice(0, -1);
  return s;
}

function readDecimal(heap: AscHeap, ptr: number): decimal.Decimal {
  return { digits: heap.bigInt(heap.field(ptr, 0)), exp: heap.bigInt(heap.field(ptr, 1)) };
}

function newDecimal(heap: AscHeap, d: decimal.Decimal): number {
  const n = decimal.normalize(d);
  return heap.newObject("BigDecimal", [heap.newBigInt(n.digits), heap.newBigInt(n.exp)]);
}

/** An entity record as graph-ts's Entity (TypedMap<string, Value>) inside the module. */
export function newEntity(heap: AscHeap, model: SchemaModel, entity: string, record: EntityRecord): number {
  const def = entityDef(model, entity);
  const entries: number[] = [];
  for (const f of storedFields(def)) {
    const v = record[f.name];
    if (v === null || v === undefined) continue;
    entries.push(heap.newObject("TypedMapEntryStringStoreValue", [heap.newString(f.name), newStoreValue(heap, f, v)]));
  }
  return heap.newObject("TypedMapStringStoreValue", [heap.newArray(entries, "ArrayTypedMapEntryStringStoreValue")]);
}

/** graph-ts's Entity passed to `store.set`, checked against the schema as graph-node checks it. */
export function readEntity(heap: AscHeap, model: SchemaModel, entity: string, id: string, ptr: number): EntityRecord {
  const def = entityDef(model, entity);
  const fields = new Map(def.fields.map((f) => [f.name, f]));
  const record: EntityRecord = {};
  for (const entryPtr of heap.array(heap.field(ptr, 0))) {
    const key = heap.string(heap.field(entryPtr, 0));
    const f = fields.get(key);
    if (!f) throw new MappingAbort(`Entity ${entity}[${id}]: unknown field \`${key}\``);
    if (f.derivedFrom) throw new MappingAbort(`Entity ${entity}[${id}]: \`${key}\` is derived and cannot be set`);
    record[key] = toPlain(entity, id, f, readStoreValue(heap, heap.field(entryPtr, 1)), model.enums);
  }
  return record;
}

function newContext(heap: AscHeap, ds: DataSourceInfo): number {
  const entries = Object.entries(ds.context).map(([key, e]) => {
    let value: number;
    switch (e.type) {
      case "String":
        value = heap.newEnum("StoreValue", 0, BigInt(heap.newString(e.data)));
        break;
      case "Int":
        value = heap.newEnum("StoreValue", 1, BigInt.asUintN(64, BigInt(e.data)));
        break;
      case "Bool":
        value = heap.newEnum("StoreValue", 3, e.data ? 1n : 0n);
        break;
      case "Bytes":
        value = heap.newEnum("StoreValue", 6, BigInt(heap.newBytes(hexToBytes(e.data as Hex))));
        break;
      case "BigInt":
        value = heap.newEnum("StoreValue", 7, BigInt(heap.newBigInt(BigInt(e.data))));
        break;
    }
    return heap.newObject("TypedMapEntryStringStoreValue", [heap.newString(key), value]);
  });
  return heap.newObject("TypedMapStringStoreValue", [heap.newArray(entries, "ArrayTypedMapEntryStringStoreValue")]);
}

/**
 * The import object for one instance. `heap` is read lazily: the instance (and so its heap) exists only
 * after instantiation, and host functions run only after that.
 */
export function createImports(
  module: WebAssembly.Module,
  heapOf: () => AscHeap,
  ctx: HostContext,
): WebAssembly.Imports {
  const str = (p: number) => heapOf().string(p);
  const big = (p: number) => heapOf().bigInt(p);
  const newBig = (v: bigint) => heapOf().newBigInt(v);
  const fns: Record<string, HostFn> = {
    abort: (msg, file, line, column) => {
      const heap = heapOf();
      const text = msg ? heap.string(msg) : "abort";
      const where = file ? ` in ${heap.string(file)}(${line}:${column})` : "";
      throw new MappingAbort(`Mapping aborted${where}, with message: ${text}`);
    },
    "log.log": (level, msg) => {
      const text = str(msg);
      const name = LOG_LEVELS[level] ?? "info";
      ctx.log(name, text);
      if (name === "critical") throw new MappingAbort(`Critical error logged: ${text}`);
      return undefined;
    },

    "store.get": (entity, id) => {
      const name = str(entity);
      const record = ctx.store.get(name, str(id));
      return record === null ? 0 : newEntity(heapOf(), ctx.model, name, record);
    },
    "store.get_in_block": (entity, id) => {
      const name = str(entity);
      const record = ctx.store.getInBlock(name, str(id));
      return record === null ? 0 : newEntity(heapOf(), ctx.model, name, record);
    },
    "store.loadRelated": (entity, id, field) => {
      const name = str(entity);
      const f = entityDef(ctx.model, name).fields.find((x) => x.name === str(field));
      if (!f?.derivedFrom || f.type.kind !== "entity") {
        throw new MappingAbort(`${name}.${str(field)} is not a derived field`);
      }
      const target = f.type.entityName;
      const records = ctx.store.related(name, str(id), f.name);
      const heap = heapOf();
      return heap.newArray(
        records.map((r) => newEntity(heap, ctx.model, target, r)),
        "ArrayTypedMapEntryStringStoreValue",
      );
    },
    "store.set": (entity, id, data) => {
      const name = str(entity);
      const key = str(id);
      ctx.store.set(name, key, readEntity(heapOf(), ctx.model, name, key, data));
      return undefined;
    },
    "store.remove": (entity, id) => {
      ctx.store.remove(str(entity), str(id));
      return undefined;
    },

    "bigInt.plus": (x, y) => newBig(big(x) + big(y)),
    "bigInt.minus": (x, y) => newBig(big(x) - big(y)),
    "bigInt.times": (x, y) => newBig(big(x) * big(y)),
    "bigInt.dividedBy": (x, y) => {
      const d = big(y);
      if (d === 0n) throw new MappingAbort("attempted to divide BigInt by zero");
      return newBig(big(x) / d);
    },
    "bigInt.mod": (x, y) => {
      const d = big(y);
      if (d === 0n) throw new MappingAbort("attempted to take the remainder of a BigInt by zero");
      return newBig(big(x) % d);
    },
    "bigInt.pow": (x, exp) => newBig(big(x) ** BigInt(exp & 0xff)),
    "bigInt.fromString": (s) => {
      const text = str(s);
      if (!/^[+-]?\d+$/.test(text)) throw new MappingAbort(`failed to parse BigInt from ${JSON.stringify(text)}`);
      return newBig(BigInt(text));
    },
    "bigInt.bitOr": (x, y) => newBig(big(x) | big(y)),
    "bigInt.bitAnd": (x, y) => newBig(big(x) & big(y)),
    "bigInt.leftShift": (x, bits) => newBig(big(x) << BigInt(bits & 0xff)),
    "bigInt.rightShift": (x, bits) => newBig(big(x) >> BigInt(bits & 0xff)),
    "bigInt.dividedByDecimal": (x, y) =>
      newDecimal(heapOf(), decimal.dividedBy(decimal.fromBigInt(big(x)), readDecimal(heapOf(), y))),

    "bigDecimal.plus": (x, y) => newDecimal(heapOf(), decimal.plus(readDecimal(heapOf(), x), readDecimal(heapOf(), y))),
    "bigDecimal.minus": (x, y) =>
      newDecimal(heapOf(), decimal.minus(readDecimal(heapOf(), x), readDecimal(heapOf(), y))),
    "bigDecimal.times": (x, y) =>
      newDecimal(heapOf(), decimal.times(readDecimal(heapOf(), x), readDecimal(heapOf(), y))),
    "bigDecimal.dividedBy": (x, y) =>
      newDecimal(heapOf(), decimal.dividedBy(readDecimal(heapOf(), x), readDecimal(heapOf(), y))),
    "bigDecimal.equals": (x, y) => (decimal.equals(readDecimal(heapOf(), x), readDecimal(heapOf(), y)) ? 1 : 0),
    "bigDecimal.toString": (x) => heapOf().newString(decimal.toDecimalString(readDecimal(heapOf(), x))),
    "bigDecimal.fromString": (s) => {
      try {
        return newDecimal(heapOf(), decimal.fromString(str(s)));
      } catch (error) {
        throw new MappingAbort((error as Error).message);
      }
    },

    "typeConversion.bytesToString": (b) => heapOf().newString(bytesToString(heapOf().bytes(b))),
    "typeConversion.bytesToHex": (b) => heapOf().newString(bytesToHex(heapOf().bytes(b))),
    "typeConversion.bigIntToString": (b) => heapOf().newString(big(b).toString()),
    "typeConversion.bigIntToHex": (b) => {
      const v = big(b);
      return heapOf().newString(v < 0n ? `-0x${(-v).toString(16)}` : `0x${v.toString(16)}`);
    },
    "typeConversion.stringToH160": (s) => {
      const text = str(s);
      const hex = text.startsWith("0x") ? text : `0x${text}`;
      if (!isHex(hex) || hex.length !== 42)
        throw new MappingAbort(`failed to convert string to Address/H160: '${text}'`);
      return heapOf().newBytes(hexToBytes(hex));
    },
    "typeConversion.bytesToBase58": (b) => heapOf().newString(base58(heapOf().bytes(b))),

    "crypto.keccak256": (b) => heapOf().newBytes(hexToBytes(keccak256(heapOf().bytes(b)))),

    "dataSource.address": () => heapOf().newBytes(hexToBytes(ctx.dataSource.address)),
    "dataSource.network": () => heapOf().newString(ctx.dataSource.network),
    "dataSource.context": () => newContext(heapOf(), ctx.dataSource),

    "ethereum.encode": (token) => {
      const heap = heapOf();
      const { type, value } = readEthereumValue(heap, token);
      try {
        return heap.newBytes(hexToBytes(encodeAbiParameters([type], [value])));
      } catch {
        return 0;
      }
    },
    "ethereum.decode": (types, data) => {
      const heap = heapOf();
      const signature = str(types);
      let params: readonly AbiParameter[];
      try {
        params = parseAbiParameters(signature.startsWith("(") ? signature.slice(1, -1) : signature);
      } catch (error) {
        throw new MappingAbort(`ethereum.decode: bad type ${JSON.stringify(signature)}: ${(error as Error).message}`);
      }
      const tupleType = signature.startsWith("(");
      try {
        const values = decodeAbiParameters(params, bytesToHex(heap.bytes(data)));
        if (tupleType) {
          return newEthereumValue(heap, { type: "tuple", components: params } as AbiParameter, values);
        }
        return newEthereumValue(heap, params[0] as AbiParameter, values[0]);
      } catch {
        return 0;
      }
    },
  };

  const imports: Record<string, Record<string, WebAssembly.ImportValue>> = {};
  for (const imp of WebAssembly.Module.imports(module)) {
    if (imp.kind !== "function") continue;
    const fn =
      fns[imp.name] ??
      (() => {
        throw new UnsupportedInLocalRuntime(`host function ${imp.module}.${imp.name}`);
      });
    imports[imp.module] ??= {};
    (imports[imp.module] as Record<string, WebAssembly.ImportValue>)[imp.name] = fn as (...args: number[]) => number;
  }
  return imports;
}
