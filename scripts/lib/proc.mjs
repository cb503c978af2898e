// Small process helpers shared by the set-up, test and service scripts.
import { spawnSync } from "node:child_process";

/** Runs a command with inherited stdio; throws with the command line when it fails. */
export function run(cmd, args, opts = {}) {
  const res = spawnSync(cmd, args, { stdio: "inherit", ...opts });
  if (res.error) throw new Error(`${cmd} ${args.join(" ")}: ${res.error.message}`);
  if (res.status !== 0) throw new Error(`${cmd} ${args.join(" ")} exited with ${res.status ?? res.signal}`);
}

/** Runs a command and returns its stdout, or null when it cannot run or fails. */
export function capture(cmd, args, opts = {}) {
  const res = spawnSync(cmd, args, { encoding: "utf8", ...opts });
  return res.status === 0 ? res.stdout : null;
}

export function onPath(cmd) {
  return capture("sh", ["-c", `command -v ${cmd}`]) !== null;
}

/** Runs `sudo` only when not already root (CI and this project's machines run as root). */
export function asRoot(cmd, args, opts) {
  if (process.getuid && process.getuid() === 0) return run(cmd, args, opts);
  return run("sudo", [cmd, ...args], opts);
}

export function formatSeconds(ms) {
  return `${(ms / 1000).toFixed(1)} s`;
}
