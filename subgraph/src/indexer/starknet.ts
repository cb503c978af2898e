// The Starknet chain of a deployment in the local indexer: the Cairo spoke's events, watched with
// StarknetEventWatcher over starknet.js, applied by the Starknet mapping runtime with the module compiled
// from mappings/starknet-spoke.ts (decision 0067), into the same store as the EVM chains.
import type { CursorStore, Logger } from "@zk-vin/chain-kit";
import type { Deployment } from "@zk-vin/oracle-sdk/deployment";
import { RpcProvider } from "starknet";
import type { Hex } from "viem";
import { handlerName, STARKNET_DATA_SOURCE } from "../manifest/data-sources.js";
import { HandlerError, type MappingLogger } from "../runtime/runner.js";
import { type StarknetChainBlock, StarknetMappingRuntime, starknetSelector } from "../runtime/starknet-runner.js";
import { feltHex, type StarknetTransactionTypeName } from "../runtime/wasm/starknet.js";
import type { ChainIndexingState, StatusBlock } from "../server/status.js";
import type { EntityDatabase } from "../store/entities.js";
import { isBlockNotFound, rpcStarknetReader, StarknetEventWatcher } from "./starknet-watcher.js";

/** The Cairo spoke a deployment indexes (`deployment.starknet`, or IndexerOptions.starknet). */
export interface StarknetIndexSource {
  /** The Starknet network's name (a manifest's `network`: starknet-mainnet, starknet-sepolia, ...). */
  name: string;
  rpcUrl: string;
  /** The ZkVinStarknetSpoke's address. */
  spoke: string;
  /** The Starknet block the spoke was deployed in. */
  startBlock: number;
  /** The store's numeric key for this chain (default 0x534e, the hub's origin id for Starknet requests). */
  storeChainId?: number;
}

export const DEFAULT_STARKNET_STORE_CHAIN_ID = 0x534e;

export class StarknetSourceError extends Error {
  override readonly name = "StarknetSourceError";
  constructor(
    readonly field: string,
    readonly value: unknown,
    message: string,
  ) {
    super(`starknet.${field}=${JSON.stringify(value)}: ${message}`);
  }
}

/** The deployment's `starknet` section as an index source, or null when it has none. */
export function starknetSourceOf(deployment: Deployment): StarknetIndexSource | null {
  const s = deployment.starknet;
  if (s === undefined) return null;
  return checkStarknetSource({
    name: s.name as string,
    rpcUrl: s.rpcUrl as string,
    spoke: s.spoke as string,
    startBlock: s.startBlock as number,
    ...(s.storeChainId === undefined ? {} : { storeChainId: s.storeChainId as number }),
  });
}

export function checkStarknetSource(s: StarknetIndexSource): StarknetIndexSource {
  if (typeof s.name !== "string" || !/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(s.name))
    throw new StarknetSourceError("name", s.name, "must be letters, digits, '-' and '_'");
  if (typeof s.rpcUrl !== "string" || !/^https?:\/\//.test(s.rpcUrl))
    throw new StarknetSourceError("rpcUrl", s.rpcUrl, "must be an http(s) URL");
  let spoke: bigint;
  try {
    spoke = BigInt(s.spoke);
  } catch {
    throw new StarknetSourceError("spoke", s.spoke, "must be a felt (0x hex)");
  }
  if (spoke <= 0n || spoke >= 2n ** 251n) throw new StarknetSourceError("spoke", s.spoke, "not a contract address");
  if (!Number.isSafeInteger(s.startBlock) || s.startBlock < 0)
    throw new StarknetSourceError("startBlock", s.startBlock, "must be a non-negative integer");
  if (s.storeChainId !== undefined && (!Number.isSafeInteger(s.storeChainId) || s.storeChainId <= 0))
    throw new StarknetSourceError("storeChainId", s.storeChainId, "must be a positive integer");
  return { ...s, spoke: feltHex(spoke) };
}

const TX_TYPES: Record<string, StarknetTransactionTypeName> = {
  INVOKE: "INVOKE",
  INVOKE_FUNCTION: "INVOKE",
  L1_HANDLER: "L1_HANDLER",
  DECLARE: "DECLARE",
  DEPLOY: "DEPLOY",
  DEPLOY_ACCOUNT: "DEPLOY_ACCOUNT",
};

/** A block with its transactions' types, as starknet.Block and starknet.Transaction carry them. */
export async function fetchStarknetBlock(provider: RpcProvider, hash: string): Promise<StarknetChainBlock> {
  const b = (await provider.getBlockWithTxs(hash)) as {
    block_hash?: string;
    parent_hash: string;
    block_number?: number;
    timestamp: number;
    transactions: Array<{ transaction_hash: string; type: string }>;
  };
  if (b.block_hash === undefined || b.block_number === undefined) throw new Error(`Starknet block ${hash} is pending`);
  const transactionTypes = new Map<string, StarknetTransactionTypeName>();
  for (const t of b.transactions) {
    const type = TX_TYPES[t.type];
    if (!type) throw new Error(`Starknet transaction ${t.transaction_hash} has an unknown type ${t.type}`);
    transactionTypes.set(feltHex(t.transaction_hash), type);
  }
  return {
    header: {
      number: BigInt(b.block_number),
      hash: feltHex(b.block_hash),
      parentHash: feltHex(b.parent_hash),
      timestamp: BigInt(b.timestamp),
    },
    transactionTypes,
  };
}

export class StarknetChainIndexer {
  readonly stream: string;
  readonly storeChainId: number;
  readonly watcher: StarknetEventWatcher;
  failure: HandlerError | null = null;
  private readonly provider: RpcProvider;

  constructor(
    readonly source: StarknetIndexSource,
    options: {
      db: EntityDatabase;
      cursors: CursorStore;
      wasmFile: string;
      confirmations: number;
      pollIntervalMs: number;
      maxBlockRange: number;
      reorgWindow: number;
      log: Logger;
      mappingLogger: MappingLogger;
    },
  ) {
    const { db, log } = options;
    this.storeChainId = source.storeChainId ?? DEFAULT_STARKNET_STORE_CHAIN_ID;
    this.stream = `subgraph:${source.name}`;
    this.provider = new RpcProvider({ nodeUrl: source.rpcUrl });
    const reader = rpcStarknetReader(this.provider);
    const runtime = new StarknetMappingRuntime({
      db,
      dataSources: [
        {
          name: STARKNET_DATA_SOURCE.name,
          network: source.name,
          address: source.spoke,
          wasmFile: options.wasmFile,
          handlers: STARKNET_DATA_SOURCE.events.map((e) => ({ event: e, handler: handlerName(e) })),
        },
      ],
      logger: options.mappingLogger,
    });
    const blocks = new Map<string, StarknetChainBlock>();
    this.watcher = new StarknetEventWatcher({
      reader,
      store: options.cursors,
      chainId: this.storeChainId,
      stream: this.stream,
      address: source.spoke,
      selectors: STARKNET_DATA_SOURCE.events.map(starknetSelector),
      startBlock: source.startBlock,
      confirmations: options.confirmations,
      maxBlockRange: options.maxBlockRange,
      pollIntervalMs: options.pollIntervalMs,
      reorgWindow: options.reorgWindow,
      logger: log,
      onEvents: async (batch) => {
        try {
          await runtime.applyBatch({
            chainId: this.storeChainId,
            stream: this.stream,
            toBlock: batch.toBlock,
            events: batch.events,
            blockOf: async (_number, hash) => {
              let block = blocks.get(hash);
              if (block === undefined) {
                block = await fetchStarknetBlock(this.provider, hash);
                blocks.clear();
                blocks.set(hash, block);
              }
              return block;
            },
          });
          this.failure = null;
        } catch (error) {
          if (error instanceof HandlerError) this.failure = error;
          throw error;
        }
      },
      // Deeper than the window: the newest indexed block the chain still has (binary search, as for EVM chains).
      resolveDeepReorg: async () => {
        const indexed = await db.indexedBlocks(this.storeChainId);
        let found: { number: bigint; hash: Hex } | null = null;
        let lo = 0;
        let hi = indexed.length - 1;
        while (lo <= hi) {
          const mid = (lo + hi) >> 1;
          const b = indexed[mid] as { number: bigint; hash: string };
          const onChain = await reader.blockHash(Number(b.number));
          if (onChain !== null && feltHex(onChain) === b.hash) {
            found = { number: b.number, hash: b.hash as Hex };
            lo = mid + 1;
          } else hi = mid - 1;
        }
        log.warn(
          { chain: source.name, forkPoint: found?.number.toString() ?? null },
          "Starknet reorg deeper than the watcher's window: reverting the index to the fork point",
        );
        return found;
      },
      onRewind: async (event) => {
        const undone = await db.rewind(this.storeChainId, this.stream, event.toBlock);
        log.warn(
          { chain: source.name, toBlock: event.toBlock?.toString() ?? null, undone },
          "reorg: entity changes undone",
        );
      },
    });
  }

  /** What graph-node's index-node API reports for this chain. */
  async indexingState(db: EntityDatabase, confirmations: number): Promise<ChainIndexingState> {
    const watcher = this.watcher.status();
    const progress = await db.progress(this.storeChainId, this.stream);
    const header = async (number: bigint | null): Promise<StatusBlock | null> => {
      try {
        const n = number === null ? await this.provider.getBlockNumber() : Number(number);
        const b = (await this.provider.getBlockWithTxHashes(n)) as {
          block_hash?: string;
          parent_hash: string;
          timestamp: number;
        };
        if (b.block_hash === undefined) return null;
        return {
          number: BigInt(n),
          hash: feltHex(b.block_hash),
          timestamp: BigInt(b.timestamp),
          parentHash: feltHex(b.parent_hash),
        };
      } catch (error) {
        if (number !== null && !isBlockNotFound(error))
          return { number, hash: null, timestamp: null, parentHash: null };
        return null;
      }
    };
    const latestBlock = progress === null ? null : await header(progress);
    const chainHeadBlock = await header(null);
    const start = BigInt(this.source.startBlock);
    const earliest = await header(start);
    const synced =
      chainHeadBlock !== null &&
      (progress ?? start - 1n) >= chainHeadBlock.number - BigInt(confirmations) &&
      this.failure === null;
    const fatalError = this.failure
      ? {
          message: this.failure.message,
          handler: `${this.failure.dataSource}.${this.failure.handler}`,
          block: { number: this.failure.blockNumber, hash: null },
          deterministic: true,
        }
      : watcher.state === "failed"
        ? {
            message: watcher.lastError ?? "the Starknet watcher stopped",
            handler: null,
            block: null,
            deterministic: false,
          }
        : null;
    return {
      network: this.source.name,
      chainId: this.storeChainId,
      earliestBlock: { number: start, hash: earliest?.hash ?? null },
      latestBlock,
      chainHeadBlock,
      synced,
      health: fatalError ? "failed" : watcher.consecutiveFailures > 0 ? "unhealthy" : "healthy",
      fatalError,
      reorgs: watcher.reorgs,
    };
  }
}
