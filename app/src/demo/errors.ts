// The demo's errors. Each carries the offending value; a stage error names the stage, so the runner can
// say where it stopped.

/** Base of the demo's errors; `value` is the offending value (an option, a request id, a file...). */
export class DemoError extends Error {
  override readonly name: string = "DemoError";
  readonly value: unknown;

  constructor(message: string, options: { value?: unknown; cause?: unknown } = {}) {
    super(message, { cause: options.cause });
    this.value = options.value;
  }
}

/** A command-line option the demo cannot use (unknown model, out-of-range count, ...). */
export class DemoOptionError extends DemoError {
  override readonly name = "DemoOptionError";
}

/** A stage failed; `stage` names it ("start relayer", "wait for callbacks", ...). */
export class DemoStageError extends DemoError {
  override readonly name = "DemoStageError";
  constructor(
    readonly stage: string,
    message: string,
    options: { value?: unknown; cause?: unknown } = {},
  ) {
    super(`${stage}: ${message}`, options);
  }
}

/** SIGINT or SIGTERM arrived while `stages` were running. */
export class DemoInterruptedError extends DemoError {
  override readonly name = "DemoInterruptedError";
  constructor(
    readonly signal: NodeJS.Signals,
    readonly stages: string[],
  ) {
    super(`interrupted by ${signal}${stages.length ? ` during ${stages.map((s) => `"${s}"`).join(", ")}` : ""}`, {
      value: signal,
    });
  }
}

/** A request did not end as the demo expects (a failed callback, a refund, an output off the model's). */
export class DemoResultError extends DemoError {
  override readonly name = "DemoResultError";
}
