// @zk-vin/chain-kit: what the off-chain services of zk-VIN share (the relayer and the subgraph's local
// indexer): a reorg-aware chain watcher, the store behind it (PGlite or Postgres), retry with backoff, a
// limiter, the logging surface and its pino implementation, and the crash-safe sign-record-broadcast-settle
// of a transaction. Node only. See chain-kit/README.md.
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
export { describeError, RelayerError } from "./errors.js";
export { createLogger } from "./ops/logger.js";
export * from "./store/index.js";
export {
  type RecordedTxRequest,
  type RecordedTxState,
  type SendRecordedOptions,
  sendRecorded,
  settleRecorded,
} from "./tx/recorded.js";
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
