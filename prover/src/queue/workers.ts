// The proving service: a BullMQ worker whose `concurrency` slots each own one long-lived Python proving
// process. Retries with exponential backoff (set per job by the client), a per-attempt timeout that
// kills the proving process, permanent errors straight to failed, every final failure copied to the
// dead-letter queue with its typed error, progress events per stage, graceful shutdown.
import os from "node:os";
import { type Job, Queue, UnrecoverableError, Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { ArtifactStore } from "../artifact-store.js";
import { isPermanent, JobTimeoutError, ProverError, WorkerCrashedError } from "../errors.js";
import { type DeviceChoice, type DeviceReport, ProvingProcess } from "../ezkl/proving-process.js";
import type { ProofOutput } from "../proof-system.js";
import {
  DEFAULT_QUEUE,
  type DeadLetter,
  deadLetterQueueName,
  makeRedis,
  type ProgressStage,
  type ProveJobData,
  type ProveJobResult,
  type RedisConnection,
} from "./jobs.js";

export interface ProverWorkersOptions {
  connection: RedisConnection;
  store: ArtifactStore;
  /** Proofs in parallel on this machine, one OS process each (default 1). */
  concurrency?: number;
  queueName?: string;
  device?: DeviceChoice;
  /** Limit for one attempt of one job, unless the job sets its own (default 10 minutes). */
  jobTimeoutMs?: number;
  /** How long a job's lock lives without renewal; a dead worker's job is retried after it (default 30 s). */
  lockDurationMs?: number;
  stalledIntervalMs?: number;
  log?: (line: string) => void;
}

export interface ProverWorkers {
  readonly device: DeviceReport;
  /** PIDs of the proving processes, by slot (a slot restarts its process after a crash or timeout). */
  provingPids(): (number | undefined)[];
  /** Finishes the jobs in progress, then stops (no new job is taken once close starts). */
  close(): Promise<void>;
}

class ProcessPool {
  private readonly slots: ProvingProcess[] = [];
  private readonly idle: ProvingProcess[] = [];
  private readonly waiters: ((p: ProvingProcess) => void)[] = [];

  constructor(
    size: number,
    private readonly make: () => ProvingProcess,
  ) {
    for (let i = 0; i < size; i++) {
      const p = make();
      this.slots.push(p);
      this.idle.push(p);
    }
  }

  first(): ProvingProcess {
    return this.slots[0]!;
  }

  pids(): (number | undefined)[] {
    return this.slots.map((p) => p.pid);
  }

  acquire(): Promise<ProvingProcess> {
    const p = this.idle.pop();
    if (p) return Promise.resolve(this.healthy(p));
    return new Promise((resolve) => this.waiters.push((q) => resolve(this.healthy(q))));
  }

  private healthy(p: ProvingProcess): ProvingProcess {
    if (p.alive) return p;
    const fresh = this.make();
    this.slots[this.slots.indexOf(p)] = fresh;
    return fresh;
  }

  release(p: ProvingProcess): void {
    const waiter = this.waiters.shift();
    if (waiter) waiter(p);
    else this.idle.push(p);
  }

  async close(): Promise<void> {
    await Promise.all(this.slots.map((p) => p.close()));
  }
}

export async function startProverWorkers(options: ProverWorkersOptions): Promise<ProverWorkers> {
  const queueName = options.queueName ?? DEFAULT_QUEUE;
  const concurrency = options.concurrency ?? 1;
  const log = options.log ?? ((line: string) => console.log(line));
  const pool = new ProcessPool(concurrency, () => new ProvingProcess({ device: options.device ?? "auto" }));
  const { device } = await pool.first().ready;
  log(`prover: ${concurrency} proving process(es), device ${device.used} (${device.reason})`);

  const redis: Redis = makeRedis(options.connection);
  const dead = new Queue<DeadLetter>(deadLetterQueueName(queueName), { connection: redis });
  const workerRedis = makeRedis(options.connection);

  const verified = new Set<string>();
  const progress = (job: Job<ProveJobData>, stage: ProgressStage) =>
    job.updateProgress({ stage, attempt: job.attemptsMade + 1, at: Date.now() }).catch(() => undefined);

  async function prove(job: Job<ProveJobData, ProveJobResult>): Promise<ProveJobResult> {
    const started = Date.now();
    const data = job.data;
    const artifactDir = await options.store.resolve(data.artifactId);
    // Every file's hash is checked once per worker process (and again by the proving process).
    if (!verified.has(data.artifactId)) {
      await options.store.verify(data.artifactId);
      verified.add(data.artifactId);
    }
    const proc = await pool.acquire();
    const timeoutMs = data.timeoutMs ?? options.jobTimeoutMs ?? 600_000;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      proc.kill();
    }, timeoutMs);
    try {
      // Progress is reported without waiting for Redis: it must not add to the proof's latency.
      void progress(job, "started");
      const out = await proc.request<ProofOutput>(
        "prove",
        { artifactDir, inputsFixed: data.inputsFixed, verify: data.verify },
        (stage) => {
          void progress(job, stage as ProgressStage);
        },
      );
      void progress(job, "done");
      return {
        ...out,
        jobId: job.id ?? "",
        artifactId: data.artifactId,
        requestIds: data.requestIds,
        worker: { host: os.hostname(), pid: process.pid, provingPid: proc.pid, device },
        attempt: job.attemptsMade + 1,
        latencyMs: { queued: started - data.enqueuedAt, processing: Date.now() - started },
      };
    } catch (err) {
      if (timedOut) throw new JobTimeoutError(timeoutMs, { cause: err });
      throw err;
    } finally {
      clearTimeout(timer);
      pool.release(proc);
    }
  }

  const deadLetter = async (job: Job<ProveJobData>, error: DeadLetter["error"], attemptsMade: number) => {
    const letter: DeadLetter = { jobId: job.id ?? "", data: job.data, error, attemptsMade, failedAt: Date.now() };
    // Keyed by the job id: a second copy of the same failure is not added.
    await dead.add("dead", letter, { jobId: letter.jobId });
  };

  const worker = new Worker<ProveJobData, ProveJobResult>(
    queueName,
    async (job) => {
      try {
        return await prove(job);
      } catch (err) {
        const typed = err instanceof ProverError ? err : new WorkerCrashedError(String(err), { cause: err });
        const permanent = isPermanent(typed);
        // Written before the job is marked failed, so a client woken by the failure finds it.
        if (permanent || job.attemptsMade + 1 >= (job.opts.attempts ?? 1)) {
          await deadLetter(job, { code: typed.code, message: typed.message, field: typed.field }, job.attemptsMade + 1);
        }
        if (permanent) throw new UnrecoverableError(`${typed.code}: ${typed.message}`);
        throw typed;
      }
    },
    {
      connection: workerRedis,
      concurrency,
      lockDuration: options.lockDurationMs ?? 30_000,
      stalledInterval: options.stalledIntervalMs ?? 30_000,
      maxStalledCount: 1,
    },
  );

  worker.on("failed", (job, err) => {
    if (!job) return;
    const final = err instanceof UnrecoverableError || job.attemptsMade >= (job.opts.attempts ?? 1);
    log(
      `prover: job ${job.id} attempt ${job.attemptsMade} failed${final ? " for good" : ", will retry"}: ${err.message}`,
    );
    // Jobs failed by BullMQ itself (stalled too often) never reached the processor's catch.
    if (final) {
      deadLetter(job, { code: "JOB_FAILED", message: err.message }, job.attemptsMade).catch((e: unknown) =>
        log(`prover: could not dead-letter ${job.id}: ${String(e)}`),
      );
    }
  });
  worker.on("error", (err) => log(`prover: worker error: ${err.message}`));
  await worker.waitUntilReady();

  return {
    device,
    provingPids: () => pool.pids(),
    async close() {
      await worker.close();
      await pool.close();
      await dead.close();
      redis.disconnect();
      workerRedis.disconnect();
    },
  };
}
