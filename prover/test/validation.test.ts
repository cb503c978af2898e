// Request validation against a real manifest (the committed batch-4 linear-regression fixture).
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { InvalidInputError } from "../src/errors.js";
import { manifestSchema } from "../src/manifest.js";
import { validateInputs } from "../src/validation.js";
import { fixturesDir, samples } from "./helpers.js";

const manifest = manifestSchema.parse(
  JSON.parse(readFileSync(path.join(fixturesDir, "linear_regression_b4", "manifest.json"), "utf8")),
);
const row = samples("linear_regression").inputs[0]!;

function fieldOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidInputError);
    return (err as InvalidInputError).field;
  }
  throw new Error("no error thrown");
}

describe("validateInputs", () => {
  it("quantizes valid float rows at the model's input scale", () => {
    const out = validateInputs(manifest, { inputs: [row] });
    expect(out.rows).toBe(1);
    expect(out.inputsFixed[0]!.map(Number)).toEqual(row.map((x) => Math.round(x * 2 ** manifest.inputs[0]!.scale)));
  });

  it("accepts fixed-point rows as strings or bigints", () => {
    const fixed = validateInputs(manifest, { inputs: [row] }).inputsFixed[0]!;
    expect(validateInputs(manifest, { inputsFixed: [fixed.map(BigInt)] }).inputsFixed[0]).toEqual(fixed);
  });

  it.each([
    ["wrong width", { inputs: [row.slice(0, 3)] }, "inputs[0]"],
    ["too many rows", { inputs: [row, row, row, row, row] }, "inputs"],
    ["no rows", { inputs: [] }, "inputs"],
    ["NaN", { inputs: [[row[0]!, Number.NaN, row[2]!, row[3]!]] }, "inputs[0][1]"],
    ["infinite", { inputs: [[row[0]!, row[1]!, row[2]!, Number.POSITIVE_INFINITY]] }, "inputs[0][3]"],
    ["out of range", { inputs: [[row[0]!, row[1]!, 99, row[3]!]] }, "inputs[0][2]"],
    ["not a number", { inputs: [[row[0]!, "1" as unknown as number, row[2]!, row[3]!]] }, "inputs[0][1]"],
    ["fixed not an integer", { inputsFixed: [["1", "2", "3.5", "4"]] }, "inputsFixed[0][2]"],
    ["fixed out of range", { inputsFixed: [["1", "2", "3", String(10n ** 15n)]] }, "inputsFixed[0][3]"],
    ["neither", {}, "inputs"],
    ["both", { inputs: [row], inputsFixed: [["1", "2", "3", "4"]] }, "inputs"],
  ])("refuses %s, naming the field", (_label, request, field) => {
    expect(fieldOf(() => validateInputs(manifest, request))).toBe(field);
  });
});
