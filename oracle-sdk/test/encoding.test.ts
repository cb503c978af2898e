// The SDK's fixed-point encoding against EZKL's own float-to-felt conversion (ezkl.float_to_felt in the
// prover's Python environment) for every benchmark model's fixture inputs and outputs at their scales,
// for rounding edge cases, and against the fixtures' instances; plus output decoding and input checks.
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  checkFixedInput,
  decodeOutput,
  encodeInput,
  FIELD_MODULUS,
  fieldElementToWord,
  fromFieldElement,
  InputLengthError,
  InputOutOfBoundsError,
  InvalidInputValueError,
  type ModelLayout,
  quantize,
  toFieldElement,
} from "../src/index.js";
import { fixtureLayout, fixturesDir, loadFixture } from "./support/hub.js";

const python = path.join(fixturesDir, "..", "python", ".venv", "bin", "python");
const fixtures = readdirSync(fixturesDir, { withFileTypes: true })
  .filter((e) => e.isDirectory())
  .map((e) => e.name)
  .sort();

interface Case {
  x: number;
  scale: number;
}

/** EZKL's felt for each case, as an integer (float_to_felt returns little-endian hex). */
function ezklFelts(cases: readonly Case[]): bigint[] {
  const script = [
    "import json, sys, ezkl",
    "cases = json.load(sys.stdin)",
    "out = []",
    "for c in cases:",
    "    le = ezkl.float_to_felt(c['x'], c['scale'], ezkl.PyInputType.F64)",
    "    out.append(str(int.from_bytes(bytes.fromhex(le), 'little')))",
    "print(json.dumps(out))",
  ].join("\n");
  const res = spawnSync(python, ["-c", script], { input: JSON.stringify(cases), encoding: "utf8" });
  if (res.status !== 0) throw new Error(`ezkl.float_to_felt failed: ${res.stderr}`);
  return (JSON.parse(res.stdout) as string[]).map((s) => BigInt(s));
}

function edgeCases(scale: number): Case[] {
  const unit = 2 ** -scale;
  const values = [0, -0, unit / 2, -unit / 2, 1.5 * unit, -1.5 * unit, 2.5 * unit, -2.5 * unit, 0.49999 * unit];
  values.push(0.5000001 * unit, -0.4999999 * unit, 123456.5 * unit, -123456.5 * unit, 0.1, -0.1, 1 / 3, -2 / 3);
  values.push(0.49999999999999994, 7.999999999999999, 1e-30, -1e-30, 3.7, -1.0999999999999999);
  return values.map((x) => ({ x, scale }));
}

const cases: Case[] = [];
const sources: string[] = [];
for (const name of fixtures) {
  const f = loadFixture(name);
  for (const row of f.inputsFloat) for (const x of row) cases.push({ x, scale: f.inputScale });
  for (const row of f.outputsFloat) for (const x of row) cases.push({ x, scale: f.outputScale });
  sources.push(name);
}
for (const scale of [0, 7, 13, 26, 52]) cases.push(...edgeCases(scale));
let expected: bigint[];

beforeAll(() => {
  expected = ezklFelts(cases);
});

describe("quantize + toFieldElement", () => {
  it(`equals ezkl.float_to_felt for every fixture value of ${sources.length} models and the edge cases`, () => {
    expect(sources).toEqual(
      expect.arrayContaining([
        "linear_regression",
        "mlp",
        "random_forest",
        "svm_classification",
        "tree_ensemble_regression",
      ]),
    );
    const ours = cases.map((c) => toFieldElement(quantize(c.x, c.scale)));
    const mismatches = cases.filter((_c, i) => ours[i] !== expected[i]);
    expect(mismatches).toEqual([]);
    expect(cases.length).toBeGreaterThan(200);
  });

  it.each(fixtures)("reproduces %s's fixed-point inputs, outputs and instance words", (name) => {
    const f = loadFixture(name);
    const layout = fixtureLayout(f);
    f.inputsFloat.forEach((row, slot) => {
      const encoded = encodeInput({ values: row, layout });
      expect(encoded).toEqual(f.inputs[slot]);
      // A hashed input's instance is the Poseidon commitment of these values, not the values themselves.
      if (layout.inputMode === "hashed") return;
      encoded.forEach((v, j) => {
        expect(f.instances[layout.inputOffset + slot * layout.inputCount + j]).toBe(
          fieldElementToWord(toFieldElement(v)),
        );
      });
    });
    // outputsFloat are the proven outputs as floats: exact up to 2^53, within one unit above (MLP, scale 52).
    f.outputsFloat.forEach((row, slot) => {
      row.forEach((x, k) => {
        const proven = f.outputs[slot]?.[k] ?? 0n;
        const diff = quantize(x, f.outputScale) - proven;
        expect(diff === 0n || (proven > 2n ** 53n || proven < -(2n ** 53n) ? diff * diff <= 1n : false)).toBe(true);
      });
    });
  });
});

describe("decodeOutput", () => {
  it.each(fixtures)("turns %s's proven outputs back into the model's floats", (name) => {
    const f = loadFixture(name);
    f.outputs.forEach((row, slot) => {
      const values = decodeOutput({ output: row, layout: { outputScale: f.outputScale } });
      values.forEach((v, k) => {
        expect(v).toBeCloseTo(f.outputsFloat[slot]?.[k] ?? Number.NaN, 12);
      });
    });
  });
});

describe("field elements", () => {
  it("maps negatives to p - |v| and back, and refuses values outside the field", () => {
    expect(toFieldElement(-1n)).toBe(FIELD_MODULUS - 1n);
    expect(fromFieldElement(FIELD_MODULUS - 700n)).toBe(-700n);
    expect(fromFieldElement(toFieldElement(2n ** 200n))).toBe(2n ** 200n);
    expect(() => fromFieldElement(FIELD_MODULUS)).toThrow(/not a BN254 field element/);
    expect(() => toFieldElement(FIELD_MODULUS)).toThrow(/does not fit the field/);
  });
});

describe("encodeInput checks", () => {
  const layout: ModelLayout = {
    batchSize: 1,
    instanceCount: 5,
    inputOffset: 0,
    inputCount: 2,
    outputOffset: 2,
    outputCount: 1,
    inputScale: 13,
    outputScale: 26,
    inputMode: "public",
    // Each feature has its own bound: [-1, 1] and [0, 0.5] at scale 13.
    inputBounds: [
      { min: -8192n, max: 8192n },
      { min: 0n, max: 4096n },
    ],
  };

  it("rejects a wrong length, non-finite values and values outside the registered bounds", () => {
    expect(() => encodeInput({ values: [0.1], layout })).toThrow(InputLengthError);
    const nan = (() => {
      try {
        encodeInput({ values: [0.1, Number.NaN], layout });
      } catch (e) {
        return e;
      }
    })();
    expect(nan).toBeInstanceOf(InvalidInputValueError);
    expect((nan as InvalidInputValueError).index).toBe(1);
    const out = (() => {
      try {
        encodeInput({ values: [0.5, 1.0001], layout });
      } catch (e) {
        return e;
      }
    })() as InputOutOfBoundsError;
    expect(out).toBeInstanceOf(InputOutOfBoundsError);
    expect({ feature: out.feature, value: out.value, fixed: out.fixed, min: out.min, max: out.max }).toEqual({
      feature: 1,
      value: 1.0001,
      fixed: 8193n,
      min: 0n,
      max: 4096n,
    });
    expect(out.message).toMatch(/input feature 1 = 1\.0001 \(fixed point 8193\) is outside its bound \[0, 4096\]/);
    expect(encodeInput({ values: [-1, 0.5], layout })).toEqual([-8192n, 4096n]);
  });

  it("checks each feature against its own bound", () => {
    // 0.75 fits feature 0's bound but not feature 1's; -0.25 fits feature 0's but is below feature 1's minimum.
    expect(encodeInput({ values: [0.75, 0.25], layout })).toEqual([6144n, 2048n]);
    expect(() => encodeInput({ values: [0.25, 0.75], layout })).toThrow(
      expect.objectContaining({ name: "InputOutOfBoundsError", feature: 1, max: 4096n }),
    );
    expect(() => checkFixedInput({ values: [-100n, -1n], layout })).toThrow(
      expect.objectContaining({ name: "InputOutOfBoundsError", feature: 1, value: -1n, min: 0n }),
    );
    expect(checkFixedInput({ values: [-8192n, 0n], layout })).toEqual([-8192n, 0n]);
  });

  it("refuses a layout without one bound per feature", () => {
    const short = { ...layout, inputBounds: layout.inputBounds.slice(0, 1) };
    expect(() => encodeInput({ values: [0, 0], layout: short })).toThrow(/1 input bounds for 2 input features/);
  });
});
