// What travels through Redis: one job = one proof (a batch of up to the model's batch size rows).
import { createHash } from "node:crypto";
import type { ConnectionOptions as BullConnection } from "bullmq";
import { Redis, type RedisOptions } from "ioredis";
import type { DeviceReport } from "../ezkl/proving-process.js";
import type { ProofOutput } from "../proof-system.js";

export const DEFAULT_QUEUE = "zkvin-prove";
export const deadLetterQueueName = (queue: string): string => `${queue}-dead`;

export interface ProveJobData {
  artifactId: string;
  /** Validated fixed-point rows (decimal strings); one per request. */
  inputsFixed: string[][];
  /** The request each row answers, in row order. */
  requestIds: string[];
  verify: boolean;
  enqueuedAt: number;
  /** Per-job limit on one attempt; the worker's default applies when absent. */
  timeoutMs?: number;
}

export interface ProveJobResult extends ProofOutput {
  jobId: string;
  artifactId: string;
  requestIds: string[];
  worker: { host: string; pid: number; provingPid: number | undefined; device: DeviceReport | undefined };
  attempt: number;
  /** Milliseconds: queued (enqueue -> processing start), processing (start -> result) in this attempt. */
  latencyMs: { queued: number; processing: number };
}

export interface DeadLetter {
  jobId: string;
  data: ProveJobData;
  error: { code: string; message: string; field?: string | undefined };
  attemptsMade: number;
  failedAt: number;
}

export type ProgressStage = "started" | "witness" | "prove" | "verify" | "done";
export interface ProveProgress {
  stage: ProgressStage;
  attempt: number;
  at: number;
}

/** Redis by URL (redis://host:port) or ioredis options; BullMQ needs maxRetriesPerRequest: null. */
export type RedisConnection = string | RedisOptions;

export function makeRedis(connection: RedisConnection): Redis {
  return typeof connection === "string"
    ? new Redis(connection, { maxRetriesPerRequest: null })
    : new Redis({ ...connection, maxRetriesPerRequest: null });
}

export type { BullConnection };

/**
 * Deterministic job id over everything a proof depends on: the artifact, the requests and their
 * fixed-point inputs. The same work enqueues once however often it is sent, and a job found by id is
 * always a proof of these inputs, even when request ids repeat (a fresh devnet, another hub on the
 * same Redis).
 */
export function defaultJobId(artifactId: string, requestIds: string[], inputsFixed: string[][]): string {
  const h = createHash("sha256").update(artifactId).update("\0").update(requestIds.join("\0"));
  for (const row of inputsFixed) h.update("\n").update(row.join(","));
  return h.digest("hex");
}
