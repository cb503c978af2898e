// Applies decoded logs to the entity tables with the subgraph's compiled mappings (the WebAssembly
// `graph build` writes): per block, in log order, each log goes to the handler its data source's
// manifest entry names, run as graph-node runs it (a fresh instance of the data source's module per
// handler call, graph-node's host functions, an ethereum.Event built from the log, its block and its
// transaction); the block's entity changes are written with their versions and the block's hash, and the
// chain's progress moves, in the batch's one transaction.
import { readFileSync } from "node:fs";
import type { SqlExecutor } from "@zk-vin/chain-kit";
import { type AbiEvent, type Hex, toEventSelector } from "viem";
import type { EntityDatabase } from "../store/entities.js";
import { EntityCache, EntityMiss, RelatedMiss } from "./cache.js";
import { MappingAbort } from "./values.js";
import { AscHeap } from "./wasm/asc.js";
import type { BlockHeader, TransactionFields } from "./wasm/ethereum.js";
import { newEthereumEvent } from "./wasm/ethereum.js";
import { type ContextEntry, createImports, type DataSourceInfo, type LogLevel } from "./wasm/host.js";

/** A data source of one chain, as a manifest declares it. */
export interface DataSourceBinding {
  name: string;
  network: string;
  address: Hex;
  context: Record<string, ContextEntry>;
  /** Absolute path of the data source's compiled mapping (`build/<chain>/<Name>/<Name>.wasm`). */
  wasmFile: string;
  handlers: Array<{ event: AbiEvent; handler: string }>;
}

/** A log as the runner needs it (the chain watcher's decoded logs have these fields). */
export interface RunnerLog {
  address: Hex;
  topics: readonly Hex[];
  args: unknown;
  blockNumber: bigint;
  blockHash: Hex;
  transactionHash: Hex;
  transactionIndex: number;
  logIndex: number;
}

/** A block as ethereum.Block and ethereum.Transaction need it. */
export interface ChainBlock {
  header: BlockHeader;
  transactions: readonly TransactionFields[];
}

/** A handler threw (not a cache miss): the block is not applied and the chain stops there. */
export class HandlerError extends Error {
  override readonly name = "HandlerError";
  constructor(
    readonly dataSource: string,
    readonly handler: string,
    readonly blockNumber: bigint,
    readonly transactionHash: string,
    readonly logIndex: number,
    options: { cause: unknown },
  ) {
    const reason = options.cause instanceof Error ? options.cause.message : String(options.cause);
    super(
      `${dataSource}.${handler} failed at block ${blockNumber}, tx ${transactionHash}, log ${logIndex}: ${reason}`,
      options,
    );
  }
}

export interface MappingLogger {
  log(level: LogLevel, message: string, context: Record<string, unknown>): void;
}

export interface MappingRuntimeOptions {
  db: EntityDatabase;
  dataSources: readonly DataSourceBinding[];
  logger?: MappingLogger;
}

interface Route extends HandlerRoute {
  dataSource: DataSourceBinding;
  event: AbiEvent;
}

/** A compiled handler of one data source: what a trigger runs. */
export interface HandlerRoute {
  dataSourceName: string;
  handler: string;
  module: WebAssembly.Module;
  info: DataSourceInfo;
}

/** Where a trigger is (for errors and mapping logs). */
export interface TriggerPosition {
  blockNumber: bigint;
  transactionHash: string;
  logIndex: number;
}

/** Bound on replays of one handler: each replay fetches one entity (or related set) it had not seen. */
const MAX_REPLAYS = 10_000;

/**
 * Runs handlers as graph-node does, whatever the chain: a fresh instance of the data source's module per
 * call, graph-node's host functions over the entity cache, the trigger object built in the instance's
 * memory; an entity the cache lacks aborts the attempt, is loaded, and the handler runs again.
 */
export class HandlerRunner {
  readonly cache: EntityCache;
  private pendingLogs: Array<{ level: LogLevel; message: string }> = [];

  constructor(
    private readonly db: EntityDatabase,
    private readonly logger?: MappingLogger,
  ) {
    this.cache = new EntityCache(db.model);
  }

  async run(
    tx: SqlExecutor,
    route: HandlerRoute,
    at: TriggerPosition,
    makeTrigger: (heap: AscHeap) => number,
  ): Promise<void> {
    const fail = (cause: unknown) =>
      new HandlerError(route.dataSourceName, route.handler, at.blockNumber, at.transactionHash, at.logIndex, {
        cause,
      });
    for (let attempt = 0; attempt < MAX_REPLAYS; attempt++) {
      this.cache.beginAttempt();
      this.pendingLogs = [];
      try {
        this.invoke(route, makeTrigger);
        this.cache.commitAttempt();
        this.flushLogs(route, at);
        return;
      } catch (error) {
        this.cache.rollbackAttempt();
        if (error instanceof EntityMiss) {
          this.cache.provide(error.entity, error.id, await this.db.load(error.entity, error.id, tx));
          continue;
        }
        if (error instanceof RelatedMiss) {
          const records = await this.db.loadRelated(error.entity, error.field, error.list, error.id, tx);
          this.cache.provideRelated(error, records);
          continue;
        }
        this.flushLogs(route, at);
        throw fail(error);
      }
    }
    throw fail(new MappingAbort(`handler needed more than ${MAX_REPLAYS} entity loads`));
  }

  /** One handler call on a fresh instance of the data source's module, as graph-node makes one per trigger. */
  private invoke(route: HandlerRoute, makeTrigger: (heap: AscHeap) => number): void {
    let heap: AscHeap | null = null;
    const imports = createImports(
      route.module,
      () => {
        if (!heap) throw new MappingAbort("a host function was called while the module was being instantiated");
        return heap;
      },
      {
        model: this.db.model,
        store: this.cache,
        dataSource: route.info,
        log: (level, message) => this.pendingLogs.push({ level, message }),
      },
    );
    const instance = new WebAssembly.Instance(route.module, imports);
    heap = new AscHeap(instance);
    const start = instance.exports._start;
    if (typeof start === "function") start();
    const trigger = makeTrigger(heap);
    const fn = instance.exports[route.handler] as (trigger: number) => void;
    fn(trigger);
  }

  private flushLogs(route: HandlerRoute, at: TriggerPosition): void {
    for (const { level, message } of this.pendingLogs) {
      this.logger?.log(level, message, {
        dataSource: route.dataSourceName,
        handler: route.handler,
        block: at.blockNumber.toString(),
        tx: at.transactionHash,
      });
    }
    this.pendingLogs = [];
  }
}

/** Compiles (once per file) and checks that a module exports the handlers its data source names. */
export function loadModules(
  sources: ReadonlyArray<{ name: string; wasmFile: string; handlers: readonly string[] }>,
): Map<string, WebAssembly.Module> {
  const modules = new Map<string, WebAssembly.Module>();
  for (const ds of sources) {
    let module = modules.get(ds.wasmFile);
    if (!module) {
      module = new WebAssembly.Module(readFileSync(ds.wasmFile));
      modules.set(ds.wasmFile, module);
    }
    const exported = new Set(WebAssembly.Module.exports(module).map((e) => e.name));
    for (const handler of ds.handlers) {
      if (!exported.has(handler)) {
        throw new MappingAbort(`${ds.wasmFile} does not export ${handler} (data source ${ds.name})`);
      }
    }
  }
  return modules;
}

export class MappingRuntime {
  private readonly runner: HandlerRunner;
  private readonly routes = new Map<string, Route>();

  constructor(private readonly options: MappingRuntimeOptions) {
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
      const info: DataSourceInfo = { name: ds.name, network: ds.network, address: ds.address, context: ds.context };
      for (const { event, handler } of ds.handlers) {
        this.routes.set(routeKey(ds.address, toEventSelector(event)), {
          dataSource: ds,
          dataSourceName: ds.name,
          info,
          module,
          event,
          handler,
        });
      }
    }
  }

  /** True when some data source handles this log. */
  handles(log: Pick<RunnerLog, "address" | "topics">): boolean {
    const topic = log.topics[0];
    return topic !== undefined && this.routes.has(routeKey(log.address, topic));
  }

  /**
   * Applies the logs of blocks (progress, toBlock] of one chain in one transaction, skipping blocks the
   * tables already hold, and records toBlock as the chain's progress.
   */
  async applyBatch(batch: {
    chainId: number;
    stream: string;
    toBlock: bigint;
    logs: readonly RunnerLog[];
    /** The block a log is in (by number and hash), with its transactions. */
    blockOf: (number: bigint, hash: Hex) => Promise<ChainBlock>;
  }): Promise<{ applied: number }> {
    const { db } = this.options;
    const cache = this.runner.cache;
    cache.clear();
    try {
      return await db.sql.transaction(async (tx) => {
        const done = await db.progress(batch.chainId, batch.stream, tx);
        const logs = batch.logs
          .filter((l) => (done === null || l.blockNumber > done) && this.handles(l))
          .sort((a, b) =>
            a.blockNumber === b.blockNumber ? a.logIndex - b.logIndex : a.blockNumber < b.blockNumber ? -1 : 1,
          );
        let i = 0;
        while (i < logs.length) {
          const first = logs[i] as RunnerLog;
          const block = first.blockNumber;
          const chainBlock = await batch.blockOf(block, first.blockHash);
          for (; i < logs.length && logs[i]?.blockNumber === block; i++) {
            await this.runHandler(tx, logs[i] as RunnerLog, chainBlock);
          }
          await db.applyChanges(
            tx,
            { chainId: batch.chainId, block, hash: first.blockHash, timestamp: chainBlock.header.timestamp },
            cache.takeBlockChanges(),
          );
        }
        if (done === null || batch.toBlock > done) await db.setProgress(tx, batch.chainId, batch.stream, batch.toBlock);
        return { applied: logs.length };
      });
    } finally {
      cache.clear();
    }
  }

  private async runHandler(tx: SqlExecutor, log: RunnerLog, block: ChainBlock): Promise<void> {
    const route = this.routes.get(routeKey(log.address, log.topics[0] as Hex)) as Route;
    const at = { blockNumber: log.blockNumber, transactionHash: log.transactionHash, logIndex: log.logIndex };
    const transaction = block.transactions.find((t) => t.hash.toLowerCase() === log.transactionHash.toLowerCase());
    if (!transaction) {
      throw new HandlerError(route.dataSourceName, route.handler, log.blockNumber, log.transactionHash, log.logIndex, {
        cause: new MappingAbort(`transaction ${log.transactionHash} is not in block ${block.header.hash}`),
      });
    }
    await this.runner.run(tx, route, at, (heap) =>
      newEthereumEvent(heap, {
        address: route.info.address,
        logIndex: BigInt(log.logIndex),
        transactionLogIndex: BigInt(log.logIndex),
        block: block.header,
        transaction,
        event: route.event,
        args: log.args,
      }),
    );
  }
}

function routeKey(address: string, topic0: string): string {
  return `${address.toLowerCase()}:${topic0.toLowerCase()}`;
}
