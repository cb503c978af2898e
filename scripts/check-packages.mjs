#!/usr/bin/env node
// Part of the lint+types part of npm test: fails when the workspace packages' dependencies form a cycle or
// a file imports another package by a relative path (see scripts/lib/package-graph.mjs). With --graph,
// prints who depends on whom.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { checkPackageGraph } from "./lib/package-graph.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const { edges, cycles, imports } = checkPackageGraph(root);

if (process.argv.includes("--graph"))
  for (const [name, deps] of edges) console.log(`${name} -> ${deps.length ? deps.join(", ") : "(none)"}`);

for (const cycle of cycles) console.error(`dependency cycle: ${cycle.join(" -> ")}`);
for (const v of imports)
  console.error(`${v.file}:${v.line}: "${v.specifier}" reaches from ${v.from} into ${v.to}; import "${v.to}" instead`);
if (cycles.length > 0 || imports.length > 0) process.exit(1);
console.log(`package graph: ${edges.size} workspace packages, no cycle, no cross-package relative import`);
