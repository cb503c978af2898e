// Compiles every contract of a Cairo project to Sierra and runs its test files, a few jobs at a time.
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import {
  type AssembledCrate,
  type CairoProject,
  type ContractFile,
  contractCrate,
  loadProject,
  remapLocations,
  type SourceFile,
  testCrate,
} from "./project";
import { interpretCompile } from "./results";
import { repairWasmFallthrough } from "./sierra-fallthrough";
import { runTestFile, selectedTests, type TestVerdict } from "./test-file";
import { runCairoJob } from "./wasm-cairo";

export type RunMode = "build" | "test";

export interface RunnerOptions {
  /** Project folder holding src/ and tests/. */
  root: string;
  /** build: compile the contracts; test: compile the contracts and run the test files. */
  mode: RunMode;
  /** Test files to run (paths relative to root); all when empty. Naming files skips the compiles. */
  testFiles: string[];
  /** Runs only tests whose full name contains this string. */
  filter: string;
  /** Where Sierra contract classes go. */
  outDir: string;
  /** Jobs run at once, each in its own worker thread. */
  jobs: number;
  /** Lets compiler warnings pass; by default a warning fails the job like an error. */
  allowWarnings: boolean;
  timeoutMs: number;
  /** Receives the report, line by line, as jobs finish. */
  print: (line: string) => void;
}

export interface JobReport {
  kind: "compile" | "test";
  /** The contract name or the test file path. */
  name: string;
  file: string;
  ok: boolean;
  ms: number;
  /** One-line result: sizes and paths for a compile, counts for a test file, the problem on failure. */
  summary: string;
  verdicts: TestVerdict[];
  /** What the compiler printed, with locations mapped back to the project's files. */
  output: string;
  /** Resumed runs after VM crashes and similar events worth seeing. */
  notes: string[];
}

export interface RunReport {
  ok: boolean;
  jobs: JobReport[];
  ms: number;
}

/** The runner's options cannot work (unknown test file, nothing to do). */
export class CairoRunnerError extends Error {
  override readonly name = "CairoRunnerError";
  constructor(
    message: string,
    readonly value: string,
    options?: { cause?: unknown },
  ) {
    super(`${message}: ${value}`, options);
  }
}

type PlannedJob = { kind: "compile"; contract: ContractFile } | { kind: "test"; testFile: SourceFile };

function selectTests(project: CairoProject, wanted: string[]): SourceFile[] {
  if (wanted.length === 0) return project.tests;
  return wanted.map((w) => {
    const rel = path.relative(project.root, path.resolve(project.root, w)).split(path.sep).join("/");
    const found = project.tests.find((t) => t.path === rel);
    if (!found) throw new CairoRunnerError("not a test file of the project", w);
    return found;
  });
}

/** Test files first, biggest crate first (the longest jobs), so that the lanes finish together. */
function plan(project: CairoProject, options: RunnerOptions): PlannedJob[] {
  const jobs: PlannedJob[] = [];
  if (options.mode === "test") {
    // A filter leaves out the files in which it selects nothing; selecting nothing at all is an error.
    const files = selectTests(project, options.testFiles).filter((f) => selectedTests(f, options.filter).length > 0);
    if (files.length === 0) throw new CairoRunnerError("no test matches the filter", options.filter);
    const sized = files.map((testFile) => ({ testFile, size: testCrate(project, testFile).text.length }));
    sized.sort((a, b) => b.size - a.size);
    jobs.push(...sized.map(({ testFile }): PlannedJob => ({ kind: "test", testFile })));
  }
  if (options.mode === "build" || options.testFiles.length === 0) {
    jobs.push(...project.contracts.map((contract): PlannedJob => ({ kind: "compile", contract })));
  }
  if (jobs.length === 0) throw new CairoRunnerError("nothing to do", options.root);
  return jobs;
}

function sierraFileName(contractName: string): string {
  return `${contractName}.contract_class.json`;
}

function formatBytes(n: number): string {
  return n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`;
}

async function compileContract(
  project: CairoProject,
  contract: ContractFile,
  options: RunnerOptions,
): Promise<JobReport> {
  const crate: AssembledCrate = contractCrate(project, contract);
  const result = await runCairoJob(
    { kind: "compile", source: crate.text, allowWarnings: options.allowWarnings },
    { timeoutMs: options.timeoutMs },
  );
  const base = {
    kind: "compile" as const,
    name: contract.contractName,
    file: contract.path,
    ms: result.ms,
    output: remapLocations(result.printed, crate.lineMap),
    verdicts: [],
    notes: [],
  };
  const outcome = interpretCompile(result);
  if (!outcome.ok || outcome.sierra === undefined) return { ...base, ok: false, summary: outcome.problem ?? "failed" };
  const target = path.join(options.outDir, sierraFileName(contract.contractName));
  writeFileSync(target, repairWasmFallthrough(outcome.sierra, contract.contractName));
  const shown = path.relative(options.root, target);
  const where = shown.startsWith("..") ? target : shown;
  return { ...base, ok: true, summary: `${formatBytes(outcome.sierra.length)} -> ${where}` };
}

async function runTests(project: CairoProject, testFile: SourceFile, options: RunnerOptions): Promise<JobReport> {
  const outcome = await runTestFile({
    project,
    testFile,
    filter: options.filter,
    allowWarnings: options.allowWarnings,
    timeoutMs: options.timeoutMs,
  });
  const count = (status: string) => outcome.verdicts.filter((v) => v.status === status).length;
  const counts = `${count("ok")} passed, ${outcome.verdicts.length - count("ok")} failed`;
  const runs = outcome.runs > 1 ? ` in ${outcome.runs} runs` : "";
  return {
    kind: "test",
    name: testFile.path,
    file: testFile.path,
    ok: outcome.ok,
    ms: outcome.ms,
    summary: outcome.problem ? `${counts}: ${outcome.problem}` : `${counts}${runs}`,
    verdicts: outcome.verdicts,
    output: outcome.output,
    notes: outcome.notes,
  };
}

function execute(project: CairoProject, planned: PlannedJob, options: RunnerOptions): Promise<JobReport> {
  return planned.kind === "compile"
    ? compileContract(project, planned.contract, options)
    : runTests(project, planned.testFile, options);
}

function indent(text: string): string {
  return text
    .trimEnd()
    .split("\n")
    .map((l) => `    ${l}`)
    .join("\n");
}

function printJob(report: JobReport, print: (line: string) => void): void {
  const secs = `${(report.ms / 1000).toFixed(1)} s`;
  print(`${report.ok ? "PASS" : "FAIL"}  ${report.kind.padEnd(7)} ${report.name}  (${secs})  ${report.summary}`);
  for (const note of report.notes) print(`      note: ${note}`);
  for (const v of report.verdicts) {
    const gas = v.gas === undefined ? "" : `  gas ${v.gas}`;
    print(`      ${v.status.padEnd(7)} ${v.name}${gas}${v.reason ? `  - ${v.reason}` : ""}`);
  }
  if (!report.ok && report.output.trim()) print(indent(report.output));
}

function writeManifest(reports: JobReport[], project: CairoProject, outDir: string): void {
  const contracts = reports
    .filter((r) => r.kind === "compile" && r.ok)
    .map((r) => {
      const file = project.contracts.find((c) => c.contractName === r.name)!;
      return {
        name: r.name,
        source: file.path,
        sourceSha256: createHash("sha256").update(file.text).digest("hex"),
        contractClass: sierraFileName(r.name),
      };
    });
  const manifest = { compiler: "wasm-cairo 0.10.2 (Cairo 2.8.2)", contracts };
  writeFileSync(path.join(outDir, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
}

function cleanOutDir(outDir: string): void {
  mkdirSync(outDir, { recursive: true });
  for (const name of readdirSync(outDir)) {
    if (name.endsWith(".contract_class.json") || name === "manifest.json") rmSync(path.join(outDir, name));
  }
}

/** Runs the planned jobs with at most `options.jobs` at once; prints each report as it finishes. */
export async function runCairoProject(options: RunnerOptions): Promise<RunReport> {
  const started = Date.now();
  const project = loadProject(options.root);
  const planned = plan(project, options);
  const compiles = planned.some((p) => p.kind === "compile");
  if (compiles) cleanOutDir(options.outDir);
  options.print(
    `cairo ${options.mode}: ${planned.length} job(s), ${Math.min(options.jobs, planned.length)} at a time (wasm-cairo 0.10.2, Cairo 2.8.2)`,
  );
  const reports: JobReport[] = new Array(planned.length);
  let next = 0;
  const lane = async () => {
    while (next < planned.length) {
      const i = next++;
      const report = await execute(project, planned[i]!, options);
      reports[i] = report;
      printJob(report, options.print);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.jobs) }, lane));
  const ok = reports.every((r) => r.ok);
  if (compiles && reports.every((r) => r.kind !== "compile" || r.ok)) writeManifest(reports, project, options.outDir);
  const ms = Date.now() - started;
  const failed = reports.filter((r) => !r.ok);
  const tests = reports.flatMap((r) => r.verdicts);
  options.print(
    `cairo ${options.mode}: ${ok ? "ok" : "FAILED"}. ${reports.length - failed.length}/${reports.length} jobs passed` +
      `${tests.length ? `, ${tests.filter((t) => t.status === "ok").length}/${tests.length} tests passed` : ""}` +
      ` in ${(ms / 1000).toFixed(1)} s${failed.length ? `; failed: ${failed.map((f) => f.name).join(", ")}` : ""}`,
  );
  return { ok, jobs: reports, ms };
}
