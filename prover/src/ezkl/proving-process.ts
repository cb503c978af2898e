// One long-lived Python proving process (python -m zkvin_prover worker): EZKL holds the GIL, so each
// concurrent proof needs its own OS process. Requests and replies are JSON lines; the process holds
// at most one request at a time. If it dies, the pending request fails with WorkerCrashedError.
import { type ChildProcessByStdio, spawn } from "node:child_process";
import { createInterface } from "node:readline";
import type { Readable, Writable } from "node:stream";
import { errorFromWire, ProofSystemError, type ProverError, type WireError, WorkerCrashedError } from "../errors.js";
import { pythonExecutable, pythonProjectDir } from "../paths.js";

export type DeviceChoice = "auto" | "cpu" | "gpu";

export interface DeviceReport {
  requested: DeviceChoice;
  used: "cpu" | "gpu";
  reason: string;
}

type Reply = {
  id: string | null;
  ok: boolean;
  result?: unknown;
  error?: WireError;
  progress?: string;
  ready?: boolean;
  pid?: number;
  device?: DeviceReport;
};

interface Pending {
  id: string;
  resolve: (value: unknown) => void;
  reject: (err: ProverError) => void;
  onProgress: ((stage: string) => void) | undefined;
}

export interface ProvingProcessOptions {
  device?: DeviceChoice;
  /** Extra environment for the Python process (for example ZKVIN_ARTIFACT_STORE). */
  env?: NodeJS.ProcessEnv;
  /** Receives the process's stderr (EZKL's logs), line by line. */
  onStderr?: (line: string) => void;
}

export class ProvingProcess {
  readonly ready: Promise<{ pid: number; device: DeviceReport }>;
  private readonly child: ChildProcessByStdio<Writable, Readable, Readable>;
  private pending: Pending | undefined;
  private nextId = 0;
  private exited: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly stderrTail: string[] = [];

  constructor(options: ProvingProcessOptions = {}) {
    this.child = spawn(pythonExecutable(), ["-m", "zkvin_prover", "worker", "--device", options.device ?? "auto"], {
      cwd: pythonProjectDir,
      env: { ...process.env, PYTHONUNBUFFERED: "1", ...options.env },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let markReady: (v: { pid: number; device: DeviceReport }) => void = () => {};
    let failReady: (e: Error) => void = () => {};
    this.ready = new Promise((resolve, reject) => {
      markReady = resolve;
      failReady = reject;
    });
    // A caller that never awaits `ready` must not see an unhandled rejection.
    this.ready.catch(() => undefined);

    createInterface({ input: this.child.stdout }).on("line", (line) => {
      let msg: Reply;
      try {
        msg = JSON.parse(line) as Reply;
      } catch {
        this.remember(`unparsable stdout line: ${line}`);
        return;
      }
      if (msg.ready) {
        markReady({ pid: msg.pid ?? this.child.pid ?? -1, device: msg.device as DeviceReport });
        return;
      }
      const p = this.pending;
      if (!p || msg.id !== p.id) return;
      if (msg.progress !== undefined) {
        p.onProgress?.(msg.progress);
        return;
      }
      this.pending = undefined;
      if (msg.ok) p.resolve(msg.result);
      else p.reject(errorFromWire(msg.error ?? { code: "INTERNAL", message: "reply without error" }));
    });
    createInterface({ input: this.child.stderr }).on("line", (line) => {
      this.remember(line);
      options.onStderr?.(line);
    });
    this.child.on("exit", (code, signal) => {
      this.exited = { code, signal };
      const why = `proving process ${this.child.pid} exited (${signal ?? `code ${code}`})`;
      failReady(new WorkerCrashedError(`${why} before it was ready: ${this.stderrTail.slice(-5).join(" | ")}`));
      const p = this.pending;
      this.pending = undefined;
      p?.reject(new WorkerCrashedError(`${why} while proving`, { value: { code, signal } }));
    });
    this.child.on("error", (err) =>
      failReady(new WorkerCrashedError(`cannot start ${pythonExecutable()}`, { cause: err })),
    );
    this.child.stdin.on("error", () => undefined);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get alive(): boolean {
    return this.exited === undefined;
  }

  get busy(): boolean {
    return this.pending !== undefined;
  }

  private remember(line: string): void {
    this.stderrTail.push(line);
    if (this.stderrTail.length > 50) this.stderrTail.shift();
  }

  /** Sends one request; rejects with the typed error the process reports, or WorkerCrashedError. */
  async request<T>(op: string, params: Record<string, unknown>, onProgress?: (stage: string) => void): Promise<T> {
    await this.ready;
    if (!this.alive) throw new WorkerCrashedError(`proving process ${this.pid} is not running`);
    if (this.pending) throw new ProofSystemError(`proving process ${this.pid} is busy`, { code: "INTERNAL" });
    const id = String(++this.nextId);
    return new Promise<T>((resolve, reject) => {
      this.pending = { id, resolve: resolve as (v: unknown) => void, reject, onProgress };
      this.child.stdin.write(`${JSON.stringify({ id, op, ...params })}\n`);
    });
  }

  /** Kills the process (SIGKILL by default); a pending request fails with WorkerCrashedError. */
  kill(signal: NodeJS.Signals = "SIGKILL"): void {
    if (this.alive) this.child.kill(signal);
  }

  /** Closes stdin so the process exits after its current request; waits for it. */
  async close(timeoutMs = 30_000): Promise<void> {
    if (!this.alive) return;
    const done = new Promise<void>((resolve) => this.child.once("exit", () => resolve()));
    this.child.stdin.end();
    const timer = setTimeout(() => this.kill(), timeoutMs);
    await done;
    clearTimeout(timer);
  }
}
