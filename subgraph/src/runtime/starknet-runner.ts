// Applies a Cairo contract's events to the entity tables with its data source's compiled mapping, as
// graph-node's Starknet chain ran `kind: starknet` data sources: an event goes to the handler whose
// `event` name's selector (starknet_keccak of the name) equals the event's first key, when it was emitted
// by the data source's address; the handler receives a starknet.Event. Per block, in event order; the
// block's entity changes are written with their versions and the block's hash, and the chain's progress
// moves, in the batch's one transaction (as runner.ts does for EVM chains).
import type { SqlExecutor } from "@zk-vin/chain-kit";
import { hash } from "starknet";
import type { Hex } from "viem";
import type { EntityDatabase } from "../store/entities.js";
import { HandlerError, type HandlerRoute, HandlerRunner, loadModules, type MappingLogger } from "./runner.js";
import { MappingAbort } from "./values.js";
import {
  feltHex,
  newStarknetEvent,
  type StarknetBlockHeader,
  type StarknetTransactionTypeName,
} from "./wasm/starknet.js";

/** A Starknet data source as a manifest declares it (`kind: starknet`). */
export interface StarknetDataSourceBinding {
  name: string;
  network: string;
  /** The contract's address (a felt). */
  address: string;
  wasmFile: string;
  /** Event names (the selector is starknet_keccak of the name) and their handlers. */
  handlers: ReadonlyArray<{ event: string; handler: string }>;
}

/** An emitted event as starknet_getEvents returns it, with its position in its block's events. */
export interface StarknetRunnerEvent {
  fromAddress: string;
  keys: readonly string[];
  data: readonly string[];
  blockNumber: bigint;
  blockHash: string;
  transactionHash: string;
  /** Order of the event among the batch's events of its block. */
  index: number;
}

/** A block as starknet.Block and starknet.Transaction need it. */
export interface StarknetChainBlock {
  header: StarknetBlockHeader;
  /** Transaction types by hash (felt hex, 64 digits). */
  transactionTypes: ReadonlyMap<string, StarknetTransactionTypeName>;
}

interface StarknetRoute extends HandlerRoute {
  event: string;
}

/** The selector of a Cairo event (or function) name: starknet_keccak, as graph-node computed it. */
export function starknetSelector(name: string): string {
  return feltHex(hash.getSelectorFromName(name));
}

export class StarknetMappingRuntime {
  private readonly runner: HandlerRunner;
  private readonly routes = new Map<string, StarknetRoute>();

  constructor(
    private readonly options: {
      db: EntityDatabase;
      dataSources: readonly StarknetDataSourceBinding[];
      logger?: MappingLogger;
    },
  ) {
    this.runner = new HandlerRunner(options.db, options.logger);
    const modules = loadModules(
      options.dataSources.map((ds) => ({
        name: ds.name,
        wasmFile: ds.wasmFile,
        handlers: ds.handlers.map((h) => h.handler),
      })),
    );
    for (const ds of options.dataSources) {
      const module = modules.get(ds.wasmFile) as WebAssembly.Module;
      const address = feltHex(ds.address);
      for (const { event, handler } of ds.handlers) {
        this.routes.set(routeKey(address, starknetSelector(event)), {
          dataSourceName: ds.name,
          handler,
          module,
          event,
          // graph-node's Starknet data sources have no context.
          info: { name: ds.name, network: ds.network, address: address as Hex, context: {} },
        });
      }
    }
  }

  /** True when some data source handles this event (emitted by its address, first key its selector). */
  handles(event: Pick<StarknetRunnerEvent, "fromAddress" | "keys">): boolean {
    return this.route(event) !== undefined;
  }

  private route(event: Pick<StarknetRunnerEvent, "fromAddress" | "keys">): StarknetRoute | undefined {
    const selector = event.keys[0];
    if (selector === undefined) return undefined;
    return this.routes.get(routeKey(feltHex(event.fromAddress), feltHex(selector)));
  }

  /**
   * Applies the events of blocks (progress, toBlock] of one chain in one transaction, skipping blocks
   * the tables already hold, and records toBlock as the chain's progress.
   */
  async applyBatch(batch: {
    chainId: number;
    stream: string;
    toBlock: bigint;
    events: readonly StarknetRunnerEvent[];
    blockOf: (number: bigint, hash: string) => Promise<StarknetChainBlock>;
  }): Promise<{ applied: number }> {
    const { db } = this.options;
    const cache = this.runner.cache;
    cache.clear();
    try {
      return await db.sql.transaction(async (tx) => {
        const done = await db.progress(batch.chainId, batch.stream, tx);
        const events = batch.events
          .filter((e) => (done === null || e.blockNumber > done) && this.handles(e))
          .sort((a, b) =>
            a.blockNumber === b.blockNumber ? a.index - b.index : a.blockNumber < b.blockNumber ? -1 : 1,
          );
        let i = 0;
        while (i < events.length) {
          const first = events[i] as StarknetRunnerEvent;
          const block = first.blockNumber;
          const chainBlock = await batch.blockOf(block, first.blockHash);
          if (feltHex(chainBlock.header.hash) !== feltHex(first.blockHash)) {
            throw new MappingAbort(`block ${block} is ${chainBlock.header.hash}, its events say ${first.blockHash}`);
          }
          for (; i < events.length && events[i]?.blockNumber === block; i++) {
            await this.runHandler(tx, events[i] as StarknetRunnerEvent, chainBlock);
          }
          await db.applyChanges(
            tx,
            {
              chainId: batch.chainId,
              block,
              hash: feltHex(first.blockHash),
              timestamp: chainBlock.header.timestamp,
            },
            cache.takeBlockChanges(),
          );
        }
        if (done === null || batch.toBlock > done) await db.setProgress(tx, batch.chainId, batch.stream, batch.toBlock);
        return { applied: events.length };
      });
    } finally {
      cache.clear();
    }
  }

  private async runHandler(tx: SqlExecutor, event: StarknetRunnerEvent, block: StarknetChainBlock): Promise<void> {
    const route = this.route(event) as StarknetRoute;
    const at = { blockNumber: event.blockNumber, transactionHash: event.transactionHash, logIndex: event.index };
    const type = block.transactionTypes.get(feltHex(event.transactionHash));
    if (!type) {
      throw new HandlerError(route.dataSourceName, route.handler, at.blockNumber, at.transactionHash, at.logIndex, {
        cause: new MappingAbort(`transaction ${event.transactionHash} is not in block ${block.header.hash}`),
      });
    }
    await this.runner.run(tx, route, at, (heap) =>
      newStarknetEvent(heap, {
        fromAddress: event.fromAddress,
        keys: event.keys,
        data: event.data,
        block: block.header,
        transaction: { type, hash: event.transactionHash },
      }),
    );
  }
}

function routeKey(address: string, selector: string): string {
  return `${address}:${selector}`;
}
