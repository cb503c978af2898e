// The demo's Starknet row: starknet-devnet beside the hub (when installed; `--no-starknet` leaves it out),
// the Cairo spoke and example consumer, and one request from that consumer carried by the relayer's
// Starknet lane: REQUEST L2 -> L1, consumed by the hub's StarknetGateway, proven by the node, RESULT
// L1 -> L2 into the spoke's L1 handler, `deliver` into the consumer. What it measures: latency, gas on the
// hub (consume, fulfil, the gateway's reply inside the fulfilment), fees on Starknet, the L1 -> L2
// message fee and the fee split; what it checks: the consumer stores exactly the hub's verified output,
// which is the model's own output, delivered once, and the fee is fully accounted for.
import { dequantize } from "@zk-vin/oracle-sdk";
import { decodeFulfilled, feltToI128, i128ToFelt, SPOKE_EVENTS } from "@zk-vin/relayer";
import { CallData, cairo } from "starknet";
import { type Hash, type Hex, padHex, parseAbi, toFunctionSelector, toHex } from "viem";
import type { DevnetChain, DevnetModel } from "../devnet/devnet.js";
import { type StarknetDevnet, startStarknetSide } from "../devnet/starknet.js";
import type { StarknetDevnetState } from "../devnet/starknet-devnet.js";
import { DemoError, DemoResultError } from "./errors.js";
import { fulfilmentOf } from "./measure.js";

// Signed values as Cairo i128 felts: the relayer's Starknet codec, the one the lane decodes with.
const toFelt = (v: bigint) => `0x${i128ToFelt(v).toString(16)}`;
const fromFelt = (f: string) => feltToI128(BigInt(f));

/** What the Cairo consumer pays per request (0.01 STRK; the spoke's minimum is 0.001). */
export const STARKNET_DEMO_FEE = 10n ** 16n;

const hubAbi = parseAbi([
  "event RequestConsumed(bytes32 indexed key, uint256 indexed spoke, uint64 spokeRequestId, uint256 indexed hubRequestId, bytes32 msgHash)",
  "event LogMessageToL2(address indexed fromAddress, uint256 indexed toAddress, uint256 indexed selector, uint256[] payload, uint256 nonce, uint256 fee)",
]);
const ON_REMOTE_RESULT = toFunctionSelector(
  "onRemoteResult(uint256,uint256,int256[],(address,uint256,address,uint256,uint256))",
);

/** Whether the demo runs its Starknet row, and if not, the line that says why. */
export type StarknetPlan = { run: true; bin: string } | { run: false; reason: string };

export function starknetPlan(params: { wanted: boolean; state: StarknetDevnetState }): StarknetPlan {
  if (!params.wanted) return { run: false, reason: "left out (--no-starknet)" };
  const { state } = params;
  if (state.kind === "installed") return { run: true, bin: state.bin };
  if (state.kind === "building") {
    return {
      run: false,
      reason:
        `starknet-devnet 0.10.1 is still being built by the set-up (pid ${state.pid}, log ${state.log}); ` +
        "this run goes without the Starknet row",
    };
  }
  return {
    run: false,
    reason:
      "starknet-devnet 0.10.1 is not installed (`npm run setup` builds it with cargo, 45-100 minutes); " +
      "this run goes without the Starknet row",
  };
}

export async function startDemoStarknet(params: {
  hub: DevnetChain | Promise<DevnetChain>;
  onLog: (line: string) => void;
}) {
  return startStarknetSide({ hub: params.hub, options: { onLog: params.onLog } });
}

export interface StarknetAsked {
  /** 1-based position in the demo (after the EVM requests). */
  index: number;
  sample: number;
  input: number[];
  inputFixed: bigint[];
  expected: number[];
  requestId: bigint;
  fee: bigint;
  transactionHash: string;
  /** Date.now() just before the ask was sent. */
  sentAt: number;
  /** starknet-devnet's block before the ask (where event reads start). */
  fromBlock: number;
}

/** The example Cairo consumer asks for an inference on `inputFixed` (the model's fixed-point input). */
export async function askStarknet(params: {
  sn: StarknetDevnet;
  model: DevnetModel;
  index: number;
  sample: number;
  input: number[];
  inputFixed: bigint[];
  expected: number[];
  fee?: bigint;
}): Promise<StarknetAsked> {
  const { sn } = params;
  const fee = params.fee ?? STARKNET_DEMO_FEE;
  const fromBlock = await sn.provider.getBlockNumber();
  const block = await sn.provider.getBlockWithTxHashes("latest");
  const now = "timestamp" in block ? Number(block.timestamp) : Math.floor(Date.now() / 1000);
  const sentAt = Date.now();
  const ask = await sn.account("user").execute({
    contractAddress: sn.contracts.consumer,
    entrypoint: "ask",
    calldata: CallData.compile({
      model_id: cairo.uint256(params.model.modelId),
      input: params.inputFixed.map(toFelt),
      fee: cairo.uint256(fee),
      deadline: now + 3600,
    }),
  });
  const receipt = await sn.provider.waitForTransaction(ask.transaction_hash, { retryInterval: 100 });
  if (!receipt.isSuccess()) {
    throw new DemoResultError(`the Cairo consumer's ask ${ask.transaction_hash} failed`, {
      value: ask.transaction_hash,
    });
  }
  const events = (receipt.value as { events: Array<{ from_address: string; keys: string[] }> }).events;
  const requested = events.find(
    (e) =>
      BigInt(e.from_address) === BigInt(sn.contracts.spoke) &&
      BigInt(e.keys[0] ?? 0) === BigInt(SPOKE_EVENTS.InferenceRequested),
  );
  if (!requested?.keys[1]) {
    throw new DemoResultError(`ask ${ask.transaction_hash} emitted no InferenceRequested`, {
      value: ask.transaction_hash,
    });
  }
  return {
    index: params.index,
    sample: params.sample,
    input: params.input,
    inputFixed: params.inputFixed,
    expected: params.expected,
    requestId: BigInt(requested.keys[1]),
    fee,
    transactionHash: ask.transaction_hash,
    sentAt,
    fromBlock,
  };
}

/** The consumer's stored answer to `requestId` (fixed point), or null while it has none. */
export async function consumerAnswer(sn: StarknetDevnet, requestId: bigint): Promise<bigint[] | null> {
  const [answered] = await sn.provider.callContract({
    contractAddress: sn.contracts.consumer,
    entrypoint: "is_answered",
    calldata: [requestId.toString()],
  });
  if (BigInt(answered ?? 0) !== 1n) return null;
  const out = await sn.provider.callContract({
    contractAddress: sn.contracts.consumer,
    entrypoint: "output_of",
    calldata: [requestId.toString()],
  });
  return out.slice(1).map(fromFelt);
}

/** Polls the consumer until it holds an answer to the request; returns when it was first seen. */
export async function waitForStarknetAnswer(params: {
  sn: StarknetDevnet;
  asked: StarknetAsked;
  timeoutMs: number;
  signal?: AbortSignal;
}): Promise<{ seenAt: number; stored: bigint[] }> {
  const until = Date.now() + params.timeoutMs;
  for (;;) {
    if (params.signal?.aborted) throw params.signal.reason;
    const stored = await consumerAnswer(params.sn, params.asked.requestId);
    if (stored) return { seenAt: Date.now(), stored };
    if (Date.now() > until) {
      throw new DemoError(
        `the Cairo consumer has no answer to Starknet request #${params.asked.requestId} after ${params.timeoutMs} ms`,
        { value: params.asked.requestId },
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

type SpokeEvent = { keys: string[]; data: string[]; transaction_hash: string };

async function spokeEvents(sn: StarknetDevnet, selector: string, fromBlock: number): Promise<SpokeEvent[]> {
  const out: SpokeEvent[] = [];
  let token: string | undefined;
  do {
    const page = await sn.provider.getEvents({
      address: sn.contracts.spoke,
      from_block: { block_number: fromBlock },
      to_block: "latest",
      keys: [[selector]],
      chunk_size: 1000,
      ...(token ? { continuation_token: token } : {}),
    });
    out.push(...page.events);
    token = page.continuation_token;
  } while (token);
  return out;
}

interface CallFrame {
  to?: string;
  input?: string;
  gasUsed?: string;
  error?: string;
  calls?: CallFrame[];
}

/** Gas of the gateway's onRemoteResult(hubRequestId, ...) inside the fulfilment: the reply to Starknet. */
async function replyGas(hub: DevnetChain, tx: Hash, gateway: string, hubRequestId: bigint): Promise<bigint> {
  const request = hub.anvil.publicClient.request as unknown as (args: {
    method: string;
    params: unknown[];
  }) => Promise<CallFrame>;
  const root = await request({ method: "debug_traceTransaction", params: [tx, { tracer: "callTracer" }] });
  const prefix = `${ON_REMOTE_RESULT}${padHex(toHex(hubRequestId), { size: 32 }).slice(2)}`.toLowerCase();
  const stack: CallFrame[] = [root];
  while (stack.length > 0) {
    const frame = stack.pop()!;
    if (
      frame.to?.toLowerCase() === gateway.toLowerCase() &&
      frame.input?.toLowerCase().startsWith(prefix) &&
      !frame.error &&
      frame.gasUsed
    )
      return BigInt(frame.gasUsed);
    stack.push(...(frame.calls ?? []));
  }
  throw new DemoResultError(`no successful onRemoteResult(${hubRequestId}) to the StarknetGateway in ${tx}`, {
    value: tx,
  });
}

/** Everything the summary says about the Starknet request, read from both chains. */
export interface StarknetMeasured {
  asked: StarknetAsked;
  /** What the Cairo consumer stores (fixed point). */
  stored: bigint[];
  /** What the spoke settled (its InferenceFulfilled event, from the RESULT message). */
  settled: bigint[];
  /** What the hub verified (the market's InferenceFulfilled). */
  verified: bigint[];
  /** ResultDelivered events for the request (1: delivered exactly once). */
  deliveries: number;
  outputScale: number;
  hubRequestId: bigint;
  split: { node: bigint; modelOwner: bigint; protocol: bigint; refund: bigint };
  payees: { node: bigint; modelOwner: bigint };
  /** The Starknet accounts the gateway has registered for the node and the model owner. */
  expectedPayees: { node: bigint; modelOwner: bigint };
  transactions: { ask: string; consume: Hash; fulfil: Hash; l1Handler: string; deliver: string | null };
  gas: { consume: bigint; fulfil: bigint; reply: bigint };
  requestsInProof: number;
  proofBytes: number;
  provingMs: number | null;
  /** Fees in FRI (STRK's smallest unit) of the consumer's ask and the relayer's deliver. */
  l2Fees: { ask: bigint; deliver: bigint | null };
  /** Wei the gateway paid StarknetMessaging for the RESULT message (from its deposit). */
  l1MessageFee: bigint;
  latencyMs: number;
}

export async function measureStarknetRequest(params: {
  sn: StarknetDevnet;
  hub: DevnetChain;
  asked: StarknetAsked;
  answer: { seenAt: number; stored: bigint[] };
  outputScale: number;
  proving: Map<Hex, number>;
}): Promise<StarknetMeasured> {
  const { sn, hub, asked } = params;
  const read = hub.anvil.publicClient;
  const consumed = (
    await read.getContractEvents({
      address: sn.hub.gateway,
      abi: hubAbi,
      eventName: "RequestConsumed",
      fromBlock: BigInt(sn.hub.startBlock),
      strict: true,
    })
  ).find((e) => e.args.spokeRequestId === asked.requestId);
  if (!consumed) {
    throw new DemoResultError(`the StarknetGateway consumed no REQUEST for Starknet request #${asked.requestId}`, {
      value: asked.requestId,
    });
  }
  const hubRequestId = consumed.args.hubRequestId;
  const fulfilment = await fulfilmentOf({ hub, hubRequestId });
  const resultMessage = (
    await read.getContractEvents({
      address: sn.hub.messaging,
      abi: hubAbi,
      eventName: "LogMessageToL2",
      args: { fromAddress: sn.hub.gateway, toAddress: BigInt(sn.contracts.spoke) },
      fromBlock: BigInt(sn.hub.startBlock),
      strict: true,
    })
  ).find((e) => e.args.payload[3] === asked.requestId);
  if (!resultMessage) {
    throw new DemoResultError(`the gateway sent no message to L2 for Starknet request #${asked.requestId}`, {
      value: asked.requestId,
    });
  }
  const [consumeReceipt, reply] = await Promise.all([
    read.getTransactionReceipt({ hash: consumed.transactionHash }),
    replyGas(hub, fulfilment.transactionHash, sn.hub.gateway, hubRequestId),
  ]);

  const settledEvents = (await spokeEvents(sn, SPOKE_EVENTS.InferenceFulfilled, asked.fromBlock))
    .map((e) => ({ e, f: decodeFulfilled(e.keys, e.data) }))
    .filter(({ f }) => f.requestId === asked.requestId);
  const settled = settledEvents[0];
  if (!settled) {
    throw new DemoResultError(`the spoke settled no result for Starknet request #${asked.requestId}`, {
      value: asked.requestId,
    });
  }
  const delivered = (await spokeEvents(sn, SPOKE_EVENTS.ResultDelivered, asked.fromBlock)).filter(
    (e) => BigInt(e.keys[1] ?? 0) === asked.requestId,
  );
  const askReceipt = await sn.provider.getTransactionReceipt(asked.transactionHash);
  const deliverReceipt = delivered[0] ? await sn.provider.getTransactionReceipt(delivered[0].transaction_hash) : null;
  const fee = (r: typeof askReceipt) => BigInt((r.value as { actual_fee: { amount: string } }).actual_fee.amount);
  const f = settled.f;
  return {
    asked,
    stored: params.answer.stored,
    settled: f.output,
    verified: fulfilment.output,
    deliveries: delivered.length,
    outputScale: params.outputScale,
    hubRequestId,
    split: { node: f.nodeAmount, modelOwner: f.modelOwnerAmount, protocol: f.protocolAmount, refund: f.refund },
    payees: { node: f.node, modelOwner: f.modelOwner },
    // The devnet registers the operator's and the deployer's (the model owner's) Starknet accounts.
    expectedPayees: { node: BigInt(sn.accounts.operator.address), modelOwner: BigInt(sn.accounts.deployer.address) },
    transactions: {
      ask: asked.transactionHash,
      consume: consumed.transactionHash,
      fulfil: fulfilment.transactionHash,
      l1Handler: settled.e.transaction_hash,
      deliver: delivered[0]?.transaction_hash ?? null,
    },
    gas: { consume: consumeReceipt.gasUsed, fulfil: fulfilment.gasUsed, reply },
    requestsInProof: fulfilment.requestsInProof,
    proofBytes: fulfilment.proofBytes,
    provingMs: params.proving.get(fulfilment.proof.toLowerCase() as Hex) ?? null,
    l2Fees: { ask: fee(askReceipt), deliver: deliverReceipt ? fee(deliverReceipt) : null },
    l1MessageFee: resultMessage.args.fee,
    latencyMs: params.answer.seenAt - asked.sentAt,
  };
}

/**
 * The checks that make the Starknet row a success (as checkRequest for the EVM rows): the consumer stores
 * exactly what the spoke settled and the hub verified, delivered once; it is the model's own output for
 * the input within `tolerance`; the fee is split to the registered payees and every unit accounted for.
 */
export function checkStarknetRequest(m: StarknetMeasured, tolerance: number): void {
  const where = `Starknet request ${m.asked.index} (#${m.asked.requestId}, hub #${m.hubRequestId})`;
  const list = (v: readonly bigint[]) => `[${v.join(", ")}]`;
  if (m.settled.join() !== m.verified.join()) {
    throw new DemoResultError(
      `${where}: the hub verified ${list(m.verified)} but the spoke settled ${list(m.settled)}`,
      {
        value: m.settled,
      },
    );
  }
  if (m.stored.join() !== m.verified.join()) {
    throw new DemoResultError(
      `${where}: the Cairo consumer stored ${list(m.stored)} but the hub verified ${list(m.verified)}`,
      {
        value: m.stored,
      },
    );
  }
  if (m.deliveries !== 1) {
    throw new DemoResultError(`${where}: delivered ${m.deliveries} times, not once`, { value: m.deliveries });
  }
  if (m.stored.length !== m.asked.expected.length) {
    throw new DemoResultError(`${where}: ${m.stored.length} outputs, the model gives ${m.asked.expected.length}`, {
      value: m.stored,
    });
  }
  m.stored.forEach((v, i) => {
    const got = dequantize(v, m.outputScale);
    const want = m.asked.expected[i]!;
    if (!(Math.abs(got - want) <= tolerance)) {
      throw new DemoResultError(
        `${where}: output ${i} is ${got}, the model gives ${want} for this input (tolerance ${tolerance})`,
        { value: got },
      );
    }
  });
  const { node, modelOwner, protocol, refund } = m.split;
  if (node + modelOwner + protocol + refund !== m.asked.fee) {
    throw new DemoResultError(
      `${where}: the split ${node} + ${modelOwner} + ${protocol} + ${refund} does not add up to the fee ${m.asked.fee}`,
      { value: m.split },
    );
  }
  if (m.payees.node !== m.expectedPayees.node || m.payees.modelOwner !== m.expectedPayees.modelOwner) {
    throw new DemoResultError(`${where}: the fee went to payees other than the node's and the model owner's`, {
      value: m.payees,
    });
  }
}

/** The Starknet request as the summary (and its JSON) carries it. */
export interface StarknetRequestSummary {
  index: number;
  chain: "starknet-devnet";
  consumer: string;
  requestId: string;
  hubRequestId: string;
  sample: number;
  input: number[];
  inputFixed: string[];
  expected: number[];
  output: number[];
  outputFixed: string[];
  verifiedFixed: string[];
  fee: string;
  split: { node: string; modelOwner: string; protocol: string; refund: string };
  transactions: { ask: string; consume: string; fulfil: string; l1Handler: string; deliver: string | null };
  gas: { consume: string; fulfil: string; reply: string };
  requestsInProof: number;
  proofBytes: number;
  provingMs: number | null;
  l2Fees: { ask: string; deliver: string | null };
  l1MessageFee: string;
  latencyMs: number;
}

export interface StarknetSummary {
  ran: boolean;
  /** Why it did not run (--no-starknet, not installed, still building). */
  reason: string | null;
  rpcUrl?: string;
  chainId?: string;
  contracts?: { spoke: string; consumer: string; gateway: string; messaging: string };
  requests: StarknetRequestSummary[];
}

export function summariseStarknet(sn: StarknetDevnet, measured: StarknetMeasured[]): StarknetSummary {
  return {
    ran: true,
    reason: null,
    rpcUrl: sn.process.rpcUrl,
    chainId: sn.chainId,
    contracts: {
      spoke: sn.contracts.spoke,
      consumer: sn.contracts.consumer,
      gateway: sn.hub.gateway,
      messaging: sn.hub.messaging,
    },
    requests: measured.map((m) => ({
      index: m.asked.index,
      chain: "starknet-devnet",
      consumer: sn.contracts.consumer,
      requestId: String(m.asked.requestId),
      hubRequestId: String(m.hubRequestId),
      sample: m.asked.sample,
      input: m.asked.input,
      inputFixed: m.asked.inputFixed.map(String),
      expected: m.asked.expected,
      output: m.stored.map((v) => dequantize(v, m.outputScale)),
      outputFixed: m.stored.map(String),
      verifiedFixed: m.verified.map(String),
      fee: String(m.asked.fee),
      split: {
        node: String(m.split.node),
        modelOwner: String(m.split.modelOwner),
        protocol: String(m.split.protocol),
        refund: String(m.split.refund),
      },
      transactions: m.transactions,
      gas: { consume: String(m.gas.consume), fulfil: String(m.gas.fulfil), reply: String(m.gas.reply) },
      requestsInProof: m.requestsInProof,
      proofBytes: m.proofBytes,
      provingMs: m.provingMs,
      l2Fees: { ask: String(m.l2Fees.ask), deliver: m.l2Fees.deliver === null ? null : String(m.l2Fees.deliver) },
      l1MessageFee: String(m.l1MessageFee),
      latencyMs: m.latencyMs,
    })),
  };
}
