// Requests, on the hub's market or an EVM spoke: price them, make them (inputs encoded at the model's
// scale), read them, and wait for their result with a timeout and reorg awareness.
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
  toEventSelector,
  toHex,
} from "viem";
import { inferenceMarketAbi, zkVinSpokeAbi } from "../abi/index.js";
import { type ChainContext, readContract, writeContract } from "../chain.js";
import { checkFixedInput, decodeOutput, encodeInput, type ModelLayout } from "../encoding.js";
import { CommitmentRequiredError, MissingEventError, RequestNotFoundError, WaitTimeoutError } from "../errors.js";
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
    const p = await readContract<{
      nodeFee: bigint;
      royalty: bigint;
      protocolFee: bigint;
      total: bigint;
      callbackFee: bigint;
      bond: bigint;
    }>(ctx, {
      contract: "InferenceMarket",
      abi: inferenceMarketAbi,
      functionName: "quote",
      args: [params.modelId, params.callbackGasLimit ?? 0],
    });
    return { kind: "hub", chain: ctx.config.name, modelId: params.modelId, ...p };
  }
  const terms = await getSpokeModelTerms(ctx, { modelId: params.modelId });
  const input = params.input ? encode(params.input, terms) : terms.inputBounds.map((b) => b.min);
  const q = await readContract<{
    inferenceFee: bigint;
    messageFee: bigint;
    returnBudget: bigint;
    hubGasLimit: number;
    returnGasLimit: number;
    total: bigint;
  }>(ctx, {
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

/**
 * Makes a request on the context's chain (the hub's market, or a spoke), paying the quoted fee. Inputs
 * are checked against the model's length and bounds first; hashed-input models need `commitment`.
 * `callbackGasLimit` is gas for the caller's `onInferenceResult` (0: no callback, e.g. an EOA).
 */
export async function requestInference(
  ctx: ChainContext,
  params: { modelId: bigint; input: InferenceInput; callbackGasLimit?: number; commitment?: bigint },
): Promise<RequestReceipt> {
  const terms = await inputTerms(ctx, params.modelId);
  const input = encode(params.input, terms);
  const gas = params.callbackGasLimit ?? 0;
  if (terms.inputMode === "hashed" && params.commitment === undefined)
    throw new CommitmentRequiredError(params.modelId);
  const hub = ctx.config.role === "hub";
  const q = await quote(ctx, { modelId: params.modelId, input: { fixed: input }, callbackGasLimit: gas });
  const abi: Abi = hub ? inferenceMarketAbi : zkVinSpokeAbi;
  const contract = hub ? "InferenceMarket" : "ZkVinSpoke";
  const hashed = terms.inputMode === "hashed";
  // A hub commitment request sends the bond beside the fee (returned once a node proves the commitment).
  const value = q.kind === "hub" && hashed ? q.total + q.bond : q.total;
  const { receipt } = await writeContract(ctx, {
    contract,
    abi,
    functionName: hashed ? "requestInferenceWithCommitment" : "requestInference",
    args: hashed ? [params.modelId, input, params.commitment, gas] : [params.modelId, input, gas],
    value,
  });
  const logs = parseEventLogs({ abi, eventName: "InferenceRequested", logs: receipt.logs }) as unknown as Array<{
    address: Address;
    args: { requestId: bigint };
  }>;
  const own = logs.find((l) => l.address.toLowerCase() === receipt.to?.toLowerCase());
  if (!own) throw new MissingEventError("InferenceRequested", receipt.transactionHash);
  return {
    chain: ctx.config.name,
    requestId: own.args.requestId,
    input,
    fee: value,
    transactionHash: receipt.transactionHash,
    blockNumber: receipt.blockNumber,
    blockHash: receipt.blockHash,
  };
}

export type RequestStatus = "pending" | "fulfilled" | "refunded";
export type DeliveryStatus = "none" | "delivered" | "failed";

const STATUS: readonly (RequestStatus | null)[] = [null, "pending", "fulfilled", "refunded"];
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
    };

/** A request's state as the chain holds it now. */
export async function getRequest(ctx: ChainContext, params: { requestId: bigint }): Promise<RequestState> {
  const { requestId } = params;
  if (ctx.config.role === "hub") {
    const r = await readContract<{
      requester: Address;
      modelId: bigint;
      status: number;
      delivery: number;
      remote: boolean;
      reassignments: number;
      node: Address;
      deadline: number;
      callbackGasLimit: number;
    }>(ctx, { contract: "InferenceMarket", abi: inferenceMarketAbi, functionName: "request", args: [requestId] });
    const status = STATUS[r.status];
    if (!status) throw new RequestNotFoundError(requestId, ctx.config.name);
    const fees = await readContract<{
      nodeFee: bigint;
      royalty: bigint;
      protocolFee: bigint;
      callbackFee: bigint;
      bond: bigint;
      slashAmount: bigint;
    }>(ctx, {
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
  const r = await readContract<{
    requester: Address;
    modelId: bigint;
    status: number;
    callback: number;
    escrow: bigint;
    callbackGasLimit: number;
    hubRequestId: bigint;
  }>(ctx, { contract: "ZkVinSpoke", abi: zkVinSpokeAbi, functionName: "request", args: [requestId] });
  const status = STATUS[r.status];
  if (!status) throw new RequestNotFoundError(requestId, ctx.config.name);
  const output =
    status === "fulfilled"
      ? await readContract<readonly bigint[]>(ctx, {
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
  };
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
      /** On a spoke: why the hub gave up (expired: no node met its deadline; rejected: refused). */
      reason: "expired" | "rejected" | null;
    } & Located);

const LOG_RANGE = 5_000n;
const FAILURE_REASONS = [null, "expired", "rejected"] as const;

function outcomeTopics(hub: boolean): Hex[] {
  const abi: Abi = hub ? inferenceMarketAbi : zkVinSpokeAbi;
  return ["InferenceFulfilled", "InferenceRefunded"].map((name) =>
    toEventSelector(getAbiItem({ abi, name }) as AbiEvent),
  );
}

/** The request's outcome log in [fromBlock, toBlock] (both events index the request id first). */
async function findOutcome(
  ctx: ChainContext,
  params: { requestId: bigint; fromBlock: bigint; toBlock: bigint },
): Promise<Log | null> {
  const hub = ctx.config.role === "hub";
  const address = ctx.config.contracts[hub ? "InferenceMarket" : "ZkVinSpoke"] as Address;
  const topics = [outcomeTopics(hub), pad(toHex(params.requestId), { size: 32 })];
  for (let from = params.fromBlock; from <= params.toBlock; from += LOG_RANGE) {
    const to = from + LOG_RANGE - 1n < params.toBlock ? from + LOG_RANGE - 1n : params.toBlock;
    const logs = await ctx.publicClient.request({
      method: "eth_getLogs",
      params: [{ address, topics, fromBlock: toHex(from), toBlock: toHex(to) }],
    });
    const hit = logs.map((l) => formatLog(l)).find((l) => !l.removed);
    if (hit) return hit;
  }
  return null;
}

/**
 * Waits until the request's result (or its refund) has `confirmations` blocks (1: mined) and is still on
 * the canonical chain: an outcome whose block a reorg replaced is forgotten and waited for again. Throws
 * WaitTimeoutError after `timeoutMs`, RequestNotFoundError when the chain does not know the request.
 */
export async function waitForResult(
  ctx: ChainContext,
  params: {
    requestId: bigint;
    timeoutMs?: number;
    confirmations?: number;
    pollIntervalMs?: number;
    /** Where to look for the outcome (default: the deployment's start block). */
    fromBlock?: bigint;
  },
): Promise<InferenceResult> {
  const { requestId } = params;
  const timeoutMs = params.timeoutMs ?? 120_000;
  const confirmations = BigInt(Math.max(1, params.confirmations ?? 1));
  const pollMs = params.pollIntervalMs ?? 500;
  const fromBlock = params.fromBlock ?? ctx.config.startBlock;
  const hub = ctx.config.role === "hub";
  const deadline = Date.now() + timeoutMs;
  let lastStatus = "unknown";
  let outputScale: number | null = null;
  for (;;) {
    const state = await getRequest(ctx, { requestId });
    lastStatus = state.status;
    if (state.status !== "pending") {
      const head = await ctx.publicClient.getBlockNumber({ cacheTime: 0 });
      const log = await findOutcome(ctx, { requestId, fromBlock, toBlock: head });
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
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}

function toResult(params: {
  ctx: ChainContext;
  log: Log;
  requestId: bigint;
  outputScale: number;
  hub: boolean;
}): InferenceResult {
  const { log, hub } = params;
  const [decoded] = parseEventLogs({ abi: hub ? inferenceMarketAbi : zkVinSpokeAbi, logs: [log] }) as unknown as Array<{
    eventName: string;
    args: Record<string, unknown>;
  }>;
  const located = {
    chain: params.ctx.config.name,
    requestId: params.requestId,
    blockNumber: log.blockNumber as bigint,
    blockHash: log.blockHash as Hex,
    transactionHash: log.transactionHash as Hash,
  };
  if (decoded?.eventName === "InferenceFulfilled") {
    const output = [...(decoded.args.output as readonly bigint[])];
    return {
      status: "fulfilled",
      ...located,
      output,
      values: decodeOutput({ output, layout: { outputScale: params.outputScale } }),
      hubRequestId: hub ? null : (decoded.args.hubRequestId as bigint),
    };
  }
  const reasonIndex = hub ? 0 : Number(decoded?.args.reason ?? 0);
  return {
    status: "refunded",
    ...located,
    amount: decoded?.args.amount as bigint,
    reason: FAILURE_REASONS[reasonIndex] ?? null,
  };
}
