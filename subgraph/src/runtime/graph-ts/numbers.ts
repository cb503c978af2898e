// graph-ts's BigInt for the local runtime, over native bigint. Same methods and the same failure cases
// as graph-node's host functions (division by zero, toI32 out of range), so a mapping behaves alike
// under both. Operators (+, ==, <) are not overloaded in TypeScript: mappings call the methods.
import { MappingAbort } from "./abort.js";

const I32_MIN = -(2n ** 31n);
const I32_MAX = 2n ** 31n - 1n;

function integer(x: number, what: string): bigint {
  if (!Number.isInteger(x)) throw new MappingAbort(`${what}: ${x} is not an integer`);
  return BigInt(x);
}

export class GraphBigInt {
  private constructor(readonly value: bigint) {}

  static of(value: bigint): GraphBigInt {
    return new GraphBigInt(value);
  }

  static fromI32(x: number): GraphBigInt {
    return new GraphBigInt(integer(x, "BigInt.fromI32"));
  }

  static fromU32(x: number): GraphBigInt {
    return new GraphBigInt(integer(x, "BigInt.fromU32"));
  }

  static fromI64(x: number | bigint): GraphBigInt {
    return new GraphBigInt(typeof x === "bigint" ? x : integer(x, "BigInt.fromI64"));
  }

  static fromU64(x: number | bigint): GraphBigInt {
    return new GraphBigInt(typeof x === "bigint" ? x : integer(x, "BigInt.fromU64"));
  }

  static zero(): GraphBigInt {
    return new GraphBigInt(0n);
  }

  static fromString(s: string): GraphBigInt {
    if (!/^-?[0-9]+$/.test(s)) throw new MappingAbort(`BigInt.fromString: invalid decimal ${JSON.stringify(s)}`);
    return new GraphBigInt(BigInt(s));
  }

  /** Little-endian two's complement, as graph-ts reads signed bytes. */
  static fromSignedBytes(bytes: Uint8Array): GraphBigInt {
    if (bytes.length === 0) return GraphBigInt.zero();
    const unsigned = GraphBigInt.fromUnsignedBytes(bytes).value;
    const top = bytes[bytes.length - 1] ?? 0;
    return new GraphBigInt(top & 0x80 ? unsigned - (1n << BigInt(8 * bytes.length)) : unsigned);
  }

  /** Little-endian unsigned. */
  static fromUnsignedBytes(bytes: Uint8Array): GraphBigInt {
    let v = 0n;
    for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i] ?? 0);
    return new GraphBigInt(v);
  }

  static compare(a: GraphBigInt, b: GraphBigInt): number {
    return a.value < b.value ? -1 : a.value > b.value ? 1 : 0;
  }

  toString(): string {
    return this.value.toString();
  }

  toI32(): number {
    if (this.value < I32_MIN || this.value > I32_MAX)
      throw new MappingAbort(`BigInt ${this.value} does not fit an i32`);
    return Number(this.value);
  }

  toU32(): number {
    if (this.value < 0n || this.value > 2n ** 32n - 1n)
      throw new MappingAbort(`BigInt ${this.value} does not fit a u32`);
    return Number(this.value);
  }

  isZero(): boolean {
    return this.value === 0n;
  }

  isI32(): boolean {
    return this.value >= I32_MIN && this.value <= I32_MAX;
  }

  abs(): GraphBigInt {
    return new GraphBigInt(this.value < 0n ? -this.value : this.value);
  }

  neg(): GraphBigInt {
    return new GraphBigInt(-this.value);
  }

  plus(other: GraphBigInt): GraphBigInt {
    return new GraphBigInt(this.value + other.value);
  }

  minus(other: GraphBigInt): GraphBigInt {
    return new GraphBigInt(this.value - other.value);
  }

  times(other: GraphBigInt): GraphBigInt {
    return new GraphBigInt(this.value * other.value);
  }

  /** Truncates towards zero, as graph-node does. */
  div(other: GraphBigInt): GraphBigInt {
    if (other.value === 0n) throw new MappingAbort("attempted to divide BigInt by zero");
    return new GraphBigInt(this.value / other.value);
  }

  mod(other: GraphBigInt): GraphBigInt {
    if (other.value === 0n) throw new MappingAbort("attempted to take BigInt modulo zero");
    return new GraphBigInt(this.value % other.value);
  }

  pow(exp: number): GraphBigInt {
    if (!Number.isInteger(exp) || exp < 0 || exp > 255)
      throw new MappingAbort(`BigInt.pow: exponent ${exp} is not a u8`);
    return new GraphBigInt(this.value ** BigInt(exp));
  }

  bitOr(other: GraphBigInt): GraphBigInt {
    return new GraphBigInt(this.value | other.value);
  }

  bitAnd(other: GraphBigInt): GraphBigInt {
    return new GraphBigInt(this.value & other.value);
  }

  leftShift(bits: number): GraphBigInt {
    return new GraphBigInt(this.value << BigInt(bits));
  }

  rightShift(bits: number): GraphBigInt {
    return new GraphBigInt(this.value >> BigInt(bits));
  }

  equals(other: GraphBigInt): boolean {
    return this.value === other.value;
  }

  notEqual(other: GraphBigInt): boolean {
    return this.value !== other.value;
  }

  lt(other: GraphBigInt): boolean {
    return this.value < other.value;
  }

  gt(other: GraphBigInt): boolean {
    return this.value > other.value;
  }

  le(other: GraphBigInt): boolean {
    return this.value <= other.value;
  }

  ge(other: GraphBigInt): boolean {
    return this.value >= other.value;
  }
}
