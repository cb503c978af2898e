// Fulfilling a proof on the hub market: one `fulfil` / `fulfilBatch` transaction per proof, estimated first
// (a refusal is read before anything is signed), sent through chain-kit's sendRecorded (signed, recorded in
// the outbox, broadcast), and judged by its InferenceFulfilled events; after a crash a recorded
// fulfilment is judged by its receipt (settleFulfilment), never sent again blindly.
import { describeError, type Logger, RelayerError, type Store, sendRecorded, settleRecorded } from "@zk-vin/chain-kit";
import type { InferenceResult } from "@zk-vin/prover";
import {
  type Abi,
  type Address,
  BaseError,
  ContractFunctionRevertedError,
  decodeErrorResult,
  encodeFunctionData,
  type Hex,
  isAddressEqual,
  parseEventLogs,
  type TransactionReceipt,
} from "viem";
import { marketAbi } from "./abi.js";
import { type Attempt, type Entry, final } from "./attempt.js";
import { INFERENCE_KIND, type NodeHubChain, type NodeObserver } from "./types.js";

/** A fulfilment the market would refuse (read from a simulation before anything is signed). */
export class FulfilmentRejectedError extends RelayerError {
  override readonly name = "FulfilmentRejectedError";
  constructor(
    readonly requestIds: bigint[],
    readonly reason: string,
    options?: { cause?: unknown },
  ) {
    super(`fulfilment of request(s) ${requestIds.join(", ")} would revert: ${reason}`, options);
  }
}

/** A fulfilment transaction was mined but reverted. */
export class FulfilmentRevertedError extends RelayerError {
  override readonly name = "FulfilmentRevertedError";
  constructor(
    readonly requestIds: bigint[],
    readonly txHash: Hex,
  ) {
    super(`fulfilment ${txHash} of request(s) ${requestIds.join(", ")} reverted`);
  }
}

/** What fulfilling needs of the pipeline. */
export interface FulfilmentContext {
  hub: NodeHubChain;
  market: Address;
  operator: Address;
  store: Store;
  pollIntervalMs: number;
  receiptTimeoutMs: number;
  observer?: NodeObserver;
  log: Logger;
}

/**
 * Fulfils the requests of one proof, request i in slot i. Returns the attempt's outcome for all of them;
 * throws FulfilmentRejectedError (the estimate reverts) or FulfilmentRevertedError (mined, reverted).
 */
export async function submitFulfilment(
  ctx: FulfilmentContext,
  chosen: ReadonlyArray<{ entry: Entry; result: InferenceResult }>,
  options: {
    /** The proof bytes to send instead of the proof's own: "0x" settles a statement an aggregate accepted. */
    proofBytes?: Hex;
  } = {},
): Promise<Attempt> {
  const hub = ctx.hub;
  const proof = chosen[0]!.result.proof;
  const ids = chosen.map((m) => BigInt(m.entry.payload.requestId));
  const instances = proof.instances.map((w) => BigInt(w));
  const bytes = options.proofBytes ?? proof.proof;
  const data =
    ids.length === 1
      ? encodeFunctionData({ abi: marketAbi, functionName: "fulfil", args: [ids[0]!, bytes, instances] })
      : encodeFunctionData({ abi: marketAbi, functionName: "fulfilBatch", args: [ids, bytes, instances] });
  let gas: bigint;
  try {
    gas = await hub.publicClient.estimateGas({ account: ctx.operator, to: ctx.market, data });
  } catch (error) {
    throw new FulfilmentRejectedError(ids, revertReason(error), { cause: error });
  }
  // Consumer callbacks get exactly their gas limit or the call reverts, so the estimate is exact; the
  // margin covers state that changes between estimate and inclusion.
  gas += gas / 5n;
  const keys = chosen.map((m) => m.entry.key);
  // Write-ahead: once broadcast, the outcome is read from this transaction, never guessed.
  const { hash, receipt } = await sendRecorded({
    publicClient: hub.publicClient,
    walletClient: hub.walletClient,
    request: { to: ctx.market, data, gas },
    record: (pendingTx) => ctx.store.updateMany(INFERENCE_KIND, keys, { step: "submitting", pendingTx }),
    receiptTimeoutMs: ctx.receiptTimeoutMs,
  });
  ctx.observer?.fulfilmentSubmitted?.({
    modelId: chosen[0]!.entry.payload.modelId,
    requests: ids.length,
    ok: receipt.status === "success",
    gasUsed: receipt.gasUsed,
  });
  if (receipt.status !== "success") {
    await ctx.store.updateMany(INFERENCE_KIND, keys, { pendingTx: null });
    throw new FulfilmentRevertedError(ids, hash);
  }
  const fulfilled = fulfilledIds(receipt, ctx.market);
  const missing = ids.filter((id) => !fulfilled.has(id));
  if (missing.length > 0) {
    throw new RelayerError(`fulfilment ${hash} succeeded without InferenceFulfilled for ${missing.join(", ")}`);
  }
  ctx.log.info({ requests: ids.map(String), tx: hash, gasUsed: receipt.gasUsed }, "fulfilled");
  return { ...final("done", "fulfilled", null), tx: hash };
}

/** The outcome of a recorded fulfilment, or null when it never reached the chain (or reverted). */
export async function settleFulfilment(ctx: FulfilmentContext, entry: Entry, hash: Hex): Promise<Attempt | null> {
  const settled = await settleRecorded(ctx.hub.publicClient, hash);
  if (settled.state === "pending") {
    return { kind: "later", delayMs: ctx.pollIntervalMs, reason: `fulfilment ${hash} is still pending` };
  }
  if (
    settled.state === "mined" &&
    settled.receipt.status === "success" &&
    fulfilledIds(settled.receipt, ctx.market).has(BigInt(entry.payload.requestId))
  ) {
    return { ...final("done", "fulfilled", null), tx: hash };
  }
  // Reverted, or signed but never broadcast (or dropped): forget it; the market's state decides what
  // comes next.
  await ctx.store.update(INFERENCE_KIND, entry.key, { pendingTx: null });
  return null;
}

/** Request ids the market reports fulfilled in `receipt`. */
function fulfilledIds(receipt: TransactionReceipt, market: Address): Set<bigint> {
  const logs = receipt.logs.filter((l) => isAddressEqual(l.address, market));
  const events = parseEventLogs({ abi: marketAbi, eventName: "InferenceFulfilled", logs });
  return new Set(events.map((e) => e.args.requestId));
}

/** A revert as `ErrorName(args)` when `abi` (default the market's) knows it. */
export function revertReason(error: unknown, abi: Abi = marketAbi): string {
  if (error instanceof BaseError) {
    const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
    if (reverted instanceof ContractFunctionRevertedError && reverted.data) {
      return `${reverted.data.errorName}(${(reverted.data.args ?? []).map(String).join(", ")})`;
    }
    const raw = error.walk((e) => typeof (e as { data?: unknown }).data === "string") as { data?: Hex } | null;
    if (raw?.data && raw.data !== "0x") {
      try {
        const decoded = decodeErrorResult({ abi, data: raw.data });
        return `${decoded.errorName}(${(decoded.args ?? []).map(String).join(", ")})`;
      } catch {
        return raw.data;
      }
    }
  }
  return describeError(error);
}
