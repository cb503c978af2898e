#!/usr/bin/env node
// One idempotent set-up for a fresh machine of this project's kind: npm packages (root workspaces and
// the Foundry project), the prover's Python virtualenv, the solc that EZKL's verifier generator asks
// for, Slither's virtualenv, the SDK's dist/ (what plain node/tsx runs import; tests read its sources), Redis and
// PostgreSQL. Every step is skipped when what it would produce is already there and current;
// `npm install` (not `npm ci`): the registry mirror here lacks other platforms' optional binaries, so the
// lockfile cannot list them and `npm ci` refuses it; with the committed lockfile install resolves the same
// versions. Downloads are cached outside the clone (~/.npm, ~/.cache/pip). Only the npm, PyPI and apt registries
// are used.
import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { formatSeconds, run } from "./lib/proc.mjs";
import { installRedisIfMissing } from "./lib/redis.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const quiet = process.argv.includes("--quiet");

function digest(...files) {
  const h = createHash("sha256");
  for (const f of files) h.update(readFileSync(path.join(root, f)));
  return h.digest("hex");
}

/** Runs `fn` unless the stamp file holds `key`; writes the stamp after success. */
function stamped(stampFile, key, fn) {
  if (existsSync(stampFile) && readFileSync(stampFile, "utf8") === key) return false;
  fn();
  mkdirSync(path.dirname(stampFile), { recursive: true });
  writeFileSync(stampFile, key);
  return true;
}

const steps = [
  {
    name: "npm workspaces",
    run: () =>
      stamped(path.join(root, "node_modules", ".zkvin-setup"), digest("package-lock.json"), () =>
        run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline"], { cwd: root }),
      ),
  },
  {
    name: "contracts-evm npm",
    run: () =>
      stamped(
        path.join(root, "contracts-evm", "node_modules", ".zkvin-setup"),
        digest("contracts-evm/package-lock.json"),
        () =>
          run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline"], {
            cwd: path.join(root, "contracts-evm"),
          }),
      ),
  },
  {
    name: "prover python venv",
    run: () => {
      const venv = path.join(root, "prover", "python", ".venv");
      return stamped(path.join(venv, ".zkvin-setup"), digest("prover/python/requirements.txt"), () => {
        if (!existsSync(path.join(venv, "bin", "python"))) run("python3", ["-m", "venv", venv]);
        run(path.join(venv, "bin", "pip"), [
          "install",
          "--quiet",
          "-r",
          path.join(root, "prover", "python", "requirements.txt"),
        ]);
      });
    },
  },
  {
    // Slither (static analysis in npm test's forge part): its own pinned venv, beside the contracts.
    name: "slither venv",
    run: () => {
      const venv = path.join(root, "contracts-evm", "tools", "slither", ".venv");
      return stamped(path.join(venv, ".zkvin-setup"), digest("contracts-evm/tools/slither/requirements.txt"), () => {
        if (!existsSync(path.join(venv, "bin", "python"))) run("python3", ["-m", "venv", venv]);
        run(path.join(venv, "bin", "pip"), [
          "install",
          "--quiet",
          "-r",
          path.join(root, "contracts-evm", "tools", "slither", "requirements.txt"),
        ]);
      });
    },
  },
  {
    // EZKL's create_evm_verifier compiles with an svm-managed solc 0.8.20 and would download it. The
    // official compiler's wasm build from npm (contracts-evm's `solc-0820` alias) stands in for it.
    name: "solc 0.8.20 for EZKL",
    run: () => {
      const dir = path.join(os.homedir(), ".svm", "0.8.20");
      const bin = path.join(dir, "solc-0.8.20");
      const wrapper = path.join(root, "contracts-evm", "tools", "solc.mjs");
      const script = `#!/bin/sh\n# written by zk-VIN scripts/setup.mjs\nZKVIN_SOLC_PACKAGE=solc-0820 exec node "${wrapper}" "$@"\n`;
      if (existsSync(bin) && readFileSync(bin, "utf8") === script) return false;
      mkdirSync(dir, { recursive: true });
      writeFileSync(bin, script);
      chmodSync(bin, 0o755);
      return true;
    },
  },
  {
    // The SDK's package exports its built dist to plain node/tsx runs (vitest and tsc read its sources).
    name: "oracle-sdk build",
    run: async () => (await import("./build-sdk.mjs")).buildSdk(),
  },
  { name: "redis-server (apt)", run: () => installRedisIfMissing() },
  // The relayer and the local indexer store state in PGlite by default and in Postgres by URL; tests cover both.
  {
    // starknet-devnet 0.10.1 from crates.io (the Starknet end-to-end tests and the demo's Starknet row):
    // a 45-100 minute cargo build on 2 cores, so it starts in the background and whatever needs it waits
    // (scripts/lib/starknet-devnet.mjs); present: nothing to do.
    name: "starknet-devnet 0.10.1 (cargo, background)",
    run: async () => {
      const { startStarknetDevnetInstall } = await import("./lib/starknet-devnet.mjs");
      const r = startStarknetDevnetInstall();
      if (r.state === "building")
        console.log(`setup: starknet-devnet builds in the background (pid ${r.pid}, log ${r.log})`);
      if (r.state === "no-cargo")
        console.log("setup: no cargo on this machine: the Starknet tests and demo row are skipped");
      return r.state === "building";
    },
  },
  {
    name: "postgresql (apt)", // Imported late: lib/postgres.mjs needs the `pg` package that the first step installs.
    run: async () => (await import("./lib/postgres.mjs")).installPostgresIfMissing(),
  },
];

// Opt-in (`--ezkl22`): EZKL 22.3 for the aggregation benchmark (prover/bench/aggregation.py), in its own
// virtualenv outside the clone; nothing else uses it and `npm test` never asks for it.
if (process.argv.includes("--ezkl22")) {
  steps.push({
    name: "EZKL 22.3 venv for the aggregation benchmark (~/.cache/zkvin/ezkl22)",
    run: () => {
      const venv = path.join(os.homedir(), ".cache", "zkvin", "ezkl22");
      const requirements = path.join(root, "prover", "bench", "aggregation-requirements.txt");
      return stamped(path.join(venv, ".zkvin-setup"), digest("prover/bench/aggregation-requirements.txt"), () => {
        if (!existsSync(path.join(venv, "bin", "python"))) run("python3", ["-m", "venv", venv]);
        run(path.join(venv, "bin", "pip"), ["install", "--quiet", "-r", requirements]);
      });
    },
  });
}

const started = Date.now();
for (const step of steps) {
  const t0 = Date.now();
  const did = await step.run();
  if (!quiet || did)
    console.log(`setup: ${step.name}: ${did ? "done" : "up to date"} (${formatSeconds(Date.now() - t0)})`);
}
if (!quiet) console.log(`setup: finished in ${formatSeconds(Date.now() - started)}`);
