// Cairo build and test runner over the npm wasm-cairo toolchain (no Scarb; see docs/decisions/0030).
//
//   tsx scripts/cairo.ts build                       compile every contract to target/*.contract_class.json
//   tsx scripts/cairo.ts test                        compile every contract, then run every tests/*.cairo
//   tsx scripts/cairo.ts test tests/x.cairo [--filter name]   run only those test files (no compiles)
//
// Options: --root DIR (project folder, default: this package), --out DIR (default: ROOT/target),
// --jobs N (default: 2, or CAIRO_JOBS), --allow-warnings, --timeout SECONDS (per job, default 600).
// Exit code 0 when every job passed, 1 when one failed, 2 when the arguments or the layout are wrong.
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { CairoProjectError } from "./lib/project";
import { CairoRunnerError, type RunMode, runCairoProject } from "./lib/runner";

const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

class UsageError extends Error {
  override readonly name = "UsageError";
}

function positiveInt(name: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive integer, got "${text}"`);
  return n;
}

function parseCommandLine(argv: string[]) {
  try {
    return parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        root: { type: "string" },
        out: { type: "string" },
        jobs: { type: "string" },
        filter: { type: "string", default: "" },
        timeout: { type: "string", default: "600" },
        "allow-warnings": { type: "boolean", default: false },
      },
    });
  } catch (err) {
    throw new UsageError(err instanceof Error ? err.message : String(err), { cause: err });
  }
}

function parse(argv: string[]) {
  const { values, positionals } = parseCommandLine(argv);
  const [mode, ...testFiles] = positionals;
  if (mode !== "build" && mode !== "test")
    throw new UsageError(`first argument must be build or test, got "${mode ?? ""}"`);
  if (mode === "build" && testFiles.length > 0) throw new UsageError("build takes no file arguments");
  const root = path.resolve(values.root ?? packageRoot);
  const defaultJobs = Math.min(2, os.availableParallelism());
  return {
    root,
    mode: mode as RunMode,
    testFiles,
    filter: values.filter,
    outDir: path.resolve(values.out ?? path.join(root, "target")),
    jobs: positiveInt("jobs", values.jobs ?? process.env.CAIRO_JOBS ?? String(defaultJobs)),
    allowWarnings: values["allow-warnings"],
    timeoutMs: positiveInt("timeout", values.timeout) * 1000,
    print: (line: string) => console.log(line),
  };
}

async function main(): Promise<number> {
  try {
    const report = await runCairoProject(parse(process.argv.slice(2)));
    return report.ok ? 0 : 1;
  } catch (err) {
    if (err instanceof UsageError || err instanceof CairoProjectError || err instanceof CairoRunnerError) {
      console.error(`cairo: ${err.message}`);
      return 2;
    }
    throw err;
  }
}

process.exitCode = await main();
