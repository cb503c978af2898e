// The relayer's configuration for a devnet (relayer/README.md, "Config"): every chain, this devnet's
// LayerZero stacks (the relayer is their DVN and executor), and the node pipeline for the operator's
// node. Written as JSON by the devnet CLI; tests pass it to the relayer directly.
import type { DevnetAccounts } from "./accounts.js";
import type { DevnetChain } from "./types.js";

export interface DevnetRelayerOptions {
  /** The Redis the prover workers use. */
  redisUrl: string;
  /** The prover's queue (default zkvin-prove). */
  queueName?: string;
  /** The relayer's store (default: PGlite in `dataDir`, else in memory). */
  store?: { kind: "memory" } | { kind: "pglite"; dataDir: string } | { kind: "postgres"; url: string };
  /** Ops server port (0: any free port); omitted: no ops server. */
  httpPort?: number;
  logLevel?: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent";
  /** The node's batch window (default 200 ms). */
  batchWindowMs?: number;
  /** Poll interval of watchers and loops (default 100 ms: local chains are fast). */
  pollIntervalMs?: number;
  /** The artifact store the prover workers share, when not the prover's default. */
  artifactStore?: string;
  /** Aggregation mode for models registered with the aggregating adapter (off when absent). */
  aggregate?: { maxProofs?: number; windowMs?: number };
}

/** The relayer config object (JSON-serialisable) for a devnet's chains and accounts. */
export function devnetRelayerConfig(params: {
  hub: DevnetChain;
  spokes: DevnetChain[];
  accounts: DevnetAccounts;
  options: DevnetRelayerOptions;
}): Record<string, unknown> {
  const o = params.options;
  const poll = o.pollIntervalMs ?? 100;
  const chains = [params.hub, ...params.spokes];
  return {
    operatorKey: params.accounts.operator.key,
    chains: chains.map((c) => ({
      name: c.name,
      chainId: c.chainId,
      rpcUrl: c.rpcUrl,
      confirmations: 0,
      startBlock: c.startBlock,
      pollIntervalMs: poll,
      maxBlockRange: 1000,
      reorgWindow: 64,
    })),
    store: o.store ?? { kind: "memory" },
    ...(o.httpPort !== undefined ? { http: { host: "127.0.0.1", port: o.httpPort } } : {}),
    log: { level: o.logLevel ?? "info" },
    layerzero: {
      mode: "local",
      pollIntervalMs: poll,
      maxAttempts: 20,
      chains: Object.fromEntries(
        chains.map((c) => [
          c.name,
          {
            eid: c.eid,
            endpoint: c.layerZero.endpoint,
            receiveUln302: c.layerZero.receiveUln302,
            dvn: c.layerZero.dvn,
            executor: c.layerZero.executor,
          },
        ]),
      ),
    },
    node: {
      hubChain: params.hub.name,
      market: params.hub.contracts.InferenceMarket,
      redis: o.redisUrl,
      queueName: o.queueName ?? "zkvin-prove",
      batchWindowMs: o.batchWindowMs ?? 200,
      pollIntervalMs: poll,
      ...(o.artifactStore ? { artifactStore: o.artifactStore } : {}),
      ...(o.aggregate
        ? {
            aggregate: {
              adapter: params.hub.contracts.EzklAggregatingVerifierAdapter,
              ...(o.aggregate.maxProofs !== undefined ? { maxProofs: o.aggregate.maxProofs } : {}),
              ...(o.aggregate.windowMs !== undefined ? { windowMs: o.aggregate.windowMs } : {}),
            },
          }
        : {}),
    },
  };
}
