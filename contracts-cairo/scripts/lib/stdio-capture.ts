// Makes wasm-cairo's compiler diagnostics and test report visible.
//
// wasm-cairo 0.10.2 is the Cairo compiler built for wasm32-unknown-unknown. The compiler prints its
// diagnostics with `eprint!` and the test runner prints each test's result with `println!`; on that
// target Rust's stdout and stderr discard everything, so the entry points return only "Compilation
// failed." or a one-line summary. This module rewrites the module's bytes before instantiation: the two
// functions through which every `print!`/`eprint!` passes (`<Adapter<StdoutLock> as fmt::Write>::write_str`
// and the same for stderr) get a call to the module's existing `log(ptr, len)` import prepended, so each
// string written to stdout or stderr reaches JavaScript's `console.log`, where the runner collects it.
// Nothing else changes: the original function bodies still run afterwards.
//
// The two functions have no names in the stripped binary; they are found from facts std guarantees:
// `_print`/`_eprint` pass the label "stdout"/"stderr" (a string in the data section) to `print_to`, and
// call `core::fmt::write` with a `&mut dyn fmt::Write` whose vtable (drop, size, align, write_str,
// write_char, write_fmt) sits in the data section; `write_str` is that vtable's fourth entry. Every step
// checks that exactly one candidate matches and throws `WasmCairoPatchError` otherwise, so a different
// wasm-cairo build fails loudly instead of being patched wrongly (see docs/decisions/0030).

const I32 = 0x7f;
const OP_LOCAL_GET = 0x20;
const OP_CALL = 0x10;
const OP_I32_CONST = 0x41;

/** The wasm binary does not have the shape this patch relies on. */
export class WasmCairoPatchError extends Error {
  override readonly name = "WasmCairoPatchError";
  constructor(
    message: string,
    readonly detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${message}: ${detail}`, options);
  }
}

interface FuncType {
  params: number[];
  results: number[];
}

interface DataSegment {
  address: number;
  bytes: Uint8Array;
}

interface ParsedModule {
  bytes: Uint8Array;
  types: FuncType[];
  /** Type index of every function, imported ones first (the wasm function index space). */
  functionTypes: number[];
  importedFunctionCount: number;
  imports: { module: string; name: string; functionIndex: number }[];
  /** Table slot -> function index, from the active element segments of table 0. */
  table: Map<number, number>;
  data: DataSegment[];
  codeSection: { start: number; end: number };
  /** Byte range of each defined function's body (without its size prefix), in code-section order. */
  bodies: { start: number; end: number }[];
}

class Reader {
  constructor(
    readonly bytes: Uint8Array,
    public pos = 0,
  ) {}

  byte(): number {
    const b = this.bytes[this.pos++];
    if (b === undefined) throw new WasmCairoPatchError("truncated wasm binary", `read past byte ${this.pos - 1}`);
    return b;
  }

  u32(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
      if (shift > 35) throw new WasmCairoPatchError("malformed LEB128", `at byte ${this.pos}`);
    }
  }

  s32(): number {
    let result = 0;
    let shift = 0;
    let b: number;
    do {
      b = this.byte();
      result += (b & 0x7f) * 2 ** shift;
      shift += 7;
    } while (b & 0x80);
    if (b & 0x40) result -= 2 ** shift;
    return result;
  }

  name(): string {
    const len = this.u32();
    const text = new TextDecoder().decode(this.bytes.subarray(this.pos, this.pos + len));
    this.pos += len;
    return text;
  }

  /** A constant expression of the form `i32.const n end`, as in active data and element segments. */
  i32ConstExpr(): number {
    const op = this.byte();
    if (op !== OP_I32_CONST)
      throw new WasmCairoPatchError("unsupported offset expression", `opcode 0x${op.toString(16)}`);
    const value = this.s32();
    if (this.byte() !== 0x0b) throw new WasmCairoPatchError("unsupported offset expression", "missing end");
    return value;
  }
}

function encodeU32(value: number): number[] {
  const out: number[] = [];
  let v = value;
  do {
    let b = v & 0x7f;
    v = Math.floor(v / 128);
    if (v !== 0) b |= 0x80;
    out.push(b);
  } while (v !== 0);
  return out;
}

function encodeS32(value: number): number[] {
  const out: number[] = [];
  let v = value;
  for (;;) {
    const b = v & 0x7f;
    v >>= 7;
    const done = (v === 0 && (b & 0x40) === 0) || (v === -1 && (b & 0x40) !== 0);
    out.push(done ? b : b | 0x80);
    if (done) return out;
  }
}

function skipLimits(r: Reader): void {
  const flags = r.byte();
  r.u32();
  if (flags & 1) r.u32();
}

function parseImports(r: Reader, m: ParsedModule): void {
  const count = r.u32();
  for (let i = 0; i < count; i++) {
    const module = r.name();
    const name = r.name();
    const kind = r.byte();
    if (kind === 0) {
      const typeIndex = r.u32();
      m.imports.push({ module, name, functionIndex: m.functionTypes.length });
      m.functionTypes.push(typeIndex);
      m.importedFunctionCount++;
    } else if (kind === 1) {
      r.byte();
      skipLimits(r);
    } else if (kind === 2) {
      skipLimits(r);
    } else if (kind === 3) {
      r.byte();
      r.byte();
    } else {
      throw new WasmCairoPatchError("unknown import kind", String(kind));
    }
  }
}

function parseElements(r: Reader, m: ParsedModule): void {
  const count = r.u32();
  for (let i = 0; i < count; i++) {
    const flags = r.u32();
    if (flags !== 0) throw new WasmCairoPatchError("unsupported element segment", `flags ${flags}`);
    const offset = r.i32ConstExpr();
    const n = r.u32();
    for (let k = 0; k < n; k++) m.table.set(offset + k, r.u32());
  }
}

function parseData(r: Reader, m: ParsedModule): void {
  const count = r.u32();
  for (let i = 0; i < count; i++) {
    const flags = r.u32();
    if (flags === 1) {
      r.pos += r.u32();
      continue;
    }
    if (flags === 2) r.u32();
    const address = r.i32ConstExpr();
    const size = r.u32();
    m.data.push({ address, bytes: r.bytes.subarray(r.pos, r.pos + size) });
    r.pos += size;
  }
}

function parseModule(bytes: Uint8Array): ParsedModule {
  const magic = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  if (!magic.every((b, i) => bytes[i] === b)) throw new WasmCairoPatchError("not a wasm module", "bad magic/version");
  const m: ParsedModule = {
    bytes,
    types: [],
    functionTypes: [],
    importedFunctionCount: 0,
    imports: [],
    table: new Map(),
    data: [],
    codeSection: { start: 0, end: 0 },
    bodies: [],
  };
  const r = new Reader(bytes, 8);
  while (r.pos < bytes.length) {
    const sectionStart = r.pos;
    const id = r.byte();
    const size = r.u32();
    const end = r.pos + size;
    if (id === 1) {
      const n = r.u32();
      for (let i = 0; i < n; i++) {
        if (r.byte() !== 0x60) throw new WasmCairoPatchError("unsupported type", `entry ${i}`);
        const params = Array.from({ length: r.u32() }, () => r.byte());
        const results = Array.from({ length: r.u32() }, () => r.byte());
        m.types.push({ params, results });
      }
    } else if (id === 2) {
      parseImports(r, m);
    } else if (id === 3) {
      const n = r.u32();
      for (let i = 0; i < n; i++) m.functionTypes.push(r.u32());
    } else if (id === 9) {
      parseElements(r, m);
    } else if (id === 10) {
      m.codeSection = { start: sectionStart, end };
      const n = r.u32();
      for (let i = 0; i < n; i++) {
        const size = r.u32();
        m.bodies.push({ start: r.pos, end: r.pos + size });
        r.pos += size;
      }
    } else if (id === 11) {
      parseData(r, m);
    }
    r.pos = end;
  }
  if (m.bodies.length === 0) throw new WasmCairoPatchError("no code section", "module has no function bodies");
  return m;
}

function hasSignature(m: ParsedModule, functionIndex: number, params: number[], results: number[]): boolean {
  const typeIndex = m.functionTypes[functionIndex];
  const type = typeIndex === undefined ? undefined : m.types[typeIndex];
  if (!type) return false;
  const same = (a: number[], b: number[]) => a.length === b.length && a.every((x, i) => x === b[i]);
  return same(type.params, params) && same(type.results, results);
}

function dataAddressesOf(m: ParsedModule, text: string): number[] {
  const needle = new TextEncoder().encode(text);
  const found: number[] = [];
  for (const seg of m.data) {
    const hay = Buffer.from(seg.bytes.buffer, seg.bytes.byteOffset, seg.bytes.byteLength);
    for (let i = hay.indexOf(needle); i >= 0; i = hay.indexOf(needle, i + 1)) found.push(seg.address + i);
  }
  return found;
}

function readDataU32(m: ParsedModule, address: number): number | undefined {
  for (const seg of m.data) {
    const off = address - seg.address;
    if (off >= 0 && off + 4 <= seg.bytes.length) {
      return new DataView(seg.bytes.buffer, seg.bytes.byteOffset + off, 4).getUint32(0, true);
    }
  }
  return undefined;
}

function bodyBytes(m: ParsedModule, definedIndex: number): Uint8Array {
  const body = m.bodies[definedIndex]!;
  return m.bytes.subarray(body.start, body.end);
}

/** Defined functions whose body contains the instruction `i32.const value`. */
function functionsUsingConst(m: ParsedModule, value: number): number[] {
  const pattern = Buffer.from([OP_I32_CONST, ...encodeS32(value)]);
  const hits: number[] = [];
  m.bodies.forEach((_, i) => {
    const body = bodyBytes(m, i);
    if (Buffer.from(body.buffer, body.byteOffset, body.byteLength).indexOf(pattern) >= 0) hits.push(i);
  });
  return hits;
}

/** Every value `v` such that the bytes `i32.const v` occur in the body (a superset of its constants). */
function constCandidates(body: Uint8Array): number[] {
  const values = new Set<number>();
  for (let i = 0; i < body.length; i++) {
    if (body[i] !== OP_I32_CONST) continue;
    try {
      values.add(new Reader(body, i + 1).s32());
    } catch {
      // A byte equal to the opcode inside another instruction's immediate: not a constant.
    }
  }
  return [...values];
}

/** If a `dyn fmt::Write` vtable sits at `address`, the function index of its `write_str`. */
function writeStrOfVtable(m: ParsedModule, address: number): number | undefined {
  const words = [0, 1, 2, 3, 4, 5].map((k) => readDataU32(m, address + 4 * k));
  const [, size, align, writeStr, writeChar, writeFmt] = words;
  if (words.some((w) => w === undefined) || size === undefined || align === undefined) return undefined;
  if (size > 4096 || align === 0 || align > 16 || (align & (align - 1)) !== 0) return undefined;
  const fn = (slot: number | undefined) => (slot === undefined ? undefined : m.table.get(slot));
  const [ws, wc, wf] = [fn(writeStr), fn(writeChar), fn(writeFmt)];
  if (ws === undefined || wc === undefined || wf === undefined) return undefined;
  const ok =
    hasSignature(m, ws, [I32, I32, I32], [I32]) &&
    hasSignature(m, wc, [I32, I32], [I32]) &&
    hasSignature(m, wf, [I32, I32], [I32]);
  return ok && ws >= m.importedFunctionCount ? ws : undefined;
}

function exactlyOne<T>(items: T[], what: string): T {
  if (items.length !== 1) throw new WasmCairoPatchError(`expected exactly one ${what}`, `found ${items.length}`);
  return items[0]!;
}

/** The `write_str` through which `print!` (label "stdout") or `eprint!` (label "stderr") writes. */
function locateWriter(m: ParsedModule, label: "stdout" | "stderr"): number {
  const printers = dataAddressesOf(m, label).flatMap((address) => functionsUsingConst(m, address));
  const printer = exactlyOne([...new Set(printers)], `function passing the "${label}" label`);
  const writers = constCandidates(bodyBytes(m, printer))
    .map((address) => writeStrOfVtable(m, address))
    .filter((fn): fn is number => fn !== undefined);
  return exactlyOne([...new Set(writers)], `fmt::Write vtable used for ${label}`);
}

export interface StdioWriters {
  /** Function index of the `log(ptr, len)` import that wasm-bindgen routes to `console.log`. */
  logImport: number;
  stdoutWriteStr: number;
  stderrWriteStr: number;
}

/** Finds the functions the capture patch rewrites; throws `WasmCairoPatchError` when any is ambiguous. */
export function locateStdioWriters(bytes: Uint8Array): StdioWriters {
  const m = parseModule(bytes);
  const logImport = exactlyOne(
    m.imports.filter(
      (i) => i.module === "wbg" && i.name.startsWith("__wbg_log_") && hasSignature(m, i.functionIndex, [I32, I32], []),
    ),
    "wasm-bindgen console.log import",
  ).functionIndex;
  const stdoutWriteStr = locateWriter(m, "stdout");
  const stderrWriteStr = locateWriter(m, "stderr");
  if (stdoutWriteStr === stderrWriteStr) {
    throw new WasmCairoPatchError("stdout and stderr share one writer", `function ${stdoutWriteStr}`);
  }
  return { logImport, stdoutWriteStr, stderrWriteStr };
}

/** Returns the body with `local.get 1; local.get 2; call logImport` inserted after its local declarations. */
function withLogCall(body: Uint8Array, logImport: number): Uint8Array {
  const r = new Reader(body);
  const groups = r.u32();
  for (let i = 0; i < groups; i++) {
    r.u32();
    r.byte();
  }
  const prologue = [OP_LOCAL_GET, 1, OP_LOCAL_GET, 2, OP_CALL, ...encodeU32(logImport)];
  return Buffer.concat([body.subarray(0, r.pos), Buffer.from(prologue), body.subarray(r.pos)]);
}

/**
 * Returns a copy of the wasm-cairo module in which everything the compiler writes to stdout or stderr is
 * also passed, string by string, to `console.log`.
 */
export function patchStdioCapture(bytes: Uint8Array): Uint8Array {
  const writers = locateStdioWriters(bytes);
  const m = parseModule(bytes);
  const targets = new Set([writers.stdoutWriteStr, writers.stderrWriteStr].map((f) => f - m.importedFunctionCount));
  const content: Uint8Array[] = [Buffer.from(encodeU32(m.bodies.length))];
  m.bodies.forEach((_, i) => {
    const body = targets.has(i) ? withLogCall(bodyBytes(m, i), writers.logImport) : bodyBytes(m, i);
    content.push(Buffer.from(encodeU32(body.length)), body);
  });
  const code = Buffer.concat(content);
  return Buffer.concat([
    bytes.subarray(0, m.codeSection.start),
    Buffer.from([10, ...encodeU32(code.length)]),
    code,
    bytes.subarray(m.codeSection.end),
  ]);
}
