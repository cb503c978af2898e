// The Cairo classes a Starknet deployment declares: the Sierra that contracts-cairo's wasm-cairo build
// writes (rebuilt when a source changed), and the compiled class hash a declare transaction must name.
// wasm-cairo writes no CASM; starknet-devnet compiles Sierra itself on every declare and refuses a
// declare whose compiled class hash differs from its own, so the devnet is asked for that hash
// (docs/decisions/0033): `devnet_applyStateDiff` with the class (the devnet compiles it and answers the
// hash) inside a snapshot that is reverted at once, then an ordinary declare transaction.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import type { Account, CompiledSierra } from "starknet";
import { DevnetSetupError } from "./errors.js";
import { repoRoot } from "./paths.js";
import type { StarknetDevnetProcess } from "./starknet-devnet.js";

export const cairoDir = path.join(repoRoot, "contracts-cairo");
const targetDir = path.join(cairoDir, "target");

export type CairoContractName = "ZkVinStarknetSpoke" | "ExampleConsumer";

interface Manifest {
  contracts: Array<{ name: string; source: string; sourceSha256: string; contractClass: string }>;
}

function sha256(file: string): string {
  return createHash("sha256").update(readFileSync(file)).digest("hex");
}

/** Whether target/ holds a build of every contract from the sources as they are now. */
function buildIsCurrent(names: readonly CairoContractName[]): boolean {
  const manifestFile = path.join(targetDir, "manifest.json");
  if (!existsSync(manifestFile)) return false;
  const manifest = JSON.parse(readFileSync(manifestFile, "utf8")) as Manifest;
  // A contract's crate is all of src/ (modules are inlined): the manifest records the hash of the
  // contract's own file; a module edited after the build makes it stale too.
  const builtAt = statSync(manifestFile).mtimeMs;
  const sources = readdirSync(path.join(cairoDir, "src"), { recursive: true, encoding: "utf8" });
  if (sources.some((f) => f.endsWith(".cairo") && statSync(path.join(cairoDir, "src", f)).mtimeMs > builtAt))
    return false;
  return names.every((name) => {
    const entry = manifest.contracts.find((c) => c.name === name);
    if (!entry) return false;
    const source = path.join(cairoDir, entry.source);
    return (
      existsSync(source) &&
      sha256(source) === entry.sourceSha256 &&
      existsSync(path.join(targetDir, entry.contractClass))
    );
  });
}

let building: Promise<void> | null = null;

/** Compiles contracts-cairo (wasm-cairo, ~1-2 min) unless target/ is current. Once per process. */
export function buildCairoContracts(
  names: readonly CairoContractName[],
  onLog?: (line: string) => void,
): Promise<void> {
  if (buildIsCurrent(names)) return Promise.resolve();
  building ??= new Promise<void>((resolve, reject) => {
    onLog?.("compiling contracts-cairo (wasm-cairo)");
    const child = spawn(process.execPath, ["--import", "tsx", "scripts/cairo.ts", "build"], {
      cwd: cairoDir,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => {
      output += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      output += d.toString();
    });
    child.once("error", reject);
    child.once("close", (code) => {
      if (code === 0) resolve();
      else reject(new DevnetSetupError(`contracts-cairo build failed (exit ${code}):\n${output.slice(-3000)}`));
    });
  }).finally(() => {
    building = null;
  });
  return building;
}

/** The Sierra class of `name` as a declare transaction carries it (no debug info; ABI as a string). */
export function loadSierra(name: CairoContractName): CompiledSierra {
  const file = path.join(targetDir, `${name}.contract_class.json`);
  if (!existsSync(file)) throw new DevnetSetupError(`${file} is missing: build contracts-cairo first`, { value: file });
  const parsed = JSON.parse(readFileSync(file, "utf8")) as CompiledSierra & { sierra_program_debug_info?: unknown };
  const { sierra_program_debug_info: _debug, ...sierra } = parsed;
  return sierra as CompiledSierra;
}

/** The Sierra class in the shape devnet_applyStateDiff accepts (only the four class fields, ABI as text). */
function rpcClass(sierra: CompiledSierra): Record<string, unknown> {
  return {
    sierra_program: sierra.sierra_program,
    contract_class_version: sierra.contract_class_version,
    entry_points_by_type: sierra.entry_points_by_type,
    abi: typeof sierra.abi === "string" ? sierra.abi : JSON.stringify(sierra.abi),
  };
}

/**
 * The compiled class hash starknet-devnet computes for each class (its own Sierra -> CASM compiler), read
 * inside a snapshot that is reverted: the devnet's state is as before.
 */
export async function devnetCompiledClassHashes(
  devnet: StarknetDevnetProcess,
  classes: readonly CompiledSierra[],
): Promise<string[]> {
  const snapshot = await devnet.rpc<string>("devnet_snapshot", {});
  try {
    const applied = await devnet.rpc<{ classes: Array<{ class_hash: string; compiled_class_hash?: string }> }>(
      "devnet_applyStateDiff",
      { state_diff: {}, classes: classes.map((c) => ({ contract_class: rpcClass(c) })) },
    );
    return applied.classes.map((c, i) => {
      if (!c.compiled_class_hash) throw new DevnetSetupError(`no compiled class hash for class ${i}`, { value: c });
      return c.compiled_class_hash;
    });
  } finally {
    await devnet.rpc("devnet_revert", { snapshot_id: snapshot });
  }
}

/** Declares `sierra` from `account` (skipped when the class is already declared); returns its class hash. */
export async function declareClass(params: {
  account: Account;
  sierra: CompiledSierra;
  compiledClassHash: string;
  /** Receipt polling (default 100 ms: a devnet answers at once; give a public network seconds). */
  retryIntervalMs?: number;
}): Promise<{ classHash: string; transactionHash: string | null }> {
  const { account, sierra, compiledClassHash } = params;
  const declared = await account.declareIfNot({ contract: sierra, compiledClassHash });
  if (declared.transaction_hash) {
    await account.provider.waitForTransaction(declared.transaction_hash, {
      retryInterval: params.retryIntervalMs ?? 100,
    });
  }
  return { classHash: declared.class_hash, transactionHash: declared.transaction_hash || null };
}
