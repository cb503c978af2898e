// AssemblyScript 0.19 objects in a mapping module's linear memory, as graph-node reads and writes them
// (graph-cli compiles with `--runtime stub --exportRuntime --explicitStart`): every object is allocated
// through the module's exported `__new(size, classId)`, class ids come from graph-ts's exported
// `id_of_type(TypeId)`, and an object's header holds its class id at ptr-8 and its byte size at ptr-4.
//
// Layouts (32-bit pointers): String = UTF-16LE code units; ArrayBuffer = bytes; TypedArray (Uint8Array,
// and so Bytes, Address, BigInt) = { buffer, dataStart, byteLength }; Array<T> = { buffer, dataStart,
// byteLength, length }; a class = its fields in declaration order, each aligned to its size (all
// fields here are pointers, except Value's `kind: i32` at 0 and `data: u64` at 8).

/** graph-ts's TypeId enum (global/global.ts): the discriminants graph-node uses to ask for class ids. */
export const TypeId = {
  String: 0,
  ArrayBuffer: 1,
  Uint8Array: 6,
  BigDecimal: 12,
  ArrayBool: 13,
  ArrayUint8Array: 14,
  ArrayEthereumValue: 15,
  ArrayStoreValue: 16,
  ArrayString: 18,
  ArrayEventParam: 19,
  ArrayTypedMapEntryStringStoreValue: 21,
  EventParam: 23,
  EthereumTransaction: 24,
  EthereumBlock: 25,
  EthereumValue: 30,
  StoreValue: 31,
  EthereumEvent: 33,
  TypedMapEntryStringStoreValue: 34,
  TypedMapStringStoreValue: 36,
  TransactionReceipt: 1000,
  Log: 1001,
  ArrayH256: 1002,
  ArrayLog: 1003,
  StarknetBlock: 3500,
  StarknetTransaction: 3501,
  StarknetEvent: 3503,
  StarknetArrayBytes: 3504,
} as const;
export type TypeIdName = keyof typeof TypeId;

/** The module broke the runtime's contract (a missing export, a pointer outside memory). */
export class AscRuntimeError extends Error {
  override readonly name = "AscRuntimeError";
}

interface AscExports {
  memory: WebAssembly.Memory;
  __new: (size: number, id: number) => number;
  id_of_type: (typeId: number) => number;
}

const utf16 = new TextDecoder("utf-16le");

/** Reads and allocates AssemblyScript objects in one module instance. */
export class AscHeap {
  private readonly exports: AscExports;
  private readonly classIds = new Map<number, number>();

  constructor(instance: WebAssembly.Instance) {
    const e = instance.exports as Partial<AscExports>;
    for (const name of ["memory", "__new", "id_of_type"] as const) {
      if (!e[name]) throw new AscRuntimeError(`the mapping module does not export ${name} (not built by graph-cli?)`);
    }
    this.exports = e as AscExports;
  }

  private view(): DataView {
    return new DataView(this.exports.memory.buffer);
  }

  private bytesView(): Uint8Array {
    return new Uint8Array(this.exports.memory.buffer);
  }

  classId(type: TypeIdName): number {
    const typeId = TypeId[type];
    let id = this.classIds.get(typeId);
    if (id === undefined) {
      id = this.exports.id_of_type(typeId) >>> 0;
      this.classIds.set(typeId, id);
    }
    return id;
  }

  private check(ptr: number, size: number): void {
    if (ptr <= 0 || ptr + size > this.exports.memory.buffer.byteLength) {
      throw new AscRuntimeError(`pointer ${ptr} (+${size}) is outside the module's memory`);
    }
  }

  u32(ptr: number): number {
    this.check(ptr, 4);
    return this.view().getUint32(ptr, true);
  }

  i32(ptr: number): number {
    this.check(ptr, 4);
    return this.view().getInt32(ptr, true);
  }

  u64(ptr: number): bigint {
    this.check(ptr, 8);
    return this.view().getBigUint64(ptr, true);
  }

  /** The byte size the object header records. */
  sizeOf(ptr: number): number {
    return this.u32(ptr - 4);
  }

  private alloc(size: number, type: TypeIdName): number {
    const ptr = this.exports.__new(size, this.classId(type)) >>> 0;
    if (ptr === 0) throw new AscRuntimeError(`__new(${size}) returned null`);
    return ptr;
  }

  // --- strings -------------------------------------------------------------------------------------

  string(ptr: number): string {
    const size = this.sizeOf(ptr);
    this.check(ptr, size);
    return utf16.decode(this.bytesView().subarray(ptr, ptr + size));
  }

  newString(s: string): number {
    const ptr = this.alloc(s.length * 2, "String");
    const view = this.view();
    for (let i = 0; i < s.length; i++) view.setUint16(ptr + i * 2, s.charCodeAt(i), true);
    return ptr;
  }

  // --- typed arrays (Bytes, Address, BigInt) ----------------------------------------------------

  bytes(ptr: number): Uint8Array {
    const dataStart = this.u32(ptr + 4);
    const byteLength = this.u32(ptr + 8);
    if (byteLength === 0) return new Uint8Array(0);
    this.check(dataStart, byteLength);
    return this.bytesView().slice(dataStart, dataStart + byteLength);
  }

  newBytes(data: Uint8Array): number {
    const buffer = this.alloc(data.length, "ArrayBuffer");
    this.bytesView().set(data, buffer);
    const ptr = this.alloc(12, "Uint8Array");
    const view = this.view();
    view.setUint32(ptr, buffer, true);
    view.setUint32(ptr + 4, buffer, true);
    view.setUint32(ptr + 8, data.length, true);
    return ptr;
  }

  /** graph-ts BigInt: signed little-endian two's complement bytes. */
  bigInt(ptr: number): bigint {
    return bigIntFromSignedLe(this.bytes(ptr));
  }

  newBigInt(v: bigint): number {
    return this.newBytes(bigIntToSignedLe(v));
  }

  // --- arrays and plain classes ----------------------------------------------------------------

  /** The element pointers of an Array<T> of references. */
  array(ptr: number): number[] {
    const dataStart = this.u32(ptr + 4);
    const length = this.i32(ptr + 12);
    const out: number[] = [];
    for (let i = 0; i < length; i++) out.push(this.u32(dataStart + i * 4));
    return out;
  }

  newArray(items: readonly number[], type: TypeIdName): number {
    const buffer = this.alloc(items.length * 4, "ArrayBuffer");
    const view = this.view();
    for (const [i, item] of items.entries()) view.setUint32(buffer + i * 4, item, true);
    const ptr = this.alloc(16, type);
    const v = this.view();
    v.setUint32(ptr, buffer, true);
    v.setUint32(ptr + 4, buffer, true);
    v.setUint32(ptr + 8, items.length * 4, true);
    v.setInt32(ptr + 12, items.length, true);
    return ptr;
  }

  /** A class whose fields are all pointers (or 32-bit values), in declaration order. */
  newObject(type: TypeIdName, fields: readonly number[]): number {
    const ptr = this.alloc(fields.length * 4, type);
    const view = this.view();
    for (const [i, f] of fields.entries()) view.setUint32(ptr + i * 4, f >>> 0, true);
    return ptr;
  }

  field(ptr: number, index: number): number {
    return this.u32(ptr + index * 4);
  }

  /** A tagged value (store Value or ethereum.Value): `kind: i32` at 0, `data: u64` at 8. */
  newEnum(type: "StoreValue" | "EthereumValue", kind: number, payload: bigint): number {
    const ptr = this.alloc(16, type);
    const view = this.view();
    view.setInt32(ptr, kind, true);
    view.setBigUint64(ptr + 8, BigInt.asUintN(64, payload), true);
    return ptr;
  }

  enumKind(ptr: number): number {
    return this.i32(ptr);
  }

  enumPayload(ptr: number): bigint {
    return this.u64(ptr + 8);
  }
}

export function bigIntFromSignedLe(bytes: Uint8Array): bigint {
  if (bytes.length === 0) return 0n;
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i] as number);
  return BigInt.asIntN(bytes.length * 8, v);
}

/** Minimal two's complement little-endian bytes (0 is one zero byte), as num-bigint writes them. */
export function bigIntToSignedLe(v: bigint): Uint8Array {
  const out: number[] = [];
  let x = v;
  for (;;) {
    const byte = Number(x & 0xffn);
    out.push(byte);
    x >>= 8n;
    if ((x === 0n && (byte & 0x80) === 0) || (x === -1n && (byte & 0x80) !== 0)) break;
  }
  return Uint8Array.from(out);
}
