// Input checks made before anything is enqueued, against the model's manifest: the same rules the
// Python prover enforces, so a job that reaches a worker can be proven.
import { InvalidInputError } from "./errors.js";
import { dequantize, quantize } from "./fixed-point.js";
import type { Manifest } from "./manifest.js";

export type FixedValue = string | bigint;

/** Rows of one proof: floats, or fixed-point integers at the model's input scale (never both). */
export interface InferenceInputs {
  inputs?: number[][] | undefined;
  inputsFixed?: FixedValue[][] | undefined;
}

export interface ValidatedInputs {
  /** Fixed-point rows as decimal strings (bigints do not survive JSON). */
  inputsFixed: string[][];
  rows: number;
}

function checkRows(rows: unknown, field: string, manifest: Manifest): unknown[][] {
  const [batchSize, features] = manifest.inputs[0]!.shape;
  if (!Array.isArray(rows) || rows.length === 0) {
    throw new InvalidInputError(`${field} must be a non-empty list of rows`, { field, value: rows });
  }
  if (rows.length > batchSize) {
    throw new InvalidInputError(`${rows.length} rows exceed the batch size ${batchSize}`, {
      field,
      value: rows.length,
    });
  }
  rows.forEach((row, i) => {
    if (!Array.isArray(row) || row.length !== features) {
      const got = Array.isArray(row) ? row.length : typeof row;
      throw new InvalidInputError(`${field}[${i}] must hold ${features} values (got ${got})`, {
        field: `${field}[${i}]`,
        value: got,
      });
    }
  });
  return rows as unknown[][];
}

function checkRange(x: number, field: string, j: number, manifest: Manifest): void {
  const { min, max } = manifest.inputs[0]!.range;
  if (!Number.isFinite(x)) throw new InvalidInputError(`${field} is not a finite number`, { field, value: String(x) });
  if (x < min[j]! || x > max[j]!) {
    throw new InvalidInputError(`${field} = ${x} is outside the calibrated range [${min[j]}, ${max[j]}]`, {
      field,
      value: x,
    });
  }
}

function parseFixed(v: unknown, field: string): bigint {
  if (typeof v === "bigint") return v;
  if (typeof v === "string" && /^-?\d+$/.test(v)) return BigInt(v);
  if (typeof v === "number" && Number.isSafeInteger(v)) return BigInt(v);
  throw new InvalidInputError(`${field} is not an integer`, { field, value: typeof v === "string" ? v : String(v) });
}

export function validateInputs(manifest: Manifest, request: InferenceInputs): ValidatedInputs {
  const hasFloats = request.inputs !== undefined;
  if (hasFloats === (request.inputsFixed !== undefined)) {
    throw new InvalidInputError("give exactly one of inputs (floats) and inputsFixed (fixed-point integers)", {
      field: "inputs",
    });
  }
  const scale = manifest.inputs[0]!.scale;
  if (hasFloats) {
    const rows = checkRows(request.inputs, "inputs", manifest);
    const fixed = rows.map((row, i) =>
      row.map((x, j) => {
        const field = `inputs[${i}][${j}]`;
        if (typeof x !== "number") throw new InvalidInputError(`${field} is not a number`, { field, value: String(x) });
        checkRange(x, field, j, manifest);
        return quantize(x, scale).toString();
      }),
    );
    return { inputsFixed: fixed, rows: rows.length };
  }
  const rows = checkRows(request.inputsFixed, "inputsFixed", manifest);
  const fixed = rows.map((row, i) =>
    row.map((v, j) => {
      const field = `inputsFixed[${i}][${j}]`;
      const n = parseFixed(v, field);
      checkRange(dequantize(n, scale), field, j, manifest);
      return n.toString();
    }),
  );
  return { inputsFixed: fixed, rows: rows.length };
}
