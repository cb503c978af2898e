// @zk-vin/relayer: the operator service and the reusable pieces other packages build on (the chain
// watcher and the store are also used by the subgraph's local indexer).
export {
  ChainIdMismatchError,
  ChainWatcher,
  type ChainWatcherOptions,
  InconsistentLogsError,
  type LogBatch,
  type PollResult,
  ReorgTooDeepError,
  type RewindEvent,
  type WatchedLog,
  WatcherConfigError,
  type WatcherState,
  type WatcherStatus,
} from "./chain/watcher.js";
export * from "./config/index.js";
export { describeError, RelayerError } from "./errors.js";
export * from "./layerzero/index.js";
export { type HealthReport, type OpsServer, startOpsServer } from "./ops/http.js";
export { createLogger } from "./ops/logger.js";
export { createMetrics, type RelayerMetrics } from "./ops/metrics.js";
export { type Relayer, type RelayerStatus, readStoredStatus, startRelayer } from "./service.js";
export * from "./store/index.js";
export { createLimiter, type Limiter } from "./util/limiter.js";
export { type Logger, silentLogger } from "./util/logger.js";
export {
  AbortedError,
  type BackoffPolicy,
  backoffDelay,
  defaultBackoff,
  RetriesExhaustedError,
  type RetryOptions,
  retry,
  sleep,
} from "./util/retry.js";
