// Live feeds of requests and their outcomes, viem watchContractEvent-style: each returns the function that
// stops it. Logs are delivered as they are mined (no confirmations, no reorg check): waitForResult is the
// confirmed path for one request.
import type { Address, Hash, Hex, Log } from "viem";
import { inferenceMarketAbi, zkVinSpokeAbi } from "../abi/index.js";
import { type ChainContext, contractOf } from "../chain.js";
import { getRequest, type InferenceResult, requestTerms, resultFromLog } from "./requests.js";

export interface RequestEvent {
  chain: string;
  requestId: bigint;
  modelId: bigint;
  requester: Address;
  /** Fixed point, as the contract took it. */
  input: bigint[];
  inputCommitment: bigint;
  callbackGasLimit: number;
  blockNumber: bigint;
  blockHash: Hex;
  transactionHash: Hash;
}

interface WatchOptions {
  onError?: (error: Error) => void;
  /** Poll interval in ms (default: the client's). */
  pollingInterval?: number;
  /** Deliver logs from this block on (default: new blocks only). */
  fromBlock?: bigint;
}

export type WatchRequestsParameters = WatchOptions & {
  onRequests: (requests: RequestEvent[]) => void;
  requester?: Address;
  modelId?: bigint;
};

/** Calls `onRequests` with each batch of new requests (optionally only a requester's, or a model's). */
export function watchRequests(ctx: ChainContext, params: WatchRequestsParameters): () => void {
  const hub = ctx.config.role === "hub";
  const common = {
    address: contractOf(ctx, hub ? "InferenceMarket" : "ZkVinSpoke"),
    eventName: "InferenceRequested",
    args: { requester: params.requester, modelId: params.modelId },
    strict: true,
    poll: true,
    pollingInterval: params.pollingInterval,
    fromBlock: params.fromBlock,
    onError: params.onError,
  } as const;
  const located = (l: Log) => ({
    chain: ctx.config.name,
    blockNumber: l.blockNumber ?? 0n,
    blockHash: l.blockHash ?? "0x",
    transactionHash: l.transactionHash ?? "0x",
  });
  const event = (
    l: Log,
    a: {
      requestId: bigint;
      modelId: bigint;
      requester: Address;
      input: readonly bigint[];
      inputCommitment: bigint;
      callbackGasLimit: number;
    },
  ): RequestEvent => ({
    ...located(l),
    requestId: a.requestId,
    modelId: a.modelId,
    requester: a.requester,
    input: [...a.input],
    inputCommitment: a.inputCommitment,
    callbackGasLimit: a.callbackGasLimit,
  });
  if (hub) {
    return ctx.publicClient.watchContractEvent({
      ...common,
      abi: inferenceMarketAbi,
      onLogs: (logs) => params.onRequests(logs.map((l) => event(l, l.args))),
    });
  }
  return ctx.publicClient.watchContractEvent({
    ...common,
    abi: zkVinSpokeAbi,
    onLogs: (logs) => params.onRequests(logs.map((l) => event(l, l.args))),
  });
}

export type WatchResultsParameters = WatchOptions & {
  onResults: (results: InferenceResult[]) => void;
  /** Only these requests' outcomes (default: every request's). */
  requestIds?: readonly bigint[];
};

/**
 * Calls `onResults` with each batch of outcomes (InferenceFulfilled with the decoded values, or
 * InferenceRefunded), optionally only those of `requestIds`.
 */
export function watchResults(ctx: ChainContext, params: WatchResultsParameters): () => void {
  const hub = ctx.config.role === "hub";
  const scales = new Map<bigint, Promise<number>>();
  const outputScale = async (requestId: bigint): Promise<number> => {
    const { modelId } = await getRequest(ctx, { requestId });
    let s = scales.get(modelId);
    if (!s) {
      s = requestTerms(ctx, modelId).then((t) => t.outputScale);
      scales.set(modelId, s);
    }
    return s;
  };
  const deliver = (logs: ReadonlyArray<{ log: Log; requestId: bigint }>) => {
    Promise.all(
      logs.map(async ({ log, requestId }) => resultFromLog(ctx, log, requestId, await outputScale(requestId))),
    )
      .then((results) => params.onResults(results))
      .catch((error: unknown) => params.onError?.(error instanceof Error ? error : new Error(String(error))));
  };
  const common = {
    address: contractOf(ctx, hub ? "InferenceMarket" : "ZkVinSpoke"),
    args: { requestId: params.requestIds ? [...params.requestIds] : undefined },
    strict: true,
    poll: true,
    pollingInterval: params.pollingInterval,
    fromBlock: params.fromBlock,
    onError: params.onError,
  } as const;
  const stops = (["InferenceFulfilled", "InferenceRefunded"] as const).map((eventName) =>
    hub
      ? ctx.publicClient.watchContractEvent({
          ...common,
          abi: inferenceMarketAbi,
          eventName,
          onLogs: (logs) => deliver(logs.map((log) => ({ log, requestId: log.args.requestId }))),
        })
      : ctx.publicClient.watchContractEvent({
          ...common,
          abi: zkVinSpokeAbi,
          eventName,
          onLogs: (logs) => deliver(logs.map((log) => ({ log, requestId: log.args.requestId }))),
        }),
  );
  return () => {
    for (const stop of stops) stop();
  };
}
