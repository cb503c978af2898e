#!/usr/bin/env node
// Measures the gas of fulfilling real EZKL proofs through the hub (test/gas/FulfilmentGas.t.sol) and of
// requests (test/gas/RequestGas.t.sol), run with `forge test --isolate` so every call is its own
// transaction; prints both tables, writes the results to gas/fulfilment-gas.json and gas/request-gas.json
// and replaces the tables between the gas-table and request-gas-table markers in README.md.
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
const requestResultsFile = path.join(root, "gas", "request-gas.json");
const aggregationResultsFile = path.join(root, "gas", "aggregation-gas.json");
const readme = path.join(root, "README.md");
const MEASURED_WITH = "forge test --isolate (solc 0.8.30, optimizer 200 runs, cancun)";

function measure() {
  rmSync(rawDir, { recursive: true, force: true });
  mkdirSync(rawDir, { recursive: true });
  const forge = path.join(root, "node_modules", ".bin", "forge");
  const args = ["test", "--match-path", "test/gas/*Gas.t.sol", "--isolate", ...process.argv.slice(2)];
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
  const fulfilments = rows.filter((r) => r.kind === "fulfilment");
  const requests = rows.filter((r) => r.kind === "request");
  const aggregates = rows.filter((r) => r.kind === "aggregation").sort((a, b) => a.proofs - b.proofs);
  const order = (r) => [r.verifier.startsWith("generated") ? 0 : 1, r.callback ? 1 : 0, r.batch];
  fulfilments.sort((a, b) => {
    const [x, y] = [order(a), order(b)];
    return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
  });
  requests.sort((a, b) => a.inputs - b.inputs);
  if (fulfilments.length === 0 || requests.length === 0) {
    console.error("the gas tests wrote no fulfilment or no request results");
    process.exit(1);
  }
  return { fulfilments, requests, aggregates };
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

function requestTable(rows) {
  const head = "| model | inputs | request (exec) | request (tx) | calldata |";
  const sep = "| --- | ---: | ---: | ---: | ---: |";
  const body = rows.map(
    (r) =>
      `| ${r.name.replace(/^request_/, "").replaceAll("_", " ")} | ${r.inputs} | ${fmt(r.executionGas)} | ${fmt(r.transactionGas)} | ${fmt(r.calldataBytes)} B |`,
  );
  return [head, sep, ...body].join("\n");
}

function aggregationTable(rows) {
  const head =
    "| proofs in the aggregate | aggregate (tx) | calldata | same proofs verified one by one (tx, sum) | settle with empty proof (tx) | per inference: aggregated | per inference: own proof | ratio |";
  const sep = "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |";
  const body = rows.map(
    (r) =>
      `| ${r.proofs} | ${fmt(r.aggregateTransactionGas)} | ${fmt(r.aggregateCalldataBytes)} B | ${fmt(r.singleVerifyTransactionGasSum)} | ${fmt(r.settleEmptyProofTransactionGas)} | ${fmt(r.perInferenceAggregated)} | ${fmt(r.perInferenceSingle)} | ${(r.perInferenceAggregated / r.perInferenceSingle).toFixed(3)} |`,
  );
  return [head, sep, ...body].join("\n");
}

/** `text` with the lines between `<!-- name:start -->` and `<!-- name:end -->` replaced by `md`. */
function replaceSection(text, name, md) {
  const start = `<!-- ${name}:start -->`;
  const end = `<!-- ${name}:end -->`;
  const from = text.indexOf(start);
  const to = text.indexOf(end);
  if (from < 0 || to < from) {
    console.error(`README.md has no ${start} ... ${end} section`);
    process.exit(1);
  }
  return `${text.slice(0, from + start.length)}\n${md}\n${text.slice(to)}`;
}

const { fulfilments, requests, aggregates } = measure();
const aggregationMd = aggregationTable(aggregates);
const md = table(fulfilments);
const requestMd = requestTable(requests);
console.log(`\n${md}\n\n${requestMd}\n\n${aggregationMd}\n`);

mkdirSync(path.dirname(resultsFile), { recursive: true });
writeFileSync(resultsFile, `${JSON.stringify({ measuredWith: MEASURED_WITH, rows: fulfilments }, null, 2)}\n`);
writeFileSync(requestResultsFile, `${JSON.stringify({ measuredWith: MEASURED_WITH, rows: requests }, null, 2)}\n`);
writeFileSync(
  aggregationResultsFile,
  `${JSON.stringify({ measuredWith: MEASURED_WITH, rows: aggregates }, null, 2)}\n`,
);

let text = readFileSync(readme, "utf8");
text = replaceSection(text, "gas-table", md);
text = replaceSection(text, "request-gas-table", requestMd);
text = replaceSection(text, "aggregation-gas-table", aggregationMd);
writeFileSync(readme, text);
console.log(
  `wrote ${path.relative(root, resultsFile)}, ${path.relative(root, requestResultsFile)} and the tables in README.md`,
);
