// Runs wasm-cairo entry points, each in a fresh worker thread with a fresh module instance.
//
// A fresh instance per call keeps calls independent: the compiler keeps global state between calls
// (its test log), never returns memory it grew, and a Rust panic leaves the instance unusable. The
// module is patched once (see stdio-capture.ts) and its bytes handed to every worker.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";
import { patchStdioCapture } from "./stdio-capture";

export type CairoJob =
  | { kind: "compile"; source: string; allowWarnings: boolean }
  | { kind: "test"; source: string; allowWarnings: boolean; filter: string };

export interface CairoJobResult {
  /** What the entry point returned: Sierra JSON, the test log, or an error message. */
  returned: string;
  /** Everything the compiler printed during the call (diagnostics, test lines), in order. */
  printed: string;
  /** Set when the call did not return: the wasm trapped, the worker died or the time limit passed. */
  crash?: string;
  ms: number;
}

/** The worker could not be started or answered with something that is not a job result. */
export class CairoWorkerError extends Error {
  override readonly name = "CairoWorkerError";
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

const require = createRequire(import.meta.url);

/** Path of the wasm-cairo module the runner patches. */
export function wasmCairoBinaryPath(): string {
  return require.resolve("wasm-cairo/wasm-cairo_bg.wasm");
}

let patched: Uint8Array | undefined;

/** The stdio-capturing wasm-cairo module's bytes, patched once per process. */
export function wasmCairoBytes(): Uint8Array {
  patched ??= patchStdioCapture(readFileSync(wasmCairoBinaryPath()));
  return patched;
}

function isJobResult(value: unknown): value is CairoJobResult {
  if (typeof value !== "object" || value === null) return false;
  const v = value as Record<string, unknown>;
  return typeof v.returned === "string" && typeof v.printed === "string" && typeof v.ms === "number";
}

/** Runs one job in its own worker; resolves with a crash result instead of rejecting when the job dies. */
export function runCairoJob(job: CairoJob, options: { timeoutMs: number }): Promise<CairoJobResult> {
  const started = Date.now();
  const worker = new Worker(new URL("./worker.mjs", import.meta.url), {
    workerData: { module: wasmCairoBytes(), job },
    stdout: true,
    stderr: true,
  });
  let workerOutput = "";
  worker.stdout.on("data", (chunk: Buffer) => {
    workerOutput += chunk.toString("utf8");
  });
  worker.stderr.on("data", (chunk: Buffer) => {
    workerOutput += chunk.toString("utf8");
  });
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (result: CairoJobResult | Error) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void worker.terminate();
      if (result instanceof Error) reject(result);
      else resolve(result);
    };
    const crashed = (crash: string) => finish({ returned: "", printed: workerOutput, crash, ms: Date.now() - started });
    const timer = setTimeout(() => crashed(`no answer within ${options.timeoutMs} ms`), options.timeoutMs);
    worker.once("message", (message: unknown) => {
      if (isJobResult(message)) finish(message);
      else finish(new CairoWorkerError(`unexpected message from the wasm-cairo worker: ${JSON.stringify(message)}`));
    });
    worker.once("error", (err) => crashed(`worker failed: ${err.stack ?? err.message}`));
    worker.once("exit", (code) => crashed(`worker exited with code ${code} before answering`));
  });
}
