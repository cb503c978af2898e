#!/usr/bin/env node
// Builds @zk-vin/oracle-sdk to oracle-sdk/dist (ESM + .d.ts, tsc), the form its package exports to anyone
// outside this repository and to plain node/tsx runs inside it. Idempotent: skipped while a stamp (in
// node_modules/.cache) holds the digest of the sources and build settings (--force builds anyway). Vitest and tsc
// in this repository read the sources through the "@zk-vin/source" export condition and need no build.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { run } from "./lib/proc.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const sdk = path.join(root, "oracle-sdk");
const dist = path.join(sdk, "dist");
const stamp = path.join(root, "node_modules", ".cache", "zkvin-oracle-sdk-build");

function files(dir) {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : [path.join(dir, e.name)]))
    .sort();
}

function digest() {
  const h = createHash("sha256");
  const inputs = [
    ...files(path.join(sdk, "src")),
    path.join(sdk, "tsconfig.build.json"),
    path.join(root, "tsconfig.base.json"),
  ];
  for (const f of inputs) h.update(path.relative(root, f)).update("\0").update(readFileSync(f)).update("\0");
  return h.digest("hex");
}

/** Builds unless dist is current; returns whether it built. */
export function buildSdk({ force = false } = {}) {
  const key = digest();
  if (!force && existsSync(stamp) && readFileSync(stamp, "utf8") === key) return false;
  rmSync(dist, { recursive: true, force: true });
  run(path.join(root, "node_modules", ".bin", "tsc"), ["-p", path.join(sdk, "tsconfig.build.json")], { cwd: root });
  mkdirSync(path.dirname(stamp), { recursive: true });
  writeFileSync(stamp, key);
  return true;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const built = buildSdk({ force: process.argv.includes("--force") });
  if (!process.argv.includes("--quiet")) console.log(`oracle-sdk: ${built ? "built" : "up to date"} (dist/)`);
}
