import type { LogBatch, NewOutboxEntry } from "@zk-vin/chain-kit";
import { RelayerError } from "@zk-vin/chain-kit";
import { type Address, type Hex, isAddressEqual, type PublicClient } from "viem";
import { marketEventsAbi } from "./abi.js";
import { INFERENCE_KIND, type InferencePayload, inferenceKey } from "./types.js";

/** What InferenceRequested says about a request: enough to prove it. */
export interface RequestedInference {
  modelId: bigint;
  input: readonly bigint[];
  inputCommitment: bigint;
  requester: Address;
}

/** InferenceRequested for an assigned request was not found on the hub (an inconsistent RPC or a reorg). */
export class RequestEventMissingError extends RelayerError {
  override readonly name = "RequestEventMissingError";
  constructor(readonly requestId: bigint) {
    super(`no InferenceRequested event for request ${requestId} on the hub`);
  }
}

/**
 * Turns a batch of the market's InferenceRequested / InferenceAssigned logs into outbox entries: one per
 * assignment to `operator`, keyed by request and deadline (a reassignment back to this node is a new
 * entry). A first assignment shares its transaction with InferenceRequested; a reassignment after an
 * expiry does not, so its request is looked up with `lookup`. Idempotent: the caller enqueues by key.
 */
export async function assignmentEntries(params: {
  batch: LogBatch<typeof marketEventsAbi>;
  operator: Address;
  lookup: (requestId: bigint) => Promise<RequestedInference>;
  now: number;
}): Promise<NewOutboxEntry<InferencePayload>[]> {
  const requested = new Map<bigint, RequestedInference>();
  for (const log of params.batch.logs) {
    if (log.eventName !== "InferenceRequested") continue;
    const a = log.args;
    requested.set(a.requestId, {
      modelId: a.modelId,
      input: a.input,
      inputCommitment: a.inputCommitment,
      requester: a.requester,
    });
  }
  const entries: NewOutboxEntry<InferencePayload>[] = [];
  for (const log of params.batch.logs) {
    if (log.eventName !== "InferenceAssigned" || !isAddressEqual(log.args.node, params.operator)) continue;
    const { requestId, epoch, deadline } = log.args;
    const info = requested.get(requestId) ?? (await params.lookup(requestId));
    entries.push({
      kind: INFERENCE_KIND,
      key: inferenceKey(requestId, deadline),
      sourceChainId: params.batch.chainId,
      sourceBlock: log.blockNumber,
      sourceLogIndex: log.logIndex,
      payload: {
        requestId: requestId.toString(),
        modelId: info.modelId.toString(),
        input: info.input.map((v) => v.toString()),
        inputCommitment: info.inputCommitment.toString(),
        requester: info.requester,
        deadline: deadline.toString(),
        epoch,
        assignedBlock: log.blockNumber.toString(),
        assignedTx: log.transactionHash as Hex,
        discoveredAt: params.now,
      },
    });
  }
  return entries;
}

/** Finds a request's InferenceRequested event on the hub (the request id is an indexed topic). */
export async function lookupRequested(params: {
  client: PublicClient;
  market: Address;
  fromBlock: bigint;
  requestId: bigint;
}): Promise<RequestedInference> {
  const logs = await params.client.getContractEvents({
    address: params.market,
    abi: marketEventsAbi,
    eventName: "InferenceRequested",
    args: { requestId: params.requestId },
    fromBlock: params.fromBlock,
    toBlock: "latest",
    strict: true,
  });
  const log = logs[0];
  if (!log) throw new RequestEventMissingError(params.requestId);
  return {
    modelId: log.args.modelId,
    input: log.args.input,
    inputCommitment: log.args.inputCommitment,
    requester: log.args.requester,
  };
}
