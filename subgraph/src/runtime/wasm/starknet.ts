// graph-ts's starknet types inside a mapping module (chain/starknet.ts), built as graph-node's Starknet
// chain built them for an event handler: starknet.Event { fromAddr, keys, data, block, transaction },
// starknet.Block { number, hash, prevHash, timestamp }, starknet.Transaction { type, hash }. Felts are
// Bytes, 32 bytes big-endian.
import { MappingAbort } from "../values.js";
import type { AscHeap } from "./asc.js";

/** graph-ts's starknet.TransactionType. */
export const StarknetTransactionType = {
  DEPLOY: 0,
  INVOKE: 1,
  DECLARE: 2,
  L1_HANDLER: 3,
  DEPLOY_ACCOUNT: 4,
} as const;
export type StarknetTransactionTypeName = keyof typeof StarknetTransactionType;

export interface StarknetBlockHeader {
  number: bigint;
  hash: string;
  parentHash: string;
  timestamp: bigint;
}

export interface StarknetEventInput {
  fromAddress: string;
  keys: readonly string[];
  data: readonly string[];
  block: StarknetBlockHeader;
  transaction: { type: StarknetTransactionTypeName; hash: string };
}

const FELT_LIMIT = 1n << 256n;

/** A felt (hex or decimal string, as the RPC writes them) as 32 big-endian bytes. */
export function feltBytes(felt: string): Uint8Array {
  let v: bigint;
  try {
    v = BigInt(felt);
  } catch {
    throw new MappingAbort(`not a felt: ${JSON.stringify(felt)}`);
  }
  if (v < 0n || v >= FELT_LIMIT) throw new MappingAbort(`not a felt: ${felt}`);
  const out = new Uint8Array(32);
  for (let i = 31; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** A felt as 0x and 64 lowercase hex digits (how routes, ids and stored hashes name it). */
export function feltHex(felt: string | bigint): string {
  return `0x${BigInt(felt).toString(16).padStart(64, "0")}`;
}

export function newStarknetEvent(heap: AscHeap, e: StarknetEventInput): number {
  const felt = (f: string) => heap.newBytes(feltBytes(f));
  const block = heap.newObject("StarknetBlock", [
    heap.newBigInt(e.block.number),
    felt(e.block.hash),
    felt(e.block.parentHash),
    heap.newBigInt(e.block.timestamp),
  ]);
  // `type: TransactionType` is an i32 field at offset 0, `hash` a pointer at offset 4.
  const transaction = heap.newObject("StarknetTransaction", [
    StarknetTransactionType[e.transaction.type],
    felt(e.transaction.hash),
  ]);
  return heap.newObject("StarknetEvent", [
    felt(e.fromAddress),
    heap.newArray(e.keys.map(felt), "StarknetArrayBytes"),
    heap.newArray(e.data.map(felt), "StarknetArrayBytes"),
    block,
    transaction,
  ]);
}
