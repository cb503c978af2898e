// Shared by the prover's tests: the real Redis (started through scripts/lib/redis.mjs when none
// answers), real compiled benchmark models (content-addressed, so reruns reuse them), and the
// committed samples.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { LocalArtifactStore } from "../src/artifact-store.js";
import { compileModel } from "../src/ezkl/compile.js";
import { proverRoot } from "../src/paths.js";
import type { CompiledModel } from "../src/proof-system.js";

export const store = new LocalArtifactStore();
export const modelsDir = path.join(proverRoot, "models");
export const fixturesDir = path.join(proverRoot, "fixtures");

interface RedisLib {
  ensureRedis(): Promise<{ started: boolean; url: string }>;
}

export async function redisUrl(): Promise<string> {
  const lib = (await import(new URL("../../scripts/lib/redis.mjs", import.meta.url).href)) as RedisLib;
  return (await lib.ensureRedis()).url;
}

export function samples(model: string): { inputs: number[][]; onnxOutputs: number[][] } {
  return JSON.parse(readFileSync(path.join(modelsDir, model, "samples.json"), "utf8")) as {
    inputs: number[][];
    onnxOutputs: number[][];
  };
}

export function calibration(model: string): number[][] {
  return (JSON.parse(readFileSync(path.join(modelsDir, model, "calibration.json"), "utf8")) as { rows: number[][] })
    .rows;
}

export function compileBenchmark(model: string, batchSize = 1, solidityVerifier = false): Promise<CompiledModel> {
  return compileModel({
    name: model,
    onnxPath: path.join(modelsDir, model, "model.onnx"),
    calibration: { path: path.join(modelsDir, model, "calibration.json") },
    batchSize,
    solidityVerifier,
    store,
  });
}

/** A queue name of its own per test file, so runs never see each other's jobs. */
export function uniqueQueue(label: string): string {
  return `zkvin-test-${label}-${randomBytes(4).toString("hex")}`;
}
