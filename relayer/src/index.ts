// @zk-vin/relayer: the operator service (node pipeline, LayerZero carrier, configuration, ops server). The
// pieces it shares with the subgraph's indexer (chain watcher, store, retry, logger) are @zk-vin/chain-kit.
export * from "./config/index.js";
export * from "./layerzero/index.js";
export * from "./node/index.js";
export { type HealthReport, type OpsServer, startOpsServer } from "./ops/http.js";
export { createMetrics, type RelayerMetrics } from "./ops/metrics.js";
export { type Relayer, type RelayerStatus, readStoredStatus, startRelayer } from "./service.js";
export * from "./starknet/index.js";
