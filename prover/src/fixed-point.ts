// Fixed-point values as EZKL encodes them: v = round(x * 2^scale) (half away from zero), a negative v
// as p - |v| in the BN254 scalar field. Instances are 32-byte big-endian words.
import type { Hex } from "viem";

export const FIELD_MODULUS = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;
const HALF_FIELD = FIELD_MODULUS / 2n;

// One rounding rule for the whole project: the SDK's (exact, as EZKL rounds; the prover's Python mirrors it
// in zkvin_prover/fixed_point.py and is tested against EZKL itself).
export { dequantize, quantize } from "@zk-vin/oracle-sdk";

export function toField(v: bigint): bigint {
  const f = v % FIELD_MODULUS;
  return f < 0n ? f + FIELD_MODULUS : f;
}

/** An instance word to the signed integer it encodes. */
export function wordToSigned(word: Hex): bigint {
  const f = BigInt(word);
  if (f >= FIELD_MODULUS) throw new RangeError(`${word} is not a field element`);
  return f > HALF_FIELD ? f - FIELD_MODULUS : f;
}

export function signedToWord(v: bigint): Hex {
  return `0x${toField(v).toString(16).padStart(64, "0")}`;
}
