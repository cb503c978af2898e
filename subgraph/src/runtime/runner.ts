// Applies decoded logs to the entity tables with the subgraph's own mappings: per block, in log order,
// each log goes to the handler its data source's manifest entry names; the block's entity changes are
// written with their journal, and the chain's progress moves, in the batch's one transaction.
import type { SqlExecutor } from "@zk-vin/relayer";
import { type AbiEvent, type Hex, toEventSelector } from "viem";
import type { EntityDatabase } from "../store/entities.js";
import { EntityCache, EntityMiss } from "./cache.js";
import { createEntityClasses } from "./entities.js";
import { MappingAbort } from "./graph-ts/abort.js";
import { Address, Bytes } from "./graph-ts/bytes.js";
import { EthereumBlock, EthereumEvent, EthereumTransaction } from "./graph-ts/ethereum.js";
import { type ContextEntry, createGraphTsModule, type DataSourceInfo, type LogLevel } from "./graph-ts/index.js";
import { GraphBigInt } from "./graph-ts/numbers.js";
import { createMappingModules } from "./loader.js";
import { eventParams } from "./params.js";

/** A data source of one chain, as a manifest declares it. */
export interface DataSourceBinding {
  name: string;
  network: string;
  address: Hex;
  context: Record<string, ContextEntry>;
  /** Absolute path of the mapping file. */
  mappingFile: string;
  handlers: Array<{ event: AbiEvent; handler: string }>;
}

/** A log as the runner needs it (the chain watcher's decoded logs have these fields). */
export interface RunnerLog {
  address: Hex;
  topics: readonly Hex[];
  args: unknown;
  blockNumber: bigint;
  blockHash: Hex;
  blockTimestamp?: bigint | null | undefined;
  transactionHash: Hex;
  transactionIndex: number;
  logIndex: number;
}

/** A handler threw (not a cache miss): the block is not applied and the chain stops there. */
export class HandlerError extends Error {
  override readonly name = "HandlerError";
  constructor(
    readonly dataSource: string,
    readonly handler: string,
    readonly blockNumber: bigint,
    readonly transactionHash: Hex,
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
  subgraphDir: string;
  dataSources: readonly DataSourceBinding[];
  logger?: MappingLogger;
}

interface Route {
  dataSource: DataSourceBinding;
  info: DataSourceInfo;
  event: AbiEvent;
  handler: string;
  fn: (event: EthereumEvent) => void;
}

/** Bound on replays of one handler: each replay fetches one entity it had not seen. */
const MAX_REPLAYS = 10_000;

export class MappingRuntime {
  private readonly cache: EntityCache;
  private readonly routes = new Map<string, Route>();
  private current: DataSourceInfo | null = null;
  private pendingLogs: Array<{ level: LogLevel; message: string }> = [];

  constructor(private readonly options: MappingRuntimeOptions) {
    const { db } = options;
    this.cache = new EntityCache(db.model);
    const graphTs = createGraphTsModule({
      store: this.cache,
      currentDataSource: () => {
        if (!this.current) throw new MappingAbort("dataSource is only available inside an event handler");
        return this.current;
      },
      log: (level, message) => this.pendingLogs.push({ level, message }),
    });
    const modules = createMappingModules({
      subgraphDir: options.subgraphDir,
      graphTs,
      schemaExports: createEntityClasses(db.model, this.cache),
    });
    for (const ds of options.dataSources) {
      const exports = modules.exportsOf(ds.mappingFile);
      const info: DataSourceInfo = {
        name: ds.name,
        network: ds.network,
        address: Address.fromString(ds.address),
        context: ds.context,
      };
      for (const { event, handler } of ds.handlers) {
        const fn = exports[handler];
        if (typeof fn !== "function") {
          throw new MappingAbort(`${ds.mappingFile} does not export ${handler} (data source ${ds.name})`);
        }
        this.routes.set(routeKey(ds.address, toEventSelector(event)), {
          dataSource: ds,
          info,
          event,
          handler,
          fn: fn as Route["fn"],
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
    timestampOf: (block: bigint) => Promise<bigint>;
    /** Journal entries older than this block are dropped (they are past the reorg window). */
    keepJournalFrom: bigint;
  }): Promise<{ applied: number }> {
    const { db } = this.options;
    this.cache.clear();
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
          const block = logs[i]?.blockNumber ?? 0n;
          const timestamp = logs[i]?.blockTimestamp ?? (await batch.timestampOf(block));
          for (; i < logs.length && logs[i]?.blockNumber === block; i++) {
            await this.runHandler(tx, logs[i] as RunnerLog, timestamp);
          }
          await db.applyChanges(tx, { chainId: batch.chainId, block }, this.cache.takeBlockChanges());
        }
        if (done === null || batch.toBlock > done) await db.setProgress(tx, batch.chainId, batch.stream, batch.toBlock);
        await db.pruneJournal(tx, batch.chainId, batch.keepJournalFrom);
        return { applied: logs.length };
      });
    } finally {
      this.cache.clear();
    }
  }

  private async runHandler(tx: SqlExecutor, log: RunnerLog, timestamp: bigint): Promise<void> {
    const route = this.routes.get(routeKey(log.address, log.topics[0] as Hex)) as Route;
    const event = new EthereumEvent(
      route.info.address,
      GraphBigInt.fromI32(log.logIndex),
      new EthereumBlock(Bytes.fromHexString(log.blockHash), GraphBigInt.of(log.blockNumber), GraphBigInt.of(timestamp)),
      new EthereumTransaction(Bytes.fromHexString(log.transactionHash), GraphBigInt.fromI32(log.transactionIndex)),
      eventParams(route.event, log.args),
    );
    for (let attempt = 0; attempt < MAX_REPLAYS; attempt++) {
      this.cache.beginAttempt();
      this.pendingLogs = [];
      this.current = route.info;
      try {
        route.fn(event);
        this.cache.commitAttempt();
        this.flushLogs(route, log);
        return;
      } catch (error) {
        this.cache.rollbackAttempt();
        if (!(error instanceof EntityMiss)) {
          this.flushLogs(route, log);
          throw new HandlerError(
            route.dataSource.name,
            route.handler,
            log.blockNumber,
            log.transactionHash,
            log.logIndex,
            {
              cause: error,
            },
          );
        }
        this.cache.provide(error.entity, error.id, await this.options.db.load(error.entity, error.id, tx));
      } finally {
        this.current = null;
      }
    }
    throw new HandlerError(route.dataSource.name, route.handler, log.blockNumber, log.transactionHash, log.logIndex, {
      cause: new MappingAbort(`handler needed more than ${MAX_REPLAYS} entity loads`),
    });
  }

  private flushLogs(route: Route, log: RunnerLog): void {
    for (const { level, message } of this.pendingLogs) {
      this.options.logger?.log(level, message, {
        dataSource: route.dataSource.name,
        handler: route.handler,
        block: log.blockNumber.toString(),
        tx: log.transactionHash,
      });
    }
    this.pendingLogs = [];
  }
}

function routeKey(address: string, topic0: string): string {
  return `${address.toLowerCase()}:${topic0.toLowerCase()}`;
}
