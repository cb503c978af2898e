// Benchmark models on a devnet: compiled with the prover's toolchain (content-addressed, so a second run
// is a cache hit), their VKA checked and stored by the hub's EZKL adapter, and registered in the model
// registry with the layout the manifest describes.
import { readFile } from "node:fs/promises";
import path from "node:path";
import { compileModel, LocalArtifactStore, type Manifest } from "@zk-vin/prover";
import type { Address, Hex } from "viem";
import { DevnetSetupError } from "./errors.js";
import { repoRoot } from "./paths.js";

/** Which example consumer acts on a model's answer. */
export type ConsumerKind = "regression" | "classifier" | "none";

/** The prover's committed benchmark models (prover/models/<name>) and the consumer each one feeds. */
export const BENCHMARK_MODELS = {
  linear_regression: { consumer: "regression" },
  tree_ensemble_regression: { consumer: "regression" },
  svm_classification: { consumer: "classifier" },
  mlp: { consumer: "none" },
  random_forest: { consumer: "none" },
} as const satisfies Record<string, { consumer: ConsumerKind }>;

export type BenchmarkModelName = keyof typeof BENCHMARK_MODELS;

export interface DevnetModelOptions {
  model: BenchmarkModelName;
  /** Inferences per proof (the circuit's batch dimension); default 1. */
  batchSize?: number;
  /** Royalty per inference, in wei (default 0.0001 ether). */
  royalty?: bigint;
  /** The model's verifier on the hub: the EZKL VKA adapter (default), or the aggregating adapter over it
   * (same keys; a node may then settle its requests from one aggregate of several models' proofs, or with
   * the proof alone as usual). */
  verifier?: DevnetVerifier;
}

/** Which hub adapter a devnet model is registered with. */
export type DevnetVerifier = "vka" | "aggregating";

/** A model compiled for the devnet (not registered yet). */
export interface CompiledDevnetModel {
  /** Unique on the devnet: the benchmark name, with `_b<N>` for batch sizes above 1. */
  name: string;
  model: BenchmarkModelName;
  consumer: ConsumerKind;
  batchSize: number;
  artifactId: string;
  artifactDir: string;
  manifest: Manifest;
  vkaWords: Hex[];
}

export const benchmarkModelsDir = path.join(repoRoot, "prover", "models");

export function devnetModelName(model: string, batchSize: number): string {
  return batchSize === 1 ? model : `${model}_b${batchSize}`;
}

/** The on-chain URI the relayer resolves back to a local artifact (`zkvin-artifact:sha256:<artifactId>`). */
export function artifactUri(artifactId: string): string {
  return `zkvin-artifact:sha256:${artifactId}`;
}

/** Compiles (or finds in the artifact store) a benchmark model with the prover's toolchain. */
export async function compileDevnetModel(params: {
  options: DevnetModelOptions;
  store?: LocalArtifactStore;
  onLog?: (line: string) => void;
}): Promise<CompiledDevnetModel> {
  const { model } = params.options;
  const entry = BENCHMARK_MODELS[model];
  if (!entry) {
    throw new DevnetSetupError(
      `unknown benchmark model "${model}" (known: ${Object.keys(BENCHMARK_MODELS).join(", ")})`,
      {
        value: model,
      },
    );
  }
  const batchSize = params.options.batchSize ?? 1;
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 64) {
    throw new DevnetSetupError(`batchSize of ${model} must be an integer in 1..64, got ${batchSize}`, {
      value: batchSize,
    });
  }
  const store = params.store ?? new LocalArtifactStore();
  const dir = path.join(benchmarkModelsDir, model);
  // The same options as the prover's own tests and benchmark, so all of them share cached artifacts.
  const compiled = await compileModel({
    name: model,
    onnxPath: path.join(dir, "model.onnx"),
    calibration: { path: path.join(dir, "calibration.json") },
    batchSize,
    solidityVerifier: false,
    store,
    ...(params.onLog ? { onLog: params.onLog } : {}),
  });
  const vkaFile = compiled.manifest.files.vkaWords;
  if (!vkaFile)
    throw new DevnetSetupError(`artifact ${compiled.artifactId} has no VKA`, { value: compiled.artifactId });
  const vka = JSON.parse(await readFile(path.join(compiled.artifactDir, vkaFile.path), "utf8")) as { words: Hex[] };
  return {
    name: devnetModelName(model, batchSize),
    model,
    consumer: entry.consumer,
    batchSize,
    artifactId: compiled.artifactId,
    artifactDir: compiled.artifactDir,
    manifest: compiled.manifest,
    vkaWords: vka.words,
  };
}

/** The registry's IOLayout, as viem encodes the struct. */
export interface IOLayoutArgs {
  batchSize: number;
  instanceCount: number;
  inputOffset: number;
  inputCount: number;
  outputOffset: number;
  outputCount: number;
  inputScale: number;
  outputScale: number;
  inputMode: number;
}

/** One input feature's bound on the registry (InputBound), fixed point at the input scale, inclusive. */
export interface InputBoundArgs {
  min: bigint;
  max: bigint;
}

/** The registry's ModelSpec, as viem encodes the struct. */
export interface ModelSpecArgs {
  verifier: Address;
  verifierKey: Hex;
  settingsHash: Hex;
  layout: IOLayoutArgs;
  inputBounds: InputBoundArgs[];
  computeUnits: number;
  royalty: bigint;
  artifactURI: string;
  metadataURI: string;
}

/**
 * The hub's view of a compiled model: where its input and output sit in the instances and their scales
 * (the input bounds are registered beside it, see `inputBoundsFromManifest`).
 */
export function layoutFromManifest(manifest: Manifest): IOLayoutArgs {
  const input = manifest.inputs[0]!;
  const output = manifest.outputs[0]!;
  if (input.visibility !== "public" || output.visibility !== "public") {
    throw new DevnetSetupError(
      `model ${manifest.name}: the devnet registers public-input, public-output models only (got ${input.visibility}/${output.visibility})`,
      { value: manifest.artifactId },
    );
  }
  const batch = manifest.batchSize;
  const inEntry = manifest.instances.layout.find((e) => e.kind === "input");
  const outEntry = manifest.instances.layout.find((e) => e.kind === "output");
  if (!inEntry || !outEntry) {
    throw new DevnetSetupError(`model ${manifest.name}: the manifest's instance layout lacks an input or output`, {
      value: manifest.artifactId,
    });
  }
  return {
    batchSize: batch,
    instanceCount: manifest.instances.count,
    inputOffset: inEntry.offset,
    inputCount: inEntry.length / batch,
    outputOffset: outEntry.offset,
    outputCount: outEntry.length / batch,
    inputScale: input.scale,
    outputScale: output.scale,
    inputMode: 0,
  };
}

/**
 * The hub's per-feature input bounds of a compiled model: feature j's proven range from the manifest
 * (`inputs[0].range.min[j]` .. `max[j]`) in fixed point at the input scale, rounded inwards (ceil of the
 * minimum, floor of the maximum), so that every input the hub accepts is one the prover can prove. x * 2^scale
 * is exact in binary floating point, so the rounding is the only loss.
 */
export function inputBoundsFromManifest(manifest: Manifest): InputBoundArgs[] {
  const input = manifest.inputs[0]!;
  const { min, max } = input.range;
  if (min.length !== max.length) {
    throw new DevnetSetupError(
      `model ${manifest.name}: the manifest's input range has ${min.length} minima and ${max.length} maxima`,
      {
        value: manifest.artifactId,
      },
    );
  }
  const one = 2 ** input.scale;
  return min.map((lo, j) => {
    const low = Math.ceil(lo * one);
    const high = Math.floor(max[j]! * one);
    if (!Number.isSafeInteger(low) || !Number.isSafeInteger(high) || low > high) {
      throw new DevnetSetupError(`model ${manifest.name}: feature ${j} has no fixed-point value in its proven range`, {
        value: { feature: j, low, high },
      });
    }
    return { min: BigInt(low), max: BigInt(high) };
  });
}

/** The ModelSpec registering `model` with the EZKL VKA adapter at `adapter`. */
export function modelSpec(params: { model: CompiledDevnetModel; adapter: Address; royalty: bigint }): ModelSpecArgs {
  const { manifest } = params.model;
  const digest = manifest.evm?.vkaDigest;
  if (!digest)
    throw new DevnetSetupError(`artifact ${manifest.artifactId} has no VKA digest`, { value: manifest.artifactId });
  const settings = manifest.files.settings;
  if (!settings)
    throw new DevnetSetupError(`artifact ${manifest.artifactId} lists no settings file`, {
      value: manifest.artifactId,
    });
  return {
    verifier: params.adapter,
    verifierKey: digest as Hex,
    settingsHash: `0x${settings.sha256}`,
    layout: layoutFromManifest(manifest),
    inputBounds: inputBoundsFromManifest(manifest),
    computeUnits: manifest.computeUnits.perInference,
    royalty: params.royalty,
    artifactURI: artifactUri(manifest.artifactId),
    metadataURI: `data:,zk-VIN devnet benchmark model ${params.model.name}`,
  };
}
