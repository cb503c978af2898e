// starknet-devnet, the local Starknet for the Cairo spoke's end-to-end runs (docs/decisions/0033).
//
// It is built from crates.io with `cargo install starknet-devnet --version 0.10.1 --locked` into cargo's
// bin folder (~/.cargo/bin), once per machine: 45-100 minutes on 2 cores, 77 MB. The set-up starts that
// build in the background (`startStarknetDevnetInstall`) so the rest of the set-up and the test parts that
// do not need it go on; what needs the binary calls `waitForStarknetDevnet`, which waits for a build in
// progress (its pid and log live in ~/.cache/zkvin/starknet-devnet/). ZKVIN_STARKNET_DEVNET names another
// binary (it must say 0.10.1 too).
import { spawn, spawnSync } from "node:child_process";
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";

export const STARKNET_DEVNET_VERSION = "0.10.1";
const cacheDir = path.join(os.homedir(), ".cache", "zkvin", "starknet-devnet");
const pidFile = path.join(cacheDir, "install.pid");
export const starknetDevnetInstallLog = path.join(cacheDir, "install.log");

function cargoHome() {
  return process.env.CARGO_HOME ?? path.join(os.homedir(), ".cargo");
}

function cargoBinary() {
  const local = path.join(cargoHome(), "bin", "cargo");
  if (existsSync(local)) return local;
  const found = spawnSync("sh", ["-c", "command -v cargo"], { encoding: "utf8" });
  return found.status === 0 ? found.stdout.trim() : null;
}

/** Where the binary is looked for: ZKVIN_STARKNET_DEVNET, cargo's bin folder, then PATH. */
function candidates() {
  const list = [];
  if (process.env.ZKVIN_STARKNET_DEVNET) list.push(process.env.ZKVIN_STARKNET_DEVNET);
  list.push(path.join(cargoHome(), "bin", "starknet-devnet"));
  const found = spawnSync("sh", ["-c", "command -v starknet-devnet"], { encoding: "utf8" });
  if (found.status === 0) list.push(found.stdout.trim());
  return list;
}

/** The version a binary reports ("0.10.1"), or null when it does not run. */
export function binaryVersion(bin) {
  if (!existsSync(bin)) return null;
  const res = spawnSync(bin, ["--version"], { encoding: "utf8", timeout: 20_000 });
  if (res.status !== 0) return null;
  const m = /starknet-devnet\s+(\S+)/.exec(res.stdout);
  return m ? m[1] : null;
}

/** The path of a starknet-devnet that says 0.10.1, or null. */
export function findStarknetDevnet() {
  for (const bin of candidates()) if (binaryVersion(bin) === STARKNET_DEVNET_VERSION) return bin;
  return null;
}

function isAlive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** The pid of a background build that is still running, or null. */
export function installInProgress() {
  if (!existsSync(pidFile)) return null;
  const pid = Number(readFileSync(pidFile, "utf8"));
  if (pid > 0 && isAlive(pid)) return pid;
  return null;
}

/**
 * Starts `cargo install starknet-devnet --version 0.10.1 --locked` in the background unless the binary is
 * there or a build is already running. Returns what it found or did: { state: "present", bin } |
 * { state: "building", pid, log } | { state: "no-cargo" }.
 */
export function startStarknetDevnetInstall() {
  const bin = findStarknetDevnet();
  if (bin) return { state: "present", bin };
  const running = installInProgress();
  if (running) return { state: "building", pid: running, log: starknetDevnetInstallLog };
  const cargo = cargoBinary();
  if (!cargo) return { state: "no-cargo" };
  mkdirSync(cacheDir, { recursive: true });
  const log = openSync(starknetDevnetInstallLog, "w");
  // nice: the build shares the machine with the test parts that run meanwhile.
  const child = spawn(
    "nice",
    ["-n", "10", cargo, "install", "starknet-devnet", "--version", STARKNET_DEVNET_VERSION, "--locked"],
    { detached: true, stdio: ["ignore", log, log] },
  );
  closeSync(log);
  writeFileSync(pidFile, String(child.pid));
  child.unref();
  return { state: "building", pid: child.pid, log: starknetDevnetInstallLog };
}

/**
 * The binary's path once it is there: waits up to `timeoutMs` for a background build. Returns null when
 * there is neither a binary nor a build (no cargo), or the build ended without one (its log says why).
 */
export async function waitForStarknetDevnet({ timeoutMs = 2 * 3600_000, onWait } = {}) {
  const until = Date.now() + timeoutMs;
  let told = false;
  for (;;) {
    const bin = findStarknetDevnet();
    if (bin) return bin;
    const pid = installInProgress();
    if (!pid) {
      rmSync(pidFile, { force: true });
      return null;
    }
    if (!told) {
      onWait?.(`waiting for the starknet-devnet build (pid ${pid}, log ${starknetDevnetInstallLog})`);
      told = true;
    }
    if (Date.now() > until) return null;
    await new Promise((r) => setTimeout(r, 5000));
  }
}
