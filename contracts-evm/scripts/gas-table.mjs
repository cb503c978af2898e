#!/usr/bin/env node
// Measures the gas of fulfilling real EZKL proofs through the hub (test/gas/FulfilmentGas.t.sol, run with
// `forge test --isolate` so every call is its own transaction), prints a table, writes the results to
// gas/fulfilment-gas.json and replaces the table between the gas-table markers in README.md.
//
//   node scripts/gas-table.mjs            (from contracts-evm/)
//
// Extra arguments are passed to forge (e.g. --skip paths while another folder does not compile).
import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const rawDir = path.join(root, "cache-gas");
const resultsFile = path.join(root, "gas", "fulfilment-gas.json");
const readme = path.join(root, "README.md");
const START = "<!-- gas-table:start -->";
const END = "<!-- gas-table:end -->";

function measure() {
  rmSync(rawDir, { recursive: true, force: true });
  mkdirSync(rawDir, { recursive: true });
  const forge = path.join(root, "node_modules", ".bin", "forge");
  const args = ["test", "--match-path", "test/gas/FulfilmentGas.t.sol", "--isolate", ...process.argv.slice(2)];
  const res = spawnSync(forge, args, {
    cwd: root,
    stdio: ["ignore", "inherit", "inherit"],
    env: { ...process.env, ZKVIN_GAS_OUT: "cache-gas" },
  });
  if (res.status !== 0) {
    console.error(`forge ${args.join(" ")} failed (exit ${res.status})`);
    process.exit(1);
  }
  const rows = readdirSync(rawDir)
    .filter((f) => f.endsWith(".json"))
    .map((f) => JSON.parse(readFileSync(path.join(rawDir, f), "utf8")));
  if (rows.length === 0) {
    console.error("the gas test wrote no results");
    process.exit(1);
  }
  const order = (r) => [r.verifier.startsWith("generated") ? 0 : 1, r.callback ? 1 : 0, r.batch];
  rows.sort((a, b) => {
    const [x, y] = [order(a), order(b)];
    return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
  });
  return rows;
}

const fmt = (n) => n.toLocaleString("en-US");

function table(rows) {
  const head =
    "| verifier | batch | consumer callback | verify (exec) | fulfilment (exec) | fulfilment (tx) | calldata | exec / inference | tx / inference |";
  const sep = "| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: | ---: |";
  const body = rows.map(
    (r) =>
      `| ${r.verifier} | ${r.batch} | ${r.callback ? "yes" : "no"} | ${fmt(r.verifyGas)} | ${fmt(r.executionGas)} | ${fmt(r.transactionGas)} | ${fmt(r.calldataBytes)} B | ${fmt(r.executionPerInference)} | ${fmt(r.transactionPerInference)} |`,
  );
  return [head, sep, ...body].join("\n");
}

const rows = measure();
const md = table(rows);
console.log(`\n${md}\n`);

mkdirSync(path.dirname(resultsFile), { recursive: true });
writeFileSync(
  resultsFile,
  `${JSON.stringify({ measuredWith: "forge test --isolate (solc 0.8.30, optimizer 200 runs, cancun)", rows }, null, 2)}\n`,
);

const text = readFileSync(readme, "utf8");
const from = text.indexOf(START);
const to = text.indexOf(END);
if (from < 0 || to < from) {
  console.error(`README.md has no ${START} ... ${END} section`);
  process.exit(1);
}
writeFileSync(readme, `${text.slice(0, from + START.length)}\n${md}\n${text.slice(to)}`);
console.log(`wrote ${path.relative(root, resultsFile)} and the table in README.md`);
