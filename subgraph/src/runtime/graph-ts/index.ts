// What `import ... from "@graphprotocol/graph-ts"` gives a mapping in the local runtime: the subset of
// graph-ts the mapping rules allow (subgraph/README.md), bound to one runtime's store, data source and
// logger. Anything else a mapping reaches for fails loudly instead of quietly doing something else.
import { keccak256 } from "viem";
import type { SyncEntityStore } from "../entities.js";
import { MappingAbort, UnsupportedInLocalRuntime } from "./abort.js";
import { Address, ByteArray, Bytes } from "./bytes.js";
import { EthereumBlock, EthereumEvent, EthereumTransaction, EthereumTuple } from "./ethereum.js";
import { GraphBigInt } from "./numbers.js";

export { MappingAbort, UnsupportedInLocalRuntime } from "./abort.js";
export { Address, ByteArray, Bytes } from "./bytes.js";
export { EthereumBlock, EthereumEvent, EthereumTransaction } from "./ethereum.js";
export { GraphBigInt } from "./numbers.js";

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
  address: Address;
  context: Record<string, ContextEntry>;
}

export type LogLevel = "critical" | "error" | "warning" | "info" | "debug";

export interface GraphTsHost {
  store: SyncEntityStore;
  currentDataSource(): DataSourceInfo;
  log(level: LogLevel, message: string): void;
}

/** graph-ts's log format: each `{}` takes the next argument. */
export function formatLogMessage(message: string, args: readonly string[]): string {
  let i = 0;
  return message.replace(/\{\}/g, () => (i < args.length ? String(args[i++]) : "{}"));
}

class DataSourceContext {
  constructor(
    private readonly entries: Record<string, ContextEntry>,
    private readonly dataSource: string,
  ) {}

  private entry(key: string, type: ContextEntry["type"]): ContextEntry {
    const e = this.entries[key];
    if (!e) throw new MappingAbort(`data source ${this.dataSource}: no context key ${key}`);
    if (e.type !== type)
      throw new MappingAbort(`data source ${this.dataSource}: context ${key} is ${e.type}, not ${type}`);
    return e;
  }

  isSet(key: string): boolean {
    return key in this.entries;
  }

  getString(key: string): string {
    return String(this.entry(key, "String").data);
  }

  getI32(key: string): number {
    return Number(this.entry(key, "Int").data);
  }

  getBigInt(key: string): GraphBigInt {
    return GraphBigInt.fromString(String(this.entry(key, "BigInt").data));
  }

  getBoolean(key: string): boolean {
    return Boolean(this.entry(key, "Bool").data);
  }

  getBytes(key: string): Bytes {
    return Bytes.fromHexString(String(this.entry(key, "Bytes").data));
  }
}

export function createGraphTsModule(host: GraphTsHost): Record<string, unknown> {
  const logAt =
    (level: LogLevel) =>
    (message: string, args: readonly string[] = []): void => {
      const text = formatLogMessage(message, args);
      host.log(level, text);
      if (level === "critical") throw new MappingAbort(`log.critical: ${text}`);
    };
  const exports: Record<string, unknown> = {
    BigInt: GraphBigInt,
    ByteArray,
    Bytes,
    Address,
    ethereum: {
      Event: EthereumEvent,
      Block: EthereumBlock,
      Transaction: EthereumTransaction,
      Tuple: EthereumTuple,
    },
    store: {
      remove: (entity: string, id: string) => host.store.remove(entity, id),
    },
    log: {
      critical: logAt("critical"),
      error: logAt("error"),
      warning: logAt("warning"),
      info: logAt("info"),
      debug: logAt("debug"),
    },
    dataSource: {
      network: () => host.currentDataSource().network,
      address: () => host.currentDataSource().address,
      context: () => {
        const ds = host.currentDataSource();
        return new DataSourceContext(ds.context, ds.name);
      },
    },
    crypto: {
      keccak256: (input: Uint8Array) => ByteArray.fromHexString(keccak256(input)),
    },
  };
  return new Proxy(exports, {
    get(target, prop) {
      if (typeof prop === "symbol" || prop in target) return Reflect.get(target, prop);
      // Module interop probes these; they are not graph-ts exports.
      if (prop === "__esModule" || prop === "then" || prop === "default") return undefined;
      throw new UnsupportedInLocalRuntime(`graph-ts export ${prop}`);
    },
  });
}
