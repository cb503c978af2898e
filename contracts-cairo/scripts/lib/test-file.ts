// Runs one Cairo test file and gives every test in it a verdict, surviving wasm-cairo's VM crashes.
//
// wasm-cairo 0.10.2's Cairo VM sometimes fails to allocate the memory segment it loads a program into
// ("Vector capacity exceeded", or a trap when it happens inside a contract call): the VM's memory cells
// are 32-byte aligned and the wasm build's allocator (wee_alloc) fails some such allocations depending
// on their size and on what was allocated before (docs/decisions/0030). The failure belongs to no test.
// So, when a run dies:
// - if it reported verdicts first, those tests keep them, are marked #[ignore] in the source, and the
//   file runs again in a fresh instance (fresh allocator), so the remaining tests run too;
// - if it died before any verdict, the program is the problem: the file runs again with a padding test
//   (an ignored test) that changes the program's size, up to PADDINGS.length times; the sizes that fail
//   come in windows of about 2 KiB of program (64 words), so the padding adds tens of statements;
//   after that the first pending test gets the verdict "crash", which fails the file.
// Tests that failed in a run that died lose the runner's failure report, so each is run once more on
// its own to get its panic reason.
import { type CairoProject, remapLocations, type SourceFile, testCrate } from "./project";
import { parseFailures, parseSummary, parseTestCases, testsStarted } from "./results";
import { runCairoJob } from "./wasm-cairo";

/** wasm-cairo names the crate of every source string "astro"; test names start with it. */
export const CRATE_NAME = "astro";
/** Statements in the padding test, tried in turn when a program cannot be loaded (a few are not enough). */
const PADDINGS = [16, 48, 128];
const PADDING_MODULE = "zkvin_runner_padding";

export type VerdictStatus = "ok" | "fail" | "crash" | "ignored";

export interface TestVerdict {
  name: string;
  status: VerdictStatus;
  gas?: number;
  /** Why the test did not pass: its panic, the VM error, or "#[ignore]". */
  reason?: string;
}

export interface TestFileOutcome {
  ok: boolean;
  verdicts: TestVerdict[];
  /** Runs of the file, including resumed runs and solo re-runs of failed tests. */
  runs: number;
  /** What happened besides plain runs (resumes after VM crashes), one line each. */
  notes: string[];
  /** Why the file as a whole failed (compile error, no tests), when it did. */
  problem?: string;
  /** What the compiler printed in the run that decided a file-level failure, locations mapped. */
  output: string;
  ms: number;
}

interface DeclaredTest {
  fn: string;
  /** Offset of the `#[test]` attribute in the test file. */
  at: number;
}

const TEST_ATTRIBUTE = /#\[test\]((?:\s*#\[[^\n]*\])*)\s*fn\s+([A-Za-z_][A-Za-z0-9_]*)/g;

/** The `#[test]` functions at the top level of a test file, in source order. */
export function declaredTests(text: string): DeclaredTest[] {
  return [...text.matchAll(TEST_ATTRIBUTE)].map((m) => ({ fn: m[2]!, at: m.index }));
}

/** The text with `#[ignore]` added after the `#[test]` of each named function (lines unchanged). */
export function withIgnored(text: string, tests: DeclaredTest[], ignored: Set<string>): string {
  let out = text;
  const marked = tests.filter((t) => ignored.has(t.fn)).sort((a, b) => b.at - a.at);
  for (const t of marked) out = `${out.slice(0, t.at)}#[test] #[ignore]${out.slice(t.at + "#[test]".length)}`;
  return out;
}

/** An ignored test whose only purpose is to change the size of the compiled program. */
export function paddingModule(statements: number): string {
  const body = Array.from(
    { length: statements },
    (_, i) => `        assert(core::testing::get_available_gas() != ${i + 1}, 'padding');`,
  );
  return [
    "#[cfg(test)]",
    `mod ${PADDING_MODULE} {`,
    "    #[test]",
    "    #[ignore]",
    "    fn padding() {",
    ...body,
    "    }",
    "}",
    "",
  ].join("\n");
}

function fullName(file: SourceFile, fn: string): string {
  return `${CRATE_NAME}::${file.modulePath[0]}::${fn}`;
}

/** Full names of the file's tests that a `--filter` (substring of the full name) selects. */
export function selectedTests(file: SourceFile, filter: string): string[] {
  return declaredTests(file.text)
    .map((t) => fullName(file, t.fn))
    .filter((name) => name.includes(filter));
}

function firstLine(text: string): string {
  return text.trim().split("\n")[0] ?? "";
}

interface RunParams {
  project: CairoProject;
  testFile: SourceFile;
  filter: string;
  allowWarnings: boolean;
  timeoutMs: number;
}

async function runOnce(params: RunParams, text: string, filter: string, padding = 0) {
  const crate = testCrate(params.project, { ...params.testFile, text });
  const source = padding > 0 ? crate.text + paddingModule(padding) : crate.text;
  const result = await runCairoJob(
    { kind: "test", source, allowWarnings: params.allowWarnings, filter },
    { timeoutMs: params.timeoutMs },
  );
  const printed = remapLocations(result.printed, crate.lineMap);
  return { result, printed };
}

/** Compiles and runs one test file until every test it declares has a verdict. */
export async function runTestFile(params: RunParams): Promise<TestFileOutcome> {
  const started = Date.now();
  const { testFile, filter } = params;
  const declared = declaredTests(testFile.text);
  const wanted = declared.filter((t) => fullName(testFile, t.fn).includes(filter));
  const byName = new Map(declared.map((t) => [fullName(testFile, t.fn), t.fn]));
  const verdicts = new Map<string, TestVerdict>();
  const skip = new Set<string>();
  const notes: string[] = [];
  let runs = 0;
  let padding = 0;
  let paddingTries = 0;
  // After one test got "crash" despite every padding, later failures give verdicts without retries.
  let paddingExhausted = false;
  const done = (fields: Omit<TestFileOutcome, "runs" | "notes" | "ms">): TestFileOutcome => ({
    ...fields,
    runs,
    notes,
    ms: Date.now() - started,
  });

  for (;;) {
    runs++;
    const { result, printed } = await runOnce(params, withIgnored(testFile.text, declared, skip), filter, padding);
    if (!testsStarted(result.printed)) {
      const problem = result.crash ?? (firstLine(result.returned) || "the test runner returned nothing");
      return done({ ok: false, verdicts: [...verdicts.values()], problem, output: printed });
    }
    const failures = parseFailures(printed);
    let progressed = false;
    for (const c of parseTestCases(printed)) {
      const fn = byName.get(c.name);
      if (c.status === "ignored" && ((fn !== undefined && skip.has(fn)) || c.name.includes(PADDING_MODULE))) continue;
      const reason = c.status === "ignored" ? "marked #[ignore]: tests must not be skipped" : failures.get(c.name);
      verdicts.set(c.name, {
        name: c.name,
        status: c.status,
        ...(c.gas === undefined ? {} : { gas: c.gas }),
        ...(reason ? { reason } : {}),
      });
      progressed = true;
    }
    if (parseSummary(result.returned)) break;

    const crash = firstLine(result.crash ?? result.returned);
    const pending = wanted.filter((t) => !verdicts.has(fullName(testFile, t.fn)));
    if (!progressed && !paddingExhausted && paddingTries < PADDINGS.length) {
      padding = PADDINGS[paddingTries++]!;
      notes.push(`run ${runs}: the Cairo VM failed before any verdict (${crash}); retrying with a padding test`);
      continue;
    }
    if (!progressed && pending[0]) {
      const name = fullName(testFile, pending[0].fn);
      verdicts.set(name, {
        name,
        status: "crash",
        reason: `the VM failed before it ran, whatever the padding: ${crash}`,
      });
      paddingExhausted = true;
    }
    paddingTries = 0;
    notes.push(
      `run ${runs}: the Cairo VM failed after ${verdicts.size} verdict(s) (${crash}); resuming in a fresh instance`,
    );
    for (const name of verdicts.keys()) {
      const fn = byName.get(name);
      if (fn !== undefined) skip.add(fn);
    }
    if (wanted.every((t) => verdicts.has(fullName(testFile, t.fn)))) break;
  }

  for (const v of verdicts.values()) {
    if (v.status !== "fail" || v.reason) continue;
    runs++;
    const { printed } = await runOnce(params, testFile.text, v.name);
    v.reason = parseFailures(printed).get(v.name) ?? "failed (no reason: it passed or crashed when run alone)";
  }

  const list = [...verdicts.values()];
  const missing = wanted.filter((t) => !verdicts.has(fullName(testFile, t.fn))).map((t) => t.fn);
  if (list.length === 0) return done({ ok: false, verdicts: list, problem: "no tests ran", output: "" });
  if (missing.length > 0) {
    return done({ ok: false, verdicts: list, problem: `no verdict for ${missing.join(", ")}`, output: "" });
  }
  return done({ ok: list.every((v) => v.status === "ok"), verdicts: list, output: "" });
}
