#!/usr/bin/env node
// Runs the TypeScript CLI from source through tsx (the workspace has no build step).
import { spawnSync } from "node:child_process";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";

const require = createRequire(import.meta.url);
const tsx = require.resolve("tsx/cli");
const main = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "src", "cli", "main.ts");
const res = spawnSync(process.execPath, [tsx, main, ...process.argv.slice(2)], { stdio: "inherit" });
process.exit(res.status ?? 1);
