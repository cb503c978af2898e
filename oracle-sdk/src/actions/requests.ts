// Requests, on the hub's market or an EVM spoke: price them, make them (inputs encoded at the model's
// scale), read them, wait for their result with a timeout and reorg awareness, and on a spoke reclaim an
// escrow the hub never answered.
import {
  type Abi,
  type AbiEvent,
  type Address,
  formatLog,
  getAbiItem,
  type Hash,
  type Hex,
  type Log,
  pad,
  parseEventLogs,
  type TransactionReceipt,
  toEventSelector,
  toHex,
} from "viem";
import { inferenceMarketAbi, zkVinSpokeAbi } from "../abi/index.js";
import { type ChainContext, contractOf, readContract, requireWallet, writeContract } from "../chain.js";
import { checkFixedInput, decodeOutput, encodeInput, type ModelLayout } from "../encoding.js";
import {
  CommitmentRequiredError,
  ConfigError,
  FeeAboveMaxError,
  MissingEventError,
  ReclaimTooEarlyError,
  RequestNotFoundError,
  RequestNotPendingError,
  WaitAbortedError,
  WaitTimeoutError,
  WrongChainRoleError,
} from "../errors.js";
import { getModel, getSpokeModelTerms } from "./models.js";

export type InferenceQuote =
  | {
      kind: "hub";
      chain: string;
      modelId: bigint;
      /** What a request sends: nodeFee + royalty + protocolFee + callbackFee (plus `bond` with a commitment). */
      total: bigint;
      nodeFee: bigint;
      royalty: bigint;
      protocolFee: bigint;
      /** callbackGasLimit x the market's callbackGasPrice, paid to the node that forwards the gas. */
      callbackFee: bigint;
      /** Commitment bond of a hashed-input model's request (0 otherwise); returned unless no node proves it. */
      bond: bigint;
    }
  | {
      kind: "spoke";
      chain: string;
      modelId: bigint;
      total: bigint;
      /** Escrowed on the spoke and split by the hub's settlement. */
      inferenceFee: bigint;
      /** LayerZero fee of the request message, the reply's budget included. */
      messageFee: bigint;
      returnBudget: bigint;
      hubGasLimit: number;
      returnGasLimit: number;
    };

/** Float values (quantized at the model's input scale) or fixed-point values as the contract takes them. */
export type InferenceInput = readonly number[] | { fixed: readonly bigint[] };

type InputTerms = Pick<ModelLayout, "inputCount" | "inputScale" | "inputBounds" | "inputMode" | "outputScale">;

async function inputTerms(ctx: ChainContext, modelId: bigint): Promise<InputTerms> {
  if (ctx.config.role === "hub") return (await getModel(ctx, { modelId })).layout;
  return getSpokeModelTerms(ctx, { modelId });
}

function encode(input: InferenceInput, terms: InputTerms): bigint[] {
  const layout = { ...terms, batchSize: 1, instanceCount: 0, inputOffset: 0, outputOffset: 0, outputCount: 0 };
  return "fixed" in input ? checkFixedInput({ values: input.fixed, layout }) : encodeInput({ values: input, layout });
}

/**
 * What a request costs. On the hub: compute units x unit price + royalty + protocol fee + callback gas x
 * callback gas price (and a commitment request sends `bond` beside it). On a spoke the price also depends on
 * the input length and the callback gas (message fees), so pass them.
 */
export async function quote(
  ctx: ChainContext,
  params: { modelId: bigint; input?: InferenceInput; callbackGasLimit?: number },
): Promise<InferenceQuote> {
  if (ctx.config.role === "hub") {
    const p = await readContract(ctx, {
      contract: "InferenceMarket",
      abi: inferenceMarketAbi,
      functionName: "quote",
      args: [params.modelId, params.callbackGasLimit ?? 0],
    });
    return { kind: "hub", chain: ctx.config.name, modelId: params.modelId, ...p };
  }
  const terms = await getSpokeModelTerms(ctx, { modelId: params.modelId });
  const input = params.input ? encode(params.input, terms) : terms.inputBounds.map((b) => b.min);
  const q = await readContract(ctx, {
    contract: "ZkVinSpoke",
    abi: zkVinSpokeAbi,
    functionName: "quoteDetailed",
    args: [params.modelId, input, params.callbackGasLimit ?? 0],
  });
  return { kind: "spoke", chain: ctx.config.name, modelId: params.modelId, ...q };
}

export interface RequestReceipt {
  chain: string;
  requestId: bigint;
  /** The fixed-point input sent. */
  input: bigint[];
  fee: bigint;
  transactionHash: Hash;
  blockNumber: bigint;
  blockHash: Hex;
}

/** The request transaction on the hub's market or a spoke, with a commitment for hashed-input models. */
async function sendRequest(
  ctx: ChainContext,
  p: { hub: boolean; modelId: bigint; input: bigint[]; gas: number; commitment: bigint | undefined; value: bigint },
): Promise<TransactionReceipt> {
  const { value } = p;
  if (p.commitment !== undefined) {
    const args = [p.modelId, p.input, p.commitment, p.gas] as const;
    const functionName = "requestInferenceWithCommitment";
    const sent = p.hub
      ? await writeContract(ctx, { contract: "InferenceMarket", abi: inferenceMarketAbi, functionName, args, value })
      : await writeContract(ctx, { contract: "ZkVinSpoke", abi: zkVinSpokeAbi, functionName, args, value });
    return sent.receipt;
  }
  const args = [p.modelId, p.input, p.gas] as const;
  const functionName = "requestInference";
  const sent = p.hub
    ? await writeContract(ctx, { contract: "InferenceMarket", abi: inferenceMarketAbi, functionName, args, value })
    : await writeContract(ctx, { contract: "ZkVinSpoke", abi: zkVinSpokeAbi, functionName, args, value });
  return sent.receipt;
}

/**
 * Makes a request on the context's chain (the hub's market, or a spoke), paying the quoted fee. Inputs
 * are checked against the model's length and bounds first; hashed-input models need `commitment`.
 * `callbackGasLimit` is gas for the caller's `onInferenceResult` (0: no callback, e.g. an EOA).
 */
export async function requestInference(
  ctx: ChainContext,
  params: {
    modelId: bigint;
    input: InferenceInput;
    callbackGasLimit?: number;
    commitment?: bigint;
    /** The most the caller will pay: a quote above it is refused (FeeAboveMaxError) before anything is sent. */
    maxFee?: bigint;
  },
): Promise<RequestReceipt> {
  const terms = await inputTerms(ctx, params.modelId);
  const input = encode(params.input, terms);
  const gas = params.callbackGasLimit ?? 0;
  if (terms.inputMode === "hashed" && params.commitment === undefined)
    throw new CommitmentRequiredError(params.modelId);
  const hub = ctx.config.role === "hub";
  const q = await quote(ctx, { modelId: params.modelId, input: { fixed: input }, callbackGasLimit: gas });
  if (params.maxFee !== undefined && q.total > params.maxFee) {
    throw new FeeAboveMaxError(ctx.config.name, params.modelId, q.total, params.maxFee);
  }
  const hashed = terms.inputMode === "hashed";
  // A hub commitment request sends the bond beside the fee (returned once a node proves the commitment).
  const value = q.kind === "hub" && hashed ? q.total + q.bond : q.total;
  const receipt = await sendRequest(ctx, {
    hub,
    modelId: params.modelId,
    input,
    gas,
    commitment: hashed ? params.commitment : undefined,
    value,
  });
  const logs = hub
    ? parseEventLogs({ abi: inferenceMarketAbi, eventName: "InferenceRequested", logs: receipt.logs }).map((l) => ({
        address: l.address,
        requestId: l.args.requestId,
      }))
    : parseEventLogs({ abi: zkVinSpokeAbi, eventName: "InferenceRequested", logs: receipt.logs }).map((l) => ({
        address: l.address,
        requestId: l.args.requestId,
      }));
  const own = logs.find((l) => l.address.toLowerCase() === receipt.to?.toLowerCase());
  if (!own) throw new MissingEventError("InferenceRequested", receipt.transactionHash);
  return {
    chain: ctx.config.name,
    requestId: own.requestId,
    input,
    fee: value,
    transactionHash: receipt.transactionHash,
    blockNumber: receipt.blockNumber,
    blockHash: receipt.blockHash,
  };
}

/** "reclaimed" (spokes only): no reply came within the spoke's reclaim delay and the escrow was credited back. */
export type RequestStatus = "pending" | "fulfilled" | "refunded" | "reclaimed";
export type DeliveryStatus = "none" | "delivered" | "failed";

const STATUS: readonly (RequestStatus | null)[] = [null, "pending", "fulfilled", "refunded", "reclaimed"];
const DELIVERY: readonly DeliveryStatus[] = ["none", "delivered", "failed"];

export type RequestState =
  | {
      kind: "hub";
      chain: string;
      requestId: bigint;
      status: RequestStatus;
      delivery: DeliveryStatus;
      requester: Address;
      modelId: bigint;
      remote: boolean;
      node: Address;
      deadline: bigint;
      reassignments: number;
      callbackGasLimit: number;
      fees: {
        nodeFee: bigint;
        royalty: bigint;
        protocolFee: bigint;
        callbackFee: bigint;
        bond: bigint;
        slashAmount: bigint;
      };
    }
  | {
      kind: "spoke";
      chain: string;
      requestId: bigint;
      status: RequestStatus;
      delivery: DeliveryStatus;
      requester: Address;
      modelId: bigint;
      escrow: bigint;
      callbackGasLimit: number;
      hubRequestId: bigint;
      /** The verified output once fulfilled (empty before). */
      output: bigint[];
      /** The number of the hub gateway the request went to (only its reply settles it). */
      gateway: number;
      /** Unix time from which anyone may reclaim the escrow for the requester if no reply came. */
      reclaimableAt: bigint;
    };

/** A request's state as the chain holds it now. */
export async function getRequest(ctx: ChainContext, params: { requestId: bigint }): Promise<RequestState> {
  const { requestId } = params;
  if (ctx.config.role === "hub") {
    const r = await readContract(ctx, {
      contract: "InferenceMarket",
      abi: inferenceMarketAbi,
      functionName: "request",
      args: [requestId],
    });
    const status = STATUS[r.status];
    if (!status) throw new RequestNotFoundError(requestId, ctx.config.name);
    const fees = await readContract(ctx, {
      contract: "InferenceMarket",
      abi: inferenceMarketAbi,
      functionName: "requestFees",
      args: [requestId],
    });
    return {
      kind: "hub",
      chain: ctx.config.name,
      requestId,
      status,
      delivery: DELIVERY[r.delivery] ?? "none",
      requester: r.requester,
      modelId: BigInt(r.modelId),
      remote: r.remote,
      node: r.node,
      deadline: BigInt(r.deadline),
      reassignments: r.reassignments,
      callbackGasLimit: r.callbackGasLimit,
      fees: { ...fees },
    };
  }
  const r = await readContract(ctx, {
    contract: "ZkVinSpoke",
    abi: zkVinSpokeAbi,
    functionName: "request",
    args: [requestId],
  });
  const status = STATUS[r.status];
  if (!status) throw new RequestNotFoundError(requestId, ctx.config.name);
  const output =
    status === "fulfilled"
      ? await readContract(ctx, {
          contract: "ZkVinSpoke",
          abi: zkVinSpokeAbi,
          functionName: "resultOf",
          args: [requestId],
        })
      : [];
  return {
    kind: "spoke",
    chain: ctx.config.name,
    requestId,
    status,
    delivery: DELIVERY[r.callback] ?? "none",
    requester: r.requester,
    modelId: BigInt(r.modelId),
    escrow: r.escrow,
    callbackGasLimit: r.callbackGasLimit,
    hubRequestId: BigInt(r.hubRequestId),
    output: [...output],
    gateway: r.gateway,
    reclaimableAt: await readContract(ctx, {
      contract: "ZkVinSpoke",
      abi: zkVinSpokeAbi,
      functionName: "reclaimableAt",
      args: [requestId],
    }),
  };
}

export interface ReclaimReceipt {
  chain: string;
  requestId: bigint;
  /** The escrow credited back to the requester (withdraw it with `withdrawFromSpoke`). */
  amount: bigint;
  requester: Address;
  transactionHash: Hash;
  blockNumber: bigint;
}

/**
 * Reclaims the escrow of a spoke request that got no reply within the spoke's reclaim delay: it is credited
 * to the requester's pull balance on the spoke (anyone may call this; the requester then calls
 * `withdrawFromSpoke`). A reply arriving later is dropped by the spoke. Throws RequestNotPendingError for a
 * settled request and ReclaimTooEarlyError (with the time it becomes possible) before the delay.
 */
export async function reclaimRequest(ctx: ChainContext, params: { requestId: bigint }): Promise<ReclaimReceipt> {
  if (ctx.config.role === "hub") throw new WrongChainRoleError("reclaimRequest", ctx.config.name, "hub");
  const state = await getRequest(ctx, params);
  if (state.kind !== "spoke") throw new WrongChainRoleError("reclaimRequest", ctx.config.name, "hub");
  if (state.status !== "pending") throw new RequestNotPendingError(params.requestId, ctx.config.name, state.status);
  const now = (await ctx.publicClient.getBlock({ blockTag: "latest" })).timestamp;
  if (now < state.reclaimableAt) {
    throw new ReclaimTooEarlyError(params.requestId, ctx.config.name, state.reclaimableAt, now);
  }
  const { receipt, result } = await writeContract(ctx, {
    contract: "ZkVinSpoke",
    abi: zkVinSpokeAbi,
    functionName: "reclaim",
    args: [params.requestId],
  });
  return {
    chain: ctx.config.name,
    requestId: params.requestId,
    amount: result,
    requester: state.requester,
    transactionHash: receipt.transactionHash,
    blockNumber: receipt.blockNumber,
  };
}

/** Sends the caller's pull balance on a spoke (refunds, reclaims, earnings) to `to` (default: the caller). */
export async function withdrawFromSpoke(
  ctx: ChainContext,
  params: { to?: Address } = {},
): Promise<{ amount: bigint; transactionHash: Hash }> {
  if (ctx.config.role === "hub") throw new WrongChainRoleError("withdrawFromSpoke", ctx.config.name, "hub");
  const wallet = requireWallet(ctx, "ZkVinSpoke.withdraw");
  const amount = await readContract(ctx, {
    contract: "ZkVinSpoke",
    abi: zkVinSpokeAbi,
    functionName: "claimable",
    args: [wallet.account.address],
  });
  const { receipt } = await writeContract(ctx, {
    contract: "ZkVinSpoke",
    abi: zkVinSpokeAbi,
    functionName: "withdraw",
    args: [params.to ?? wallet.account.address],
  });
  return { amount, transactionHash: receipt.transactionHash };
}

interface Located {
  blockNumber: bigint;
  blockHash: Hex;
  transactionHash: Hash;
}

export type InferenceResult =
  | ({
      status: "fulfilled";
      chain: string;
      requestId: bigint;
      /** Fixed point at the model's output scale, as the proof's instances carried it. */
      output: bigint[];
      /** The output as floats (output / 2^outputScale). */
      values: number[];
      /** On a spoke: the hub market's id of the request. */
      hubRequestId: bigint | null;
    } & Located)
  | ({
      status: "refunded";
      chain: string;
      requestId: bigint;
      amount: bigint;
      /** On a spoke: why the hub gave up (expired: no node met its deadline; rejected: refused), or
       * "reclaimed": no reply came within the spoke's reclaim delay and the escrow was credited back. */
      reason: "expired" | "rejected" | "reclaimed" | null;
    } & Located);

/** Default width of one eth_getLogs call (many providers cap ranges at a few thousand blocks). */
export const DEFAULT_BLOCK_RANGE = 5_000n;
const FAILURE_REASONS = [null, "expired", "rejected"] as const;

function requestEventAddress(ctx: ChainContext): Address {
  return contractOf(ctx, ctx.config.role === "hub" ? "InferenceMarket" : "ZkVinSpoke");
}

function topicsOf(hub: boolean, names: readonly string[]): Hex[] {
  const abi: Abi = hub ? inferenceMarketAbi : zkVinSpokeAbi;
  return names.map((name) => toEventSelector(getAbiItem({ abi, name }) as AbiEvent));
}

/** The first log of `events` for the request in [fromBlock, toBlock], scanning `blockRange` blocks a call. */
async function findLog(
  ctx: ChainContext,
  params: {
    events: readonly string[];
    requestId: bigint;
    fromBlock: bigint;
    toBlock: bigint;
    blockRange: bigint;
    backwards?: boolean;
    signal?: AbortSignal;
  },
): Promise<Log | null> {
  const hub = ctx.config.role === "hub";
  const address = requestEventAddress(ctx);
  const topics = [topicsOf(hub, params.events), pad(toHex(params.requestId), { size: 32 })];
  const { fromBlock, toBlock, blockRange } = params;
  const windows = Number((toBlock - fromBlock) / blockRange) + 1;
  for (let i = 0; i < windows; i++) {
    params.signal?.throwIfAborted();
    const from = params.backwards ? toBlock - BigInt(i + 1) * blockRange + 1n : fromBlock + BigInt(i) * blockRange;
    const lo = from < fromBlock ? fromBlock : from;
    const hi = from + blockRange - 1n > toBlock ? toBlock : from + blockRange - 1n;
    if (hi < lo) continue;
    const logs = await ctx.publicClient.request({
      method: "eth_getLogs",
      params: [{ address, topics, fromBlock: toHex(lo), toBlock: toHex(hi) }],
    });
    const hit = logs.map((l) => formatLog(l)).find((l) => !l.removed);
    if (hit) return hit;
  }
  return null;
}

/**
 * The block the request was made in: its InferenceRequested log, searched backwards from the head (once),
 * down to the deployment's start block.
 */
export async function findRequestBlock(
  ctx: ChainContext,
  params: { requestId: bigint; blockRange?: bigint; signal?: AbortSignal },
): Promise<bigint> {
  const head = await ctx.publicClient.getBlockNumber({ cacheTime: 0 });
  const log = await findLog(ctx, {
    events: ["InferenceRequested"],
    requestId: params.requestId,
    fromBlock: ctx.config.startBlock,
    toBlock: head,
    blockRange: params.blockRange ?? DEFAULT_BLOCK_RANGE,
    backwards: true,
    signal: params.signal,
  });
  if (log?.blockNumber == null) throw new RequestNotFoundError(params.requestId, ctx.config.name);
  return log.blockNumber;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

export interface WaitForResultParameters {
  requestId: bigint;
  timeoutMs?: number;
  /** Blocks the outcome must have (1: mined). */
  confirmations?: number;
  pollIntervalMs?: number;
  /**
   * The request's block (RequestReceipt.blockNumber) or any block before it: the outcome is looked for
   * from there. Without it the request's InferenceRequested log is searched for once, backwards from the head.
   */
  fromBlock?: bigint;
  /** Blocks per eth_getLogs call (default 5000). */
  blockRange?: bigint;
  /** Stops waiting: the promise rejects with WaitAbortedError (the signal's reason as its cause). */
  signal?: AbortSignal;
}

/**
 * Waits until the request's result (or its refund) has `confirmations` blocks (1: mined) and is still on
 * the canonical chain: an outcome whose block a reorg replaced is forgotten and waited for again. Each
 * poll reads the request's state; logs are read only once it is settled, from the request's block on.
 * Throws WaitTimeoutError after `timeoutMs`, WaitAbortedError when `signal` aborts, RequestNotFoundError
 * when the chain does not know the request.
 */
export async function waitForResult(ctx: ChainContext, params: WaitForResultParameters): Promise<InferenceResult> {
  const { requestId, signal } = params;
  const timeoutMs = params.timeoutMs ?? 120_000;
  const confirmations = BigInt(Math.max(1, params.confirmations ?? 1));
  const pollMs = params.pollIntervalMs ?? 500;
  const blockRange = params.blockRange ?? DEFAULT_BLOCK_RANGE;
  if (blockRange < 1n) throw new ConfigError("blockRange", blockRange.toString(), "must be at least 1 block");
  const hub = ctx.config.role === "hub";
  const deadline = Date.now() + timeoutMs;
  let lastStatus = "unknown";
  let outputScale: number | null = null;
  let fromBlock = params.fromBlock;
  try {
    for (;;) {
      signal?.throwIfAborted();
      const state = await getRequest(ctx, { requestId });
      lastStatus = state.status;
      if (state.status !== "pending") {
        fromBlock ??= await findRequestBlock(ctx, { requestId, blockRange, signal });
        const head = await ctx.publicClient.getBlockNumber({ cacheTime: 0 });
        const log = await findLog(ctx, {
          events: hub
            ? ["InferenceFulfilled", "InferenceRefunded"]
            : ["InferenceFulfilled", "InferenceRefunded", "InferenceReclaimed"],
          requestId,
          fromBlock,
          toBlock: head,
          blockRange,
          signal,
        });
        if (
          log?.blockNumber != null &&
          log.blockHash &&
          log.transactionHash &&
          head - log.blockNumber + 1n >= confirmations
        ) {
          const block = await ctx.publicClient.getBlock({ blockNumber: log.blockNumber });
          if (block.hash === log.blockHash) {
            outputScale ??= (await inputTerms(ctx, state.modelId)).outputScale;
            return toResult({ ctx, log, requestId, outputScale, hub });
          }
        }
        lastStatus = `${state.status} (awaiting ${confirmations} confirmations)`;
      }
      if (Date.now() + pollMs > deadline) throw new WaitTimeoutError(requestId, ctx.config.name, timeoutMs, lastStatus);
      await sleep(pollMs, signal);
    }
  } catch (error) {
    if (signal?.aborted && !(error instanceof WaitAbortedError)) {
      throw new WaitAbortedError(requestId, ctx.config.name, lastStatus, { cause: signal.reason });
    }
    throw error;
  }
}

/** The outcome a fulfilled/refunded log of `requestId` records (the model's output scale decodes the values). */
export function resultFromLog(ctx: ChainContext, log: Log, requestId: bigint, outputScale: number): InferenceResult {
  return toResult({ ctx, log, requestId, outputScale, hub: ctx.config.role === "hub" });
}

export { inputTerms as requestTerms };

function toResult(params: {
  ctx: ChainContext;
  log: Log;
  requestId: bigint;
  outputScale: number;
  hub: boolean;
}): InferenceResult {
  const { log, hub } = params;
  const located = {
    chain: params.ctx.config.name,
    requestId: params.requestId,
    blockNumber: log.blockNumber as bigint,
    blockHash: log.blockHash as Hex,
    transactionHash: log.transactionHash as Hash,
  };
  const fulfilled = (output: readonly bigint[], hubRequestId: bigint | null): InferenceResult => ({
    status: "fulfilled",
    ...located,
    output: [...output],
    values: decodeOutput({ output: [...output], layout: { outputScale: params.outputScale } }),
    hubRequestId,
  });
  if (hub) {
    const [decoded] = parseEventLogs({
      abi: inferenceMarketAbi,
      eventName: ["InferenceFulfilled", "InferenceRefunded"],
      logs: [log],
    });
    if (decoded?.eventName === "InferenceFulfilled") return fulfilled(decoded.args.output, null);
    if (decoded?.eventName === "InferenceRefunded") {
      return { status: "refunded", ...located, amount: decoded.args.amount, reason: FAILURE_REASONS[0] };
    }
  } else {
    const [decoded] = parseEventLogs({
      abi: zkVinSpokeAbi,
      eventName: ["InferenceFulfilled", "InferenceRefunded", "InferenceReclaimed"],
      logs: [log],
    });
    if (decoded?.eventName === "InferenceFulfilled") return fulfilled(decoded.args.output, decoded.args.hubRequestId);
    if (decoded?.eventName === "InferenceReclaimed") {
      return { status: "refunded", ...located, amount: decoded.args.amount, reason: "reclaimed" };
    }
    if (decoded?.eventName === "InferenceRefunded") {
      const reason = FAILURE_REASONS[Number(decoded.args.reason)] ?? null;
      return { status: "refunded", ...located, amount: decoded.args.amount, reason };
    }
  }
  throw new MissingEventError("InferenceFulfilled/InferenceRefunded", log.transactionHash ?? "");
}
