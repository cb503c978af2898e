// Reads what a wasm-cairo call returned and printed, and decides whether it passed.
import type { CairoJobResult } from "./wasm-cairo";

export type TestStatus = "ok" | "fail" | "ignored";

export interface TestCase {
  name: string;
  status: TestStatus;
  gas?: number;
}

export interface CompileOutcome {
  ok: boolean;
  /** The contract class (Sierra program, entry points, ABI) as JSON text. */
  sierra?: string;
  problem?: string;
}

const TEST_LINE = /^test (\S+) \.\.\. (ok|fail|ignored)(?: \(gas usage est\.: (\d+)\))?$/gm;
const SUMMARY = /test result: (ok|FAILED)\. (\d+) passed; (\d+) failed; (\d+) ignored/;

const FAILURE_LINE = /^ {3}(\S+) - (.*)$/gm;
const RUNNING = /^running (\d+) tests?$/m;

/** Panic reasons from the "failures:" section the test runner prints at the end of a completed run. */
export function parseFailures(printed: string): Map<string, string> {
  const start = printed.indexOf("failures:\n");
  const section = start < 0 ? "" : printed.slice(start);
  return new Map([...section.matchAll(FAILURE_LINE)].map((m) => [m[1]!, m[2]!]));
}

/** Whether the runner got as far as running tests (it prints "running N tests" first). */
export function testsStarted(printed: string): boolean {
  return RUNNING.test(printed);
}

/** The completed run's summary counts, or undefined when the run did not complete. */
export function parseSummary(
  returned: string,
): { ok: boolean; passed: number; failed: number; ignored: number } | undefined {
  const m = SUMMARY.exec(returned);
  if (!m) return undefined;
  return { ok: m[1] === "ok", passed: Number(m[2]), failed: Number(m[3]), ignored: Number(m[4]) };
}

export function parseTestCases(printed: string): TestCase[] {
  return [...printed.matchAll(TEST_LINE)].map((m) => {
    const gas = m[3] === undefined ? {} : { gas: Number(m[3]) };
    return { name: m[1]!, status: m[2] as TestStatus, ...gas };
  });
}

/** A compile passes when the entry point returned a contract class with a Sierra program. */
export function interpretCompile(result: CairoJobResult): CompileOutcome {
  if (result.crash) return { ok: false, problem: result.crash };
  let parsed: unknown;
  try {
    parsed = JSON.parse(result.returned);
  } catch {
    return { ok: false, problem: result.returned.trim() || "empty answer" };
  }
  const program = (parsed as { sierra_program?: unknown }).sierra_program;
  if (!Array.isArray(program) || program.length === 0) return { ok: false, problem: "no sierra_program in the answer" };
  return { ok: true, sierra: result.returned };
}
