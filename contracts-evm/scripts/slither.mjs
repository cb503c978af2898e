#!/usr/bin/env node
// Static analysis of the deployed contracts (src/, EZKL's generated verifiers excluded) with Slither, held
// against the committed triage file: every finding of low, medium or high impact must have an entry there
// that says why it stays, and every entry must still match a finding (a fixed finding's entry goes).
// Informational and optimisation detectors are off (slither.config.json).
//
//   node scripts/slither.mjs           # build with build-info into out-slither/, analyse, check the triage
//   node scripts/slither.mjs --write   # also add an entry for each new finding (reason left empty: the
//                                      # check fails until someone writes one) and drop stale entries
//
// Exit 0 when the triage explains every finding, 1 otherwise. Prints a table per detector and writes the
// full result to out-slither/slither.json.
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const venvSlither = path.join(root, "tools", "slither", ".venv", "bin", "slither");
const triagePath = path.join(root, "slither-triage.json");
const outDir = "out-slither";
const write = process.argv.includes("--write");
const impacts = ["High", "Medium", "Low"];

function sh(cmd, args, env = {}) {
  const res = spawnSync(cmd, args, {
    cwd: root,
    env: { ...process.env, PATH: `${path.join(root, "node_modules", ".bin")}:${process.env.PATH}`, ...env },
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  if (res.error) throw res.error;
  return res;
}

if (!existsSync(venvSlither)) {
  console.error(`slither: ${venvSlither} is missing; run the set-up (node scripts/setup.mjs at the repository root)`);
  process.exit(1);
}

// Slither reads forge's build-info; a separate output folder keeps the test build's artifacts as they are.
// `--skip test script` leaves out *.t.sol and *.s.sol; helpers under test/ and script/ still compile and are
// filtered out of the findings by slither.config.json.
// A clean build every time: forge writes build-info only for what it recompiles, and a stale build-info file
// left beside a new one would make Slither analyse old sources.
rmSync(path.join(root, outDir), { recursive: true, force: true });
rmSync(path.join(root, "cache-slither"), { recursive: true, force: true });
const t0 = Date.now();
const build = sh("forge", ["build", "--build-info", "--skip", "test", "script", "--no-metadata"], {
  FOUNDRY_OUT: outDir,
  FOUNDRY_CACHE_PATH: "cache-slither",
});
if (build.status !== 0) {
  process.stderr.write(build.stdout + build.stderr);
  console.error("slither: forge build failed");
  process.exit(1);
}
const tBuild = Date.now();
const jsonPath = path.join(root, outDir, "slither.json");
const run = sh(venvSlither, [".", "--ignore-compile", "--config-file", "slither.config.json", "--json", jsonPath]);
const tAnalyse = Date.now();
if (!existsSync(jsonPath)) {
  process.stderr.write(run.stdout + run.stderr);
  console.error("slither: no result file was written");
  process.exit(1);
}
const result = JSON.parse(readFileSync(jsonPath, "utf8"));
if (!result.success) {
  console.error(`slither: analysis failed: ${result.error}`);
  process.exit(1);
}

/** A finding's stable identity: detector + its description without line numbers (moves do not change it). */
function normalise(description) {
  return description
    .replace(/#\d+(-\d+)?/g, "")
    .replace(/[ \t]+$/gm, "")
    .trim();
}
function idOf(check, text) {
  return createHash("sha256").update(`${check}\n${text}`).digest("hex").slice(0, 16);
}

const findings = (result.results?.detectors ?? [])
  .filter((d) => impacts.includes(d.impact))
  .map((d) => {
    const text = normalise(d.description);
    return { id: idOf(d.check, text), check: d.check, impact: d.impact, finding: text };
  });

const triage = existsSync(triagePath) ? JSON.parse(readFileSync(triagePath, "utf8")) : { findings: [] };
const byId = new Map(triage.findings.map((t) => [t.id, t]));
const seen = new Set();
const untriaged = [];
for (const f of findings) {
  const entry = byId.get(f.id);
  if (entry?.reason?.trim()) seen.add(f.id);
  else {
    if (entry) seen.add(f.id);
    untriaged.push(f);
  }
}
const stale = triage.findings.filter((t) => !findings.some((f) => f.id === t.id));

const rows = new Map();
for (const f of findings) {
  const key = `${f.impact}|${f.check}`;
  const row = rows.get(key) ?? { impact: f.impact, check: f.check, found: 0, explained: 0 };
  row.found++;
  if (!untriaged.includes(f)) row.explained++;
  rows.set(key, row);
}
console.log("impact  detector                       found  explained");
for (const r of [...rows.values()].sort(
  (a, b) => impacts.indexOf(a.impact) - impacts.indexOf(b.impact) || a.check.localeCompare(b.check),
))
  console.log(
    `${r.impact.padEnd(7)} ${r.check.padEnd(30)} ${String(r.found).padStart(5)}  ${String(r.explained).padStart(9)}`,
  );
console.log(
  `slither: ${findings.length} finding(s) of low impact or above; build ${((tBuild - t0) / 1000).toFixed(1)} s, analysis ${((tAnalyse - tBuild) / 1000).toFixed(1)} s`,
);

if (write) {
  const kept = triage.findings.filter((t) => findings.some((f) => f.id === t.id));
  for (const f of untriaged) if (!byId.has(f.id)) kept.push({ ...f, reason: "" });
  kept.sort((a, b) => impacts.indexOf(a.impact) - impacts.indexOf(b.impact) || a.check.localeCompare(b.check));
  writeFileSync(
    triagePath,
    `${JSON.stringify({ tool: "slither-analyzer (tools/slither/requirements.txt)", findings: kept }, null, 2)}\n`,
  );
  console.log(`slither: wrote ${triagePath} (${kept.length} entries)`);
}

for (const f of untriaged)
  console.error(`UNEXPLAINED ${f.impact} ${f.check} [${f.id}]\n  ${f.finding.replace(/\n/g, "\n  ")}`);
for (const t of stale) console.error(`STALE triage entry ${t.id} (${t.check}): no such finding any more`);
if (untriaged.length || stale.length) {
  console.error(
    `slither: ${untriaged.length} finding(s) without a reason in slither-triage.json, ${stale.length} stale entr${stale.length === 1 ? "y" : "ies"}`,
  );
  process.exit(1);
}
console.log("slither: every finding is explained in slither-triage.json");
