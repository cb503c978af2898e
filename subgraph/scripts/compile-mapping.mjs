// Compiles one AssemblyScript mapping to WebAssembly with graph-cli's own compile step (the asc call and
// arguments `graph build` uses for every data source: --explicitStart --exportRuntime --runtime stub,
// graph-ts's global.ts, --optimize --debug), for a data source kind graph-cli has no protocol for (the
// Cairo spoke's `kind: starknet`, decision 0067). Run by src/runtime/wasm/compile.ts:
//   node scripts/compile-mapping.mjs <subgraph dir> <mapping file> <output .wasm file>
import { existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import * as asc from "@graphprotocol/graph-cli/dist/compiler/asc.js";

const [baseDir, mapping, outFile] = process.argv.slice(2).map((p) => path.resolve(p));
if (!baseDir || !mapping || !outFile) {
  console.error("usage: compile-mapping.mjs <subgraph dir> <mapping file> <output .wasm file>");
  process.exit(2);
}
// As graph-cli's Compiler: every node_modules folder above the subgraph, graph-ts's global.ts from the first.
const libsDirs = [];
for (let dir = baseDir; ; dir = path.dirname(dir)) {
  if (existsSync(path.join(dir, "node_modules"))) libsDirs.push(path.join(dir, "node_modules"));
  if (path.dirname(dir) === dir) break;
}
const globalsFile = path.join("@graphprotocol", "graph-ts", "global", "global.ts");
const globalsLib = libsDirs.find((d) => existsSync(path.join(d, globalsFile)));
if (!globalsLib) {
  console.error(`@graphprotocol/graph-ts not found above ${baseDir}`);
  process.exit(1);
}
mkdirSync(path.dirname(outFile), { recursive: true });
await asc.ready();
asc.compile({
  inputFile: path.relative(baseDir, mapping),
  global: path.relative(baseDir, path.join(globalsLib, globalsFile)),
  baseDir,
  libs: libsDirs.join(","),
  outputFile: path.relative(baseDir, outFile),
});
if (!existsSync(outFile)) {
  console.error(`asc wrote no ${outFile}`);
  process.exit(1);
}
