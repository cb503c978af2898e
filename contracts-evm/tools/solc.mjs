#!/usr/bin/env node
// A native-solc stand-in for forge, backed by the npm `solc` package (the official compiler built to
// wasm). Native solc binaries are not obtainable from the package registries this project may use;
// see docs/decisions/0001-wasm-solc.md. It answers the two things forge asks of a solc binary:
// `--version` and `--standard-json` (JSON on stdin, JSON on stdout). The compiler version is chosen
// by the npm alias named in ZKVIN_SOLC_PACKAGE (default `solc`, pinned in package.json).
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";

const require = createRequire(import.meta.url);
const solc = require(process.env.ZKVIN_SOLC_PACKAGE ?? "solc");
const args = process.argv.slice(2);

if (args.includes("--version")) {
  // forge parses the `Version:` line.
  process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${solc.version()}\n`);
  process.exit(0);
}
if (!args.includes("--standard-json")) {
  process.stderr.write(`solc wrapper: only --version and --standard-json are supported (got: ${args.join(" ")})\n`);
  process.exit(2);
}

// Import roots forge hands over, in the order solc itself would try them.
const roots = [];
for (let i = 0; i < args.length; i++) {
  const flag = args[i];
  if (flag === "--base-path" || flag === "--include-path" || flag === "--allow-paths") {
    for (const p of (args[i + 1] ?? "").split(",")) if (p) roots.push(p);
    i++;
  }
}
roots.push(process.cwd());

function findImports(importPath) {
  const candidates = path.isAbsolute(importPath) ? [importPath] : roots.map((r) => path.resolve(r, importPath));
  for (const candidate of candidates) {
    try {
      return { contents: readFileSync(candidate, "utf8") };
    } catch {
      // try the next root
    }
  }
  return { error: `File not found: ${importPath} (searched ${roots.join(", ")})` };
}

const input = readFileSync(0, "utf8");
process.stdout.write(solc.compile(input, { import: findImports }));
