// Batching against a real Redis and real proofs: requests for one model share a proof, up to the
// compiled batch size or a time window; a partial batch is padded; each caller gets its own row.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InvalidInputError } from "../src/errors.js";
import { wordToSigned } from "../src/fixed-point.js";
import type { CompiledModel } from "../src/proof-system.js";
import { InferenceBatcher } from "../src/queue/batcher.js";
import { ProverClient } from "../src/queue/client.js";
import { type ProverWorkers, startProverWorkers } from "../src/queue/workers.js";
import { compileBenchmark, redisUrl, samples, store, uniqueQueue } from "./helpers.js";

let lr4: CompiledModel;
let svm: CompiledModel;
let workers: ProverWorkers;
let client: ProverClient;
const rows = samples("linear_regression").inputs;

beforeAll(async () => {
  const url = await redisUrl();
  lr4 = await compileBenchmark("linear_regression", 4);
  svm = await compileBenchmark("svm_classification", 1);
  const queueName = uniqueQueue("batch");
  workers = await startProverWorkers({ connection: url, store, queueName, concurrency: 2, log: () => undefined });
  client = new ProverClient({ connection: url, store, queueName });
  await client.ready();
});
afterAll(async () => {
  await client.close();
  await workers.close();
});

describe("InferenceBatcher", () => {
  it("sends a full batch at once, one proof for all, each caller its own slot", async () => {
    const batcher = new InferenceBatcher({ client, store, windowMs: 60_000 });
    const started = Date.now();
    const results = await Promise.all(
      rows.map((input, i) => batcher.submit({ artifactId: lr4.artifactId, requestId: `full-${i}`, input })),
    );
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(new Set(results.map((r) => r.proof.jobId)).size).toBe(1);
    const proof = results[0]!.proof;
    expect(proof.rows).toBe(4);
    expect(proof.paddedRows).toBe(0);
    // Slots follow arrival order; each request finds its own row at its slot.
    expect([...proof.requestIds].sort()).toEqual(["full-0", "full-1", "full-2", "full-3"]);
    expect(results.map((r) => r.slot).sort()).toEqual([0, 1, 2, 3]);
    const outputs = proof.instances.slice(16).map(wordToSigned);
    results.forEach((r, i) => {
      expect(proof.requestIds[r.slot]).toBe(`full-${i}`);
      expect(BigInt(r.outputFixed[0]!)).toBe(outputs[r.slot]);
      expect(r.output[0]).toBeCloseTo(samples("linear_regression").onnxOutputs[i]![0]!, 2);
    });
    await batcher.close();
  });

  it("sends a partial batch when the window closes, padded, and keeps models apart", async () => {
    const batcher = new InferenceBatcher({ client, store, windowMs: 200 });
    const [a, b, c] = await Promise.all([
      batcher.submit({ artifactId: lr4.artifactId, requestId: "part-0", input: rows[0]! }),
      batcher.submit({ artifactId: lr4.artifactId, requestId: "part-1", input: rows[1]! }),
      batcher.submit({
        artifactId: svm.artifactId,
        requestId: "svm-0",
        input: samples("svm_classification").inputs[0]!,
      }),
    ]);
    expect(a!.proof.jobId).toBe(b!.proof.jobId);
    expect(c!.proof.jobId).not.toBe(a!.proof.jobId);
    expect(a!.proof.rows).toBe(2);
    expect(a!.proof.paddedRows).toBe(2);
    // Padding repeats the last real row: slots 2 and 3 hold request part-1's input and output.
    const inputs = a!.proof.instances.slice(0, 16).map(wordToSigned);
    expect(inputs.slice(8, 12)).toEqual(inputs.slice(4, 8));
    expect(inputs.slice(12, 16)).toEqual(inputs.slice(4, 8));
    expect(c!.output).toEqual([samples("svm_classification").onnxOutputs[0]![0]]);
    await batcher.close();
  });

  it("refuses a bad request on submit without holding up the others", async () => {
    const batcher = new InferenceBatcher({ client, store, windowMs: 100 });
    const good = batcher.submit({ artifactId: lr4.artifactId, requestId: "ok-0", input: rows[0]! });
    await expect(batcher.submit({ artifactId: lr4.artifactId, requestId: "bad", input: [1, 2] })).rejects.toMatchObject(
      {
        constructor: InvalidInputError,
        field: "inputs[0]",
      },
    );
    await expect(
      batcher.submit({ artifactId: lr4.artifactId, requestId: "ok-0", input: rows[1]! }),
    ).rejects.toMatchObject({ field: "requestId" });
    const r = await good;
    expect(r.proof.rows).toBe(1);
    await batcher.close();
    await expect(
      batcher.submit({ artifactId: lr4.artifactId, requestId: "late", input: rows[0]! }),
    ).rejects.toBeInstanceOf(InvalidInputError);
  });

  it("close() sends what is waiting and waits for the answers", async () => {
    const batcher = new InferenceBatcher({ client, store, windowMs: 60_000 });
    const pending = batcher.submit({ artifactId: lr4.artifactId, requestId: "closing-0", input: rows[2]! });
    await batcher.close();
    await expect(pending).resolves.toMatchObject({ requestId: "closing-0", slot: 0 });
  });
});
