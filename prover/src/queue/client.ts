// ProverClient: what the relayer calls. It validates a request against the model's manifest (nothing
// that cannot be proven is enqueued), enqueues one proving job, and awaits or observes its result.
import { Queue, QueueEvents } from "bullmq";
import type { Redis } from "ioredis";
import type { ArtifactStore } from "../artifact-store.js";
import { InvalidInputError, JobFailedError, type ProverErrorCode } from "../errors.js";
import { type InferenceInputs, validateInputs } from "../validation.js";
import {
  DEFAULT_QUEUE,
  type DeadLetter,
  deadLetterQueueName,
  defaultJobId,
  makeRedis,
  type ProveJobData,
  type ProveJobResult,
  type ProveProgress,
  type RedisConnection,
} from "./jobs.js";

export interface ProverClientOptions {
  connection: RedisConnection;
  store: ArtifactStore;
  queueName?: string;
  /** Attempts per job (first try included) and the first retry's delay, doubled each time. */
  attempts?: number;
  backoffMs?: number;
}

export interface ProveRequest extends InferenceInputs {
  artifactId: string;
  /** One per row, in row order. */
  requestIds: string[];
  /** Defaults to a hash of artifactId and requestIds, so a repeated request is not proven twice. */
  jobId?: string;
  verify?: boolean;
  timeoutMs?: number;
}

export class ProverClient {
  readonly queueName: string;
  private readonly redis: Redis;
  private readonly eventsRedis: Redis;
  private readonly queue: Queue<ProveJobData, ProveJobResult>;
  private readonly dead: Queue<DeadLetter>;
  private readonly events: QueueEvents;
  private readonly store: ArtifactStore;
  private readonly attempts: number;
  private readonly backoffMs: number;

  constructor(options: ProverClientOptions) {
    this.queueName = options.queueName ?? DEFAULT_QUEUE;
    this.redis = makeRedis(options.connection);
    this.eventsRedis = makeRedis(options.connection);
    this.queue = new Queue(this.queueName, { connection: this.redis });
    this.dead = new Queue(deadLetterQueueName(this.queueName), { connection: this.redis });
    this.events = new QueueEvents(this.queueName, { connection: this.eventsRedis });
    this.store = options.store;
    this.attempts = options.attempts ?? 3;
    this.backoffMs = options.backoffMs ?? 1000;
  }

  /** Validates and enqueues; resolves with the job id once the job is in Redis. */
  async enqueue(request: ProveRequest): Promise<{ jobId: string }> {
    const manifest = await this.store.manifest(request.artifactId);
    const { inputsFixed, rows } = validateInputs(manifest, request);
    const ids = request.requestIds;
    if (!Array.isArray(ids) || ids.length !== rows || ids.some((id) => typeof id !== "string" || id.length === 0)) {
      throw new InvalidInputError(`requestIds must hold one non-empty id per row (${rows} rows)`, {
        field: "requestIds",
        value: ids,
      });
    }
    if (new Set(ids).size !== ids.length)
      throw new InvalidInputError("requestIds must be distinct", { field: "requestIds", value: ids });
    const jobId = request.jobId ?? defaultJobId(request.artifactId, ids, inputsFixed);
    const data: ProveJobData = {
      artifactId: request.artifactId,
      inputsFixed,
      requestIds: ids,
      verify: request.verify ?? false,
      enqueuedAt: Date.now(),
      ...(request.timeoutMs ? { timeoutMs: request.timeoutMs } : {}),
    };
    await this.queue.add("prove", data, {
      jobId,
      attempts: this.attempts,
      backoff: { type: "exponential", delay: this.backoffMs },
      removeOnComplete: { age: 24 * 3600 },
      removeOnFail: { age: 7 * 24 * 3600 },
    });
    return { jobId };
  }

  /** Resolves with the job's result; rejects with JobFailedError once it has failed for good. */
  async waitForResult(jobId: string, options: { timeoutMs?: number } = {}): Promise<ProveJobResult> {
    const job = await this.queue.getJob(jobId);
    if (!job) throw new InvalidInputError(`no proving job ${jobId}`, { field: "jobId", value: jobId });
    try {
      return (await job.waitUntilFinished(this.events, options.timeoutMs)) as ProveJobResult;
    } catch (cause) {
      const failed = await this.queue.getJob(jobId);
      const letter = await this.deadLetter(jobId);
      if (!letter && !(await failed?.isFailed())) throw cause;
      throw new JobFailedError({
        jobId,
        attemptsMade: letter?.attemptsMade ?? failed?.attemptsMade ?? 0,
        reason: letter?.error.message ?? failed?.failedReason ?? String(cause),
        code: letter?.error.code as ProverErrorCode | undefined,
        field: letter?.error.field,
      });
    }
  }

  async prove(request: ProveRequest, options: { timeoutMs?: number } = {}): Promise<ProveJobResult> {
    const { jobId } = await this.enqueue(request);
    return this.waitForResult(jobId, options);
  }

  /** Calls back on each progress event of the job; returns the unsubscribe function. */
  onProgress(jobId: string, callback: (progress: ProveProgress) => void): () => void {
    const listener = ({ jobId: id, data }: { jobId: string; data: unknown }) => {
      if (id === jobId) callback(data as ProveProgress);
    };
    this.events.on("progress", listener);
    return () => {
      this.events.off("progress", listener);
    };
  }

  async deadLetter(jobId: string): Promise<DeadLetter | undefined> {
    const job = await this.dead.getJob(jobId);
    return job?.data;
  }

  async deadLetters(): Promise<DeadLetter[]> {
    const jobs = await this.dead.getJobs(["waiting", "delayed", "completed", "failed"]);
    return jobs.map((j) => j.data);
  }

  /** Waits until the event stream is connected (so no event of a job enqueued next is missed). */
  async ready(): Promise<void> {
    await this.events.waitUntilReady();
  }

  async close(): Promise<void> {
    await this.events.close();
    await this.queue.close();
    await this.dead.close();
    this.redis.disconnect();
    this.eventsRedis.disconnect();
  }
}
