// A whole Node worker process killed mid-job (SIGKILL, no clean-up): its job's lock expires, another
// worker takes the job over, and the client receives exactly one result.
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { Queue } from "bullmq";
import { afterAll, beforeAll, expect, it } from "vitest";
import { proverRoot } from "../src/paths.js";
import type { CompiledModel } from "../src/proof-system.js";
import { ProverClient } from "../src/queue/client.js";
import { makeRedis } from "../src/queue/jobs.js";
import { type ProverWorkers, startProverWorkers } from "../src/queue/workers.js";
import { compileBenchmark, redisUrl, samples, store, uniqueQueue } from "./helpers.js";

let url: string;
let model: CompiledModel;
let child: ChildProcess | undefined;
let survivor: ProverWorkers | undefined;

beforeAll(async () => {
  url = await redisUrl();
  model = await compileBenchmark("mlp", 16);
});
afterAll(async () => {
  child?.kill("SIGKILL");
  await survivor?.close();
});

it("recovers a job from a killed worker process and completes it once", async () => {
  const queueName = uniqueQueue("crash");
  // node --import tsx: the child is the worker itself (the tsx launcher would be a wrapper around it).
  child = spawn(
    process.execPath,
    ["--import", "tsx", path.join(proverRoot, "test", "support", "worker-main.ts"), url, queueName],
    {
      cwd: path.join(proverRoot, ".."),
      stdio: ["ignore", "pipe", "inherit"],
    },
  );
  await new Promise<void>((resolve, reject) => {
    child!.stdout!.on("data", (d: Buffer) => d.toString().includes("ready") && resolve());
    child!.on("exit", (code) => reject(new Error(`worker exited early (${code})`)));
  });
  const client = new ProverClient({ connection: url, store, queueName, attempts: 3, backoffMs: 100 });
  await client.ready();
  try {
    const rows = Array.from({ length: 16 }, (_, i) => samples("mlp").inputs[i % 4]!);
    const { jobId } = await client.enqueue({
      artifactId: model.artifactId,
      inputs: rows,
      requestIds: rows.map((_, i) => `crash-${i}`),
    });
    const completions: string[] = [];
    (client as unknown as { events: { on(e: string, f: (a: { jobId: string }) => void): void } }).events.on(
      "completed",
      ({ jobId: id }) => completions.push(id),
    );
    await new Promise<void>((resolve) => client.onProgress(jobId, (p) => p.stage === "prove" && resolve()));
    const killedPid = child.pid;
    child.kill("SIGKILL");
    // Only now does a second worker exist: whatever completes the job, it is this one.
    survivor = await startProverWorkers({
      connection: url,
      store,
      queueName,
      concurrency: 1,
      lockDurationMs: 2000,
      stalledIntervalMs: 1000,
      log: () => undefined,
    });
    const result = await client.waitForResult(jobId, { timeoutMs: 120_000 });
    expect(result.worker.pid).toBe(process.pid);
    expect(result.worker.pid).not.toBe(killedPid);
    await new Promise((r) => setTimeout(r, 1500));
    expect(completions.filter((id) => id === jobId)).toHaveLength(1);
    const redis = makeRedis(url);
    const q = new Queue(queueName, { connection: redis });
    expect(await q.getJobCounts("completed", "failed", "waiting", "active", "delayed")).toEqual({
      completed: 1,
      failed: 0,
      waiting: 0,
      active: 0,
      delayed: 0,
    });
    await q.close();
    redis.disconnect();
  } finally {
    await client.close();
  }
});
