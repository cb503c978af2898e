// Every process the demo started descends from it (anvil, forge, the relayer, the EZKL proving and
// compiling processes); Redis is the exception (it daemonizes) and is stopped on its own. After the
// services have been stopped in order, a last sweep ends whatever descendant is left — for instance the
// forge or Python process of a stage that an interrupt cut short.
import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

/** (pid, parent pid) of every process on the machine. */
function processTable(): Array<{ pid: number; ppid: number }> {
  if (process.platform === "linux") {
    const rows: Array<{ pid: number; ppid: number }> = [];
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        // /proc/<pid>/stat: "pid (comm) state ppid ..."; comm may hold spaces and parentheses.
        const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
        const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        if (fields[0] === "Z") continue; // exited, waiting to be reaped: nothing left to stop
        rows.push({ pid: Number(entry), ppid: Number(fields[1]) });
      } catch {
        // the process ended while we read
      }
    }
    return rows;
  }
  const text = execFileSync("ps", ["-A", "-o", "pid=", "-o", "ppid=", "-o", "stat="], { encoding: "utf8" });
  return text
    .trim()
    .split("\n")
    .map((line) => line.trim().split(/\s+/))
    .filter(([, , stat]) => !stat?.startsWith("Z"))
    .map(([pid, ppid]) => ({ pid: Number(pid), ppid: Number(ppid) }));
}

/** Pids of every living descendant of `root` (default: this process). */
export function descendants(root = process.pid): number[] {
  const children = new Map<number, number[]>();
  for (const { pid, ppid } of processTable()) {
    const list = children.get(ppid) ?? [];
    list.push(pid);
    children.set(ppid, list);
  }
  const out: number[] = [];
  const queue = [root];
  while (queue.length > 0) {
    for (const child of children.get(queue.shift()!) ?? []) {
      out.push(child);
      queue.push(child);
    }
  }
  return out;
}

/** Whether `pid` is a running process (a zombie, exited but not yet reaped, counts as ended). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EPERM") return false;
  }
  if (process.platform !== "linux") return true;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3) !== "Z";
  } catch {
    return false;
  }
}

/**
 * Ends every descendant of `root` (default: this process), and the processes in `known` (descendants recorded earlier: a
 * process whose parent has ended is no longer anyone's descendant), except those in `spare` (helpers this
 * process had before the demo started, such as tsx's esbuild service, which end with it): SIGTERM, then
 * SIGKILL for those still alive after `graceMs`. Returns what it had to end.
 */
export async function endProcesses(
  params: { root?: number; known?: number[]; spare?: ReadonlySet<number>; graceMs?: number } = {},
): Promise<Array<{ pid: number; command: string }>> {
  const root = params.root ?? process.pid;
  const graceMs = params.graceMs ?? 3000;
  const spare = params.spare ?? new Set<number>();
  const ended = new Map<number, string>();
  for (let pass = 0; pass < 3; pass++) {
    const extra = pass === 0 ? (params.known ?? []).filter((pid) => pid !== root && isAlive(pid)) : [];
    const pids = [...new Set([...descendants(root), ...extra])].filter((pid) => !spare.has(pid));
    if (pids.length === 0) break;
    for (const pid of pids) {
      ended.set(pid, commandOf(pid));
      signal(pid, "SIGTERM");
    }
    const until = Date.now() + graceMs;
    while (Date.now() < until && pids.some(isAlive)) await new Promise((r) => setTimeout(r, 50));
    for (const pid of pids) if (isAlive(pid)) signal(pid, "SIGKILL");
  }
  return [...ended].map(([pid, command]) => ({ pid, command }));
}

/** The command line of `pid` (for the log), or "" when it cannot be read. */
export function commandOf(pid: number): string {
  try {
    if (process.platform === "linux") return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").join(" ").trim();
    return execFileSync("ps", ["-o", "command=", "-p", String(pid)], { encoding: "utf8" }).trim();
  } catch {
    return "";
  }
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    // already gone
  }
}
