/** The two things the store needs from a SQL connection, implemented for PGlite and for node-postgres. */
export interface SqlExecutor {
  query<R extends Record<string, unknown> = Record<string, unknown>>(text: string, params?: unknown[]): Promise<R[]>;
}

export interface SqlClient extends SqlExecutor {
  readonly backend: "pglite" | "postgres";
  /** Runs `fn` in one transaction: committed when it resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: SqlExecutor) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** bigint/int8 columns arrive as strings (node-postgres) or numbers (PGlite); both become bigint. */
export function toBigInt(value: unknown): bigint {
  if (typeof value === "bigint") return value;
  if (typeof value === "number" || typeof value === "string") return BigInt(value);
  throw new TypeError(`expected an integer column, got ${typeof value}`);
}

export function toNumber(value: unknown): number {
  const n = Number(toBigInt(value));
  if (!Number.isSafeInteger(n)) throw new RangeError(`integer column out of the safe range: ${String(value)}`);
  return n;
}
