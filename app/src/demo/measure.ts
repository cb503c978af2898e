// What each answered request cost and took, read from the chains themselves: the consumer's stored value,
// the hub request behind a spoke request, the fulfilment transaction (its proof, gas, and how many
// requests the proof covered), the consumer callback's own gas (from a call trace of the transaction that
// delivered it), and the proving job's time in the prover worker (matched on the proof bytes).
import { dequantize, inferenceMarketAbi, type ZkVinClient } from "@zk-vin/oracle-sdk";
import type { ProveJobResult } from "@zk-vin/prover";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { type Address, decodeFunctionData, type Hash, type Hex, size, toFunctionSelector } from "viem";
import type { DevnetChain } from "../devnet/devnet.js";
import { regressionConsumerAbi } from "./consumer.js";
import { DemoResultError } from "./errors.js";
import type { CallbackSeen, SentRequest } from "./requests.js";

export interface FulfilmentInfo {
  transactionHash: Hash;
  blockNumber: bigint;
  /** Gas of the whole fulfilment transaction (verification, settlement, and for hub requests the callback). */
  gasUsed: bigint;
  /** Requests one proof fulfilled in that transaction. */
  requestsInProof: number;
  proofBytes: number;
  proof: Hex;
  /** The output the hub verified for this request (its InferenceFulfilled event). */
  output: bigint[];
}

export interface MeasuredRequest {
  request: SentRequest;
  hubRequestId: bigint;
  /** What the consumer contract holds for the request's key (read after the callback). */
  stored: { value: bigint; requestId: bigint; updatedAt: bigint; sequence: bigint };
  /** The output the oracle delivered (spoke: resultOf; hub: the fulfilment's InferenceFulfilled). */
  delivered: bigint[];
  outputScale: number;
  fulfilment: FulfilmentInfo;
  callback: CallbackSeen & {
    /** Gas used inside the consumer's onInferenceResult. */
    gasUsed: bigint;
    /** Gas of the transaction that called it (the fulfilment on the hub; the LayerZero delivery on a spoke). */
    transactionGasUsed: bigint;
  };
  latencyMs: number;
  /** Processing time of the proving job in the worker, when the job is still in the queue. */
  provingMs: number | null;
}

interface CallFrame {
  to?: string;
  input?: string;
  gasUsed?: string;
  error?: string;
  calls?: CallFrame[];
}

const ON_RESULT = toFunctionSelector("onInferenceResult(uint256,uint256,int256[])");

/** The gas the consumer's onInferenceResult(requestId, ...) used in `hash` (anvil's call tracer). */
export async function callbackGas(params: {
  chain: DevnetChain;
  transactionHash: Hash;
  consumer: Address;
  requestId: bigint;
}): Promise<bigint> {
  const request = params.chain.anvil.publicClient.request as unknown as (args: {
    method: string;
    params: unknown[];
  }) => Promise<CallFrame>;
  const root = await request({
    method: "debug_traceTransaction",
    params: [params.transactionHash, { tracer: "callTracer" }],
  });
  const consumer = params.consumer.toLowerCase();
  const stack: CallFrame[] = [root];
  while (stack.length > 0) {
    const frame = stack.pop()!;
    if (frame.to?.toLowerCase() === consumer && frame.input?.startsWith(ON_RESULT) && !frame.error) {
      const { args } = decodeFunctionData({ abi: regressionConsumerAbi, data: frame.input as Hex });
      if (args[0] === params.requestId && frame.gasUsed) return BigInt(frame.gasUsed);
    }
    stack.push(...(frame.calls ?? []));
  }
  throw new DemoResultError(
    `no successful onInferenceResult(${params.requestId}) to ${params.consumer} in ${params.transactionHash}`,
    { value: params.transactionHash },
  );
}

/** The hub transaction that fulfilled hub request `hubRequestId`, with its proof. */
export async function fulfilmentOf(params: { hub: DevnetChain; hubRequestId: bigint }): Promise<FulfilmentInfo> {
  const client = params.hub.anvil.publicClient;
  const market = params.hub.contracts.InferenceMarket!;
  const [event] = await client.getContractEvents({
    address: market,
    abi: inferenceMarketAbi,
    eventName: "InferenceFulfilled",
    args: { requestId: params.hubRequestId },
    fromBlock: BigInt(params.hub.startBlock),
    strict: true,
  });
  if (!event) {
    throw new DemoResultError(`hub request ${params.hubRequestId} has no InferenceFulfilled`, {
      value: params.hubRequestId,
    });
  }
  const [tx, receipt] = await Promise.all([
    client.getTransaction({ hash: event.transactionHash }),
    client.getTransactionReceipt({ hash: event.transactionHash }),
  ]);
  const call = decodeFunctionData({ abi: inferenceMarketAbi, data: tx.input });
  if (call.functionName !== "fulfil" && call.functionName !== "fulfilBatch") {
    throw new DemoResultError(`${event.transactionHash} calls ${call.functionName}, not fulfil or fulfilBatch`, {
      value: event.transactionHash,
    });
  }
  const proof = call.args[1] as Hex;
  return {
    transactionHash: event.transactionHash,
    blockNumber: event.blockNumber,
    gasUsed: receipt.gasUsed,
    requestsInProof: call.functionName === "fulfil" ? 1 : (call.args[0] as readonly bigint[]).length,
    proofBytes: size(proof),
    proof,
    output: [...event.args.output],
  };
}

/** Completed proving jobs of the run's queue, by proof bytes. */
export async function provingTimes(params: { redisUrl: string; queueName: string }): Promise<Map<Hex, number>> {
  const connection = new Redis(params.redisUrl, { maxRetriesPerRequest: null });
  const queue = new Queue(params.queueName, { connection });
  try {
    const jobs = await queue.getJobs(["completed"], 0, -1);
    const out = new Map<Hex, number>();
    for (const job of jobs) {
      const result = job.returnvalue as ProveJobResult | undefined;
      if (result?.proof) out.set(result.proof.toLowerCase() as Hex, result.latencyMs.processing);
    }
    return out;
  } finally {
    await queue.close();
    connection.disconnect();
  }
}

/** Everything the summary says about one answered request. */
export async function measureRequest(params: {
  request: SentRequest;
  callback: CallbackSeen;
  hub: DevnetChain;
  sdk: ZkVinClient;
  outputScale: number;
  proving: Map<Hex, number>;
}): Promise<MeasuredRequest> {
  const { request, callback, hub, sdk } = params;
  const chain = request.chain;
  const read = chain.anvil.publicClient;
  const stored = await read.readContract({
    address: request.consumer,
    abi: regressionConsumerAbi,
    functionName: "latest",
    args: [request.key],
  });
  const state = await sdk.getRequest({ chain: chain.name, requestId: request.requestId });
  if (state.status !== "fulfilled") {
    throw new DemoResultError(`${chain.name} request #${request.requestId} is ${state.status} after its callback`, {
      value: request.requestId,
    });
  }
  const hubRequestId = state.kind === "spoke" ? state.hubRequestId : request.requestId;
  const fulfilment = await fulfilmentOf({ hub, hubRequestId });
  const delivered = state.kind === "spoke" ? state.output : fulfilment.output;
  const [gasUsed, callbackReceipt] = await Promise.all([
    callbackGas({
      chain,
      transactionHash: callback.transactionHash,
      consumer: request.consumer,
      requestId: request.requestId,
    }),
    read.getTransactionReceipt({ hash: callback.transactionHash }),
  ]);
  return {
    request,
    hubRequestId,
    stored: {
      value: stored.value,
      requestId: stored.requestId,
      updatedAt: stored.updatedAt,
      sequence: stored.sequence,
    },
    delivered,
    outputScale: params.outputScale,
    fulfilment,
    callback: { ...callback, gasUsed, transactionGasUsed: callbackReceipt.gasUsed },
    latencyMs: callback.seenAt - request.sentAt,
    provingMs: params.proving.get(fulfilment.proof.toLowerCase() as Hex) ?? null,
  };
}

/**
 * The checks that make the run a success: the consumer stored the value of this very request, it equals
 * what the oracle delivered, and it is the model's own output for the input within fixed-point rounding.
 */
export function checkRequest(m: MeasuredRequest, tolerance: number): void {
  const r = m.request;
  const where = `request ${r.index} (${r.chain.name} #${r.requestId})`;
  if (m.stored.requestId !== r.requestId) {
    throw new DemoResultError(`${where}: the consumer's value for its key answers request ${m.stored.requestId}`, {
      value: m.stored,
    });
  }
  if (m.delivered.join() !== m.fulfilment.output.join()) {
    throw new DemoResultError(
      `${where}: the hub verified [${m.fulfilment.output.join(", ")}] but the oracle delivered [${m.delivered.join(", ")}]`,
      { value: m.delivered },
    );
  }
  if (m.delivered.length !== r.expected.length || m.delivered[0] !== m.stored.value) {
    throw new DemoResultError(
      `${where}: the consumer stored ${m.stored.value} but the oracle delivered [${m.delivered.join(", ")}]`,
      { value: m.delivered },
    );
  }
  m.delivered.forEach((v, i) => {
    const got = dequantize(v, m.outputScale);
    const want = r.expected[i]!;
    if (!(Math.abs(got - want) <= tolerance)) {
      throw new DemoResultError(
        `${where}: output ${i} is ${got}, the model gives ${want} for this input (tolerance ${tolerance})`,
        { value: got },
      );
    }
  });
}
