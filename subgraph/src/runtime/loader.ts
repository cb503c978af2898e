// Loads the subgraph's AssemblyScript mappings (subgraph/mappings/*.ts) as TypeScript: the same source
// files `graph build` compiles to WebAssembly are transpiled here (types stripped) and evaluated with
// their imports bound to the local runtime: `@graphprotocol/graph-ts` to the graph-ts subset,
// `../generated/schema` to entity classes built from schema.graphql, and other mapping files to
// themselves. The event classes in `../generated/<DataSource>/` are only types, so nothing is bound.
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import vm from "node:vm";
import ts from "typescript";
import { UnsupportedInLocalRuntime } from "./graph-ts/abort.js";

export class MappingLoadError extends Error {
  override readonly name = "MappingLoadError";
  constructor(
    readonly file: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${file}: ${message}`, options);
  }
}

export interface MappingModules {
  /** The exports of a mapping file (absolute path). */
  exportsOf(file: string): Record<string, unknown>;
}

export interface LoadMappingsOptions {
  /** The subgraph folder: mappings import `../generated/...` relative to files under it. */
  subgraphDir: string;
  /** The graph-ts module object for this runtime. */
  graphTs: Record<string, unknown>;
  /** What `../generated/schema` exports: one class per entity type. */
  schemaExports: Record<string, unknown>;
}

function typesOnlyModule(specifier: string): Record<string, unknown> {
  return new Proxy(
    {},
    {
      get(_target, prop) {
        if (typeof prop === "symbol" || prop === "__esModule" || prop === "then" || prop === "default")
          return undefined;
        throw new UnsupportedInLocalRuntime(`${specifier}: ${String(prop)} used as a value (contract bindings)`);
      },
    },
  );
}

export function transpileMapping(file: string, source: string): string {
  const out = ts.transpileModule(source, {
    fileName: file,
    reportDiagnostics: true,
    compilerOptions: {
      module: ts.ModuleKind.CommonJS,
      target: ts.ScriptTarget.ES2022,
      esModuleInterop: false,
      verbatimModuleSyntax: false,
      sourceMap: false,
    },
  });
  const errors = (out.diagnostics ?? []).filter((d) => d.category === ts.DiagnosticCategory.Error);
  if (errors.length > 0) {
    throw new MappingLoadError(
      file,
      errors.map((d) => ts.flattenDiagnosticMessageText(d.messageText, "\n")).join("; "),
    );
  }
  return out.outputText;
}

/** Loads mapping files on demand (each once) and resolves their imports as described above. */
export function createMappingModules(options: LoadMappingsOptions): MappingModules {
  const generatedDir = path.join(options.subgraphDir, "generated");
  const cache = new Map<string, Record<string, unknown>>();

  const resolve = (fromFile: string, specifier: string): Record<string, unknown> => {
    if (specifier === "@graphprotocol/graph-ts") return options.graphTs;
    if (!specifier.startsWith(".")) {
      throw new MappingLoadError(
        fromFile,
        `imports ${specifier}; mappings may import graph-ts, generated/ and each other`,
      );
    }
    const target = path.resolve(path.dirname(fromFile), specifier);
    if (target === path.join(generatedDir, "schema")) return options.schemaExports;
    if (target.startsWith(`${generatedDir}${path.sep}`)) return typesOnlyModule(specifier);
    return load(target.endsWith(".ts") ? target : `${target}.ts`);
  };

  const load = (file: string): Record<string, unknown> => {
    const cached = cache.get(file);
    if (cached) return cached;
    if (!existsSync(file)) throw new MappingLoadError(file, "does not exist");
    const code = transpileMapping(file, readFileSync(file, "utf8"));
    const module = { exports: {} as Record<string, unknown> };
    cache.set(file, module.exports);
    const fn = vm.compileFunction(code, ["exports", "require", "module"], { filename: file });
    fn(module.exports, (specifier: string) => resolve(file, specifier), module);
    return module.exports;
  };

  return { exportsOf: load };
}
