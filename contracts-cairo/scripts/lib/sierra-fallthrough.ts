// Repairs the one way in which wasm-cairo's Sierra differs from the native compiler's (docs/decisions/0033).
//
// A Sierra class's `sierra_program` is the program serialized to felts (cairo-lang-starknet-classes,
// felt252_serde.rs) and then compressed: [sierra version x3, compiler version x3, code_size, padding,
// code table (code_size distinct felts), word count, packed code-table indices]. A branch that falls
// through is serialized as `usize::MAX`. wasm-cairo runs the compiler as wasm32, where usize::MAX is
// 2^32 - 1; a native (64-bit) loader reads that as a jump to statement 4294967295 and refuses the class
// (`LibfuncInvocationBranchTargetMismatch(#0, 0)` in starknet-devnet, and in any sequencer). Every value
// of the program is one code-table entry, so rewriting the entry 0xffffffff to 0xffffffffffffffff turns
// every fall-through marker into the native one and changes nothing else, provided 2^32 - 1 occurs in the
// program only as that marker. The other places a felt of the program can hold a number are ids and
// counts (far below 2^32) and generic arguments (constants, bounds), which appear in the debug names: a
// program whose debug names mention 4294967295 is refused rather than guessed at.

const WASM32_FALLTHROUGH = "0xffffffff";
const NATIVE_FALLTHROUGH = "0xffffffffffffffff";
const HEADER_FELTS = 6;

export class SierraRepairError extends Error {
  override readonly name = "SierraRepairError";
  constructor(
    message: string,
    readonly contract: string,
  ) {
    super(`${contract}: ${message}`);
  }
}

interface SierraClass {
  sierra_program: string[];
  sierra_program_debug_info?: unknown;
  [field: string]: unknown;
}

function isSierraClass(value: unknown): value is SierraClass {
  if (typeof value !== "object" || value === null) return false;
  const program = (value as { sierra_program?: unknown }).sierra_program;
  return Array.isArray(program) && program.every((felt) => typeof felt === "string");
}

/** Where the code table lies in a compressed `sierra_program`: [start, end). */
export function codeTable(program: readonly string[], contract: string): [number, number] {
  if (program.length < HEADER_FELTS + 3) throw new SierraRepairError("sierra_program is too short", contract);
  const size = Number(BigInt(program[HEADER_FELTS] as string));
  const start = HEADER_FELTS + 2;
  if (!Number.isSafeInteger(size) || start + size >= program.length)
    throw new SierraRepairError(`code table size ${size} does not fit the program`, contract);
  return [start, start + size];
}

/**
 * The Sierra class JSON `text` with wasm32 fall-through markers turned into native ones (the class is
 * returned unchanged when it has none). Throws SierraRepairError when the rewrite could change a value
 * other than the marker.
 */
export function repairWasmFallthrough(text: string, contract: string): string {
  const parsed: unknown = JSON.parse(text);
  if (!isSierraClass(parsed)) throw new SierraRepairError("not a Sierra contract class", contract);
  const program = parsed.sierra_program;
  const [start, end] = codeTable(program, contract);
  const table = program.slice(start, end).map((felt) => BigInt(felt));
  const at = table.indexOf(BigInt(WASM32_FALLTHROUGH));
  if (at < 0) return text;
  if (table.includes(BigInt(NATIVE_FALLTHROUGH)))
    throw new SierraRepairError("the code table already holds the native fall-through marker", contract);
  const debugNames = JSON.stringify(parsed.sierra_program_debug_info ?? null);
  if (debugNames.includes("4294967295") || debugNames.toLowerCase().includes(WASM32_FALLTHROUGH))
    throw new SierraRepairError("the program uses the value 2^32 - 1 beside the fall-through marker", contract);
  const repaired = [...program];
  repaired[start + at] = NATIVE_FALLTHROUGH;
  return JSON.stringify({ ...parsed, sierra_program: repaired }, null, 2);
}
