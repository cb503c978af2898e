import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { type Anvil, contractsDir } from "@zk-vin/chain-kit/devchain";
import type { Abi, Address, Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { type LayerZeroStackFile, readLayerZeroStackFile } from "../../src/layerzero/stackFile.js";

/**
 * The relayer's tests build and deploy the real LayerZero stack with the project's own forge scripts
 * (contracts-evm/script/layerzero/). Compilation is limited to the LayerZero folders and kept in
 * out-lz/cache-lz, so it neither waits for nor disturbs the rest of contracts-evm.
 */
const FORGE_ENV = {
  FOUNDRY_OUT: "out-lz",
  FOUNDRY_CACHE_PATH: "cache-lz",
  FOUNDRY_SRC: "script/layerzero",
  FOUNDRY_TEST: "test/layerzero",
  FOUNDRY_SCRIPT: "script/layerzero",
};
const OUT = path.join(contractsDir, FORGE_ENV.FOUNDRY_OUT);
const LOCK_FILE = path.join(
  os.tmpdir(),
  `zkvin-forge-${createHash("sha256").update(contractsDir).digest("hex").slice(0, 12)}.lock`,
);

function forgeBinary(): string {
  const arch = process.arch === "x64" ? "amd64" : process.arch;
  const bin = path.join(
    contractsDir,
    "node_modules",
    "@foundry-rs",
    `forge-${process.platform}-${arch}`,
    "bin",
    "forge",
  );
  if (!existsSync(bin)) throw new Error(`forge not found at ${bin}; run npm run setup`);
  return bin;
}

/** Runs forge in contracts-evm under an inter-process lock (test files run in parallel). */
async function forge(args: string[], env: Record<string, string> = {}): Promise<string> {
  return withLock(LOCK_FILE, async () => {
    const child = spawn(forgeBinary(), args, {
      cwd: contractsDir,
      env: { ...process.env, ...FORGE_ENV, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d) => {
      output += d;
    });
    child.stderr.on("data", (d) => {
      output += d;
    });
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    if (code !== 0) throw new Error(`forge ${args.join(" ")} failed (exit ${code}):\n${output.slice(-4000)}`);
    return output;
  });
}

async function withLock<T>(lockFile: string, fn: () => Promise<T>): Promise<T> {
  for (let waited = 0; ; waited += 100) {
    try {
      writeFileSync(lockFile, String(process.pid), { flag: "wx" });
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const holder = Number(readFileSync(lockFile, "utf8"));
      let alive = false;
      try {
        process.kill(holder, 0);
        alive = true;
      } catch {
        alive = false;
      }
      if (!alive) rmSync(lockFile, { force: true });
      else if (waited > 300_000) throw new Error(`${lockFile} held by ${holder} for 5 minutes`);
      else await new Promise((r) => setTimeout(r, 100));
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lockFile, { force: true });
  }
}

/** Compiles the LayerZero scripts and test contracts (a no-op when the cache is current). */
export async function buildLayerZeroContracts(): Promise<void> {
  await forge(["build"]);
}

/** Deploys one chain's stack with DeployLocalLayerZero.s.sol and returns the stack file's contents. */
export async function deployStack(params: {
  anvil: Anvil;
  eid: number;
  operator: Address;
  deployerKey: Hex;
}): Promise<{ stack: LayerZeroStackFile; stackFile: string }> {
  const dir = path.join(OUT, "stacks");
  mkdirSync(dir, { recursive: true });
  const stackFile = path.join(dir, `${params.anvil.chainId}-${new URL(params.anvil.rpcUrl).port}.json`);
  await forge(
    [
      "script",
      "script/layerzero/DeployLocalLayerZero.s.sol",
      "--rpc-url",
      params.anvil.rpcUrl,
      "--private-key",
      params.deployerKey,
      "--broadcast",
    ],
    { LZ_LOCAL_EID: String(params.eid), LZ_OPERATOR: params.operator, LZ_STACK_FILE: stackFile },
  );
  return { stack: await readLayerZeroStackFile(stackFile), stackFile };
}

/** Opens pathways from the stack in `stackFile` to `remoteEids` with WireLocalLayerZero.s.sol. */
export async function wireStack(params: { anvil: Anvil; stackFile: string; remoteEids: number[]; ownerKey: Hex }) {
  await forge(
    [
      "script",
      "script/layerzero/WireLocalLayerZero.s.sol",
      "--rpc-url",
      params.anvil.rpcUrl,
      "--private-key",
      params.ownerKey,
      "--broadcast",
    ],
    { LZ_STACK_FILE: params.stackFile, LZ_REMOTE_EIDS: params.remoteEids.join(",") },
  );
}

/** A compiled contract from out-lz (abi + creation bytecode). */
export function artifact(file: string, contract: string): { abi: Abi; bytecode: Hex } {
  const json = JSON.parse(readFileSync(path.join(OUT, file, `${contract}.json`), "utf8")) as {
    abi: Abi;
    bytecode: { object: Hex };
  };
  return { abi: json.abi, bytecode: json.bytecode.object };
}

export function operatorAddress(key: Hex): Address {
  return privateKeyToAccount(key).address;
}
