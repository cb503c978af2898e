#!/usr/bin/env node
// Runs every test suite of the project, one part after another, after the set-up has run. Prints how
// long each part took and exits non-zero when any part fails (all parts run, so one failure does not
// hide another). Parts: node scripts/test-all.mjs [part ...] runs only those.
import { spawnSync } from "node:child_process";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { formatSeconds } from "./lib/proc.mjs";
import { ensureRedis, stopRedis } from "./lib/redis.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const venvBin = path.join(root, "prover", "python", ".venv", "bin");
const venvPython = path.join(venvBin, "python");

const parts = [
  {
    name: "lint+types",
    cmd: "npx",
    args: ["--no", "biome", "check", "."],
    // Then the package graph (no dependency cycle among the workspaces, no relative import into another
    // package), the types, ruff over the prover's Python (settings in prover/pyproject.toml), then forge fmt
    // --check and forge lint over the Solidity (any finding fails).
    andThen: [
      ["node", ["scripts/check-packages.mjs"]],
      ["npx", ["--no", "--", "tsc", "-p", "tsconfig.json"]],
      [path.join(venvBin, "ruff"), ["check", "prover"]],
      ["node", ["contracts-evm/scripts/lint.mjs"]],
    ],
  },
  {
    name: "forge",
    cmd: "npx",
    args: ["--no", "forge", "test"],
    cwd: "contracts-evm",
    env: { FOUNDRY_PROFILE: "ci" },
    // Slither over src/, held against contracts-evm/slither-triage.json.
    andThen: [["node", ["scripts/slither.mjs"]]],
  },
  { name: "cairo", cmd: "npm", args: ["test", "-w", "@zk-vin/contracts-cairo"] },
  { name: "python", cmd: venvPython, args: ["-m", "pytest", "-q", "prover/python/tests"] },
  { name: "subgraph", cmd: "npm", args: ["run", "build", "-w", "@zk-vin/subgraph"] },
  { name: "vitest", cmd: "npx", args: ["--no", "vitest", "run"], needsRedis: true },
];

const wanted = process.argv.slice(2);
const selected = wanted.length ? parts.filter((p) => wanted.includes(p.name)) : parts;
if (wanted.length && selected.length !== wanted.length) {
  console.error(`unknown part in ${wanted.join(", ")}; parts: ${parts.map((p) => p.name).join(", ")}`);
  process.exit(2);
}

function exec(cmd, args, part) {
  const res = spawnSync(cmd, args, {
    cwd: path.join(root, part.cwd ?? "."),
    stdio: "inherit",
    env: { ...process.env, ...part.env },
  });
  // A command that could not start (say the venv predates ruff: rerun the set-up) says why.
  if (res.error) console.error(`${cmd}: ${res.error.message}`);
  return res.status === 0;
}

let redis = { started: false };
if (selected.some((p) => p.needsRedis)) redis = await ensureRedis();

const results = [];
try {
  for (const part of selected) {
    console.log(`\n=== ${part.name} ===`);
    const t0 = Date.now();
    let ok = exec(part.cmd, part.args, part);
    for (const [cmd, args] of part.andThen ?? []) if (ok) ok = exec(cmd, args, part);
    results.push({ name: part.name, ok, ms: Date.now() - t0 });
  }
} finally {
  if (redis.started) stopRedis();
}

console.log("\npart          result  time");
for (const r of results)
  console.log(`${r.name.padEnd(13)} ${(r.ok ? "pass" : "FAIL").padEnd(7)} ${formatSeconds(r.ms)}`);
const total = results.reduce((s, r) => s + r.ms, 0);
console.log(`${"total".padEnd(13)} ${"".padEnd(7)} ${formatSeconds(total)}`);
process.exit(results.every((r) => r.ok) ? 0 : 1);
