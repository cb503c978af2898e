// Benchmark: per model, bare EZKL (witness, prove, verify, peak RSS, proof size), EVM verify gas on
// anvil through the generated per-model verifier and the reusable verifier, and the proving service's
// end-to-end job time (enqueue -> result, real Redis, BullMQ, proving process) against bare EZKL
// witness+prove of the same input in the same run. Also batch 1 against batch 4 and 16.
// Prints a table and writes prover/bench/results.json. Run: npm run bench -w @zk-vin/prover
import { spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { encodeFunctionData, type Hex } from "viem";
import { LocalArtifactStore } from "../src/artifact-store.js";
import { modelVerifierAbi, reusableVerifierAbi } from "../src/evm/abi.js";
import { compileSolidity, startLocalChain } from "../src/evm/local-chain.js";
import { compileModel } from "../src/ezkl/compile.js";
import { ProvingProcess } from "../src/ezkl/proving-process.js";
import { proverRoot, pythonExecutable, pythonProjectDir } from "../src/paths.js";
import type { CompiledModel } from "../src/proof-system.js";
import { ProverClient } from "../src/queue/client.js";
import { startProverWorkers } from "../src/queue/workers.js";
import { validateInputs } from "../src/validation.js";

const REPEAT = Number(process.env.ZKVIN_BENCH_REPEAT ?? 15);
const modelsDir = path.join(proverRoot, "models");
const store = new LocalArtifactStore();

// The seed paper's EZKL figures (EZKL 8.1.7, 8 cores + CUDA): proving time, memory, proof size.
const PAPER: Record<string, { proveMs: number; memoryMB: number; proofKB: number }> = {
  linear_regression: { proveMs: 251, memoryMB: 9.93, proofKB: 4.88 },
  random_forest: { proveMs: 4000, memoryMB: 440, proofKB: 9.13 },
  svm_classification: { proveMs: 120.6, memoryMB: 14.89, proofKB: 7.0 },
  tree_ensemble_regression: { proveMs: 113, memoryMB: 14.91, proofKB: 7.0 },
};

const CASES: { model: string; batch: number }[] = [
  { model: "linear_regression", batch: 1 },
  { model: "random_forest", batch: 1 },
  { model: "svm_classification", batch: 1 },
  { model: "tree_ensemble_regression", batch: 1 },
  { model: "mlp", batch: 1 },
  { model: "linear_regression", batch: 4 },
  { model: "linear_regression", batch: 16 },
];

interface Bare {
  witnessSeconds: number[];
  proveSeconds: number[];
  verifySeconds: number[];
  witnessPlusProveMedianSeconds: number;
  peakRssMiB: number;
  proofBytes: number;
  logrows: number;
  batchSize: number;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

function runPython(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(pythonExecutable(), ["-m", "zkvin_prover", ...args], {
      cwd: pythonProjectDir,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d: Buffer) => {
      out += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      err += d.toString();
    });
    child.on("close", (code) =>
      code === 0
        ? resolve(out.trim().split("\n").pop() ?? "")
        : reject(new Error(`python ${args[0]} failed: ${err.slice(-2000)}`)),
    );
  });
}

function rowsFor(model: string, batch: number): number[][] {
  const inputs = (
    JSON.parse(readFileSync(path.join(modelsDir, model, "samples.json"), "utf8")) as { inputs: number[][] }
  ).inputs;
  return Array.from({ length: batch }, (_, i) => inputs[i % inputs.length]!);
}

async function compile(model: string, batch: number): Promise<CompiledModel> {
  return compileModel({
    name: model,
    onnxPath: path.join(modelsDir, model, "model.onnx"),
    calibration: { path: path.join(modelsDir, model, "calibration.json") },
    batchSize: batch,
    solidityVerifier: true,
    store,
  });
}

async function main(): Promise<void> {
  const loadStart = os.loadavg().map((x) => Number(x.toFixed(2)));
  const redisLib = (await import(new URL("../../scripts/lib/redis.mjs", import.meta.url).href)) as {
    ensureRedis(): Promise<{ started: boolean; url: string }>;
    stopRedis(): boolean;
  };
  const redis = await redisLib.ensureRedis();
  const chain = await startLocalChain();
  const queueName = `zkvin-bench-${Date.now()}`;
  const workers = await startProverWorkers({
    connection: redis.url,
    store,
    queueName,
    concurrency: 1,
    log: () => undefined,
  });
  const client = new ProverClient({ connection: redis.url, store, queueName });
  await client.ready();
  const generated = path.join(proverRoot, "..", "contracts-evm", "src", "verifiers", "ezkl", "generated");
  const bareProcess = new ProvingProcess({ device: "auto" });
  const reusable = await chain.deploy(
    compileSolidity({ file: path.join(generated, "Halo2VerifierReusable.sol"), contract: "Halo2VerifierReusable" }),
  );

  const results = [];
  try {
    for (const c of CASES) {
      const label = c.batch === 1 ? c.model : `${c.model} b${c.batch}`;
      process.stderr.write(`bench: ${label}\n`);
      const compiled = await compile(c.model, c.batch);
      const rows = rowsFor(c.model, c.batch);
      const { inputsFixed } = validateInputs(compiled.manifest, { inputs: rows });

      // Service job and bare EZKL (in a second, idle proving process) alternate, so both see the same
      // machine load; round 0 warms both up (artifact loading and checks) and is not counted.
      const e2e: number[] = [];
      const bareWitnessProve: number[] = [];
      let last: Awaited<ReturnType<ProverClient["prove"]>> | undefined;
      const ratios: number[] = [];
      const service = async (i: number) => {
        const t0 = performance.now();
        last = await client.prove({
          artifactId: compiled.artifactId,
          inputsFixed,
          requestIds: rows.map((_, j) => `bench-${label}-${i}-${j}`),
        });
        return (performance.now() - t0) / 1000;
      };
      const plain = async () => {
        const b = await bareProcess.request<{ witnessSeconds: number; proveSeconds: number }>("bare", {
          artifactDir: compiled.artifactDir,
          inputsFixed,
          verify: false,
        });
        return b.witnessSeconds + b.proveSeconds;
      };
      for (let i = 0; i <= REPEAT; i++) {
        // Alternate which goes first, so neither always runs on a warmer machine.
        let s: number;
        let b: number;
        if (i % 2) {
          s = await service(i);
          b = await plain();
        } else {
          b = await plain();
          s = await service(i);
        }
        if (i > 0) {
          e2e.push(s);
          bareWitnessProve.push(b);
          ratios.push(s / b);
        }
      }
      // Witness, prove and verify times, proof size and peak RSS from a fresh process for this model.
      const bare = JSON.parse(
        await runPython([
          "bench",
          "--artifact-dir",
          compiled.artifactDir,
          "--inputs-fixed",
          JSON.stringify(inputsFixed),
          "--repeat",
          String(REPEAT),
        ]),
      ) as Bare;

      // EVM: the model's own generated verifier, and the reusable verifier with its VKA.
      const contract = compiled.manifest.evm!.verifierContract!;
      const sol = compileSolidity({ file: path.join(compiled.artifactDir, `${contract}.sol`), contract });
      const verifier = await chain.deploy(sol);
      const proof = last!;
      const modelCall = encodeFunctionData({
        abi: modelVerifierAbi,
        functionName: "verifyProof",
        args: [proof.proof, proof.instances.map(BigInt)],
      });
      const modelGas = await chain.client.estimateGas({ to: verifier, data: modelCall });
      const vka = (JSON.parse(readFileSync(path.join(compiled.artifactDir, "vka.json"), "utf8")) as { words: Hex[] })
        .words;
      const reg = await chain.client.writeContract({
        address: reusable,
        abi: reusableVerifierAbi,
        functionName: "registerVka",
        args: [vka],
      });
      await chain.client.waitForTransactionReceipt({ hash: reg });
      const reusableGas = await chain.client.estimateGas({ to: reusable, data: proof.calldata! });

      const bareMs = median(bareWitnessProve) * 1000;
      const e2eMs = median(e2e) * 1000;
      results.push({
        model: c.model,
        batchSize: c.batch,
        logrows: bare.logrows,
        witnessMs: median(bare.witnessSeconds) * 1000,
        proveMs: median(bare.proveSeconds) * 1000,
        verifyMs: median(bare.verifySeconds) * 1000,
        peakRssMiB: bare.peakRssMiB,
        proofBytes: bare.proofBytes,
        provingKeyBytes: compiled.manifest.files.provingKey!.bytes,
        evmGas: { perModelVerifier: Number(modelGas), reusableVerifier: Number(reusableGas) },
        evmGasPerInference: {
          perModelVerifier: Number(modelGas) / c.batch,
          reusableVerifier: Number(reusableGas) / c.batch,
        },
        verifierRuntimeBytes: sol.runtimeBytes,
        serviceEndToEndMs: e2eMs,
        bareWitnessPlusProveMs: bareMs,
        // Median of the per-round ratios (each round runs both back to back, so a burst of other load
        // mostly hits both); best-of-N over best-of-N beside it.
        overheadRatio: median(ratios),
        overheadRatioBest: Math.min(...e2e) / Math.min(...bareWitnessProve),
        serviceEndToEndBestMs: Math.min(...e2e) * 1000,
        bareWitnessPlusProveBestMs: Math.min(...bareWitnessProve) * 1000,
        overheadRatios: ratios,
        proveMsPerInference: (median(bare.proveSeconds) * 1000) / c.batch,
        paper: c.batch === 1 ? (PAPER[c.model] ?? null) : null,
      });
    }
  } finally {
    await client.close();
    await workers.close();
    await bareProcess.close();
    chain.stop();
    if (redis.started) redisLib.stopRedis();
  }

  const doc = {
    createdAt: new Date().toISOString(),
    machine: {
      cpus: os.cpus().length,
      cpuModel: os.cpus()[0]?.model ?? "unknown",
      memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      platform: `${os.platform()} ${os.release()}`,
    },
    repeat: REPEAT,
    loadAverage: { start: loadStart, end: os.loadavg().map((x) => Number(x.toFixed(2))) },
    notes: [
      "times are medians of `repeat` runs; bare = EZKL gen_witness + prove called directly on the same artifact files, SRS and input",
      "service and bare are measured back to back in each round (bare in a second, idle proving process), order alternating; overheadRatio = median of the per-round ratios; overheadRatioBest = best service end-to-end / best bare witness+prove over the rounds; loadAverage shows how busy the (shared) machine was",
      "serviceEndToEndMs = ProverClient.prove() from enqueue to result: Redis, BullMQ, the worker and its long-lived proving process",
      "evmGas = eth_estimateGas of a verifyProof transaction on anvil (includes the 21k base and calldata)",
      "peakRssMiB = peak resident memory of the bare benchmark process (Python + EZKL) for that model",
      "paper = the seed paper's EZKL 8.1.7 figures on 8 cores + CUDA (proving time, memory, proof size); this machine has no GPU",
      "development SRS (insecure, deterministic); the proofs verify and the figures do not depend on the SRS's secret",
    ],
    results,
  };
  writeFileSync(path.join(proverRoot, "bench", "results.json"), `${JSON.stringify(doc, null, 2)}\n`);

  const f = (n: number, d = 0) => n.toFixed(d);
  const header = [
    "model",
    "batch",
    "k",
    "witness ms",
    "prove ms",
    "verify ms",
    "peak RSS MiB",
    "proof B",
    "gas (own)",
    "gas (reusable)",
    "service ms best/med",
    "bare ms best/med",
    "ratio med",
    "ratio best",
    "paper prove ms / MB / proof kB",
  ];
  const lines = results.map((r) => [
    r.model,
    String(r.batchSize),
    String(r.logrows),
    f(r.witnessMs, 1),
    f(r.proveMs, 0),
    f(r.verifyMs, 1),
    f(r.peakRssMiB, 0),
    String(r.proofBytes),
    String(r.evmGas.perModelVerifier),
    String(r.evmGas.reusableVerifier),
    `${f(r.serviceEndToEndBestMs, 0)}/${f(r.serviceEndToEndMs, 0)}`,
    `${f(r.bareWitnessPlusProveBestMs, 0)}/${f(r.bareWitnessPlusProveMs, 0)}`,
    f(r.overheadRatio, 3),
    f(r.overheadRatioBest, 3),
    r.paper ? `${r.paper.proveMs} / ${r.paper.memoryMB} / ${r.paper.proofKB}` : "",
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const row = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(" | ")} |`;
  console.log(row(header));
  console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
  for (const l of lines) console.log(row(l));
  const lr = results.filter((r) => r.model === "linear_regression");
  console.log("\nbatching (linear regression): per inference");
  for (const r of lr) {
    console.log(
      `  batch ${String(r.batchSize).padStart(2)}: prove ${f(r.proveMsPerInference, 1)} ms, gas ${f(r.evmGasPerInference.reusableVerifier)} (reusable) / ${f(r.evmGasPerInference.perModelVerifier)} (own verifier)`,
    );
  }
  const worst = Math.max(...results.map((r) => r.overheadRatio));
  console.log(`\nworst service/bare ratio (median of ${REPEAT} rounds): ${f(worst, 3)} (target <= 1.10)`);
  console.log(`load average during the run: ${doc.loadAverage.start.join(" ")} -> ${doc.loadAverage.end.join(" ")}`);
  console.log(`wrote ${path.join("prover", "bench", "results.json")}`);
}

await main();
