// Every error the SDK throws is a ZkVinError subclass carrying the offending values as fields, so a dApp
// can branch on the class and show the value; the underlying error (RPC, revert, HTTP) is the `cause`.

export class ZkVinError extends Error {
  override readonly name: string = "ZkVinError";
}

/** The client was configured with something unusable (a missing RPC URL, an unknown contract, ...). */
export class ConfigError extends ZkVinError {
  override readonly name = "ConfigError";
  constructor(
    readonly field: string,
    readonly value: unknown,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${field}=${JSON.stringify(value)}: ${reason}`, options);
  }
}

/** No chain of the deployment has this name. */
export class UnknownChainError extends ZkVinError {
  override readonly name = "UnknownChainError";
  constructor(
    readonly chain: string,
    readonly available: readonly string[],
  ) {
    super(`no chain named ${JSON.stringify(chain)} in the deployment (chains: ${available.join(", ")})`);
  }
}

/** The action needs an account to sign with, and the client has none. */
export class WalletRequiredError extends ZkVinError {
  override readonly name = "WalletRequiredError";
  constructor(readonly action: string) {
    super(`${action} sends a transaction: create the client with an account`);
  }
}

export class ModelNotFoundError extends ZkVinError {
  override readonly name = "ModelNotFoundError";
  constructor(
    readonly modelId: bigint,
    readonly chain: string,
  ) {
    super(`model ${modelId} is not registered${chain ? ` (as seen on ${chain})` : ""}`);
  }
}

/** The input has the wrong number of values for the model. */
export class InputLengthError extends ZkVinError {
  override readonly name = "InputLengthError";
  constructor(
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`the model takes ${expected} input values, got ${actual}`);
  }
}

/** An input value is not a finite number (NaN, Infinity). */
export class InvalidInputValueError extends ZkVinError {
  override readonly name = "InvalidInputValueError";
  constructor(
    /** Position in the input vector, or null for a lone value. */
    readonly index: number | null,
    readonly value: number,
  ) {
    super(`${index === null ? "value" : `input[${index}]`} = ${value} cannot be quantized (not finite, or too large)`);
  }
}

/**
 * Input feature `feature` lies outside that feature's registered bound [min, max] (checked at the model's
 * input scale; the contracts revert with InputOutOfBounds(feature, value, min, max)).
 */
export class InputOutOfBoundsError extends ZkVinError {
  override readonly name = "InputOutOfBoundsError";
  constructor(
    readonly feature: number,
    readonly value: number | bigint,
    readonly fixed: bigint,
    readonly min: bigint,
    readonly max: bigint,
  ) {
    super(`input feature ${feature} = ${value} (fixed point ${fixed}) is outside its bound [${min}, ${max}]`);
  }
}

/** A fixed-point value is not a field element (or not a signed value the field can hold). */
export class FieldElementError extends ZkVinError {
  override readonly name = "FieldElementError";
  constructor(
    readonly value: bigint,
    reason: string,
  ) {
    super(`${value}: ${reason}`);
  }
}

/** Hashed-input models need the requester's Poseidon commitment of the input (EZKL's poseidon_hash). */
export class CommitmentRequiredError extends ZkVinError {
  override readonly name = "CommitmentRequiredError";
  constructor(readonly modelId: bigint) {
    super(`model ${modelId} takes a hashed input: pass the input's Poseidon commitment`);
  }
}

/** A contract call or transaction reverted; `errorName` and `args` are the decoded custom error. */
export class ContractRevertError extends ZkVinError {
  override readonly name = "ContractRevertError";
  constructor(
    readonly contract: string,
    readonly functionName: string,
    readonly errorName: string | null,
    readonly args: readonly unknown[],
    options: { cause: unknown },
  ) {
    const detail = errorName ? `${errorName}(${args.map(String).join(", ")})` : "reverted";
    super(`${contract}.${functionName}: ${detail}`, options);
  }
}

/** A transaction was mined but did not log what the action expected (e.g. no InferenceRequested). */
export class MissingEventError extends ZkVinError {
  override readonly name = "MissingEventError";
  constructor(
    readonly eventName: string,
    readonly transactionHash: string,
  ) {
    super(`transaction ${transactionHash} did not log ${eventName}`);
  }
}

export class RequestNotFoundError extends ZkVinError {
  override readonly name = "RequestNotFoundError";
  constructor(
    readonly requestId: bigint,
    readonly chain: string,
  ) {
    super(`request ${requestId} does not exist on ${chain} (never made, or its block was replaced by a reorg)`);
  }
}

/** The action needs a spoke chain (reclaim, spoke withdrawals) and the context is the hub, or the reverse. */
export class WrongChainRoleError extends ZkVinError {
  override readonly name = "WrongChainRoleError";
  constructor(
    readonly action: string,
    readonly chain: string,
    readonly role: string,
  ) {
    super(`${action} needs a spoke chain; ${chain} is the ${role}`);
  }
}

/** The spoke request can no longer be reclaimed: it settled (fulfilled, refunded) or was reclaimed already. */
export class RequestNotPendingError extends ZkVinError {
  override readonly name = "RequestNotPendingError";
  constructor(
    readonly requestId: bigint,
    readonly chain: string,
    readonly status: string,
  ) {
    super(`request ${requestId} on ${chain} is ${status}, not pending`);
  }
}

/** The spoke request has no reply yet but its reclaim delay has not passed. */
export class ReclaimTooEarlyError extends ZkVinError {
  override readonly name = "ReclaimTooEarlyError";
  constructor(
    readonly requestId: bigint,
    readonly chain: string,
    readonly reclaimableAt: bigint,
    readonly now: bigint,
  ) {
    super(`request ${requestId} on ${chain} can be reclaimed from ${reclaimableAt} (chain time now ${now})`);
  }
}

/** waitForResult gave up: no result (with the asked confirmations) within the timeout. */
export class WaitTimeoutError extends ZkVinError {
  override readonly name = "WaitTimeoutError";
  constructor(
    readonly requestId: bigint,
    readonly chain: string,
    readonly timeoutMs: number,
    readonly lastStatus: string,
  ) {
    super(`no result for request ${requestId} on ${chain} within ${timeoutMs} ms (last status: ${lastStatus})`);
  }
}

/** The GraphQL endpoint answered with errors, or not at all. */
export class GraphQLRequestError extends ZkVinError {
  override readonly name = "GraphQLRequestError";
  constructor(
    readonly url: string,
    readonly status: number | null,
    readonly errors: ReadonlyArray<{ message: string }>,
    options?: { cause?: unknown },
  ) {
    super(
      `GraphQL request to ${url} failed${status !== null ? ` (HTTP ${status})` : ""}: ${
        errors.map((e) => e.message).join("; ") || "no data"
      }`,
      options,
    );
  }
}

/** requestInference was given `maxFee` and the chain quotes more: nothing was sent. */
export class FeeAboveMaxError extends ZkVinError {
  override readonly name = "FeeAboveMaxError";
  constructor(
    readonly chain: string,
    readonly modelId: bigint,
    readonly quoted: bigint,
    readonly maxFee: bigint,
  ) {
    super(`model ${modelId} on ${chain} is quoted ${quoted} wei, above maxFee ${maxFee} wei: nothing was sent`);
  }
}

/** waitForResult's AbortSignal fired; the signal's reason is the `cause`. */
export class WaitAbortedError extends ZkVinError {
  override readonly name = "WaitAbortedError";
  constructor(
    readonly requestId: bigint,
    readonly chain: string,
    readonly lastStatus: string,
    options?: { cause?: unknown },
  ) {
    super(`stopped waiting for request ${requestId} on ${chain} (last status: ${lastStatus})`, options);
  }
}

/**
 * A node registration the hub would refuse, found before anything is sent. `field` names the offending
 * input (`models`, `models[1]`, `capacity`, `stake`, `operator`) and `value` is its value.
 */
export class NodeRegistrationError extends ZkVinError {
  override readonly name: string = "NodeRegistrationError";
  constructor(
    readonly field: string,
    readonly value: unknown,
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${field}: ${reason}`, options);
  }
}

/** The stake is below the pool's minimum for the capacity (`minimum` = `perUnit` x `capacity`). */
export class StakeBelowMinimumError extends NodeRegistrationError {
  override readonly name = "StakeBelowMinimumError";
  constructor(
    readonly stake: bigint,
    readonly minimum: bigint,
    readonly capacity: bigint,
    readonly perUnit: bigint,
  ) {
    super("stake", stake, `${capacity} compute units need at least ${minimum} (${perUnit} per unit)`);
  }
}
