// The proving service against a real Redis and real EZKL proving processes.
import { cp, mkdtemp, open, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { Queue } from "bullmq";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { LocalArtifactStore } from "../src/artifact-store.js";
import { InvalidInputError, JobFailedError, UnknownModelError } from "../src/errors.js";
import { EzklProofSystem } from "../src/ezkl/ezkl-proof-system.js";
import type { CompiledModel } from "../src/proof-system.js";
import { ProverClient } from "../src/queue/client.js";
import { makeRedis, type ProveProgress } from "../src/queue/jobs.js";
import { startProverWorkers } from "../src/queue/workers.js";
import { compileBenchmark, redisUrl, samples, store, uniqueQueue } from "./helpers.js";

let url: string;
let lr: CompiledModel;
let slow: CompiledModel;
const logs: string[] = [];
const log = (line: string) => logs.push(line);
const lrRow = samples("linear_regression").inputs[0]!;
const mlpRows = (n: number) => Array.from({ length: n }, (_, i) => samples("mlp").inputs[i % 4]!);

beforeAll(async () => {
  url = await redisUrl();
  lr = await compileBenchmark("linear_regression", 1);
  // A model whose proof takes long enough (about 2 s) to be interrupted on purpose.
  slow = await compileBenchmark("mlp", 16);
});

async function service(
  label: string,
  opts: {
    concurrency?: number;
    jobTimeoutMs?: number;
    attempts?: number;
    backoffMs?: number;
    store?: LocalArtifactStore;
  } = {},
) {
  const queueName = uniqueQueue(label);
  const workers = await startProverWorkers({
    connection: url,
    store: opts.store ?? store,
    queueName,
    concurrency: opts.concurrency ?? 1,
    device: "auto",
    log,
    ...(opts.jobTimeoutMs ? { jobTimeoutMs: opts.jobTimeoutMs } : {}),
  });
  const client = new ProverClient({
    connection: url,
    store: opts.store ?? store,
    queueName,
    attempts: opts.attempts ?? 3,
    backoffMs: opts.backoffMs ?? 100,
  });
  await client.ready();
  return { queueName, workers, client };
}

async function counts(queueName: string) {
  const redis = makeRedis(url);
  const q = new Queue(queueName, { connection: redis });
  const c = await q.getJobCounts("waiting", "active", "delayed", "completed", "failed");
  await q.close();
  redis.disconnect();
  return c;
}

describe("proving service", () => {
  let svc: Awaited<ReturnType<typeof service>>;
  beforeAll(async () => {
    svc = await service("e2e", { concurrency: 2 });
  });
  afterAll(async () => {
    await svc.client.close();
    await svc.workers.close();
  });

  it("proves an enqueued request, with progress events, and the proof verifies", async () => {
    expect(svc.workers.device.used).toBe("cpu");
    expect(logs.some((l) => l.includes("device cpu (falling back to CPU"))).toBe(true);
    const { jobId } = await svc.client.enqueue({ artifactId: lr.artifactId, inputs: [lrRow], requestIds: ["req-1"] });
    const stages: string[] = [];
    svc.client.onProgress(jobId, (p: ProveProgress) => stages.push(p.stage));
    const result = await svc.client.waitForResult(jobId, { timeoutMs: 60_000 });
    expect(result.jobId).toBe(jobId);
    expect(result.requestIds).toEqual(["req-1"]);
    expect(result.rows).toBe(1);
    expect(result.attempt).toBe(1);
    expect(result.calldata).toMatch(/^0x3409fc9f/);
    expect(result.outputs[0]![0]).toBeCloseTo(samples("linear_regression").onnxOutputs[0]![0]!, 2);
    expect(stages).toEqual(expect.arrayContaining(["started", "witness", "prove", "done"]));
    const system = new EzklProofSystem();
    expect(await system.verify({ artifactDir: lr.artifactDir, proof: result.proof, instances: result.instances })).toBe(
      true,
    );
    await system.close();
  });

  it("enqueues a repeated request once", async () => {
    const req = { artifactId: lr.artifactId, inputs: [lrRow], requestIds: ["same-request"] };
    const a = await svc.client.enqueue(req);
    const b = await svc.client.enqueue(req);
    expect(a.jobId).toBe(b.jobId);
    await svc.client.waitForResult(a.jobId, { timeoutMs: 60_000 });
    const c = await counts(svc.queueName);
    expect(c.completed).toBe(2); // this job and the one of the test before
  });

  it("enqueues nothing that cannot be proven", async () => {
    await expect(
      svc.client.enqueue({ artifactId: lr.artifactId, inputs: [[1, 2, 3]], requestIds: ["r"] }),
    ).rejects.toMatchObject({
      constructor: InvalidInputError,
      field: "inputs[0]",
    });
    await expect(
      svc.client.enqueue({ artifactId: lr.artifactId, inputs: [lrRow], requestIds: [] }),
    ).rejects.toMatchObject({ field: "requestIds" });
    await expect(
      svc.client.enqueue({ artifactId: "f".repeat(64), inputs: [lrRow], requestIds: ["r"] }),
    ).rejects.toBeInstanceOf(UnknownModelError);
    const c = await counts(svc.queueName);
    expect([c.waiting, c.active, c.delayed]).toEqual([0, 0, 0]);
  });

  it("runs proofs in parallel, one OS process per slot", async () => {
    const pids = svc.workers.provingPids();
    expect(new Set(pids).size).toBe(2);
    const results = await Promise.all(
      ["p-1", "p-2"].map((id) =>
        svc.client.prove(
          {
            artifactId: slow.artifactId,
            inputs: mlpRows(16),
            requestIds: Array.from({ length: 16 }, (_, i) => `${id}-${i}`),
          },
          { timeoutMs: 120_000 },
        ),
      ),
    );
    expect(new Set(results.map((r) => r.worker.provingPid)).size).toBe(2);
  });
});

describe("failures", () => {
  it("retries after the proving process is killed mid-job and delivers exactly one result", async () => {
    const svc = await service("kill", { attempts: 3, backoffMs: 100 });
    try {
      const { jobId } = await svc.client.enqueue({
        artifactId: slow.artifactId,
        inputs: mlpRows(16),
        requestIds: mlpRows(16).map((_, i) => `k-${i}`),
      });
      let killed: number | undefined;
      const completions: string[] = [];
      const events = (svc.client as unknown as { events: { on(e: string, f: (a: { jobId: string }) => void): void } })
        .events;
      events.on("completed", ({ jobId: id }) => completions.push(id));
      svc.client.onProgress(jobId, (p) => {
        if (p.stage === "prove" && p.attempt === 1 && killed === undefined) {
          killed = svc.workers.provingPids()[0];
          if (killed) process.kill(killed, "SIGKILL");
        }
      });
      const result = await svc.client.waitForResult(jobId, { timeoutMs: 120_000 });
      expect(killed).toBeDefined();
      expect(result.attempt).toBe(2);
      expect(result.worker.provingPid).not.toBe(killed);
      await new Promise((r) => setTimeout(r, 500));
      expect(completions.filter((id) => id === jobId)).toHaveLength(1);
      const c = await counts(svc.queueName);
      expect([c.completed, c.failed, c.waiting, c.delayed, c.active]).toEqual([1, 0, 0, 0, 0]);
      expect(await svc.client.deadLetter(jobId)).toBeUndefined();
      expect(
        logs.some((l) => l.includes(`job ${jobId} attempt 1 failed, will retry`) && l.includes("exited (SIGKILL)")),
      ).toBe(true);
    } finally {
      await svc.client.close();
      await svc.workers.close();
    }
  });

  it("times a job out, retries with backoff, then dead-letters it with its error", async () => {
    const svc = await service("timeout", { attempts: 2, backoffMs: 50, jobTimeoutMs: 300 });
    try {
      const { jobId } = await svc.client.enqueue({
        artifactId: slow.artifactId,
        inputs: mlpRows(16),
        requestIds: mlpRows(16).map((_, i) => `t-${i}`),
      });
      const err = await svc.client.waitForResult(jobId, { timeoutMs: 120_000 }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(JobFailedError);
      expect(err).toMatchObject({ attemptsMade: 2, value: "JOB_TIMEOUT", field: "timeoutMs" });
      const letter = await svc.client.deadLetter(jobId);
      expect(letter).toMatchObject({ jobId, attemptsMade: 2, error: { code: "JOB_TIMEOUT" } });
      expect(letter?.data.requestIds).toHaveLength(16);
      expect((await svc.client.deadLetters()).map((d) => d.jobId)).toContain(jobId);
    } finally {
      await svc.client.close();
      await svc.workers.close();
    }
  });

  it("sends a corrupt artifact straight to the dead-letter queue without retrying", async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), "zkvin-store-"));
    const own = new LocalArtifactStore({ root });
    await cp(lr.artifactDir, path.join(root, lr.artifactId), { recursive: true });
    const svc = await service("corrupt", { attempts: 3, store: own });
    try {
      const fh = await open(path.join(root, lr.artifactId, "pk.key"), "r+");
      await fh.write(Buffer.from([0xff, 0xff, 0xff]), 0, 3, 64);
      await fh.close();
      const { jobId } = await svc.client.enqueue({ artifactId: lr.artifactId, inputs: [lrRow], requestIds: ["c-1"] });
      const err = await svc.client.waitForResult(jobId, { timeoutMs: 60_000 }).catch((e: unknown) => e);
      expect(err).toMatchObject({
        constructor: JobFailedError,
        attemptsMade: 1,
        value: "ARTIFACT_INVALID",
        field: "files.provingKey",
      });
    } finally {
      await svc.client.close();
      await svc.workers.close();
      await rm(root, { recursive: true, force: true });
    }
  });

  it("shuts down gracefully: the job in progress finishes, then the processes exit", async () => {
    const svc = await service("shutdown");
    const { jobId } = await svc.client.enqueue({
      artifactId: slow.artifactId,
      inputs: mlpRows(16),
      requestIds: mlpRows(16).map((_, i) => `s-${i}`),
    });
    const result = svc.client.waitForResult(jobId, { timeoutMs: 120_000 });
    await new Promise<void>((resolve) => svc.client.onProgress(jobId, (p) => p.stage === "prove" && resolve()));
    const pids = svc.workers.provingPids();
    await svc.workers.close();
    const r = await result;
    expect(r.attempt).toBe(1);
    for (const pid of pids) expect(() => process.kill(pid!, 0)).toThrow();
    await svc.client.close();
  });
});
