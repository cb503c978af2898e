// The runner's pure parts: source layout and crate assembly, test-file rewriting, output parsing, and
// the wasm patch (on the real wasm-cairo binary).
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import {
  assembleCrate,
  CairoProjectError,
  contractCrate,
  loadProject,
  remapLocations,
  testCrate,
} from "../scripts/lib/project";
import { interpretCompile, parseFailures, parseSummary, parseTestCases, testsStarted } from "../scripts/lib/results";
import { locateStdioWriters, patchStdioCapture, WasmCairoPatchError } from "../scripts/lib/stdio-capture";
import { declaredTests, paddingModule, withIgnored } from "../scripts/lib/test-file";
import { wasmCairoBinaryPath } from "../scripts/lib/wasm-cairo";

const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const fixtures = path.join(packageRoot, "test", "fixtures");

const wasmApi = (globalThis as unknown as { WebAssembly: { validate(bytes: Uint8Array): boolean } }).WebAssembly;

describe("project layout", () => {
  it("sorts files into modules, contracts and tests", () => {
    const project = loadProject(path.join(fixtures, "failing-test"));
    expect(project.contracts.map((c) => [c.contractName, c.path])).toEqual([["Counter", "src/counter.cairo"]]);
    expect(project.modules).toEqual([]);
    expect(project.tests.map((t) => t.path)).toEqual([
      "tests/does_not_compile.cairo",
      "tests/fails.cairo",
      "tests/passes.cairo",
    ]);
  });

  it("refuses `mod x;` and names the file", () => {
    expect(() => loadProject(path.join(fixtures, "bad-layout"))).toThrow(CairoProjectError);
    expect(() => loadProject(path.join(fixtures, "bad-layout"))).toThrow(/src\/lib\.cairo: "mod elsewhere;"/);
  });

  it("wraps files in modules without moving their lines, and maps compiler locations back", () => {
    const files = [
      { path: "src/a.cairo", modulePath: ["a"], text: "fn one() {}\nfn two() {}\n" },
      { path: "src/a/b.cairo", modulePath: ["a", "b"], text: "fn three() {}\n" },
    ];
    const crate = assembleCrate({ library: files });
    const lines = crate.text.split("\n");
    for (const entry of crate.lineMap) {
      const file = files.find((f) => f.path === entry.file)!;
      expect(lines.slice(entry.start - 1, entry.start - 1 + entry.count).join("\n")).toBe(file.text.trimEnd());
    }
    expect(crate.text).toContain("pub mod a {\nfn one() {}\nfn two() {}\npub mod b {\nfn three() {}\n}\n}");
    const b = crate.lineMap.find((e) => e.file === "src/a/b.cairo")!;
    expect(remapLocations(` --> lib.cairo:${b.start}:4\n`, crate.lineMap)).toBe(" --> src/a/b.cairo:1:4\n");
    expect(remapLocations(" --> lib.cairo:1:1", crate.lineMap)).toBe(" --> lib.cairo:1:1 (generated crate line)");
  });

  it("puts into a test crate only the contracts and support modules the test file names", () => {
    const project = loadProject(packageRoot);
    const crateOf = (file: string) => testCrate(project, project.tests.find((t) => t.path === file)!);
    const filesOf = (file: string) => crateOf(file).lineMap.map((e) => e.file);
    expect(filesOf("tests/codec.cairo")).not.toContain("src/spoke.cairo");
    expect(filesOf("tests/requests.cairo")).toEqual(
      expect.arrayContaining(["src/spoke.cairo", "tests/support/setup.cairo", "tests/support/test_token.cairo"]),
    );
    expect(filesOf("tests/requests.cairo")).not.toContain("src/consumers/example_consumer.cairo");
    expect(filesOf("tests/delivery.cairo")).toContain("tests/support/flaky_consumer.cairo");
    expect(filesOf("tests/delivery.cairo")).not.toContain("src/consumers/example_consumer.cairo");
    expect(filesOf("tests/end_to_end.cairo")).toContain("src/consumers/example_consumer.cairo");
    expect(filesOf("tests/end_to_end.cairo")).not.toContain("tests/support/flaky_consumer.cairo");
    const spoke = project.contracts.find((c) => c.contractName === "ZkVinStarknetSpoke")!;
    const contractFiles = contractCrate(project, spoke).lineMap.map((e) => e.file);
    expect(contractFiles).toContain("src/spoke.cairo");
    expect(contractFiles).not.toContain("src/consumers/example_consumer.cairo");
  });
});

describe("test-file rewriting", () => {
  const text = [
    "#[test]",
    "fn first() {}",
    "",
    "#[test]",
    "#[should_panic(expected: ('x',))]",
    "fn second() {}",
    "fn helper() {}",
  ].join("\n");

  it("finds the #[test] functions in order", () => {
    expect(declaredTests(text).map((t) => t.fn)).toEqual(["first", "second"]);
  });

  it("marks chosen tests #[ignore] on the same line", () => {
    const out = withIgnored(text, declaredTests(text), new Set(["second"]));
    expect(out.split("\n")).toHaveLength(text.split("\n").length);
    expect(out.split("\n")[3]).toBe("#[test] #[ignore]");
    expect(out.split("\n")[0]).toBe("#[test]");
  });

  it("builds an ignored padding test of the requested size", () => {
    const padding = paddingModule(3);
    expect(padding).toContain("#[ignore]");
    expect(padding.match(/assert\(/g)).toHaveLength(3);
  });
});

describe("output parsing", () => {
  const printed = [
    "running 3 tests",
    "test astro::t::a ... ok (gas usage est.: 1000)",
    "test astro::t::b ... fail (gas usage est.: 1200)",
    "test astro::t::c ... ignored",
    "failures:",
    "   astro::t::b - Panicked with 0x6e6f7420666f7572 ('not four').",
    "",
    "test result: FAILED. 1 passed; 1 failed; 1 ignored",
  ].join("\n");

  it("reads verdicts, gas and panic reasons", () => {
    expect(testsStarted(printed)).toBe(true);
    expect(parseTestCases(printed)).toEqual([
      { name: "astro::t::a", status: "ok", gas: 1000 },
      { name: "astro::t::b", status: "fail", gas: 1200 },
      { name: "astro::t::c", status: "ignored" },
    ]);
    expect(parseFailures(printed).get("astro::t::b")).toBe("Panicked with 0x6e6f7420666f7572 ('not four').");
    expect(parseSummary("test result: FAILED. 1 passed; 1 failed; 1 ignored")).toEqual({
      ok: false,
      passed: 1,
      failed: 1,
      ignored: 1,
    });
    expect(parseSummary("Vector capacity exceeded")).toBeUndefined();
    expect(testsStarted("error: Identifier not found.\nCompilation failed.")).toBe(false);
  });

  it("accepts only a contract class as a compile result", () => {
    const ok = { returned: '{"sierra_program": ["0x1"]}', printed: "", ms: 1 };
    expect(interpretCompile(ok)).toEqual({ ok: true, sierra: ok.returned });
    expect(interpretCompile({ returned: "Compilation failed.", printed: "", ms: 1 })).toEqual({
      ok: false,
      problem: "Compilation failed.",
    });
    expect(interpretCompile({ returned: "", printed: "", crash: "trap", ms: 1 })).toEqual({
      ok: false,
      problem: "trap",
    });
  });
});

describe("stdio capture patch", () => {
  const original = new Uint8Array(readFileSync(wasmCairoBinaryPath()));

  it("finds the console.log import and the two distinct stdout/stderr writers", () => {
    const writers = locateStdioWriters(original);
    expect(writers.logImport).toBe(0);
    expect(new Set([writers.logImport, writers.stdoutWriteStr, writers.stderrWriteStr]).size).toBe(3);
  });

  it("produces a valid module that differs only by the two inserted calls", () => {
    const patched = patchStdioCapture(original);
    expect(wasmApi.validate(patched)).toBe(true);
    // Each call adds `local.get 1; local.get 2; call 0` (6 bytes); size prefixes may grow a byte.
    expect(patched.length - original.length).toBeGreaterThanOrEqual(12);
    expect(patched.length - original.length).toBeLessThanOrEqual(16);
  });

  it("refuses a module without the expected shape", () => {
    const empty = new Uint8Array([0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00]);
    expect(() => patchStdioCapture(empty)).toThrow(WasmCairoPatchError);
    expect(() => patchStdioCapture(original.subarray(0, 1000))).toThrow(WasmCairoPatchError);
  });
});
