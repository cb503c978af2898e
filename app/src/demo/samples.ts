// What the demo asks and what it expects back: the prover's committed benchmark data
// (prover/models/<model>/samples.json: held-out input rows and what onnxruntime answers for them, i.e.
// the model's own output). A proven output differs from the float model's by fixed-point rounding only;
// the tolerance is the one the prover's own tests allow between EZKL and onnxruntime
// (prover/python/tests/test_benchmark_models.py).
import { readFileSync } from "node:fs";
import path from "node:path";
import { BENCHMARK_MODELS, type BenchmarkModelName, benchmarkModelsDir } from "../devnet/models.js";
import { DemoError, DemoOptionError } from "./errors.js";

/** Models the demo can run: those the devnet gives an example consumer that stores each answer. */
export const DEMO_MODELS = [
  "linear_regression",
  "tree_ensemble_regression",
] as const satisfies readonly BenchmarkModelName[];
export type DemoModelName = (typeof DEMO_MODELS)[number];

/** Largest |proven - onnxruntime| accepted per output value. */
export const OUTPUT_TOLERANCE: Record<DemoModelName, number> = {
  linear_regression: 5e-3,
  tree_ensemble_regression: 5e-3,
};

export interface ModelSamples {
  model: DemoModelName;
  description: string;
  /** Input rows (floats). */
  inputs: number[][];
  /** The model's own output per row (onnxruntime on the committed ONNX file). */
  expected: number[][];
  tolerance: number;
}

export function demoModel(name: string): DemoModelName {
  if ((DEMO_MODELS as readonly string[]).includes(name)) return name as DemoModelName;
  if (name in BENCHMARK_MODELS) {
    throw new DemoOptionError(
      `model "${name}" has no example consumer that stores its answers on a devnet; the demo runs ${DEMO_MODELS.join(", ")}`,
      { value: name },
    );
  }
  throw new DemoOptionError(`unknown model "${name}" (the demo runs ${DEMO_MODELS.join(", ")})`, { value: name });
}

/** The committed benchmark data of `model` (prover/models/<model>/samples.json), checked for shape. */
export function readSamples(model: DemoModelName): ModelSamples {
  return parseSamples({ model, file: path.join(benchmarkModelsDir, model, "samples.json") });
}

/** Benchmark data of `model` from `file`, checked for shape. */
export function parseSamples(params: { model: DemoModelName; file: string }): ModelSamples {
  const { model, file } = params;
  let raw: { description?: unknown; inputs?: unknown; onnxOutputs?: unknown };
  try {
    raw = JSON.parse(readFileSync(file, "utf8")) as typeof raw;
  } catch (cause) {
    throw new DemoError(`cannot read the benchmark samples of ${model}`, { value: file, cause });
  }
  const rows = (v: unknown): v is number[][] =>
    Array.isArray(v) && v.every((r) => Array.isArray(r) && r.length > 0 && r.every((x) => Number.isFinite(x)));
  if (!rows(raw.inputs) || !rows(raw.onnxOutputs) || raw.inputs.length !== raw.onnxOutputs.length) {
    throw new DemoError(`${file} must hold "inputs" and "onnxOutputs" as equally long lists of number rows`, {
      value: file,
    });
  }
  if (raw.inputs.length === 0) throw new DemoError(`${file} holds no sample`, { value: file });
  return {
    model,
    description: typeof raw.description === "string" ? raw.description : model,
    inputs: raw.inputs,
    expected: raw.onnxOutputs,
    tolerance: OUTPUT_TOLERANCE[model],
  };
}
