// graph-ts's ethereum types inside a mapping module, built as graph-node builds them for an event
// handler: ethereum.Value per ABI kind (parameters decoded from the log), ethereum.Block and
// ethereum.Transaction from the block the log is in, ethereum.Event with them.
import { type AbiEvent, type AbiParameter, bytesToHex, type Hex, hexToBytes } from "viem";
import { MappingAbort } from "../values.js";
import type { AscHeap } from "./asc.js";

/** graph-ts's ethereum.ValueKind (chain/ethereum.ts). */
export const EthereumValueKind = {
  ADDRESS: 0,
  FIXED_BYTES: 1,
  BYTES: 2,
  INT: 3,
  UINT: 4,
  BOOL: 5,
  STRING: 6,
  FIXED_ARRAY: 7,
  ARRAY: 8,
  TUPLE: 9,
} as const;

const components = (p: AbiParameter): readonly AbiParameter[] =>
  (p as { components?: readonly AbiParameter[] }).components ?? [];

function fail(p: AbiParameter, type: string, value: unknown): never {
  throw new MappingAbort(`event parameter ${p.name || "?"} (${type}): cannot convert ${String(value)}`);
}

function newValueOfType(heap: AscHeap, p: AbiParameter, type: string, value: unknown): number {
  const K = EthereumValueKind;
  const ref = (kind: number, ptr: number) => heap.newEnum("EthereumValue", kind, BigInt(ptr));
  const arrayMatch = /^(.*)\[(\d*)\]$/.exec(type);
  if (arrayMatch) {
    if (!Array.isArray(value)) return fail(p, type, value);
    const inner = arrayMatch[1] as string;
    const items = value.map((v) => newValueOfType(heap, p, inner, v));
    return ref(arrayMatch[2] === "" ? K.ARRAY : K.FIXED_ARRAY, heap.newArray(items, "ArrayEthereumValue"));
  }
  if (type === "tuple") {
    const cs = components(p);
    const items = cs.map((c, i) => {
      const raw = Array.isArray(value) ? value[i] : (value as Record<string, unknown> | null)?.[c.name ?? ""];
      return newValueOfType(heap, c, c.type, raw);
    });
    return ref(K.TUPLE, heap.newArray(items, "ArrayEthereumValue"));
  }
  if (/^u?int\d*$/.test(type)) {
    if (typeof value !== "bigint" && !(typeof value === "number" && Number.isSafeInteger(value)))
      return fail(p, type, value);
    return ref(type.startsWith("u") ? K.UINT : K.INT, heap.newBigInt(BigInt(value)));
  }
  if (type === "address") {
    if (typeof value !== "string") return fail(p, type, value);
    return ref(K.ADDRESS, heap.newBytes(hexToBytes(value as Hex)));
  }
  if (type === "bytes") return ref(K.BYTES, heap.newBytes(hexToBytes(value as Hex)));
  if (/^bytes\d+$/.test(type)) return ref(K.FIXED_BYTES, heap.newBytes(hexToBytes(value as Hex)));
  if (type === "bool") {
    if (typeof value !== "boolean") return fail(p, type, value);
    return heap.newEnum("EthereumValue", K.BOOL, value ? 1n : 0n);
  }
  if (type === "string") {
    if (typeof value !== "string") return fail(p, type, value);
    return ref(K.STRING, heap.newString(value));
  }
  return fail(p, type, value);
}

/** An ethereum.Value for a value viem decoded as ABI parameter `p`. */
export function newEthereumValue(heap: AscHeap, p: AbiParameter, value: unknown): number {
  return newValueOfType(heap, p, p.type, value);
}

/** An ethereum.Value read back as an ABI parameter and a value viem can encode (for ethereum.encode). */
export function readEthereumValue(heap: AscHeap, ptr: number): { type: AbiParameter; value: unknown } {
  const K = EthereumValueKind;
  const kind = heap.enumKind(ptr);
  const payload = heap.enumPayload(ptr);
  const ref = Number(payload & 0xffffffffn);
  switch (kind) {
    case K.ADDRESS:
      return { type: { type: "address" }, value: bytesToHex(heap.bytes(ref)) };
    case K.FIXED_BYTES: {
      const b = heap.bytes(ref);
      return { type: { type: `bytes${b.length}` }, value: bytesToHex(b) };
    }
    case K.BYTES:
      return { type: { type: "bytes" }, value: bytesToHex(heap.bytes(ref)) };
    case K.INT:
      return { type: { type: "int256" }, value: heap.bigInt(ref) };
    case K.UINT:
      return { type: { type: "uint256" }, value: heap.bigInt(ref) };
    case K.BOOL:
      return { type: { type: "bool" }, value: payload !== 0n };
    case K.STRING:
      return { type: { type: "string" }, value: heap.string(ref) };
    case K.FIXED_ARRAY:
    case K.ARRAY:
    case K.TUPLE: {
      const items = heap.array(ref).map((p) => readEthereumValue(heap, p));
      if (kind === K.TUPLE) {
        return {
          type: { type: "tuple", components: items.map((i) => i.type) } as AbiParameter,
          value: items.map((i) => i.value),
        };
      }
      const inner = items[0]?.type ?? { type: "uint256" };
      const suffix = kind === K.ARRAY ? "[]" : `[${items.length}]`;
      const type =
        inner.type.startsWith("tuple") || inner.type === "tuple"
          ? ({ ...inner, type: `${inner.type}${suffix}` } as AbiParameter)
          : { type: `${inner.type}${suffix}` };
      return { type, value: items.map((i) => i.value) };
    }
    default:
      throw new MappingAbort(`unknown ethereum value kind ${kind}`);
  }
}

const isDynamic = (p: AbiParameter): boolean =>
  p.type === "string" || p.type === "bytes" || p.type.endsWith("]") || p.type.startsWith("tuple");

/** The event's parameters as graph-node passes them: indexed dynamic values are their topic (bytes32). */
export function newEventParams(heap: AscHeap, event: AbiEvent, args: unknown): number {
  const params = event.inputs.map((input, i) => {
    const name = input.name ?? "";
    const raw = Array.isArray(args) ? args[i] : (args as Record<string, unknown> | undefined)?.[name];
    const value =
      input.indexed && isDynamic(input)
        ? heap.newEnum("EthereumValue", EthereumValueKind.FIXED_BYTES, BigInt(heap.newBytes(hexToBytes(raw as Hex))))
        : newEthereumValue(heap, input, raw);
    return heap.newObject("EventParam", [heap.newString(name), value]);
  });
  return heap.newArray(params, "ArrayEventParam");
}

/** The block header fields graph-node passes in ethereum.Block. */
export interface BlockHeader {
  hash: Hex;
  parentHash: Hex;
  sha3Uncles: Hex;
  miner: Hex;
  stateRoot: Hex;
  transactionsRoot: Hex;
  receiptsRoot: Hex;
  number: bigint;
  gasUsed: bigint;
  gasLimit: bigint;
  timestamp: bigint;
  difficulty: bigint;
  totalDifficulty: bigint | null;
  size: bigint | null;
  baseFeePerGas: bigint | null;
}

/** The transaction fields graph-node passes in ethereum.Transaction. */
export interface TransactionFields {
  hash: Hex;
  index: bigint;
  from: Hex;
  to: Hex | null;
  value: bigint;
  gasLimit: bigint;
  gasPrice: bigint;
  input: Hex;
  nonce: bigint;
}

export interface EventInput {
  address: Hex;
  logIndex: bigint;
  transactionLogIndex: bigint;
  block: BlockHeader;
  transaction: TransactionFields;
  event: AbiEvent;
  args: unknown;
}

/** ethereum.Event (address, logIndex, transactionLogIndex, logType, block, transaction, parameters, receipt). */
export function newEthereumEvent(heap: AscHeap, e: EventInput): number {
  const b = e.block;
  const bytes = (h: Hex) => heap.newBytes(hexToBytes(h));
  const big = (v: bigint) => heap.newBigInt(v);
  const block = heap.newObject("EthereumBlock", [
    bytes(b.hash),
    bytes(b.parentHash),
    bytes(b.sha3Uncles),
    bytes(b.miner),
    bytes(b.stateRoot),
    bytes(b.transactionsRoot),
    bytes(b.receiptsRoot),
    big(b.number),
    big(b.gasUsed),
    big(b.gasLimit),
    big(b.timestamp),
    big(b.difficulty),
    big(b.totalDifficulty ?? 0n),
    b.size === null ? 0 : big(b.size),
    b.baseFeePerGas === null ? 0 : big(b.baseFeePerGas),
  ]);
  const t = e.transaction;
  const transaction = heap.newObject("EthereumTransaction", [
    bytes(t.hash),
    big(t.index),
    bytes(t.from),
    t.to === null ? 0 : bytes(t.to),
    big(t.value),
    big(t.gasLimit),
    big(t.gasPrice),
    bytes(t.input),
    big(t.nonce),
  ]);
  return heap.newObject("EthereumEvent", [
    bytes(e.address),
    big(e.logIndex),
    big(e.transactionLogIndex),
    0,
    block,
    transaction,
    newEventParams(heap, e.event, e.args),
    0,
  ]);
}
