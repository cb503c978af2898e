// The demo's progress display: one line per finished stage, and on a terminal a spinner line below them
// with every running stage, its elapsed time and live detail ("2/4 callbacks"). Off a terminal (CI, a
// test, a pipe) only the finished-stage lines are written, so the output stays one line per stage.
// Service logs never come here: they go to the run's log file.
import type { Writable } from "node:stream";

const SPINNER = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"];
const NAME_WIDTH = 28;

interface Running {
  since: number;
  detail: string;
}

export interface ProgressOptions {
  out: Writable & { columns?: number };
  /** Draw the spinner line (a terminal); otherwise plain lines only. */
  tty: boolean;
  /** Milliseconds between spinner frames (default 100). */
  frameMs?: number;
}

export function formatSeconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)} s` : `${Math.round(ms / 1000)} s`;
}

export class Progress {
  private readonly running = new Map<string, Running>();
  private readonly out: ProgressOptions["out"];
  private readonly tty: boolean;
  private timer: NodeJS.Timeout | null = null;
  private frame = 0;
  private drawn = false;

  constructor(options: ProgressOptions) {
    this.out = options.out;
    this.tty = options.tty;
    if (this.tty) {
      this.out.write("\x1b[?25l"); // hide the cursor while the spinner runs
      this.timer = setInterval(() => this.draw(), options.frameMs ?? 100);
      this.timer.unref();
    }
  }

  /** Stages running now, oldest first. */
  active(): string[] {
    return [...this.running.keys()];
  }

  start(stage: string): void {
    this.running.set(stage, { since: Date.now(), detail: "" });
    this.draw();
  }

  /** Live detail of a running stage (shown on a terminal only). */
  detail(stage: string, text: string): void {
    const r = this.running.get(stage);
    if (r) r.detail = text;
  }

  done(stage: string, detail = ""): void {
    this.finish(stage, "✓", detail);
  }

  fail(stage: string, message: string): void {
    this.finish(stage, "✗", message);
  }

  /** Marks every running stage as interrupted. */
  interrupt(): void {
    for (const stage of this.active()) this.finish(stage, "■", "interrupted");
  }

  /** A line of its own (headings, the summary), printed above the spinner. */
  line(text = ""): void {
    this.clear();
    this.out.write(`${text}\n`);
    this.draw();
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.clear();
    if (this.tty) this.out.write("\x1b[?25h");
  }

  private finish(stage: string, mark: string, detail: string): void {
    const r = this.running.get(stage);
    this.running.delete(stage);
    const ms = r ? Date.now() - r.since : 0;
    const text = `  ${mark} ${stage.padEnd(NAME_WIDTH)} ${formatSeconds(ms).padStart(6)}${detail ? `  ${detail}` : ""}`;
    this.line(text);
  }

  private clear(): void {
    if (this.tty && this.drawn) this.out.write("\r\x1b[2K");
    this.drawn = false;
  }

  private draw(): void {
    if (!this.tty || this.timer === null) return;
    this.clear();
    if (this.running.size === 0) return;
    const now = Date.now();
    const parts = [...this.running].map(
      ([stage, r]) => `${stage} ${formatSeconds(now - r.since)}${r.detail ? ` ${r.detail}` : ""}`,
    );
    const spinner = SPINNER[this.frame++ % SPINNER.length];
    const text = `  ${spinner} ${parts.join("  ·  ")}`;
    const width = this.out.columns ?? 120;
    this.out.write(text.length > width - 1 ? `${text.slice(0, width - 2)}…` : text);
    this.drawn = true;
  }
}
