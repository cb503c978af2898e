// `npm run build -w @zk-vin/subgraph`: writes the manifests for a deployment (deployments/local.json when
// it exists, else the committed subgraph/networks/example.json; ZKVIN_DEPLOYMENT=<path> overrides), then
// runs `graph codegen` and `graph build` for each chain's manifest, offline. Prints what it did and how
// long each step took; exits non-zero on the first failure.
import { spawnSync } from "node:child_process";
import { existsSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { loadDeployment } from "@zk-vin/oracle-sdk/node";
import { DATA_SOURCE_TEMPLATES, STARKNET_DATA_SOURCE } from "../src/manifest/data-sources.js";
import { writeManifests } from "../src/manifest/generate.js";
import { INPUTS_HASH_FILE, mappingInputsHash } from "../src/runtime/wasm/compile.js";

export const subgraphDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const repoRoot = path.dirname(subgraphDir);

export function defaultDeploymentPath(): string {
  if (process.env.ZKVIN_DEPLOYMENT) return path.resolve(process.env.ZKVIN_DEPLOYMENT);
  const local = path.join(repoRoot, "deployments", "local.json");
  return existsSync(local) ? local : path.join(subgraphDir, "networks", "example.json");
}

function graph(args: string[]): void {
  const bin = path.join(repoRoot, "node_modules", ".bin", "graph");
  const res = spawnSync(bin, args, { cwd: subgraphDir, encoding: "utf8" });
  if (res.error || res.status !== 0) {
    throw new Error(`graph ${args.join(" ")} failed:\n${res.stdout ?? ""}${res.stderr ?? ""}`, { cause: res.error });
  }
}

function timed(label: string, fn: () => void): void {
  const t0 = Date.now();
  fn();
  console.log(`${label.padEnd(48)} ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}

export function buildSubgraphs(deploymentPath: string): string[] {
  const deployment = loadDeployment(deploymentPath);
  console.log(`deployment: ${path.relative(repoRoot, deploymentPath)} (network ${deployment.network})`);
  const { manifests, codegen, starknet } = writeManifests({ deployment, outDir: path.join(subgraphDir, "manifests") });
  rmSync(path.join(subgraphDir, "generated"), { recursive: true, force: true });
  rmSync(path.join(subgraphDir, "build"), { recursive: true, force: true });
  // The local indexer runs these modules when they were built from the current sources (this hash).
  const inputsHash = mappingInputsHash(
    subgraphDir,
    Object.fromEntries(DATA_SOURCE_TEMPLATES.map((t) => [t.name, t.abi])),
  );
  const codegenRel = path.relative(subgraphDir, codegen);
  timed(`graph codegen ${codegenRel}`, () =>
    graph(["codegen", codegenRel, "--output-dir", "generated", "--skip-migrations"]),
  );
  for (const m of manifests) {
    const rel = path.relative(subgraphDir, m.path);
    const out = path.join("build", m.chain.name);
    timed(`graph build ${rel}`, () => graph(["build", rel, "--output-dir", out, "--skip-migrations"]));
    writeFileSync(path.join(subgraphDir, out, INPUTS_HASH_FILE), `${inputsHash}\n`);
  }
  // The Cairo spoke's `kind: starknet` data source: graph-cli has no Starknet protocol, so its mapping is
  // compiled by graph-cli's AssemblyScript step alone (decision 0067).
  const snName = starknet?.chain ?? "starknet";
  const snOut = path.join("build", snName);
  const wasm = path.join(snOut, STARKNET_DATA_SOURCE.name, `${STARKNET_DATA_SOURCE.name}.wasm`);
  timed(`compile ${STARKNET_DATA_SOURCE.mapping} (graph-cli's asc)`, () => {
    const res = spawnSync(
      process.execPath,
      [path.join(subgraphDir, "scripts", "compile-mapping.mjs"), subgraphDir, STARKNET_DATA_SOURCE.mapping, wasm],
      { cwd: subgraphDir, encoding: "utf8" },
    );
    if (res.error || res.status !== 0) {
      throw new Error(`compile-mapping failed:\n${res.stdout ?? ""}${res.stderr ?? ""}`, { cause: res.error });
    }
  });
  writeFileSync(path.join(subgraphDir, snOut, INPUTS_HASH_FILE), `${inputsHash}\n`);
  return [...manifests.map((m) => m.path), ...(starknet ? [starknet.path] : [])];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  try {
    buildSubgraphs(defaultDeploymentPath());
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
