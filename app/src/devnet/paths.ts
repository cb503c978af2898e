// Where the devnet finds the project's tools: the Foundry binaries from contracts-evm's npm packages
// (native binaries, so the PID we hold is the process itself, not a Node wrapper) and the folders forge
// may read and write (foundry.toml fs_permissions).
import { existsSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { DevnetSetupError } from "./errors.js";

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
export const contractsDir = path.join(repoRoot, "contracts-evm");
export const deploymentsDir = path.join(repoRoot, "deployments");
/** Per-run scratch files of the forge scripts (inside deployments/, which forge may write). */
export const devnetWorkRoot = path.join(deploymentsDir, ".devnet");

/** The native binary of a Foundry tool (`anvil`, `forge`) inside contracts-evm/node_modules. */
export function foundryBinary(tool: "anvil" | "forge"): string {
  const arch = process.arch === "x64" ? "amd64" : process.arch;
  const bin = path.join(
    contractsDir,
    "node_modules",
    "@foundry-rs",
    `${tool}-${process.platform}-${arch}`,
    "bin",
    tool,
  );
  if (!existsSync(bin)) {
    throw new DevnetSetupError(`${tool} not found at ${bin}; run \`npm run setup\` at the repository root`, {
      value: bin,
    });
  }
  return bin;
}
