// The workspace packages and the two rules that keep their graph one-way (issue 13):
// - no cycle among the @zk-vin packages' dependencies and devDependencies (read from their package.json);
// - no relative import that leaves its own package for another one (`../../../relayer/src/...`): a package
//   uses another through its name and exports, so the dependency shows in its package.json and the graph.
//   Relative imports of the repository's own tooling under scripts/ (not a package) are allowed.
// Used by scripts/check-packages.mjs (the lint+types part of npm test) and its test.
import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

const SOURCE_EXTENSIONS = [".ts", ".mts", ".cts", ".js", ".mjs", ".cjs"];
const SKIP_DIRS = new Set(["node_modules", "dist", "build", "out", "cache", "target", ".venv", "generated", ".zkvin"]);

/** The root package.json's workspaces, each as { name, dir (absolute), manifest }. */
export function workspacePackages(root) {
  const rootManifest = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));
  return (rootManifest.workspaces ?? []).map((ws) => {
    const dir = path.resolve(root, ws);
    const manifest = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8"));
    return { name: manifest.name, dir, manifest };
  });
}

/** Internal edges: package name -> the workspace packages it names in dependencies or devDependencies. */
export function dependencyEdges(packages) {
  const names = new Set(packages.map((p) => p.name));
  const edges = new Map();
  for (const p of packages) {
    const deps = { ...p.manifest.dependencies, ...p.manifest.devDependencies };
    edges.set(
      p.name,
      Object.keys(deps)
        .filter((d) => names.has(d))
        .sort(),
    );
  }
  return edges;
}

/** Every dependency cycle, each as the list of names along it (first name repeated at the end). */
export function dependencyCycles(packages) {
  const edges = dependencyEdges(packages);
  const cycles = [];
  const seen = new Set();
  const state = new Map(); // name -> "open" | "done"
  const stack = [];
  const visit = (name) => {
    state.set(name, "open");
    stack.push(name);
    for (const next of edges.get(name) ?? []) {
      if (state.get(next) === "open") {
        const cycle = [...stack.slice(stack.indexOf(next)), next];
        const key = [...cycle.slice(0, -1)].sort().join(" ");
        if (!seen.has(key)) {
          seen.add(key);
          cycles.push(cycle);
        }
      } else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(name, "done");
  };
  for (const name of [...edges.keys()].sort()) if (!state.has(name)) visit(name);
  return cycles;
}

function sourceFiles(dir) {
  const files = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name.startsWith(".") || SKIP_DIRS.has(entry.name)) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...sourceFiles(full));
    else if (SOURCE_EXTENSIONS.some((ext) => entry.name.endsWith(ext)) && !entry.name.endsWith(".d.ts"))
      files.push(full);
  }
  return files;
}

// Static imports and re-exports, dynamic import(), require(), and new URL("...", import.meta.url).
const SPECIFIER_PATTERNS = [
  /\b(?:import|export)\s[^"'`;]*?\bfrom\s*["']([^"']+)["']/g,
  /\bimport\s*["']([^"']+)["']/g,
  /\bimport\s*\(\s*["']([^"']+)["']\s*\)/g,
  /\brequire\s*\(\s*["']([^"']+)["']\s*\)/g,
  /\bnew\s+URL\s*\(\s*["']([^"']+)["']\s*,\s*import\.meta\.url\s*\)/g,
];

function relativeSpecifiers(text) {
  const found = [];
  for (const pattern of SPECIFIER_PATTERNS) {
    for (const m of text.matchAll(pattern)) {
      if (!m[1].startsWith(".")) continue;
      const line = text.slice(0, m.index).split("\n").length;
      found.push({ specifier: m[1], line });
    }
  }
  return found;
}

function owner(packages, file) {
  let best;
  for (const p of packages) {
    const inside = file === p.dir || file.startsWith(`${p.dir}${path.sep}`);
    if (inside && (!best || p.dir.length > best.dir.length)) best = p;
  }
  return best;
}

/**
 * Relative imports in a workspace package's files that resolve into another workspace package: each as
 * { file, line, specifier, from, to } (file relative to root).
 */
export function crossPackageImports(root, packages) {
  const violations = [];
  for (const p of packages) {
    for (const file of sourceFiles(p.dir)) {
      const text = readFileSync(file, "utf8");
      for (const { specifier, line } of relativeSpecifiers(text)) {
        const target = path.resolve(path.dirname(file), specifier);
        const to = owner(packages, target);
        if (to && to.name !== p.name)
          violations.push({ file: path.relative(root, file), line, specifier, from: p.name, to: to.name });
      }
    }
  }
  return violations;
}

/** Both checks over a repository: { packages, edges, cycles, imports } (empty arrays when clean). */
export function checkPackageGraph(root) {
  const packages = workspacePackages(root).filter((p) => statSync(p.dir).isDirectory());
  return {
    packages,
    edges: dependencyEdges(packages),
    cycles: dependencyCycles(packages),
    imports: crossPackageImports(root, packages),
  };
}
