// The local indexer: for the hub and every spoke of a deployment, the relayer's ChainWatcher (persisted
// cursor, confirmations, reorg detection) delivers the data sources' logs, and the mapping runtime applies
// them to the entity tables with the subgraph's own mappings. Rewinds undo the replaced blocks' changes.
import { readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  ChainWatcher,
  type CursorStore,
  type Logger,
  openStore,
  type Store,
  type StoreConfig,
  silentLogger,
  type WatcherStatus,
} from "@zk-vin/chain-kit";
import type { DeployedChain, Deployment } from "@zk-vin/oracle-sdk/deployment";
import { loadDeployment } from "@zk-vin/oracle-sdk/node";
import {
  type Abi,
  type AbiEvent,
  BlockNotFoundError,
  createPublicClient,
  defineChain,
  type Hex,
  http,
  type PublicClient,
  toEventSelector,
} from "viem";
import { GraphQLError } from "../graphql-js.js";
import {
  DATA_SOURCE_TEMPLATES,
  dataSourcesFor,
  handlerName,
  MODULE_NAMES,
  STARKNET_DATA_SOURCE,
  templateEvent,
} from "../manifest/data-sources.js";
import { writeManifests } from "../manifest/generate.js";
import {
  type ChainBlock,
  type DataSourceBinding,
  HandlerError,
  type MappingLogger,
  MappingRuntime,
  type RunnerLog,
} from "../runtime/runner.js";
import { compileManifest, findBuiltWasm, mappingInputsHash, withBuildLock } from "../runtime/wasm/compile.js";
import { parseSchemaModel, type SchemaModel } from "../schema/model.js";
import type { IndexStatus } from "../server/executable-schema.js";
import type { BlockAt } from "../server/sql-query.js";
import type { ChainIndexingState, StatusBlock, SubgraphIndexingState } from "../server/status.js";
import { EntityDatabase, indexFingerprint } from "../store/entities.js";
import { type DatabaseConfig, openSqlClient } from "../store/sql.js";
import {
  checkStarknetSource,
  StarknetChainIndexer,
  type StarknetIndexSource,
  StarknetSourceError,
  starknetSourceOf,
} from "./starknet.js";

export const subgraphDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");

export class IndexerConfigError extends Error {
  override readonly name = "IndexerConfigError";
  constructor(
    readonly field: string,
    readonly value: unknown,
    message: string,
  ) {
    super(`${field}=${JSON.stringify(value)}: ${message}`);
  }
}

export interface IndexerOptions {
  deployment: Deployment;
  /** Where entities and cursors live: in memory, a PGlite data directory, or Postgres. */
  database: DatabaseConfig;
  /** RPC URL per chain name; chains without one use the deployment's rpcUrl. */
  rpcUrls?: Record<string, string>;
  /** Blocks built on top of a block before its logs are indexed (0 on a local devnet). */
  confirmations?: number;
  pollIntervalMs?: number;
  maxBlockRange?: number;
  /** Processed blocks the watcher remembers for reorg detection; deeper reorgs are resolved from the
   * hashes of the indexed blocks (the index reverts to any depth). */
  reorgWindow?: number;
  /** Re-index from the start when the tables were built by another schema or mapping version. */
  reset?: boolean;
  /**
   * The Cairo spoke to index on Starknet; default: the deployment's `starknet` section (none: no Starknet
   * chain). null leaves Starknet out.
   */
  starknet?: StarknetIndexSource | null;
  logger?: Logger;
}

export interface ChainIndexStatus extends WatcherStatus {
  name: string;
  /** Why indexing of this chain is stuck (a mapping failed deterministically), or null. */
  indexingError: string | null;
}

interface ChainIndexer {
  chain: DeployedChain;
  stream: string;
  client: PublicClient;
  watcher: ChainWatcher<Abi>;
  /** The mapping failure that stops this chain (it happens again on every retry), or null. */
  failure: HandlerError | null;
}

export function loadSchemaModel(dir = subgraphDir): SchemaModel {
  return parseSchemaModel(readFileSync(path.join(dir, "schema.graphql"), "utf8"));
}

/** The hash of the sources the mappings' WebAssembly is compiled from (see runtime/wasm/compile.ts). */
export function currentMappingInputsHash(dir = subgraphDir): string {
  return mappingInputsHash(dir, Object.fromEntries(DATA_SOURCE_TEMPLATES.map((t) => [t.name, t.abi])));
}

/**
 * The committed deployment that declares every data source (`npm run build` builds it when there is no
 * deployments/local.json); the modules do not depend on a deployment's addresses or networks.
 */
export const exampleDeploymentPath = path.join(subgraphDir, "networks", "example.json");

/**
 * The compiled mapping of every data source, by name: from a `build/` folder built from the current
 * sources (`npm run build` writes them), else compiled now, whatever deployment is indexed, from the
 * codegen manifest of the example deployment (every data source, hub and spoke, once) into
 * `build/local-<hash>` (about a minute with graph-cli).
 */
export async function mappingWasmFiles(
  options: { log?: Logger; buildDir?: string } = {},
): Promise<Map<string, string>> {
  const log = options.log ?? silentLogger;
  const names = MODULE_NAMES;
  const hash = currentMappingInputsHash();
  const buildDir = options.buildDir ?? path.join(subgraphDir, "build");
  const complete = (found: Map<string, string>) => names.every((n) => found.has(n));
  let found = findBuiltWasm(buildDir, hash, names);
  if (complete(found)) return found;
  await withBuildLock(path.join(buildDir, ".lock"), async () => {
    found = findBuiltWasm(buildDir, hash, names);
    if (complete(found)) return;
    const t0 = Date.now();
    const manifestsDir = `.wasm-manifests-${process.pid}`;
    try {
      const { codegen } = writeManifests({
        deployment: loadDeployment(exampleDeploymentPath),
        outDir: path.join(subgraphDir, manifestsDir),
      });
      await compileManifest({
        subgraphDir,
        manifest: path.relative(subgraphDir, codegen),
        outDir: path.relative(subgraphDir, path.join(buildDir, `local-${hash.slice(0, 12)}`)),
        inputsHash: hash,
        modules: [{ name: STARKNET_DATA_SOURCE.name, mapping: STARKNET_DATA_SOURCE.mapping }],
      });
    } finally {
      rmSync(path.join(subgraphDir, manifestsDir), { recursive: true, force: true });
    }
    log.info({ ms: Date.now() - t0 }, "mappings compiled to WebAssembly with graph-cli");
    found = findBuiltWasm(buildDir, hash, names);
  });
  const missing = names.filter((n) => !found.has(n));
  if (missing.length > 0)
    throw new IndexerConfigError("build", missing, "graph build wrote no module for these data sources");
  return found;
}

function bindings(deployment: Deployment, chain: DeployedChain, wasm: Map<string, string>): DataSourceBinding[] {
  return dataSourcesFor(deployment, chain).map((ds) => ({
    name: ds.template.name,
    network: chain.name,
    address: ds.address,
    context: ds.context,
    wasmFile: wasm.get(ds.template.name) as string,
    handlers: ds.template.events.map((e) => ({ event: templateEvent(ds.template, e), handler: handlerName(e) })),
  }));
}

function watchedAbi(sources: DataSourceBinding[]): Abi {
  const bySelector = new Map<Hex, AbiEvent>();
  for (const ds of sources) for (const h of ds.handlers) bySelector.set(toEventSelector(h.event), h.event);
  return [...bySelector.values()];
}

function storeConfig(db: DatabaseConfig): StoreConfig {
  if (db.kind === "postgres") return { kind: "postgres", url: db.url };
  if (db.kind === "pglite") return { kind: "pglite", dataDir: path.join(db.dataDir, "cursors") };
  return { kind: "memory" };
}

function entityConfig(db: DatabaseConfig): DatabaseConfig {
  return db.kind === "pglite" ? { kind: "pglite", dataDir: path.join(db.dataDir, "entities") } : db;
}

export class SubgraphIndexer {
  private constructor(
    readonly db: EntityDatabase,
    private readonly cursors: Store,
    private readonly chains: ChainIndexer[],
    private readonly deployment: Deployment,
    private readonly confirmations: number,
    private readonly starknet: StarknetChainIndexer | null,
  ) {}

  static async open(options: IndexerOptions): Promise<SubgraphIndexer> {
    const { deployment } = options;
    const log = options.logger ?? silentLogger;
    const confirmations = options.confirmations ?? 0;
    const reorgWindow = options.reorgWindow ?? 64;
    const model = loadSchemaModel();
    const fingerprint = indexFingerprint(model, [currentMappingInputsHash()]);
    // The cursor store comes first: on a PGlite directory it takes the lock that keeps a second
    // indexer process away from both databases.
    const wasm = await mappingWasmFiles({ log });
    const cursors = await openStore(storeConfig(options.database));
    let sql: Awaited<ReturnType<typeof openSqlClient>> | null = null;
    try {
      sql = await openSqlClient(entityConfig(options.database));
      const db = await EntityDatabase.open({ sql, model, fingerprint, reset: options.reset ?? false });
      const chains: ChainIndexer[] = [];
      for (const chain of [deployment.hub, ...deployment.spokes]) {
        const sources = bindings(deployment, chain, wasm);
        if (sources.length === 0) continue;
        const rpcUrl = options.rpcUrls?.[chain.name] ?? chain.rpcUrl;
        if (!rpcUrl) throw new IndexerConfigError(`rpcUrls.${chain.name}`, rpcUrl, "no RPC URL for this chain");
        const client = createPublicClient({
          chain: defineChain({
            id: chain.chainId,
            name: chain.name,
            nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
            rpcUrls: { default: { http: [rpcUrl] } },
          }),
          transport: http(rpcUrl),
          cacheTime: 0,
        }) as PublicClient;
        const stream = `subgraph:${chain.name}`;
        await reconcile(db, cursors, { chainId: chain.chainId, stream });
        const runtime = new MappingRuntime({
          db,
          dataSources: sources,
          logger: mappingLogger(log.child({ chain: chain.name })),
        });
        const entry = {} as ChainIndexer;
        const blocks = new Map<Hex, ChainBlock>();
        const watcher = new ChainWatcher<Abi>({
          client,
          chainId: chain.chainId,
          stream,
          address: sources.map((s) => s.address),
          abi: watchedAbi(sources),
          store: cursors,
          confirmations,
          startBlock: BigInt(chain.startBlock),
          maxBlockRange: options.maxBlockRange ?? 2000,
          pollIntervalMs: options.pollIntervalMs ?? 500,
          reorgWindow,
          logger: log,
          onLogs: async (batch) => {
            try {
              await runtime.applyBatch({
                chainId: chain.chainId,
                stream,
                toBlock: batch.toBlock,
                logs: batch.logs as unknown as RunnerLog[],
                blockOf: async (_number, hash) => {
                  let block = blocks.get(hash);
                  if (block === undefined) {
                    block = await fetchChainBlock(client, hash);
                    blocks.clear();
                    blocks.set(hash, block);
                  }
                  return block;
                },
              });
              entry.failure = null;
            } catch (error) {
              if (error instanceof HandlerError) entry.failure = error;
              throw error;
            }
          },
          // Deeper than the window: the newest indexed block the chain still has. A block on the chain
          // implies its ancestors are, so a binary search over the indexed blocks finds it.
          resolveDeepReorg: async () => {
            const indexed = await db.indexedBlocks(chain.chainId);
            let found: { number: bigint; hash: Hex } | null = null;
            let lo = 0;
            let hi = indexed.length - 1;
            while (lo <= hi) {
              const mid = (lo + hi) >> 1;
              const b = indexed[mid] as { number: bigint; hash: string };
              const onChain = await client
                .getBlock({ blockNumber: b.number })
                .then((x) => x.hash)
                .catch((error: unknown) => {
                  // A block number past the new head: not on the chain. Other failures are retried.
                  if (error instanceof BlockNotFoundError) return null;
                  throw error;
                });
              if (onChain === b.hash) {
                found = { number: b.number, hash: b.hash as Hex };
                lo = mid + 1;
              } else hi = mid - 1;
            }
            log.warn(
              { chain: chain.name, forkPoint: found?.number.toString() ?? null, indexedBlocks: indexed.length },
              "reorg deeper than the watcher's window: reverting the index to the fork point",
            );
            return found;
          },
          onRewind: async (event) => {
            const undone = await db.rewind(chain.chainId, stream, event.toBlock);
            log.warn(
              { chain: chain.name, toBlock: event.toBlock?.toString() ?? null, undone },
              "reorg: entity changes undone",
            );
          },
        });
        Object.assign(entry, { chain, stream, client, watcher, failure: null });
        chains.push(entry);
      }
      let starknet: StarknetChainIndexer | null = null;
      const source =
        options.starknet === undefined
          ? starknetSourceOf(deployment)
          : options.starknet === null
            ? null
            : checkStarknetSource(options.starknet);
      if (source) {
        const rpcUrl = options.rpcUrls?.[source.name] ?? source.rpcUrl;
        starknet = new StarknetChainIndexer(
          { ...source, rpcUrl },
          {
            db,
            cursors,
            wasmFile: wasm.get(STARKNET_DATA_SOURCE.name) as string,
            confirmations,
            pollIntervalMs: options.pollIntervalMs ?? 500,
            maxBlockRange: options.maxBlockRange ?? 2000,
            reorgWindow,
            log: log.child({ chain: source.name }),
            mappingLogger: mappingLogger(log.child({ chain: source.name })),
          },
        );
        const taken = [deployment.hub, ...deployment.spokes].find((c) => c.chainId === starknet?.storeChainId);
        if (taken) {
          throw new StarknetSourceError(
            "storeChainId",
            starknet.storeChainId,
            `chain ${taken.name} has this chain id; give the Starknet chain another store key`,
          );
        }
        await reconcile(db, cursors, { chainId: starknet.storeChainId, stream: starknet.stream });
      }
      return new SubgraphIndexer(db, cursors, chains, deployment, confirmations, starknet);
    } catch (error) {
      await sql?.close();
      await cursors.close();
      throw error;
    }
  }

  start(): void {
    for (const c of this.chains) c.watcher.start();
    this.starknet?.watcher.start();
  }

  async stop(): Promise<void> {
    await Promise.all([...this.chains.map((c) => c.watcher.stop()), this.starknet?.watcher.stop()]);
  }

  /** Polls every chain until it has indexed everything confirmed now (for one-shot runs and tests). */
  async syncOnce(): Promise<void> {
    for (const c of this.chains) {
      for (;;) {
        const result = await c.watcher.pollOnce().catch((error: unknown) => {
          if (error instanceof HandlerError) c.failure = error;
          throw error;
        });
        if (result.caughtUp) break;
      }
    }
    const sn = this.starknet;
    if (sn) {
      for (;;) {
        const result = await sn.watcher.pollOnce().catch((error: unknown) => {
          if (error instanceof HandlerError) sn.failure = error;
          throw error;
        });
        if (result.caughtUp) break;
      }
    }
  }

  chainStatuses(): ChainIndexStatus[] {
    const out = this.chains.map((c) => ({
      ...c.watcher.status(),
      name: c.chain.name,
      indexingError: c.failure?.message ?? null,
    }));
    if (this.starknet) {
      out.push({
        ...this.starknet.watcher.status(),
        name: this.starknet.source.name,
        indexingError: this.starknet.failure?.message ?? null,
      });
    }
    return out;
  }

  /**
   * Per chain, what graph-node's index-node API reports: the newest indexed block (number, hash,
   * timestamp), the chain's head now, whether indexing caught up, health and the error that stopped it.
   */
  async indexingStatus(): Promise<SubgraphIndexingState> {
    const chains = await Promise.all(this.chains.map((c) => this.chainIndexingState(c)));
    if (this.starknet) chains.push(await this.starknet.indexingState(this.db, this.confirmations));
    return {
      deployment: `zk-vin/${this.deployment.network}`,
      entityCount: await this.db.entityCount(),
      chains,
    };
  }

  private async chainIndexingState(c: ChainIndexer): Promise<ChainIndexingState> {
    const watcher = c.watcher.status();
    const progress = await this.db.progress(c.chain.chainId, c.stream);
    const cursor = await this.cursors.getCursor({ chainId: c.chain.chainId, stream: c.stream });
    const header = async (number: bigint | null, knownHash: string | null): Promise<StatusBlock | null> => {
      try {
        const b = number === null ? await c.client.getBlock() : await c.client.getBlock({ blockNumber: number });
        if (b.number === null || b.hash === null) return null;
        // The chain replaced the block since it was indexed (a reorg the watcher has not seen yet).
        if (knownHash !== null && b.hash !== knownHash) {
          return { number: b.number, hash: knownHash, timestamp: null, parentHash: null };
        }
        return { number: b.number, hash: b.hash, timestamp: b.timestamp, parentHash: b.parentHash };
      } catch {
        if (number === null) {
          return watcher.head === null ? null : { number: watcher.head, hash: null, timestamp: null, parentHash: null };
        }
        return { number, hash: knownHash, timestamp: null, parentHash: null };
      }
    };
    const latestBlock =
      progress === null ? null : await header(progress, cursor?.number === progress ? cursor.hash : null);
    const chainHeadBlock = await header(null, null);
    const start = BigInt(c.chain.startBlock);
    const earliest = await header(start, null);
    const synced =
      chainHeadBlock !== null &&
      (progress ?? start - 1n) >= chainHeadBlock.number - BigInt(this.confirmations) &&
      c.failure === null;
    const failedAt = c.failure ? await header(c.failure.blockNumber, null) : null;
    const fatalError = c.failure
      ? {
          message: c.failure.message,
          handler: `${c.failure.dataSource}.${c.failure.handler}`,
          block: { number: c.failure.blockNumber, hash: failedAt?.hash ?? null },
          deterministic: true,
        }
      : watcher.state === "failed"
        ? {
            message: watcher.lastError ?? "the chain watcher stopped",
            handler: null,
            block: null,
            deterministic: false,
          }
        : null;
    return {
      network: c.chain.name,
      chainId: c.chain.chainId,
      earliestBlock: { number: start, hash: earliest?.hash ?? null },
      latestBlock,
      chainHeadBlock,
      synced,
      health: fatalError ? "failed" : watcher.consecutiveFailures > 0 ? "unhealthy" : "healthy",
      fatalError,
      reorgs: watcher.reorgs,
    };
  }

  /** What the GraphQL endpoint reports in `_meta`: the hub chain's indexed block, its timestamp and parent. */
  async indexStatus(): Promise<IndexStatus> {
    const hub = this.chains.find((c) => c.chain === this.deployment.hub);
    const cursor = hub ? await this.cursors.getCursor({ chainId: hub.chain.chainId, stream: hub.stream }) : null;
    const progress = hub ? await this.db.progress(hub.chain.chainId, hub.stream) : null;
    const number = progress ?? cursor?.number ?? null;
    const status = {
      deployment: `zk-vin/${this.deployment.network}`,
      hasIndexingErrors: this.chains.some((c) => c.failure !== null) || (this.starknet?.failure ?? null) !== null,
    };
    if (number === null || !hub) return { ...status, block: null };
    const knownHash = cursor?.number === number ? cursor.hash : null;
    let header = this.metaBlock;
    if (header === null || header.number !== number || (knownHash !== null && header.hash !== knownHash)) {
      try {
        const b = knownHash
          ? await hub.client.getBlock({ blockHash: knownHash as Hex })
          : await hub.client.getBlock({ blockNumber: number });
        header = { number, hash: b.hash ?? knownHash, timestamp: b.timestamp, parentHash: b.parentHash };
        this.metaBlock = header;
      } catch {
        // The RPC is unreachable: report what the index itself knows.
        header = { number, hash: knownHash, timestamp: null, parentHash: null };
      }
    }
    return { ...status, block: header };
  }

  /**
   * The hub block a time-travel query names, by number or hash: it must be one the index has reached
   * (and, by hash, one the hub chain has).
   */
  async resolveBlock(block: { number?: number; hash?: string }): Promise<BlockAt> {
    const hub = this.chains.find((c) => c.chain === this.deployment.hub);
    if (!hub) throw new GraphQLError("the deployment's hub has no data sources");
    const progress = (await this.db.progress(hub.chain.chainId, hub.stream)) ?? -1n;
    const notYet = (n: bigint | number) =>
      new GraphQLError(
        `the local index has only reached block ${progress} and data for block ${n} is not yet available`,
      );
    if (block.number !== undefined && BigInt(block.number) > progress) throw notYet(block.number);
    let b: { number: bigint | null; timestamp: bigint };
    try {
      b =
        block.hash !== undefined
          ? await hub.client.getBlock({ blockHash: block.hash as Hex })
          : await hub.client.getBlock({ blockNumber: BigInt(block.number ?? 0) });
    } catch (error) {
      throw new GraphQLError(
        `block ${block.hash ?? block.number} is not a block of ${hub.chain.name}: ${(error as Error).message.split("\n")[0]}`,
      );
    }
    const number = b.number ?? -1n;
    if (number > progress || number < 0n) throw notYet(number);
    return { hubChainId: hub.chain.chainId, number, timestamp: b.timestamp };
  }

  private metaBlock: {
    number: bigint;
    hash: string | null;
    timestamp: bigint | null;
    parentHash: string | null;
  } | null = null;

  async close(): Promise<void> {
    await this.stop();
    await this.db.sql.close();
    await this.cursors.close();
  }
}

/** A block with its transactions, as ethereum.Block and ethereum.Transaction carry them. */
export async function fetchChainBlock(client: PublicClient, hash: Hex): Promise<ChainBlock> {
  const b = await client.getBlock({ blockHash: hash, includeTransactions: true });
  if (b.hash === null || b.number === null) throw new Error(`block ${hash} is pending`);
  return {
    header: {
      hash: b.hash,
      parentHash: b.parentHash,
      sha3Uncles: b.sha3Uncles,
      miner: b.miner,
      stateRoot: b.stateRoot,
      transactionsRoot: b.transactionsRoot,
      receiptsRoot: b.receiptsRoot,
      number: b.number,
      gasUsed: b.gasUsed,
      gasLimit: b.gasLimit,
      timestamp: b.timestamp,
      difficulty: b.difficulty,
      totalDifficulty: b.totalDifficulty ?? null,
      size: b.size ?? null,
      baseFeePerGas: b.baseFeePerGas ?? null,
    },
    transactions: b.transactions.map((t) => ({
      hash: t.hash,
      index: BigInt(t.transactionIndex ?? 0),
      from: t.from,
      to: t.to ?? null,
      value: t.value,
      gasLimit: t.gas,
      gasPrice: t.gasPrice ?? 0n,
      input: t.input,
      nonce: BigInt(t.nonce),
    })),
  };
}

/** Mapping log levels onto the relayer's logger (graph-ts has `warning` and `critical`). */
function mappingLogger(log: Logger): MappingLogger {
  return {
    log(level, message, context) {
      if (level === "critical" || level === "error") log.error(context, message);
      else if (level === "warning") log.warn(context, message);
      else if (level === "info") log.info(context, message);
      else log.debug(context, message);
    },
  };
}

/**
 * Keeps the cursor and the tables consistent: tables that are new, or behind the cursor (their data was
 * lost), are re-indexed from the start block; a cursor behind the tables (a crash between committing a
 * batch and moving the cursor) is fine: the runtime skips blocks it already applied.
 */
async function reconcile(db: EntityDatabase, cursors: CursorStore, key: { chainId: number; stream: string }) {
  const cursor = await cursors.getCursor(key);
  if (!cursor) return;
  const progress = await db.progress(key.chainId, key.stream);
  if (db.fresh || progress === null || progress < cursor.number) await cursors.rewindCursor(key, null);
}
