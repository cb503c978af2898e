// forge, as the devnet runs it: the contracts the local scripts need are built once (under an
// inter-process lock, since parallel test files may bring devnets up at the same time), then each
// script runs with `forge script --broadcast` against one anvil. FOUNDRY_OUT / FOUNDRY_CACHE_PATH from
// the environment are respected (the default is the project's own out/ and cache/, which CI's forge run
// has already filled).
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { Hex } from "viem";
import { DevnetStageError } from "./errors.js";
import { contractsDir, foundryBinary } from "./paths.js";

/** What the deploy scripts need compiled: the local scripts (which import DeployHub, DeployHubGateway and
 * DeploySpoke), ConnectSpoke, and EZKL's verifiers (reusable, and with the pairing deferred), which the hub scripts deploy by
 * artifact name. */
const BUILD_TARGETS = [
  "script/local",
  "script/layerzero",
  "script/crosschain/ConnectSpoke.s.sol",
  "src/verifiers/ezkl/generated/Halo2VerifierReusable.sol",
  "src/verifiers/ezkl/generated/Halo2VerifierReusableDeferred.sol",
];

function lockFile(): string {
  const out = process.env.FOUNDRY_OUT ?? "out";
  const key = createHash("sha256").update(`${contractsDir}\0${out}`).digest("hex").slice(0, 12);
  return path.join(os.tmpdir(), `zkvin-devnet-forge-${key}.lock`);
}

async function withLock<T>(fn: () => Promise<T>): Promise<T> {
  const file = lockFile();
  for (let waited = 0; ; waited += 100) {
    try {
      writeFileSync(file, String(process.pid), { flag: "wx" });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      let holder = 0;
      try {
        holder = Number(readFileSync(file, "utf8"));
      } catch {
        continue; // released between our two calls
      }
      if (!holder || !isAlive(holder)) rmSync(file, { force: true });
      else if (waited > 900_000) throw new DevnetStageError("forge", `${file} held by pid ${holder} for 15 minutes`);
      else await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(file, { force: true });
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

async function forge(stage: string, args: string[], env: Record<string, string>, timeoutMs: number): Promise<string> {
  const child = spawn(foundryBinary("forge"), args, {
    cwd: contractsDir,
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    child.kill("SIGKILL");
  }, timeoutMs);
  let output = "";
  child.stdout.on("data", (d: Buffer) => {
    output += d.toString();
  });
  child.stderr.on("data", (d: Buffer) => {
    output += d.toString();
  });
  const code = await new Promise<number | null>((resolve, reject) => {
    child.once("error", reject);
    child.once("close", resolve);
  }).finally(() => clearTimeout(timer));
  if (timedOut) {
    throw new DevnetStageError(
      stage,
      `forge ${args[0]} did not finish within ${timeoutMs / 1000} s:\n${output.slice(-4000)}`,
      {
        value: args.join(" "),
      },
    );
  }
  if (code !== 0) {
    throw new DevnetStageError(
      stage,
      `forge ${args[0]} ${args[1] ?? ""} failed (exit ${code}):\n${output.slice(-4000)}`,
      {
        value: args.join(" "),
      },
    );
  }
  return output;
}

let built: Promise<void> | null = null;

/** Compiles what the local scripts need (a no-op when forge's cache is current). Once per process. */
export function buildContracts(onLog?: (line: string) => void): Promise<void> {
  built ??= withLock(async () => {
    const t0 = Date.now();
    // A cold build of the hub, the OApps and EZKL's verifier with the wasm compiler takes minutes on a
    // busy 2-core machine.
    const out = await forge("build contracts", ["build", ...BUILD_TARGETS], {}, 30 * 60_000);
    if (!out.includes("No files changed")) onLog?.(`forge build: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }).catch((error: unknown) => {
    built = null;
    throw error;
  });
  return built;
}

/** Runs `script` (path relative to contracts-evm) against `rpcUrl`, broadcasting as `privateKey`. */
export async function runScript(params: {
  stage: string;
  script: string;
  rpcUrl: string;
  privateKey: Hex;
  env: Record<string, string>;
  /** Default 3 minutes (local chains mine at once; public ones take a block per transaction). */
  timeoutMs?: number;
}): Promise<void> {
  await buildContracts();
  await withLock(() =>
    forge(
      params.stage,
      // --slow sends each transaction once the previous one is mined. Without it forge sends them all at
      // once, and anvil occasionally loses one: the rest then wait behind a nonce gap forever.
      [
        "script",
        params.script,
        "--rpc-url",
        params.rpcUrl,
        "--private-key",
        params.privateKey,
        "--broadcast",
        "--slow",
      ],
      params.env,
      params.timeoutMs ?? 180_000,
    ),
  );
}
