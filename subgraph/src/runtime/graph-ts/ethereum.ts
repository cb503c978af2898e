// graph-ts's ethereum.Event, Block and Transaction for the local runtime. A log as the chain watcher
// delivers it carries the block number, hash and timestamp, the transaction hash and index and the log
// index; everything else (transaction.from, input, receipts, contract calls) would need more RPC calls per
// event and is not provided: reading it aborts the handler with UnsupportedInLocalRuntime.
import { UnsupportedInLocalRuntime } from "./abort.js";
import type { Address, Bytes } from "./bytes.js";
import type { GraphBigInt } from "./numbers.js";

function unsupported(target: object, owner: string, fields: readonly string[]): void {
  for (const field of fields) {
    Object.defineProperty(target, field, {
      get() {
        throw new UnsupportedInLocalRuntime(`${owner}.${field}`);
      },
      enumerable: false,
    });
  }
}

export class EthereumBlock {
  constructor(
    readonly hash: Bytes,
    readonly number: GraphBigInt,
    readonly timestamp: GraphBigInt,
  ) {
    unsupported(this, "ethereum.Block", [
      "parentHash",
      "unclesHash",
      "author",
      "stateRoot",
      "transactionsRoot",
      "receiptsRoot",
      "gasUsed",
      "gasLimit",
      "difficulty",
      "totalDifficulty",
      "size",
      "baseFeePerGas",
    ]);
  }
}

export class EthereumTransaction {
  constructor(
    readonly hash: Bytes,
    readonly index: GraphBigInt,
  ) {
    unsupported(this, "ethereum.Transaction", ["from", "to", "value", "gasLimit", "gasPrice", "input", "nonce"]);
  }
}

export class EthereumEvent {
  readonly logType: string | null = null;
  readonly receipt = null;

  constructor(
    readonly address: Address,
    readonly logIndex: GraphBigInt,
    readonly block: EthereumBlock,
    readonly transaction: EthereumTransaction,
    readonly params: Record<string, unknown>,
  ) {
    unsupported(this, "ethereum.Event", ["parameters", "transactionLogIndex"]);
  }
}

/** Tuples reach mappings as objects with one property per component (the generated struct getters). */
export class EthereumTuple extends Array<unknown> {}
