// The wasm32 fall-through repair (scripts/lib/sierra-fallthrough.ts, decision 0033) on a class that
// wasm-cairo 0.10.2 compiled (test/fixtures/sierra/tiny.cairo, unrepaired output kept as the fixture).
// That the repaired class declares and runs is checked against starknet-devnet by the Starknet tests in
// deployments/.
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { codeTable, repairWasmFallthrough, SierraRepairError } from "../scripts/lib/sierra-fallthrough";

const fixture = readFileSync(
  path.join(path.dirname(fileURLToPath(import.meta.url)), "fixtures", "sierra", "tiny.wasm-cairo.contract_class.json"),
  "utf8",
);
const program = (text: string): string[] => (JSON.parse(text) as { sierra_program: string[] }).sierra_program;

describe("repairWasmFallthrough", () => {
  it("rewrites only the code-table entry of the wasm32 fall-through marker", () => {
    const before = program(fixture);
    const after = program(repairWasmFallthrough(fixture, "Tiny"));
    const [start, end] = codeTable(before, "Tiny");
    const changed = before.flatMap((felt, i) => (felt === after[i] ? [] : [i]));
    expect(after).toHaveLength(before.length);
    expect(changed).toHaveLength(1);
    const index = changed[0] as number;
    expect(index).toBeGreaterThanOrEqual(start);
    expect(index).toBeLessThan(end);
    expect(before[index]).toBe("0xffffffff");
    expect(after[index]).toBe("0xffffffffffffffff");
  });

  it("leaves a repaired class as it is", () => {
    const once = repairWasmFallthrough(fixture, "Tiny");
    expect(repairWasmFallthrough(once, "Tiny")).toBe(once);
  });

  it("refuses a program that uses 2^32 - 1 as a value", () => {
    const parsed = JSON.parse(fixture) as { sierra_program_debug_info: { type_names: [number, string][] } };
    parsed.sierra_program_debug_info.type_names.push([999, "Const<u32, 4294967295>"]);
    expect(() => repairWasmFallthrough(JSON.stringify(parsed), "Tiny")).toThrow(SierraRepairError);
  });

  it("refuses what is not a Sierra class or whose code table does not fit", () => {
    expect(() => repairWasmFallthrough(JSON.stringify({ abi: [] }), "X")).toThrow(/not a Sierra contract class/);
    const parsed = JSON.parse(fixture) as { sierra_program: string[] };
    parsed.sierra_program[6] = "0xffff";
    expect(() => repairWasmFallthrough(JSON.stringify(parsed), "X")).toThrow(/does not fit/);
  });
});
