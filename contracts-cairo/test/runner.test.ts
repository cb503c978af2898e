// The Cairo runner end to end: the CLI on small fixture projects, compiled and run by real wasm-cairo.
import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const fixtures = path.join(packageRoot, "test", "fixtures");
const outDirs: string[] = [];

function runCairo(args: string[]): { code: number | null; output: string; outDir: string } {
  const outDir = mkdtempSync(path.join(os.tmpdir(), "zkvin-cairo-"));
  outDirs.push(outDir);
  const res = spawnSync(
    process.execPath,
    ["--import", "tsx", path.join(packageRoot, "scripts", "cairo.ts"), ...args, "--out", outDir],
    { cwd: packageRoot, encoding: "utf8", timeout: 600_000 },
  );
  return { code: res.status, output: `${res.stdout}${res.stderr}`, outDir };
}

/** `file:line:col` of the first occurrence of `needle` in a fixture file, as the runner prints it. */
function locationOf(project: string, file: string, needle: string): string {
  const lines = readFileSync(path.join(fixtures, project, file), "utf8").split("\n");
  const line = lines.findIndex((l) => l.includes(needle));
  return `${file}:${line + 1}:${lines[line]!.indexOf(needle) + 1}`;
}

afterAll(() => {
  for (const dir of outDirs) rmSync(dir, { recursive: true, force: true });
});

describe("cairo runner", () => {
  it("fails a build with a broken contract, prints the compiler's diagnostic at the file's line, and still builds the good one", () => {
    const { code, output, outDir } = runCairo(["build", "--root", path.join(fixtures, "broken-contract")]);
    expect(code).toBe(1);
    expect(output).toMatch(/FAIL {2}compile Broken /);
    expect(output).toContain("error: Identifier not found.");
    expect(output).toContain(locationOf("broken-contract", "src/broken.cairo", "missing"));
    expect(output).toMatch(/PASS {2}compile Counter /);
    expect(existsSync(path.join(outDir, "Broken.contract_class.json"))).toBe(false);
    const counter = JSON.parse(readFileSync(path.join(outDir, "Counter.contract_class.json"), "utf8"));
    expect(counter.sierra_program.length).toBeGreaterThan(0);
    const functions = (counter.abi as { type: string; items?: { name: string }[] }[])
      .filter((entry) => entry.type === "interface")
      .flatMap((entry) => entry.items ?? [])
      .map((item) => item.name);
    expect(functions).toEqual(["get", "inc"]);
    // A build with a failed contract writes no manifest.
    expect(existsSync(path.join(outDir, "manifest.json"))).toBe(false);
  }, 600_000);

  it("fails a test run on a failing Cairo test and a test file that does not compile, naming each", () => {
    const { code, output } = runCairo([
      "test",
      "--root",
      path.join(fixtures, "failing-test"),
      "tests/passes.cairo",
      "tests/fails.cairo",
      "tests/does_not_compile.cairo",
    ]);
    expect(code).toBe(1);
    expect(output).toMatch(/PASS {2}test {4}tests\/passes\.cairo .*1 passed, 0 failed/);
    expect(output).toMatch(/FAIL {2}test {4}tests\/fails\.cairo .*1 passed, 1 failed/);
    expect(output).toMatch(/ok +astro::fails::adds/);
    expect(output).toMatch(/fail +astro::fails::fails_on_purpose .*'expected four'/);
    expect(output).toMatch(/FAIL {2}test {4}tests\/does_not_compile\.cairo /);
    expect(output).toContain(locationOf("failing-test", "tests/does_not_compile.cairo", "undefined_value"));
    expect(output).toMatch(/cairo test: FAILED\. 1\/3 jobs passed/);
  }, 600_000);

  it("passes a test file whose first run the VM cannot load, by padding the program", () => {
    const { code, output } = runCairo(["test", "--root", path.join(fixtures, "vm-crash"), "tests/counter_test.cairo"]);
    expect(code).toBe(0);
    expect(output).toMatch(
      /the Cairo VM failed before any verdict \(.*Vector capacity exceeded\); retrying with a padding test/,
    );
    expect(output).toMatch(/PASS {2}test {4}tests\/counter_test\.cairo .*2 passed, 0 failed in \d+ runs/);
  }, 600_000);

  it("refuses a source that declares a module in another file", () => {
    const { code, output } = runCairo(["build", "--root", path.join(fixtures, "bad-layout")]);
    expect(code).toBe(2);
    expect(output).toContain("src/lib.cairo");
    expect(output).toContain("mod elsewhere;");
  }, 60_000);

  it("refuses unknown arguments with exit code 2", () => {
    const { code, output } = runCairo(["deploy"]);
    expect(code).toBe(2);
    expect(output).toContain("first argument must be build or test");
  }, 60_000);
});
