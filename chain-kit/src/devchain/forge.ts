// Builds the Solidity contracts the SDK and the subgraph need with the project's forge (npm) into this
// component's own output folders (other components run forge at the same time with theirs), and reads
// their artifacts. Used by scripts/sync-abis.ts and by the tests that deploy the hub on anvil.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Abi, Hex } from "viem";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
export const contractsDir = path.join(repoRoot, "contracts-evm");
/** Relative to contracts-evm/ (forge resolves FOUNDRY_OUT against the project root). */
export const FORGE_OUT = "out-sg";
export const FORGE_CACHE = "cache-sg";

/** A contract by its source file (relative to contracts-evm/) and name. */
export interface ContractSource {
  name: string;
  file: string;
}

/** Contracts whose ABIs the SDK exports (and whose events the subgraph indexes). */
export const ABI_CONTRACTS: readonly ContractSource[] = [
  { name: "InferenceMarket", file: "src/hub/InferenceMarket.sol" },
  { name: "ModelRegistry", file: "src/hub/ModelRegistry.sol" },
  { name: "NodePool", file: "src/hub/NodePool.sol" },
  { name: "EzklVkaVerifierAdapter", file: "src/verifiers/EzklVkaVerifierAdapter.sol" },
  { name: "EzklAggregatingVerifierAdapter", file: "src/verifiers/EzklAggregatingVerifierAdapter.sol" },
  { name: "ZkVinHubGateway", file: "src/gateway/ZkVinHubGateway.sol" },
  { name: "ZkVinSpoke", file: "src/spoke/ZkVinSpoke.sol" },
  { name: "StarknetGateway", file: "src/gateway/StarknetGateway.sol" },
];

/** Contracts only the anvil tests deploy (bytecode, no exported ABI). */
export const DEPLOY_ONLY_CONTRACTS: readonly ContractSource[] = [
  { name: "ERC1967Proxy", file: "node_modules/@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol" },
  { name: "Halo2VerifierReusable", file: "src/verifiers/ezkl/generated/Halo2VerifierReusable.sol" },
];

export class ForgeBuildError extends Error {
  override readonly name = "ForgeBuildError";
  constructor(
    readonly args: readonly string[],
    readonly output: string,
    options?: { cause?: unknown },
  ) {
    super(`forge ${args.join(" ")} failed:\n${output.slice(-4000)}`, options);
  }
}

export class ArtifactNotFoundError extends Error {
  override readonly name = "ArtifactNotFoundError";
  constructor(readonly artifact: string) {
    super(`forge artifact ${artifact} does not exist; build the contracts first`);
  }
}

function forgeBinary(): string {
  const bin = path.join(contractsDir, "node_modules", ".bin", "forge");
  if (!existsSync(bin)) throw new ArtifactNotFoundError(`${bin} (run npm run setup)`);
  return bin;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Runs `fn` holding the lock on this component's forge output folder, so that test files running at the
 * same time never build into one cache together. The lock file is the one the devnet's forge runner
 * (app/src/devnet/forge.ts) takes for an output folder, so the devnet's builds into out-sg wait
 * for these and these for them. A lock left by a dead process is taken over.
 */
export function withForgeLock<T>(fn: () => T): T {
  const key = createHash("sha256").update(`${contractsDir}\0${FORGE_OUT}`).digest("hex").slice(0, 12);
  const file = path.join(os.tmpdir(), `zkvin-devnet-forge-${key}.lock`);
  const sleeper = new Int32Array(new SharedArrayBuffer(4));
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
        continue;
      }
      if (!holder || !isAlive(holder)) rmSync(file, { force: true });
      else if (waited > 900_000) throw new Error(`${file} held by pid ${holder} for 15 minutes`);
      else Atomics.wait(sleeper, 0, 0, 100);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(file, { force: true });
  }
}

/** Runs forge in contracts-evm with this component's output folders; throws ForgeBuildError on failure. */
export function runForge(args: readonly string[], env: Record<string, string> = {}): string {
  const res = withForgeLock(() =>
    spawnSync(forgeBinary(), args, {
      cwd: contractsDir,
      encoding: "utf8",
      env: { ...process.env, ...env, FOUNDRY_OUT: FORGE_OUT, FOUNDRY_CACHE_PATH: FORGE_CACHE },
    }),
  );
  if (res.error || res.status !== 0) {
    throw new ForgeBuildError(args, `${res.stdout ?? ""}${res.stderr ?? ""}`, { cause: res.error });
  }
  return res.stdout;
}

/** Compiles `contracts` (and what they import) into contracts-evm/out-sg; incremental through cache-sg. */
export function forgeBuild(contracts: readonly ContractSource[]): void {
  runForge(["build", ...new Set(contracts.map((c) => c.file))]);
}

export interface Artifact {
  abi: Abi;
  bytecode: Hex;
}

export function readArtifact(contract: ContractSource): Artifact {
  const file = path.join(contractsDir, FORGE_OUT, path.basename(contract.file), `${contract.name}.json`);
  if (!existsSync(file)) throw new ArtifactNotFoundError(file);
  const json = JSON.parse(readFileSync(file, "utf8")) as { abi: Abi; bytecode: { object: Hex } };
  return { abi: json.abi, bytecode: json.bytecode.object };
}
