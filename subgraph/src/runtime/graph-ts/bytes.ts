// graph-ts's ByteArray, Bytes and Address for the local runtime: Uint8Array subclasses with graph-ts's
// conversions. Hex strings are lowercase and 0x-prefixed, as graph-node writes them.
import { MappingAbort } from "./abort.js";

function parseHex(hex: string, what: string): Uint8Array {
  const body = hex.startsWith("0x") ? hex.slice(2) : hex;
  if (body.length % 2 !== 0) throw new MappingAbort(`${what}: input ${hex} has odd length`);
  if (!/^[0-9a-fA-F]*$/.test(body)) throw new MappingAbort(`${what}: ${hex} is not hex`);
  const out = new Uint8Array(body.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = Number.parseInt(body.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function i32LittleEndian(x: number): Uint8Array {
  if (!Number.isInteger(x) || x < -(2 ** 31) || x >= 2 ** 31) throw new MappingAbort(`${x} is not an i32`);
  const out = new Uint8Array(4);
  new DataView(out.buffer).setInt32(0, x, true);
  return out;
}

function copy<T extends Uint8Array>(ctor: new (length: number) => T, src: Uint8Array): T {
  const out = new ctor(src.length);
  out.set(src);
  return out;
}

export class ByteArray extends Uint8Array {
  static fromHexString(hex: string): ByteArray {
    return copy(ByteArray, parseHex(hex, "ByteArray.fromHexString"));
  }

  static fromUTF8(s: string): ByteArray {
    return copy(ByteArray, new TextEncoder().encode(s));
  }

  static fromI32(x: number): ByteArray {
    return copy(ByteArray, i32LittleEndian(x));
  }

  toHexString(): string {
    let s = "0x";
    for (const b of this) s += b.toString(16).padStart(2, "0");
    return s;
  }

  toHex(): string {
    return this.toHexString();
  }

  /** graph-ts decodes the bytes as UTF-8. */
  override toString(): string {
    return new TextDecoder().decode(this);
  }

  equals(other: Uint8Array): boolean {
    if (other.length !== this.length) return false;
    for (let i = 0; i < this.length; i++) if (this[i] !== other[i]) return false;
    return true;
  }

  notEqual(other: Uint8Array): boolean {
    return !this.equals(other);
  }

  concat(other: Uint8Array): ByteArray {
    const out = new ByteArray(this.length + other.length);
    out.set(this, 0);
    out.set(other, this.length);
    return out;
  }

  concatI32(x: number): ByteArray {
    return this.concat(i32LittleEndian(x));
  }

  toI32(): number {
    if (this.length > 4) throw new MappingAbort(`${this.toHexString()} is longer than an i32`);
    const padded = new Uint8Array(4);
    padded.set(this, 0);
    if (this.length > 0 && (this[this.length - 1] ?? 0) & 0x80) padded.fill(0xff, this.length);
    return new DataView(padded.buffer).getInt32(0, true);
  }
}

export class Bytes extends ByteArray {
  static override fromHexString(hex: string): Bytes {
    return copy(Bytes, parseHex(hex, "Bytes.fromHexString"));
  }

  static override fromUTF8(s: string): Bytes {
    return copy(Bytes, new TextEncoder().encode(s));
  }

  static override fromI32(x: number): Bytes {
    return copy(Bytes, i32LittleEndian(x));
  }

  static fromByteArray(b: Uint8Array): Bytes {
    return copy(Bytes, b);
  }

  static fromUint8Array(b: Uint8Array): Bytes {
    return copy(Bytes, b);
  }

  static empty(): Bytes {
    return new Bytes(0);
  }

  override concat(other: Uint8Array): Bytes {
    return copy(Bytes, super.concat(other));
  }

  override concatI32(x: number): Bytes {
    return copy(Bytes, super.concatI32(x));
  }
}

export class Address extends Bytes {
  static fromString(s: string): Address {
    const bytes = parseHex(s, "Address.fromString");
    if (bytes.length !== 20) throw new MappingAbort(`Address.fromString: ${s} is not 20 bytes`);
    return copy(Address, bytes);
  }

  static override fromHexString(s: string): Address {
    return Address.fromString(s);
  }

  static fromBytes(b: Uint8Array): Address {
    if (b.length !== 20) throw new MappingAbort(`Address.fromBytes: ${b.length} bytes, expected 20`);
    return copy(Address, b);
  }

  static zero(): Address {
    return new Address(20);
  }
}
