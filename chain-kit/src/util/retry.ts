import { RelayerError } from "../errors.js";

/** Exponential backoff with full jitter: attempt 1 waits up to `baseMs`, doubling up to `maxMs`. */
export interface BackoffPolicy {
  baseMs: number;
  maxMs: number;
  /** 0 (no jitter) to 1 (delay drawn uniformly from [0, cap]). */
  jitter: number;
}

export const defaultBackoff: BackoffPolicy = { baseMs: 250, maxMs: 30_000, jitter: 0.5 };

/** The delay before retry number `attempt` (1-based). `random` is injectable for tests. */
export function backoffDelay(attempt: number, policy: BackoffPolicy = defaultBackoff, random = Math.random): number {
  const exponent = Math.max(0, attempt - 1);
  const cap = Math.min(policy.maxMs, policy.baseMs * 2 ** Math.min(exponent, 30));
  const jitter = Math.min(1, Math.max(0, policy.jitter));
  return Math.round(cap * (1 - jitter) + cap * jitter * random());
}

/** Thrown by `sleep` and `retry` when their AbortSignal fires. */
export class AbortedError extends RelayerError {
  override readonly name = "AbortedError";
  constructor(cause?: unknown) {
    super("operation aborted", { cause });
  }
}

/** Resolves after `ms`, or rejects with AbortedError as soon as `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new AbortedError(signal.reason));
    const onAbort = () => {
      clearTimeout(timer);
      reject(new AbortedError(signal?.reason));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/** Thrown by `retry` when every attempt failed; `cause` is the last failure. */
export class RetriesExhaustedError extends RelayerError {
  override readonly name = "RetriesExhaustedError";
  constructor(
    readonly operation: string,
    readonly attempts: number,
    cause: unknown,
  ) {
    super(`${operation} failed after ${attempts} attempt(s)`, { cause });
  }
}

export interface RetryOptions {
  /** Names the operation in errors and in `onRetry`. */
  operation: string;
  attempts: number;
  backoff?: BackoffPolicy;
  signal?: AbortSignal;
  /** Return false for errors that retrying cannot fix; they are rethrown at once. */
  isRetryable?: (error: unknown) => boolean;
  onRetry?: (info: { operation: string; attempt: number; delayMs: number; error: unknown }) => void;
}

/** Runs `fn` until it resolves, at most `attempts` times, sleeping with backoff between tries. */
export async function retry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  let lastError: unknown;
  for (let attempt = 1; attempt <= options.attempts; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (error instanceof AbortedError) throw error;
      if (options.isRetryable && !options.isRetryable(error)) throw error;
      lastError = error;
      if (attempt === options.attempts) break;
      const delayMs = backoffDelay(attempt, options.backoff);
      options.onRetry?.({ operation: options.operation, attempt, delayMs, error });
      await sleep(delayMs, options.signal);
    }
  }
  throw new RetriesExhaustedError(options.operation, options.attempts, lastError);
}
