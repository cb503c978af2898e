import { describe, expect, it } from "vitest";
import { dequantize, FIELD_MODULUS, quantize, signedToWord, wordToSigned } from "../src/fixed-point.js";

describe("fixed point", () => {
  it("rounds half away from zero like EZKL", () => {
    expect(quantize(0.5 / 8192, 13)).toBe(1n);
    expect(quantize(-0.5 / 8192, 13)).toBe(-1n);
    expect(quantize(1.5 / 8192, 13)).toBe(2n);
    expect(quantize(-3.25, 13)).toBe(-26624n);
    expect(dequantize(-26624n, 13)).toBe(-3.25);
  });

  it("decides on exact values, as EZKL does (the Python side is checked against ezkl.float_to_felt)", () => {
    expect(quantize(0.49999999999999994, 0)).toBe(0n); // x + 0.5 would round it up
    expect(quantize(-0.49999999999999994, 0)).toBe(0n);
    expect(quantize(2.5, 0)).toBe(3n);
    expect(quantize(-2.5, 0)).toBe(-3n);
    expect(quantize(2 ** 52 + 1, 0)).toBe(2n ** 52n + 1n); // x + 0.5 is not exact past 2^52
    expect(quantize(-(2 ** 53) - 2, 1)).toBe(-(2n ** 54n) - 4n);
  });

  it("encodes negatives as p - |v| and decodes them back", () => {
    expect(signedToWord(-1n)).toBe(`0x${(FIELD_MODULUS - 1n).toString(16).padStart(64, "0")}`);
    for (const v of [0n, 1n, -1n, 2n ** 62n, -(2n ** 62n)]) expect(wordToSigned(signedToWord(v))).toBe(v);
    expect(() => wordToSigned(`0x${FIELD_MODULUS.toString(16)}`)).toThrow(RangeError);
  });
});
