// Typed errors of the prover. Each names what was wrong (`field`) and carries the offending `value`;
// the Python side sends the same shape ({code, message, field, value}) and `errorFromWire` maps it back.

export type ProverErrorCode =
  | "INVALID_INPUT"
  | "UNKNOWN_MODEL"
  | "ARTIFACT_INVALID"
  | "SRS_INVALID"
  | "EZKL_FAILED"
  | "BAD_REQUEST"
  | "WORKER_CRASHED"
  | "JOB_TIMEOUT"
  | "JOB_FAILED"
  | "INTERNAL";

export interface ProverErrorOptions {
  field?: string | undefined;
  value?: unknown;
  cause?: unknown;
}

export class ProverError extends Error {
  readonly code: ProverErrorCode;
  readonly field: string | undefined;
  readonly value: unknown;

  constructor(code: ProverErrorCode, message: string, options: ProverErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.field = options.field;
    this.value = options.value;
  }

  toJSON(): { code: ProverErrorCode; message: string; field: string | undefined; value: unknown } {
    return { code: this.code, message: this.message, field: this.field, value: this.value };
  }
}

/** An input that cannot be proven: wrong shape, NaN, outside the calibrated range, not a number. */
export class InvalidInputError extends ProverError {
  constructor(message: string, options: ProverErrorOptions = {}) {
    super("INVALID_INPUT", message, options);
  }
}

/** No artifact with this id in the store. */
export class UnknownModelError extends ProverError {
  constructor(artifactId: string, options: Omit<ProverErrorOptions, "value"> = {}) {
    super("UNKNOWN_MODEL", `no compiled model with artifact id ${artifactId}`, {
      field: "artifactId",
      ...options,
      value: artifactId,
    });
  }
}

/** Missing, corrupt (hash mismatch) or mismatched artifact files. */
export class ArtifactError extends ProverError {
  constructor(message: string, options: ProverErrorOptions = {}) {
    super("ARTIFACT_INVALID", message, options);
  }
}

export class SrsError extends ProverError {
  constructor(message: string, options: ProverErrorOptions = {}) {
    super("SRS_INVALID", message, options);
  }
}

/** The proof system failed (witness, proving, key generation). */
export class ProofSystemError extends ProverError {
  constructor(
    message: string,
    options: ProverErrorOptions & { code?: "EZKL_FAILED" | "BAD_REQUEST" | "INTERNAL" } = {},
  ) {
    super(options.code ?? "EZKL_FAILED", message, options);
  }
}

/** The proving process died (killed, out of memory, crashed) while it held a job. */
export class WorkerCrashedError extends ProverError {
  constructor(message: string, options: ProverErrorOptions = {}) {
    super("WORKER_CRASHED", message, options);
  }
}

export class JobTimeoutError extends ProverError {
  constructor(timeoutMs: number, options: Omit<ProverErrorOptions, "value"> = {}) {
    super("JOB_TIMEOUT", `proving job exceeded its ${timeoutMs} ms timeout`, {
      field: "timeoutMs",
      ...options,
      value: timeoutMs,
    });
  }
}

/** A job that failed for good (after its retries); it is in the dead-letter queue. */
export class JobFailedError extends ProverError {
  readonly jobId: string;
  readonly attemptsMade: number;

  constructor(params: {
    jobId: string;
    attemptsMade: number;
    reason: string;
    code?: ProverErrorCode | undefined;
    field?: string | undefined;
  }) {
    super(
      "JOB_FAILED",
      `proving job ${params.jobId} failed after ${params.attemptsMade} attempt(s): ${params.reason}`,
      {
        field: params.field,
        value: params.code,
      },
    );
    this.jobId = params.jobId;
    this.attemptsMade = params.attemptsMade;
  }
}

export interface WireError {
  code: string;
  message: string;
  field?: string | null;
  value?: unknown;
}

/** Maps an error reported by the Python process to its class. */
export function errorFromWire(err: WireError): ProverError {
  const options = { field: err.field ?? undefined, value: err.value };
  switch (err.code) {
    case "INVALID_INPUT":
      return new InvalidInputError(err.message, options);
    case "ARTIFACT_INVALID":
      return new ArtifactError(err.message, options);
    case "SRS_INVALID":
      return new SrsError(err.message, options);
    case "BAD_REQUEST":
      return new ProofSystemError(err.message, { ...options, code: "BAD_REQUEST" });
    case "EZKL_FAILED":
      return new ProofSystemError(err.message, options);
    default:
      return new ProofSystemError(err.message, { ...options, code: "INTERNAL" });
  }
}

/** Errors that no retry can fix: the job goes straight to the dead-letter queue. */
export function isPermanent(err: unknown): boolean {
  return (
    err instanceof InvalidInputError ||
    err instanceof UnknownModelError ||
    err instanceof ArtifactError ||
    err instanceof SrsError ||
    (err instanceof ProofSystemError && err.code === "BAD_REQUEST")
  );
}
