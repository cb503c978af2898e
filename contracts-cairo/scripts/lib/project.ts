// Turns a folder of Cairo files into the single source strings wasm-cairo compiles.
//
// wasm-cairo compiles one string per call: a crate made of one file, so `mod foo;` (a module in another
// file) cannot be resolved. The convention (contracts-cairo/README.md, "Source layout"):
//   src/**/*.cairo            library modules; src/a/b.cairo is module `crate::a::b`. A file src/a.cairo
//                             beside a folder src/a/ holds the items of `crate::a` itself.
//   src/**/<file> with #[starknet::contract]
//                             a contract file: exactly one contract; compiled to Sierra together with
//                             every non-contract module (a contract never depends on another contract
//                             module: it talks to other contracts through interfaces).
//   tests/support/**/*.cairo  test-only modules (`crate::support::...`, under #[cfg(test)]), e.g. mocks.
//   tests/*.cairo             test files; each is run on its own, as `crate::<stem>` next to the library
//                             and the support modules.
// Each file becomes `pub mod <stem> {` + its text + `}` with its text unchanged, so the runner maps the
// compiler's line numbers back to the file.
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

/** The project's files break the source convention. */
export class CairoProjectError extends Error {
  override readonly name = "CairoProjectError";
  constructor(
    message: string,
    readonly file: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${message}`, options);
  }
}

export interface SourceFile {
  /** Path relative to the project root, with forward slashes. */
  path: string;
  /** Module path inside the crate, e.g. ["spoke", "codec"]. */
  modulePath: string[];
  text: string;
}

export interface ContractFile extends SourceFile {
  contractName: string;
}

export interface CairoProject {
  root: string;
  /** Library modules without contracts. */
  modules: SourceFile[];
  contracts: ContractFile[];
  support: SourceFile[];
  tests: SourceFile[];
}

/** One generated line range: lines [start, start + count) of the crate are lines 1.. of `file`. */
export interface LineMapEntry {
  start: number;
  count: number;
  file: string;
}

export interface AssembledCrate {
  text: string;
  lineMap: LineMapEntry[];
}

const IDENT = /^[a-z_][a-z0-9_]*$/;
const CONTRACT = /^[ \t]*#\[starknet::contract\][ \t]*\r?\n\s*(?:pub\s+)?mod\s+([A-Za-z_][A-Za-z0-9_]*)/gm;
const FILE_MODULE = /^[ \t]*(?:pub(?:\([a-z]+\))?\s+)?mod\s+[A-Za-z_][A-Za-z0-9_]*\s*;/m;
const SUPPORT_DIR = "support";

function listCairoFiles(dir: string): string[] {
  let entries: string[];
  try {
    entries = readdirSync(dir).sort();
  } catch {
    return [];
  }
  return entries.flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return listCairoFiles(full);
    return name.endsWith(".cairo") ? [full] : [];
  });
}

function readSource(root: string, full: string, prefix: string[], baseDir: string): SourceFile {
  const rel = path.relative(root, full).split(path.sep).join("/");
  const modulePath = [
    ...prefix,
    ...path
      .relative(baseDir, full)
      .replace(/\.cairo$/, "")
      .split(path.sep),
  ];
  for (const name of modulePath) {
    if (!IDENT.test(name)) throw new CairoProjectError(`module name "${name}" is not a snake_case identifier`, rel);
  }
  const text = readFileSync(full, "utf8");
  const fileModule = FILE_MODULE.exec(text);
  if (fileModule) {
    throw new CairoProjectError(
      `"${fileModule[0].trim()}" declares a module in another file, which a single-string crate cannot load; ` +
        "put the module in its own file under the folder layout instead",
      rel,
    );
  }
  return { path: rel, modulePath, text };
}

function contractNames(text: string): string[] {
  return [...text.matchAll(CONTRACT)].map((m) => m[1]!);
}

/** Reads and checks a project laid out by the convention above. */
export function loadProject(root: string): CairoProject {
  const srcDir = path.join(root, "src");
  const testsDir = path.join(root, "tests");
  const supportDir = path.join(testsDir, SUPPORT_DIR);
  const library = listCairoFiles(srcDir).map((f) => readSource(root, f, [], srcDir));
  if (library.length === 0)
    throw new CairoProjectError("no .cairo files", path.relative(process.cwd(), srcDir) || "src");
  const support = listCairoFiles(supportDir).map((f) => readSource(root, f, [SUPPORT_DIR], supportDir));
  const tests = listCairoFiles(testsDir)
    .filter((f) => path.dirname(f) === testsDir)
    .map((f) => readSource(root, f, [], testsDir));

  const modules: SourceFile[] = [];
  const contracts: ContractFile[] = [];
  for (const file of library) {
    const names = contractNames(file.text);
    if (names.length > 1) throw new CairoProjectError(`holds ${names.length} contracts; one per file`, file.path);
    if (names.length === 1) contracts.push({ ...file, contractName: names[0]! });
    else modules.push(file);
  }
  const seen = new Map<string, string>();
  for (const c of contracts) {
    const other = seen.get(c.contractName);
    if (other) throw new CairoProjectError(`contract ${c.contractName} is also defined in ${other}`, c.path);
    seen.set(c.contractName, c.path);
  }
  const topLevel = new Set(library.map((f) => f.modulePath[0]!));
  if (support.length > 0 && topLevel.has(SUPPORT_DIR)) {
    throw new CairoProjectError(`module "${SUPPORT_DIR}" is reserved for tests/${SUPPORT_DIR}`, "src");
  }
  for (const t of tests) {
    const name = t.modulePath[0]!;
    if (topLevel.has(name) || name === SUPPORT_DIR) {
      throw new CairoProjectError(`test module "${name}" has the name of a library module`, t.path);
    }
  }
  return { root, modules, contracts, support, tests };
}

interface ModuleNode {
  files: SourceFile[];
  children: Map<string, ModuleNode>;
}

function buildTree(files: SourceFile[], depthOffset: number): ModuleNode {
  const root: ModuleNode = { files: [], children: new Map() };
  for (const file of files) {
    let node = root;
    for (const name of file.modulePath.slice(depthOffset)) {
      let child = node.children.get(name);
      if (!child) {
        child = { files: [], children: new Map() };
        node.children.set(name, child);
      }
      node = child;
    }
    node.files.push(file);
  }
  return root;
}

class CrateWriter {
  private readonly lines: string[] = [];
  readonly lineMap: LineMapEntry[] = [];

  line(text: string): void {
    this.lines.push(text);
  }

  file(file: SourceFile): void {
    const body = file.text.replace(/\r?\n$/, "").split(/\r?\n/);
    this.lineMap.push({ start: this.lines.length + 1, count: body.length, file: file.path });
    this.lines.push(...body);
  }

  tree(node: ModuleNode, attribute?: string): void {
    for (const file of node.files) this.file(file);
    for (const [name, child] of node.children) {
      if (attribute) this.line(attribute);
      this.line(`pub mod ${name} {`);
      this.tree(child);
      this.line("}");
    }
  }

  text(): string {
    return `${this.lines.join("\n")}\n`;
  }
}

/** Builds one crate from library files, optional test-support files and an optional test file. */
export function assembleCrate(params: {
  library: SourceFile[];
  support?: SourceFile[];
  testFile?: SourceFile;
}): AssembledCrate {
  const w = new CrateWriter();
  w.line("// Generated by contracts-cairo/scripts/cairo.ts from the files named in the line map.");
  w.tree(buildTree(params.library, 0));
  if (params.support && params.support.length > 0) w.tree(buildTree(params.support, 0), "#[cfg(test)]");
  if (params.testFile) {
    w.line("#[cfg(test)]");
    w.line(`mod ${params.testFile.modulePath[0]} {`);
    w.file(params.testFile);
    w.line("}");
  }
  return { text: w.text(), lineMap: w.lineMap };
}

/** The crate that compiles one contract: every non-contract module plus that contract's file. */
export function contractCrate(project: CairoProject, contract: ContractFile): AssembledCrate {
  return assembleCrate({ library: [...project.modules, contract] });
}

function withoutComments(text: string): string {
  return text.replace(/\/\/[^\n]*/g, "");
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Whether `text` (comments stripped) names `file`: a contract by its name, a module by its path. */
function names(text: string, file: SourceFile): boolean {
  const contract = contractNames(file.text)[0];
  const word = contract ?? file.modulePath.map(escapeRegExp).join("::");
  return new RegExp(`\\b${word}\\b`).test(text);
}

/**
 * The crate that runs one test file: the library's non-contract modules, the test file, and the
 * contracts and support modules that any of those name, transitively. Leaving out what a test file
 * does not use matters: the test runner's cost per contract call grows with the size of the program.
 */
export function testCrate(project: CairoProject, testFile: SourceFile): AssembledCrate {
  const optional: SourceFile[] = [...project.contracts, ...project.support];
  const included = new Set<SourceFile>();
  let scanned = withoutComments([testFile.text, ...project.modules.map((m) => m.text)].join("\n"));
  for (let grew = true; grew; ) {
    grew = false;
    for (const file of optional) {
      if (included.has(file) || !names(scanned, file)) continue;
      included.add(file);
      scanned += `\n${withoutComments(file.text)}`;
      grew = true;
    }
  }
  return assembleCrate({
    library: [...project.modules, ...project.contracts.filter((c) => included.has(c))],
    support: project.support.filter((f) => included.has(f)),
    testFile,
  });
}

/** Rewrites `lib.cairo:LINE:COL` locations in compiler output to the project files they came from. */
export function remapLocations(output: string, lineMap: LineMapEntry[]): string {
  return output.replace(/\blib\.cairo:(\d+):(\d+)/g, (whole, lineText: string, col: string) => {
    const line = Number(lineText);
    const entry = lineMap.find((e) => line >= e.start && line < e.start + e.count);
    return entry ? `${entry.file}:${line - entry.start + 1}:${col}` : `${whole} (generated crate line)`;
  });
}
