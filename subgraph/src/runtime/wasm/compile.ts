// Where the local indexer gets its WebAssembly: the modules `graph build` wrote, checked against the
// sources they were compiled from. A build folder (`build/<name>/`) carries `.inputs-hash`, the hash of
// the schema, the mapping sources and the ABIs it was built from; the indexer uses a folder whose hash
// is the current one and otherwise compiles the mappings itself with graph-cli (codegen + build of a
// manifest), under a lock so that concurrent indexers build once.
import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";

export const INPUTS_HASH_FILE = ".inputs-hash";

export class MappingBuildError extends Error {
  override readonly name = "MappingBuildError";
  constructor(
    readonly command: string,
    message: string,
  ) {
    super(`${command}: ${message}`);
  }
}

function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, encoding: "utf8" })
    .map((f) => path.join(dir, f))
    .filter((f) => statSync(f).isFile())
    .sort();
}

/** The hash of what a mapping build depends on: schema.graphql, mappings/**, the data sources' ABIs. */
export function mappingInputsHash(subgraphDir: string, abis: Record<string, unknown>): string {
  const h = createHash("sha256");
  h.update(readFileSync(path.join(subgraphDir, "schema.graphql")));
  const mappingsDir = path.join(subgraphDir, "mappings");
  for (const f of filesUnder(mappingsDir)) {
    h.update(`\n--${path.relative(mappingsDir, f)}\n`);
    h.update(readFileSync(f));
  }
  for (const name of Object.keys(abis).sort()) h.update(`\n--abi ${name}\n${JSON.stringify(abis[name])}`);
  return h.digest("hex");
}

/** `build/<folder>/<Name>/<Name>.wasm` for every data source name, from folders built from `hash`. */
export function findBuiltWasm(buildDir: string, hash: string, names: readonly string[]): Map<string, string> {
  const found = new Map<string, string>();
  if (!existsSync(buildDir)) return found;
  for (const folder of readdirSync(buildDir).sort()) {
    const stamp = path.join(buildDir, folder, INPUTS_HASH_FILE);
    if (!existsSync(stamp) || readFileSync(stamp, "utf8").trim() !== hash) continue;
    for (const name of names) {
      const wasm = path.join(buildDir, folder, name, `${name}.wasm`);
      if (!found.has(name) && existsSync(wasm)) found.set(name, wasm);
    }
  }
  return found;
}

export function graphCliPath(subgraphDir: string): string {
  let dir = subgraphDir;
  for (;;) {
    const bin = path.join(dir, "node_modules", ".bin", "graph");
    if (existsSync(bin)) return bin;
    const up = path.dirname(dir);
    if (up === dir) throw new MappingBuildError("graph", `graph-cli is not installed above ${subgraphDir}`);
    dir = up;
  }
}

/** Runs graph-cli in `cwd` (asynchronously: the indexer's event loop keeps running). */
export function runGraphCli(cwd: string, args: readonly string[]): Promise<void> {
  const command = `graph ${args.join(" ")}`;
  return new Promise((resolve, reject) => {
    const child = spawn(graphCliPath(cwd), [...args], { cwd, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (d: Buffer) => {
      output += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      output += d.toString();
    });
    child.on("error", (error) => reject(new MappingBuildError(command, error.message)));
    child.on("close", (code) => {
      if (code === 0) resolve();
      else reject(new MappingBuildError(command, `exited with ${code}:\n${output.slice(-4000)}`));
    });
  });
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs `build` holding a lock folder (`<lockDir>`); a lock older than `staleMs` is taken over (its
 * holder died). Waits for another holder otherwise, then runs `build` (which should first look whether
 * the other holder already built what it needs).
 */
export async function withBuildLock<T>(lockDir: string, build: () => Promise<T>, staleMs = 10 * 60_000): Promise<T> {
  mkdirSync(path.dirname(lockDir), { recursive: true });
  for (;;) {
    try {
      mkdirSync(lockDir);
      writeFileSync(path.join(lockDir, "pid"), String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      try {
        if (Date.now() - statSync(lockDir).mtimeMs > staleMs) rmSync(lockDir, { recursive: true, force: true });
      } catch {
        // the holder released it meanwhile
      }
      await sleep(500);
    }
  }
  try {
    return await build();
  } finally {
    rmSync(lockDir, { recursive: true, force: true });
  }
}

/**
 * Compiles one mapping with graph-cli's AssemblyScript step alone (scripts/compile-mapping.mjs) into
 * `<outDir>/<name>/<name>.wasm`, for a data source kind graph-cli cannot build (the Cairo spoke's
 * `kind: starknet`); `graph codegen` must have written generated/ first.
 */
export function compileMappingModule(options: {
  subgraphDir: string;
  /** Relative to subgraphDir. */
  mapping: string;
  /** Relative to subgraphDir. */
  outDir: string;
  name: string;
}): Promise<void> {
  const { subgraphDir, mapping, outDir, name } = options;
  const outFile = path.join(subgraphDir, outDir, name, `${name}.wasm`);
  const script = path.join(subgraphDir, "scripts", "compile-mapping.mjs");
  const command = `compile-mapping ${mapping}`;
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, subgraphDir, path.join(subgraphDir, mapping), outFile], {
      cwd: subgraphDir,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout.on("data", (d: Buffer) => {
      output += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      output += d.toString();
    });
    child.on("error", (error) => reject(new MappingBuildError(command, error.message)));
    child.on("close", (code) => {
      if (code === 0 && existsSync(outFile)) resolve();
      else reject(new MappingBuildError(command, `exited with ${code}:\n${output.slice(-4000)}`));
    });
  });
}

/** Compiles one manifest's data sources: `graph codegen` into generated/, `graph build` into outDir. */
export async function compileManifest(options: {
  subgraphDir: string;
  /** Relative to subgraphDir. */
  manifest: string;
  /** Relative to subgraphDir. */
  outDir: string;
  inputsHash: string;
  /** Mappings graph-cli cannot build as data sources, compiled by its AssemblyScript step into outDir. */
  modules?: ReadonlyArray<{ name: string; mapping: string }>;
}): Promise<void> {
  const { subgraphDir, manifest, outDir } = options;
  await runGraphCli(subgraphDir, ["codegen", manifest, "--output-dir", "generated", "--skip-migrations"]);
  rmSync(path.join(subgraphDir, outDir), { recursive: true, force: true });
  await runGraphCli(subgraphDir, ["build", manifest, "--output-dir", outDir, "--skip-migrations"]);
  for (const m of options.modules ?? []) {
    await compileMappingModule({ subgraphDir, mapping: m.mapping, outDir, name: m.name });
  }
  writeFileSync(path.join(subgraphDir, outDir, INPUTS_HASH_FILE), `${options.inputsHash}\n`);
}
