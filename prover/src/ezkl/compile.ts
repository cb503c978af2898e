// compileModel: ONNX + calibration + visibility -> a content-addressed artifacts directory, by the
// Python compiler (python -m zkvin_prover compile). Compiling the same inputs again is a cache hit.
import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { checkArtifactDir, LocalArtifactStore } from "../artifact-store.js";
import { errorFromWire, ProofSystemError, type WireError } from "../errors.js";
import { pythonExecutable, pythonProjectDir } from "../paths.js";
import type { CompiledModel, CompileParams } from "../proof-system.js";

function run(
  args: string[],
  onLog?: (line: string) => void,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(pythonExecutable(), args, { cwd: pythonProjectDir, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      const s = d.toString();
      stderr += s;
      if (onLog) for (const line of s.split("\n")) if (line.trim()) onLog(line);
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

export async function compileModel(params: CompileParams & { onLog?: (line: string) => void }): Promise<CompiledModel> {
  const store = params.store ?? new LocalArtifactStore();
  const tmp = await mkdtemp(path.join(os.tmpdir(), "zkvin-compile-"));
  try {
    let calibrationPath: string;
    if (Array.isArray(params.calibration)) {
      calibrationPath = path.join(tmp, "calibration.json");
      await writeFile(calibrationPath, JSON.stringify({ rows: params.calibration }));
    } else {
      calibrationPath = params.calibration.path;
    }
    const args = [
      "-m",
      "zkvin_prover",
      "compile",
      "--onnx",
      path.resolve(params.onnxPath),
      "--calibration",
      path.resolve(calibrationPath),
    ];
    args.push("--name", params.name, "--batch-size", String(params.batchSize ?? 1), "--store", store.root);
    args.push(
      "--input-visibility",
      params.inputVisibility ?? "public",
      "--output-visibility",
      params.outputVisibility ?? "public",
    );
    if (params.rangeMargin !== undefined) args.push("--range-margin", String(params.rangeMargin));
    if (params.contractName) args.push("--contract-name", params.contractName);
    if (params.scales) args.push("--scales", params.scales.join(","));
    if (params.solidityVerifier === false) args.push("--no-verifier");
    if (params.vka === false) args.push("--no-vka");
    if (params.srs) args.push("--srs-path", path.resolve(params.srs.path), "--srs-sha256", params.srs.sha256);
    const res = await run(args, params.onLog);
    const last = res.stdout.trim().split("\n").pop() ?? "";
    let parsed: { artifactDir?: string; error?: WireError } = {};
    try {
      parsed = JSON.parse(last) as typeof parsed;
    } catch {
      throw new ProofSystemError(
        `compiler exited with ${res.code} and no result: ${res.stderr.trim().split("\n").slice(-5).join(" | ")}`,
        { code: "INTERNAL" },
      );
    }
    if (parsed.error) throw errorFromWire(parsed.error);
    if (res.code !== 0 || !parsed.artifactDir) {
      throw new ProofSystemError(
        `compiler exited with ${res.code}: ${res.stderr.trim().split("\n").slice(-5).join(" | ")}`,
        { code: "INTERNAL" },
      );
    }
    const manifest = await checkArtifactDir(parsed.artifactDir);
    return { artifactId: manifest.artifactId, artifactDir: parsed.artifactDir, manifest };
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
}
