#!/usr/bin/env node
// The Solidity half of the lint+types part of npm test: `forge fmt --check` over src/, test/ and script/
// (EZKL's generated verifiers are ignored in foundry.toml), then `forge lint`, which fails here on any
// finding (forge itself exits 0 on warnings). A finding that stays is silenced where it occurs with its
// reason: `// forge-lint: disable-next-line(<lint>)`.
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

// forge lint compiles: its artifacts go to a scratch folder, so out/ keeps only full builds (a lint
// build writes ABI-only artifacts that forge scripts run afterwards cannot deploy).
const scratch = mkdtempSync(path.join(os.tmpdir(), "zkvin-forge-lint-"));
process.on("exit", () => rmSync(scratch, { recursive: true, force: true }));

function forge(args) {
  const res = spawnSync("npx", ["--no", "forge", ...args], {
    cwd: root,
    encoding: "utf8",
    maxBuffer: 64 * 1024 * 1024,
    env: {
      ...process.env,
      NO_COLOR: "1",
      FOUNDRY_OUT: path.join(scratch, "out"),
      FOUNDRY_CACHE_PATH: path.join(scratch, "cache"),
    },
  });
  if (res.error) throw res.error;
  return res;
}

// forge fmt --check prints a diff per file and still exits 0 on some versions: the diff is the verdict.
const fmt = forge(["fmt", "--check"]);
if (fmt.status !== 0 || /^Diff in /m.test(`${fmt.stdout}${fmt.stderr}`)) {
  process.stdout.write(fmt.stdout);
  process.stderr.write(fmt.stderr);
  console.error("forge fmt --check: files above are not formatted (run npx forge fmt in contracts-evm)");
  process.exit(1);
}

const lint = forge(["lint"]);
const output = `${lint.stdout}${lint.stderr}`;
const findings = output.match(/^(error|warning|note)\[[a-z0-9-]+\]/gm) ?? [];
if (lint.status !== 0 || findings.length > 0) {
  process.stdout.write(output);
  console.error(`forge lint: ${findings.length} finding(s), exit ${lint.status}`);
  process.exit(1);
}
// The deferred-pairing verifier is derived from EZKL's reusable verifier: it must be the derivation of the
// committed one (regenerated whenever the prover's fixture script rewrites the original).
const derived = spawnSync(process.execPath, [path.join(root, "scripts", "derive-deferred-verifier.mjs"), "--check"], {
  cwd: root,
  stdio: "inherit",
});
if (derived.status !== 0) process.exit(1);
console.log("forge fmt --check and forge lint: clean");
