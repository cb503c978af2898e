import type { Logger, Store } from "@zk-vin/chain-kit";
import { ChainIdMismatchError, createLogger, describeError, openStore, type WatcherStatus } from "@zk-vin/chain-kit";
import { LocalArtifactStore, ProverClient } from "@zk-vin/prover";
import {
  type Chain,
  createPublicClient,
  createWalletClient,
  defineChain,
  http,
  nonceManager,
  type PublicClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { ChainConfig, RelayerConfig } from "./config/load.js";
import { LayerZeroCarrier } from "./layerzero/carrier.js";
import type { LayerZeroChain } from "./layerzero/types.js";
import type { AggregationStatus } from "./node/aggregation.js";
import { NodePipeline } from "./node/pipeline.js";
import { type NodeReport, readNodeReport } from "./node/status.js";
import { type HealthReport, type OpsServer, startOpsServer } from "./ops/http.js";
import { createMetrics } from "./ops/metrics.js";
import { type StarknetLane, type StarknetLaneStatus, startStarknetLane } from "./starknet/index.js";

export interface RelayerStatus {
  chains: Array<{ name: string; chainId: number; head: bigint | null; error: string | null }>;
  cursors: Array<{ chain: string; stream: string; block: bigint }>;
  watchers: WatcherStatus[];
  outbox: Array<{ kind: string; status: string; outcome: string | null; count: number }>;
  layerzero: { mode: "local" | "external"; lastRoundAt: number | null; lastRoundError: string | null };
  /** The node pipeline, when configured (`error` when the hub could not be read). */
  node:
    | (NodeReport & {
        lastRoundAt: number | null;
        lastRoundError: string | null;
        inFlight: number;
        /** Aggregation counters when `node.aggregate` is set (null when off or not running). */
        aggregation: AggregationStatus | null;
      })
    | {
        error: string;
      }
    | null;
  /** The Starknet lane, when configured (absent in a stopped relayer's status). */
  starknet?: StarknetLaneStatus | null;
}

export interface Relayer {
  readonly store: Store;
  readonly carrier: LayerZeroCarrier | null;
  readonly node: NodePipeline | null;
  /** The ops server's base URL (metrics, health, status), when configured. */
  readonly opsUrl: string | null;
  status(): Promise<RelayerStatus>;
  health(): Promise<HealthReport>;
  stop(): Promise<void>;
}

/** A watcher counts as stalled after this long without a successful poll. */
const STALL_FLOOR_MS = 30_000;
/** A watcher whose polls failed this many times in a row is reported unhealthy at once. */
const FAILING_POLLS = 3;

/**
 * Starts everything the config asks for: the store, one RPC client per chain (checked against its
 * chain id), the LayerZero carrier in local mode, and the ops server. Fails before starting anything
 * long-running when a chain or the carrier's roles are wrong; stops what it started when it fails.
 */
export async function startRelayer(params: { config: RelayerConfig; logger?: Logger }): Promise<Relayer> {
  const { config } = params;
  const logger = params.logger ?? createLogger({ level: config.log.level });
  const store = await openStore(config.store);
  let carrier: LayerZeroCarrier | null = null;
  let node: NodePipeline | null = null;
  let starknet: StarknetLane | null = null;
  let prover: ProverClient | null = null;
  let ops: OpsServer | null = null;
  // Assigned once everything runs; the ops server answers "starting" until then.
  let relayer: Relayer | undefined;
  const stopAll = async () => {
    await Promise.all([carrier?.stop(), node?.stop(), starknet?.stop()]);
    await prover?.close();
    await ops?.close();
    await store.close();
  };
  try {
    const clients = new Map(config.chains.map((c) => [c.name, clientFor(c)]));
    await Promise.all(
      config.chains.map(async (c) => {
        const actual = await clients.get(c.name)!.public.getChainId();
        if (actual !== c.chainId) throw new ChainIdMismatchError(c.chainId, actual);
      }),
    );
    const operator = privateKeyToAccount(config.operatorKey, { nonceManager });
    const walletFor = (name: string) => {
      const client = clients.get(name)!;
      return createWalletClient({ chain: client.chain, account: operator, transport: client.transport });
    };
    const chainNames = new Map(config.chains.map((c) => [c.chainId, c.name]));
    const eidNames =
      config.layerzero.mode === "local"
        ? new Map(Object.entries(config.layerzero.chains).map(([name, stack]) => [stack.eid, name]))
        : new Map<number, string>();
    const metrics = createMetrics({
      watchers: () => [...(carrier?.status().watchers ?? []), ...(node ? [node.status().watcher] : [])],
      store,
      chainNames,
      eidNames,
    });

    if (config.layerzero.mode === "local") {
      const lz = config.layerzero;
      const chains: LayerZeroChain[] = Object.entries(lz.chains).map(([name, stack]) => {
        const chain = config.chains.find((c) => c.name === name)!;
        return {
          name,
          chainId: chain.chainId,
          eid: stack.eid,
          publicClient: clients.get(name)!.public,
          walletClient: walletFor(name),
          endpoint: stack.endpoint,
          receiveUln302: stack.receiveUln302,
          dvn: stack.dvn,
          executor: stack.executor,
          confirmations: chain.confirmations,
          startBlock: chain.startBlock,
          pollIntervalMs: chain.pollIntervalMs,
          maxBlockRange: chain.maxBlockRange,
          reorgWindow: chain.reorgWindow,
        };
      });
      carrier = new LayerZeroCarrier({
        chains,
        store,
        signer: privateKeyToAccount(lz.signerKey),
        concurrency: lz.concurrency,
        maxAttempts: lz.maxAttempts,
        pollIntervalMs: lz.pollIntervalMs,
        logger,
        observer: metrics.carrierObserver,
      });
      await carrier.start();
    }

    if (config.node) {
      const n = config.node;
      const hub = config.chains.find((c) => c.name === n.hubChain)!;
      const artifacts = new LocalArtifactStore(n.artifactStore ? { root: n.artifactStore } : {});
      prover = new ProverClient({ connection: n.redis, store: artifacts, queueName: n.queueName });
      await prover.ready();
      node = new NodePipeline({
        hub: {
          name: hub.name,
          chainId: hub.chainId,
          publicClient: clients.get(hub.name)!.public,
          walletClient: walletFor(hub.name),
          confirmations: hub.confirmations,
          startBlock: hub.startBlock,
          pollIntervalMs: hub.pollIntervalMs,
          maxBlockRange: hub.maxBlockRange,
          reorgWindow: hub.reorgWindow,
        },
        market: n.market,
        store,
        prover: { client: prover, artifacts },
        batchWindowMs: n.batchWindowMs,
        maxInFlight: n.maxInFlight,
        submitConcurrency: n.submitConcurrency,
        maxAttempts: n.maxAttempts,
        pollIntervalMs: n.pollIntervalMs,
        expireMissed: n.expireMissed,
        modelOverrides: n.models,
        aggregate: n.aggregate,
        logger,
        observer: metrics.nodeObserver,
      });
      await node.start();
    }
    if (config.starknet) {
      const hub = config.chains.find((c) => c.name === config.starknet?.hubChain)!;
      starknet = await startStarknetLane({
        config: config.starknet,
        hub: {
          name: hub.name,
          chainId: hub.chainId,
          publicClient: clients.get(hub.name)!.public,
          walletClient: walletFor(hub.name),
        },
        store,
        logger,
        registry: metrics.registry,
      });
    }
    ops = await startOps({ config, registry: metrics.registry, relayer: () => relayer });

    relayer = {
      store,
      carrier,
      node,
      opsUrl: ops?.url ?? null,
      status: async () => ({
        ...(await relayerStatus({ config, store, carrier, node, clients })),
        starknet: starknet?.status() ?? null,
      }),
      health: () => relayerHealth({ config, store, carrier, node }),
      async stop() {
        await stopAll();
        logger.info({}, "relayer stopped");
      },
    };
    logger.info(
      {
        chains: config.chains.map((c) => c.name),
        layerzero: config.layerzero.mode,
        node: config.node ? operator.address : null,
        ops: ops?.url ?? null,
      },
      "relayer started",
    );
    return relayer;
  } catch (error) {
    await stopAll().catch(() => {});
    throw error;
  }
}

interface ChainClient {
  chain: Chain;
  transport: ReturnType<typeof http>;
  public: PublicClient;
}

function clientFor(c: ChainConfig): ChainClient {
  const chain = defineChain({
    id: c.chainId,
    name: c.name,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [c.rpcUrl] } },
  });
  const transport = http(c.rpcUrl, { retryCount: 3, retryDelay: 200, timeout: 15_000 });
  const pollingInterval = Math.min(c.pollIntervalMs, 1000);
  return {
    chain,
    transport,
    public: createPublicClient({ chain, transport, cacheTime: 0, pollingInterval }) as PublicClient,
  };
}

async function startOps(params: {
  config: RelayerConfig;
  registry: ReturnType<typeof createMetrics>["registry"];
  relayer: () => Relayer | undefined;
}): Promise<OpsServer | null> {
  if (!params.config.http) return null;
  const unavailable = async (): Promise<never> => {
    throw new Error("relayer is starting");
  };
  return startOpsServer({
    host: params.config.http.host,
    port: params.config.http.port,
    registry: params.registry,
    health: () => params.relayer()?.health() ?? unavailable(),
    status: () => params.relayer()?.status() ?? unavailable(),
  });
}

async function relayerStatus(params: {
  config: RelayerConfig;
  store: Store;
  carrier: LayerZeroCarrier | null;
  node: NodePipeline | null;
  clients: Map<string, ChainClient>;
}): Promise<RelayerStatus> {
  const names = new Map(params.config.chains.map((c) => [c.chainId, c.name]));
  const chains = await Promise.all(
    params.config.chains.map(async (c) => {
      try {
        return {
          name: c.name,
          chainId: c.chainId,
          head: await params.clients.get(c.name)!.public.getBlockNumber(),
          error: null,
        };
      } catch (error) {
        return { name: c.name, chainId: c.chainId, head: null, error: describeError(error) };
      }
    }),
  );
  const carrierStatus = params.carrier?.status();
  return {
    chains,
    cursors: (await params.store.listCursors()).map((c) => ({
      chain: names.get(c.chainId) ?? String(c.chainId),
      stream: c.stream,
      block: c.number,
    })),
    watchers: [...(carrierStatus?.watchers ?? []), ...(params.node ? [params.node.status().watcher] : [])],
    outbox: await params.store.countByStatus(),
    layerzero: {
      mode: params.config.layerzero.mode,
      lastRoundAt: carrierStatus?.lastRoundAt ?? null,
      lastRoundError: carrierStatus?.lastRoundError ?? null,
    },
    node: await nodeStatus(params),
  };
}

async function nodeStatus(params: {
  config: RelayerConfig;
  store: Store;
  node: NodePipeline | null;
  clients: Map<string, ChainClient>;
}): Promise<RelayerStatus["node"]> {
  const n = params.config.node;
  if (!n) return null;
  const pipeline = params.node?.status();
  try {
    const report = await readNodeReport({
      client: params.clients.get(n.hubChain)!.public,
      market: n.market,
      operator: privateKeyToAccount(params.config.operatorKey).address,
      store: params.store,
    });
    return {
      ...report,
      lastRoundAt: pipeline?.lastRoundAt ?? null,
      lastRoundError: pipeline?.lastRoundError ?? null,
      inFlight: pipeline?.inFlight ?? 0,
      aggregation: pipeline?.aggregation ?? null,
    };
  } catch (error) {
    return { error: describeError(error) };
  }
}

async function relayerHealth(params: {
  config: RelayerConfig;
  store: Store;
  carrier: LayerZeroCarrier | null;
  node: NodePipeline | null;
}): Promise<HealthReport> {
  const checks: HealthReport["checks"] = [];
  try {
    await params.store.ping();
    checks.push({ name: "store", healthy: true, detail: params.store.backend });
  } catch (error) {
    checks.push({ name: "store", healthy: false, detail: describeError(error) });
  }
  const carrier = params.carrier?.status();
  const node = params.node?.status();
  for (const w of [...(carrier?.watchers ?? []), ...(node ? [node.watcher] : [])]) {
    checks.push(watcherCheck(params.config, w));
  }
  if (carrier) {
    checks.push({
      name: "layerzero:delivery",
      healthy: carrier.lastRoundError === null,
      detail: carrier.lastRoundError ?? "ok",
    });
  }
  if (node) {
    checks.push({
      name: "node:work",
      healthy: node.lastRoundError === null,
      detail: node.lastRoundError ?? `${node.inFlight} assignment(s) in flight`,
    });
  }
  return { healthy: checks.every((c) => c.healthy), checks };
}

function watcherCheck(config: RelayerConfig, w: WatcherStatus): HealthReport["checks"][number] {
  const chain = config.chains.find((c) => c.chainId === w.chainId);
  const stallMs = Math.max(STALL_FLOOR_MS, 10 * (chain?.pollIntervalMs ?? 1000));
  const fresh = w.lastSuccessAt !== null && Date.now() - w.lastSuccessAt <= stallMs;
  const failing = w.consecutiveFailures >= FAILING_POLLS;
  let detail = `cursor ${w.cursor}`;
  if (w.state !== "running") detail = `${w.state}: ${w.lastError ?? ""}`;
  else if (failing) detail = `${w.consecutiveFailures} polls failed in a row: ${w.lastError}`;
  else if (!fresh) detail = `no successful poll for ${stallMs} ms (${w.lastError ?? "starting"})`;
  return {
    name: `watcher:${chain?.name ?? w.chainId}:${w.stream}`,
    healthy: w.state === "running" && fresh && !failing,
    detail,
  };
}

/**
 * The status a stopped relayer left behind, read straight from its store and the chains (used by the
 * CLI when no running relayer answers on its ops port).
 */
export async function readStoredStatus(config: RelayerConfig): Promise<RelayerStatus> {
  const store = await openStore(config.store);
  try {
    const clients = new Map(config.chains.map((c) => [c.name, clientFor(c)]));
    return await relayerStatus({ config, store, carrier: null, node: null, clients });
  } finally {
    await store.close();
  }
}
