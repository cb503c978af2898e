// Model inputs and outputs as the hub and EZKL see them: a float x becomes the fixed-point integer
// v = round(x * 2^scale), rounding half away from zero (EZKL's f64::round), and v becomes the BN254 field
// element v (or p - |v| when negative). Contracts take the signed v (int256); proofs carry the felt.
import {
  FieldElementError,
  InputLengthError,
  InputOutOfBoundsError,
  InvalidInputValueError,
  ZkVinError,
} from "./errors.js";

/** The BN254 scalar field modulus (EZKL's field). */
export const FIELD_MODULUS = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
const HALF_FIELD = (FIELD_MODULUS - 1n) / 2n;

/** The values one input feature may take, inclusive, fixed point at the model's input scale. */
export interface InputBound {
  min: bigint;
  max: bigint;
}

/**
 * How a model reads its input and writes its output (the registry's IOLayout), with its per-feature input
 * bounds (registered beside the layout).
 */
export interface ModelLayout {
  batchSize: number;
  instanceCount: number;
  inputOffset: number;
  inputCount: number;
  outputOffset: number;
  outputCount: number;
  inputScale: number;
  outputScale: number;
  inputMode: "public" | "hashed";
  /** One bound per input feature, in feature order, fixed point at inputScale. */
  inputBounds: readonly InputBound[];
}

function checkScale(scale: number): void {
  if (!Number.isInteger(scale) || scale < 0 || scale > 255) {
    throw new ZkVinError(`fixed-point scale ${scale} is not an integer in 0..255`);
  }
}

/**
 * round(x * 2^scale), half away from zero, exactly as EZKL quantizes: x * 2^scale is exact in binary
 * floating point, and so is its fractional part, so the rounding decision is made on exact values.
 */
export function quantize(x: number, scale: number): bigint {
  checkScale(scale);
  if (!Number.isFinite(x)) throw new InvalidInputValueError(null, x);
  const scaled = x * 2 ** scale;
  if (!Number.isFinite(scaled)) throw new InvalidInputValueError(null, x);
  const whole = Math.trunc(scaled);
  const fraction = scaled - whole;
  const rounded = Math.abs(fraction) >= 0.5 ? whole + Math.sign(scaled) : whole;
  return BigInt(rounded);
}

/** v / 2^scale as a float (exact while |v| < 2^53; the nearest float beyond). */
export function dequantize(v: bigint, scale: number): number {
  checkScale(scale);
  return Number(v) / 2 ** scale;
}

/** The field element of a signed fixed-point value (negatives as p - |v|). */
export function toFieldElement(v: bigint): bigint {
  if (v > HALF_FIELD || v < -HALF_FIELD) throw new FieldElementError(v, "does not fit the field as a signed value");
  return v < 0n ? FIELD_MODULUS + v : v;
}

/** The signed value a field element encodes (elements above (p-1)/2 are negative). */
export function fromFieldElement(felt: bigint): bigint {
  if (felt < 0n || felt >= FIELD_MODULUS) throw new FieldElementError(felt, "is not a BN254 field element");
  return felt > HALF_FIELD ? felt - FIELD_MODULUS : felt;
}

/** A field element as the 32-byte big-endian word instances use. */
export function fieldElementToWord(felt: bigint): `0x${string}` {
  if (felt < 0n || felt >= FIELD_MODULUS) throw new FieldElementError(felt, "is not a BN254 field element");
  return `0x${felt.toString(16).padStart(64, "0")}`;
}

/** Feature `feature`'s bound; a layout without one per feature is refused (it cannot be the registry's). */
function boundOf(layout: Pick<ModelLayout, "inputCount" | "inputBounds">, feature: number): InputBound {
  const bound = layout.inputBounds[feature];
  if (layout.inputBounds.length !== layout.inputCount || bound === undefined) {
    throw new ZkVinError(
      `the model layout has ${layout.inputBounds.length} input bounds for ${layout.inputCount} input features`,
    );
  }
  return bound;
}

/**
 * Encodes float inputs for `requestInference`: one value per input feature, quantized at the model's input
 * scale and checked against that feature's registered bound (the contract would revert with
 * InputOutOfBounds(feature, value, min, max)).
 */
export function encodeInput(params: { values: readonly number[]; layout: ModelLayout }): bigint[] {
  const { values, layout } = params;
  if (values.length !== layout.inputCount) throw new InputLengthError(layout.inputCount, values.length);
  return values.map((x, i) => {
    if (!Number.isFinite(x) || !Number.isFinite(x * 2 ** layout.inputScale)) throw new InvalidInputValueError(i, x);
    const v = quantize(x, layout.inputScale);
    const { min, max } = boundOf(layout, i);
    if (v < min || v > max) throw new InputOutOfBoundsError(i, x, v, min, max);
    return v;
  });
}

/** Checks inputs that are already fixed point (length and each feature's bound) and returns them. */
export function checkFixedInput(params: { values: readonly bigint[]; layout: ModelLayout }): bigint[] {
  const { values, layout } = params;
  if (values.length !== layout.inputCount) throw new InputLengthError(layout.inputCount, values.length);
  values.forEach((v, i) => {
    const { min, max } = boundOf(layout, i);
    if (v < min || v > max) throw new InputOutOfBoundsError(i, v, v, min, max);
  });
  return [...values];
}

/** A delivered output (fixed point at the output scale) as floats. */
export function decodeOutput(params: {
  output: readonly bigint[];
  layout: Pick<ModelLayout, "outputScale">;
}): number[] {
  return params.output.map((v) => dequantize(v, params.layout.outputScale));
}
