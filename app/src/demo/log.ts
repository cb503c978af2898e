// The run's log file: every service's output (the devnet's forge and compiler lines, the prover workers,
// the local indexer, and the relayer child's own JSON logs) goes to one file under .zkvin/demo/, never
// to the terminal. In-process writers add a timestamp and their source; the relayer writes pino lines.
import { closeSync, mkdirSync, openSync, readdirSync, rmSync, writeSync } from "node:fs";
import path from "node:path";
import type { Logger } from "@zk-vin/chain-kit";
import { repoRoot } from "../devnet/paths.js";

export const DEMO_STATE_DIR = path.join(repoRoot, ".zkvin", "demo");
/** Runs whose folders are kept (older ones are removed when a new run starts). */
const KEEP_RUNS = 5;

type Level = "debug" | "info" | "warn" | "error";
const LEVELS: Record<Level, number> = { debug: 20, info: 30, warn: 40, error: 50 };

export class RunLog {
  /** The file descriptor, shared with child processes as their stdout and stderr. */
  readonly fd: number;

  private constructor(
    readonly dir: string,
    readonly file: string,
  ) {
    this.fd = openSync(file, "a");
  }

  /** Creates the folder of a new run (`.zkvin/demo/<time>-<pid>/`) and its `demo.log`. */
  static create(root = DEMO_STATE_DIR): RunLog {
    mkdirSync(root, { recursive: true });
    const old = readdirSync(root)
      .filter((d) => /^\d{8}T\d{6}-\d+$/.test(d))
      .sort();
    for (const d of old.slice(0, Math.max(0, old.length - (KEEP_RUNS - 1))))
      rmSync(path.join(root, d), { recursive: true, force: true });
    const stamp = new Date().toISOString().replace(/[-:]/g, "").slice(0, 15);
    const dir = path.join(root, `${stamp}-${process.pid}`);
    mkdirSync(dir, { recursive: true });
    return new RunLog(dir, path.join(dir, "demo.log"));
  }

  write(source: string, text: string): void {
    const stamp = new Date().toISOString();
    const lines = text.replace(/\n+$/, "").split("\n");
    try {
      writeSync(this.fd, lines.map((l) => `${stamp} [${source}] ${l}\n`).join(""));
    } catch {
      // the file was closed at shutdown; a late line is dropped, not an error
    }
  }

  /** A logger for the relayer's and the subgraph's library code (JSON fields appended to the message). */
  logger(source: string, level: Level = "info", bindings: Record<string, unknown> = {}): Logger {
    const min = LEVELS[level];
    const emit = (l: Level) => (obj: object, msg?: string) => {
      if (LEVELS[l] < min) return;
      const fields = JSON.stringify({ ...bindings, ...obj }, (_k, v: unknown) =>
        typeof v === "bigint" ? v.toString() : v instanceof Error ? v.message : v,
      );
      this.write(source, `${l} ${msg ?? ""} ${fields === "{}" ? "" : fields}`.trim());
    };
    return {
      debug: emit("debug"),
      info: emit("info"),
      warn: emit("warn"),
      error: emit("error"),
      child: (more) => this.logger(source, level, { ...bindings, ...more }),
    };
  }

  close(): void {
    try {
      closeSync(this.fd);
    } catch {
      // already closed
    }
  }
}
