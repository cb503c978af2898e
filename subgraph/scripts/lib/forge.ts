// Builds the Solidity contracts the SDK and the subgraph need with the project's forge (npm) into this
// component's own output folders (other components run forge at the same time with theirs), and reads
// their artifacts. Used by scripts/sync-abis.ts and by the tests that deploy the hub on anvil.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
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
  { name: "ZkVinHubGateway", file: "src/gateway/ZkVinHubGateway.sol" },
  { name: "ZkVinSpoke", file: "src/spoke/ZkVinSpoke.sol" },
];

/** Contracts only the anvil tests deploy (bytecode, no exported ABI). */
export const DEPLOY_ONLY_CONTRACTS: readonly ContractSource[] = [
  { name: "ERC1967Proxy", file: "node_modules/@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol" },
  { name: "Halo2VerifierReusable", file: "src/verifiers/ezkl/generated/Halo2VerifierReusable.sol" },
];

export class ForgeBuildError extends Error {
  override readonly name = "ForgeBuildError";
  constructor(
    readonly files: readonly string[],
    readonly output: string,
    options?: { cause?: unknown },
  ) {
    super(`forge build of ${files.join(", ")} failed:\n${output.slice(-4000)}`, options);
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

/** Compiles `contracts` (and what they import) into contracts-evm/out-sg; incremental through cache-sg. */
export function forgeBuild(contracts: readonly ContractSource[]): void {
  const files = [...new Set(contracts.map((c) => c.file))];
  const res = spawnSync(forgeBinary(), ["build", ...files], {
    cwd: contractsDir,
    encoding: "utf8",
    env: { ...process.env, FOUNDRY_OUT: FORGE_OUT, FOUNDRY_CACHE_PATH: FORGE_CACHE },
  });
  if (res.error || res.status !== 0) {
    throw new ForgeBuildError(files, `${res.stdout ?? ""}${res.stderr ?? ""}`, { cause: res.error });
  }
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
