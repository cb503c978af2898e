// graph-node's BigDecimal: digits × 10^exp with at most 34 significant digits (rounded half to even
// after every operation) and no trailing zeros in the digits; division keeps 34 significant digits.

export interface Decimal {
  digits: bigint;
  exp: bigint;
}

export const MAX_SIGNIFICANT_DIGITS = 34;

export class DecimalError extends Error {
  override readonly name = "DecimalError";
  constructor(
    readonly input: string,
    message: string,
  ) {
    super(`${message}: ${JSON.stringify(input)}`);
  }
}

const abs = (v: bigint): bigint => (v < 0n ? -v : v);
const digitCount = (v: bigint): number => (v === 0n ? 1 : abs(v).toString().length);

/** Rounds `v / 10^k` half to even. */
function divPow10RoundHalfEven(v: bigint, k: number): bigint {
  if (k <= 0) return v;
  const p = 10n ** BigInt(k);
  const q = v / p;
  const r = v - q * p;
  const twice = abs(r) * 2n;
  if (twice > p || (twice === p && (q & 1n) !== 0n)) return v < 0n ? q - 1n : q + 1n;
  return q;
}

export function normalize(d: Decimal): Decimal {
  let { digits, exp } = d;
  if (digits === 0n) return { digits: 0n, exp: 0n };
  const excess = digitCount(digits) - MAX_SIGNIFICANT_DIGITS;
  if (excess > 0) {
    digits = divPow10RoundHalfEven(digits, excess);
    exp += BigInt(excess);
  }
  while (digits !== 0n && digits % 10n === 0n) {
    digits /= 10n;
    exp += 1n;
  }
  return { digits, exp };
}

function align(a: Decimal, b: Decimal): [bigint, bigint, bigint] {
  let exp = a.exp;
  if (b.exp < exp) exp = b.exp;
  return [a.digits * 10n ** (a.exp - exp), b.digits * 10n ** (b.exp - exp), exp];
}

export const plus = (a: Decimal, b: Decimal): Decimal => {
  const [x, y, exp] = align(a, b);
  return normalize({ digits: x + y, exp });
};

export const minus = (a: Decimal, b: Decimal): Decimal => {
  const [x, y, exp] = align(a, b);
  return normalize({ digits: x - y, exp });
};

export const times = (a: Decimal, b: Decimal): Decimal =>
  normalize({ digits: a.digits * b.digits, exp: a.exp + b.exp });

export function dividedBy(a: Decimal, b: Decimal): Decimal {
  if (b.digits === 0n) throw new DecimalError(toDecimalString(a), "BigDecimal division by zero");
  if (a.digits === 0n) return { digits: 0n, exp: 0n };
  // Scale the dividend so the quotient has two digits more than needed, then round.
  const scale = MAX_SIGNIFICANT_DIGITS + 2 + digitCount(b.digits) - digitCount(a.digits) + 1;
  const s = Math.max(scale, 0);
  const num = a.digits * 10n ** BigInt(s);
  const q = num / b.digits;
  const r = num - q * b.digits;
  // A non-zero remainder only matters for ties, which it breaks upwards: add a sticky digit.
  const negative = a.digits < 0n !== b.digits < 0n;
  const sticky = r === 0n ? q * 10n : q * 10n + (negative ? -1n : 1n);
  return normalize({ digits: sticky, exp: a.exp - b.exp - BigInt(s) - 1n });
}

export const equals = (a: Decimal, b: Decimal): boolean => {
  const x = normalize(a);
  const y = normalize(b);
  return x.digits === y.digits && x.exp === y.exp;
};

export function fromString(s: string): Decimal {
  const m = /^([+-]?)(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(s.trim());
  if (!m || `${m[2] ?? ""}${m[3] ?? ""}`.length === 0) throw new DecimalError(s, "not a decimal number");
  const frac = m[3] ?? "";
  const digits = BigInt(`${m[1] === "-" ? "-" : ""}${m[2] || "0"}${frac}`);
  return normalize({ digits, exp: BigInt(m[4] ?? "0") - BigInt(frac.length) });
}

export const fromBigInt = (v: bigint): Decimal => normalize({ digits: v, exp: 0n });

/** Plain notation, no exponent, no trailing zeros (graph-node's BigDecimal::to_string). */
export function toDecimalString(d: Decimal): string {
  const { digits, exp } = normalize(d);
  const sign = digits < 0n ? "-" : "";
  const s = abs(digits).toString();
  if (exp >= 0n) return `${sign}${s}${"0".repeat(Number(exp))}`;
  const point = s.length + Number(exp);
  if (point > 0) return `${sign}${s.slice(0, point)}.${s.slice(point)}`;
  return `${sign}0.${"0".repeat(-point)}${s}`;
}
