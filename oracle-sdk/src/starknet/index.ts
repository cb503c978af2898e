// @zk-vin/oracle-sdk/starknet: the zk-VIN actions on a Cairo spoke (contracts-cairo/src/spoke.cairo)
// through starknet.js, with the action names and error classes of the EVM entry. A separate export path,
// so that the EVM and browser entry never loads starknet.js (an optional peer dependency, needed only here).
//
//   const ctx = createStarknetContext({ rpcUrl, spoke, account });        // account: a starknet.js Account
//   const { total } = await quote(ctx, { modelId });                       // the spoke's minimum fee
//   const r = await requestInference(ctx, { modelId, input: [1234n, -5n] });
//   const result = await waitForResult(ctx, { requestId: r.requestId });   // { status: "fulfilled", output }
import { type Account, CallData, cairo, hash, RpcProvider } from "starknet";
import {
  ContractRevertError,
  FeeAboveMaxError,
  InputLengthError,
  MissingEventError,
  RequestNotFoundError,
  WaitAbortedError,
  WaitTimeoutError,
  WalletRequiredError,
  ZkVinError,
} from "../errors.js";

const FELT_PRIME = 2n ** 251n + 17n * 2n ** 192n + 1n;
const I128_MIN = -(2n ** 127n);
const I128_MAX = 2n ** 127n - 1n;
/** Most values a request's input may hold (the spoke's and the hub's limit). */
export const MAX_STARKNET_VALUES = 256;
/** The spoke's request event selector. */
const INFERENCE_REQUESTED = hash.getSelectorFromName("InferenceRequested");

/** A value outside Cairo's i128 (the spoke's input and output type). */
export class StarknetValueError extends ZkVinError {
  override readonly name = "StarknetValueError";
  constructor(
    readonly index: number,
    readonly value: bigint,
  ) {
    super(`input[${index}] = ${value} is outside i128, the Cairo spoke's value type`);
  }
}

/**
 * A request the spoke would refuse, caught before anything is sent: a fee below its minimum, or a deadline
 * outside its bounds. `field` names the parameter, `value` is what was given, `bound` the limit it broke.
 */
export class StarknetTermsError extends ZkVinError {
  override readonly name = "StarknetTermsError";
  constructor(
    readonly field: "fee" | "ttlSeconds",
    readonly value: bigint | number,
    readonly bound: bigint | number,
    reason: string,
  ) {
    super(`${field} = ${value} ${reason} ${bound}: nothing was sent`);
  }
}

export interface StarknetContext {
  /** A label for errors ("starknet" unless given). */
  chain: string;
  provider: RpcProvider;
  /** The Cairo spoke's address. */
  spoke: string;
  /** Sends transactions (requestInference); reads need none. */
  account: Account | null;
  /** Milliseconds between polls of waitForResult (default 1000). */
  pollIntervalMs: number;
}

export function createStarknetContext(params: {
  spoke: string;
  rpcUrl?: string;
  provider?: RpcProvider;
  account?: Account;
  chain?: string;
  pollIntervalMs?: number;
}): StarknetContext {
  const provider = params.provider ?? (params.account?.provider as RpcProvider | undefined);
  if (!provider && !params.rpcUrl) throw new ZkVinError("createStarknetContext needs rpcUrl, provider or account");
  return {
    chain: params.chain ?? "starknet",
    provider: provider ?? new RpcProvider({ nodeUrl: params.rpcUrl! }),
    spoke: params.spoke,
    account: params.account ?? null,
    pollIntervalMs: params.pollIntervalMs ?? 1000,
  };
}

const toFelt = (v: bigint) => `0x${(v < 0n ? FELT_PRIME + v : v).toString(16)}`;
const fromFelt = (f: string) => {
  const v = BigInt(f);
  return v > FELT_PRIME / 2n ? v - FELT_PRIME : v;
};
const u256 = (low: string | undefined, high: string | undefined) => BigInt(low ?? 0) + (BigInt(high ?? 0) << 128n);

async function call(ctx: StarknetContext, entrypoint: string, calldata: string[]): Promise<string[]> {
  try {
    return await ctx.provider.callContract({ contractAddress: ctx.spoke, entrypoint, calldata });
  } catch (cause) {
    throw new ContractRevertError("ZkVinStarknetSpoke", entrypoint, null, calldata, { cause });
  }
}

export interface StarknetQuote {
  chain: string;
  modelId: bigint;
  /** The smallest fee the spoke accepts, in its fee token; the hub splits whatever is paid. */
  total: bigint;
  feeToken: string;
  /** Bounds on a request's deadline, seconds from now. */
  minTtl: number;
  maxTtl: number;
}

/** The spoke's terms: its minimum fee (in the fee token) and deadline bounds. */
export async function quote(ctx: StarknetContext, params: { modelId: bigint }): Promise<StarknetQuote> {
  const [limits, token] = await Promise.all([call(ctx, "limits", []), call(ctx, "fee_token", [])]);
  return {
    chain: ctx.chain,
    modelId: params.modelId,
    total: u256(limits[0], limits[1]),
    minTtl: Number(BigInt(limits[2] ?? 0)),
    maxTtl: Number(BigInt(limits[3] ?? 0)),
    feeToken: token[0] ?? "0x0",
  };
}

export interface StarknetRequestReceipt {
  chain: string;
  requestId: bigint;
  input: bigint[];
  fee: bigint;
  deadline: bigint;
  transactionHash: string;
}

/**
 * Approves the spoke for `fee` (default: the quoted minimum) and requests an inference on the fixed-point
 * `input`, in one multicall from the context's account. `maxFee` refuses a fee above it; `ttlSeconds`
 * (default the spoke's minimum + 10 minutes) sets the deadline. What the spoke would refuse is refused
 * first, naming the value: InputLengthError, StarknetValueError (outside i128), StarknetTermsError (fee
 * below the minimum, deadline outside the spoke's bounds; a ttl equal to the minimum is refused too, as the
 * next block's timestamp may already be later than the one read here).
 */
export async function requestInference(
  ctx: StarknetContext,
  params: { modelId: bigint; input: readonly bigint[]; fee?: bigint; maxFee?: bigint; ttlSeconds?: number },
): Promise<StarknetRequestReceipt> {
  const account = ctx.account;
  if (!account) throw new WalletRequiredError("requestInference");
  if (params.input.length === 0 || params.input.length > MAX_STARKNET_VALUES)
    throw new InputLengthError(params.input.length === 0 ? 1 : MAX_STARKNET_VALUES, params.input.length);
  params.input.forEach((v, i) => {
    if (v < I128_MIN || v > I128_MAX) throw new StarknetValueError(i, v);
  });
  const q = await quote(ctx, { modelId: params.modelId });
  const fee = params.fee ?? q.total;
  if (fee < q.total) throw new StarknetTermsError("fee", fee, q.total, "is below the spoke's minimum fee");
  if (params.maxFee !== undefined && fee > params.maxFee)
    throw new FeeAboveMaxError(ctx.chain, params.modelId, fee, params.maxFee);
  const ttl = params.ttlSeconds ?? q.minTtl + 600;
  if (!Number.isSafeInteger(ttl) || ttl <= q.minTtl)
    throw new StarknetTermsError("ttlSeconds", ttl, q.minTtl, "must be an integer above the spoke's minimum");
  if (ttl > q.maxTtl) throw new StarknetTermsError("ttlSeconds", ttl, q.maxTtl, "is above the spoke's maximum");
  const block = await ctx.provider.getBlockWithTxHashes("latest");
  const now = BigInt("timestamp" in block ? block.timestamp : Math.floor(Date.now() / 1000));
  const deadline = now + BigInt(ttl);
  const calls = [
    {
      contractAddress: q.feeToken,
      entrypoint: "approve",
      calldata: CallData.compile({ spender: ctx.spoke, amount: cairo.uint256(fee) }),
    },
    {
      contractAddress: ctx.spoke,
      entrypoint: "request_inference",
      calldata: CallData.compile({
        model_id: cairo.uint256(params.modelId),
        input: params.input.map(toFelt),
        fee: cairo.uint256(fee),
        deadline: deadline.toString(),
      }),
    },
  ];
  let txHash: string;
  try {
    txHash = (await account.execute(calls)).transaction_hash;
  } catch (cause) {
    throw new ContractRevertError("ZkVinStarknetSpoke", "request_inference", null, [params.modelId, fee], { cause });
  }
  const receipt = await ctx.provider.waitForTransaction(txHash, { retryInterval: Math.min(ctx.pollIntervalMs, 500) });
  if (!receipt.isSuccess())
    throw new ContractRevertError("ZkVinStarknetSpoke", "request_inference", null, [params.modelId, fee], {
      cause: receipt.value,
    });
  const events = (receipt.value as { events?: Array<{ from_address: string; keys: string[] }> }).events ?? [];
  const requested = events.find(
    (e) => BigInt(e.from_address) === BigInt(ctx.spoke) && BigInt(e.keys[0] ?? 0) === BigInt(INFERENCE_REQUESTED),
  );
  if (!requested?.keys[1]) throw new MissingEventError("InferenceRequested", txHash);
  return {
    chain: ctx.chain,
    requestId: BigInt(requested.keys[1]),
    input: [...params.input],
    fee,
    deadline,
    transactionHash: txHash,
  };
}

export type StarknetRequestStatus = "pending" | "fulfilled" | "refunded" | "reclaimed";
const STATUS: readonly (StarknetRequestStatus | null)[] = [null, "pending", "fulfilled", "refunded", "reclaimed"];

export interface StarknetRequestState {
  chain: string;
  requestId: bigint;
  requester: string;
  modelId: bigint;
  fee: bigint;
  deadline: bigint;
  status: StarknetRequestStatus;
  /** Whether `deliver` handed the result to the requester (the relayer calls it). */
  delivered: boolean;
  /** The stored output (fixed point at the model's output scale), once fulfilled. */
  output: bigint[] | null;
}

/** A request as the spoke stores it; RequestNotFoundError for an id it never issued. */
export async function getRequest(ctx: StarknetContext, requestId: bigint): Promise<StarknetRequestState> {
  const r = await call(ctx, "get_request", [requestId.toString()]);
  const status = STATUS[Number(BigInt(r[8] ?? 0))] ?? null;
  if (!status) throw new RequestNotFoundError(requestId, ctx.chain);
  let output: bigint[] | null = null;
  if (status === "fulfilled") output = (await call(ctx, "get_output", [requestId.toString()])).slice(1).map(fromFelt);
  return {
    chain: ctx.chain,
    requestId,
    requester: r[0] ?? "0x0",
    modelId: u256(r[1], r[2]),
    fee: u256(r[3], r[4]),
    deadline: BigInt(r[5] ?? 0),
    status,
    delivered: BigInt(r[9] ?? 0) === 1n,
    output,
  };
}

/**
 * Polls until the request is settled (fulfilled, refunded or reclaimed) and returns its state;
 * `delivered: true` also waits for the consumer's callback. WaitTimeoutError after `timeoutMs` (default
 * 10 minutes), WaitAbortedError when `signal` fires.
 */
export async function waitForResult(
  ctx: StarknetContext,
  params: { requestId: bigint; timeoutMs?: number; delivered?: boolean; signal?: AbortSignal },
): Promise<StarknetRequestState> {
  const timeoutMs = params.timeoutMs ?? 600_000;
  const until = Date.now() + timeoutMs;
  let last = "unknown";
  for (;;) {
    if (params.signal?.aborted)
      throw new WaitAbortedError(params.requestId, ctx.chain, last, { cause: params.signal.reason });
    const state = await getRequest(ctx, params.requestId);
    last = state.status;
    const settled =
      state.status !== "pending" && (!params.delivered || state.status !== "fulfilled" || state.delivered);
    if (settled) return state;
    if (Date.now() > until) throw new WaitTimeoutError(params.requestId, ctx.chain, timeoutMs, last);
    await new Promise((r) => setTimeout(r, ctx.pollIntervalMs));
  }
}
