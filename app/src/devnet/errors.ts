/** Base of the devnet's errors; `value` is the offending value (a path, a port, a transaction, ...). */
export class DevnetError extends Error {
  override readonly name: string = "DevnetError";
  readonly value: unknown;

  constructor(message: string, options: { value?: unknown; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.value = options.value;
  }
}

/** A tool or input the devnet needs is missing or unusable (binary, options, artifact). */
export class DevnetSetupError extends DevnetError {
  override readonly name = "DevnetSetupError";
}

/** A stage of bringing the devnet up failed; `stage` names it (e.g. "deploy hub chain"). */
export class DevnetStageError extends DevnetError {
  override readonly name = "DevnetStageError";
  constructor(
    readonly stage: string,
    message: string,
    options: { value?: unknown; cause?: unknown } = {},
  ) {
    super(`${stage}: ${message}`, options);
  }
}

/** Formats an unknown thrown value on one line. */
export function describeError(error: unknown): string {
  if (error instanceof Error) {
    const short = (error as { shortMessage?: unknown }).shortMessage;
    return `${error.name}: ${typeof short === "string" ? short : error.message}`.replace(/\s+/g, " ").trim();
  }
  return String(error);
}
