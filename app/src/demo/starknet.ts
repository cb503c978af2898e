// The demo's Starknet row: starknet-devnet beside the hub (when installed; `--no-starknet` leaves it out),
// the Cairo spoke and example consumer, and one request from that consumer carried by the relayer's
// Starknet lane: REQUEST L2 -> L1, consumed by the hub's StarknetGateway, proven by the node, RESULT
// L1 -> L2 into the spoke's L1 handler, `deliver` into the consumer. What it measures: latency, gas on the
// hub, fees on Starknet, the fee split, and that the consumer stores exactly the hub's verified output.
import { dequantize, quantize } from "@zk-vin/oracle-sdk";
import { feltToI128, i128ToFelt } from "@zk-vin/relayer";
import { CallData, cairo, hash } from "starknet";
import { type Hex, parseAbi } from "viem";
import type { DevnetChain, DevnetModel } from "../devnet/devnet.js";
import { type StarknetDevnet, startStarknetSide } from "../devnet/starknet.js";
import { findStarknetDevnet } from "../devnet/starknet-devnet.js";
import { DemoError } from "./errors.js";

// Signed values as Cairo i128 felts: the relayer's Starknet codec, the one the lane decodes with.
const toFelt = (v: bigint) => `0x${i128ToFelt(v).toString(16)}`;
const fromFelt = (f: string) => feltToI128(BigInt(f));
const u256 = (low: string | undefined, high: string | undefined) => BigInt(low ?? 0) + (BigInt(high ?? 0) << 128n);

const SELECTOR = {
  InferenceRequested: hash.getSelectorFromName("InferenceRequested"),
  InferenceFulfilled: hash.getSelectorFromName("InferenceFulfilled"),
  ResultDelivered: hash.getSelectorFromName("ResultDelivered"),
};

const hubAbi = parseAbi([
  "event RequestConsumed(bytes32 indexed key, uint256 indexed spoke, uint64 spokeRequestId, uint256 indexed hubRequestId, bytes32 msgHash)",
  "event InferenceFulfilled(uint256 indexed requestId, int256[] output)",
  "event ReplySent(bytes32 indexed key, uint8 kind, bytes32 msgHash, uint256 nonce)",
]);

/** Whether the demo runs a Starknet row: starknet-devnet is installed and `--no-starknet` was not given. */
export async function starknetAvailable(): Promise<boolean> {
  return (await findStarknetDevnet()) !== null;
}

export async function startDemoStarknet(params: { hub: DevnetChain; onLog: (line: string) => void }) {
  return startStarknetSide({ hub: params.hub, options: { onLog: params.onLog } });
}

export interface StarknetDemoRow {
  spokeRequestId: string;
  hubRequestId: string;
  input: number[];
  inputFixed: string[];
  expected: number[];
  output: number[];
  outputFixed: string[];
  /** The hub's verified output (fixed point): the consumer must store exactly this. */
  verifiedFixed: string[];
  fee: string;
  split: { node: string; modelOwner: string; protocol: string; refund: string };
  transactions: {
    ask: string;
    consume: Hex;
    fulfil: Hex;
    l1Handler: string;
    deliver: string;
  };
  gas: { consume: string; fulfil: string };
  /** Starknet fees in FRI (STRK's smallest unit) of the consumer's ask and the relayer's deliver. */
  l2Fees: { ask: string; deliver: string; l1HandlerL2Gas: string };
  /** ask sent -> consumer's answer stored. */
  latencyMs: number;
}

async function poll<T>(what: string, check: () => Promise<T | undefined>, timeoutMs: number, signal?: AbortSignal) {
  const until = Date.now() + timeoutMs;
  for (;;) {
    if (signal?.aborted) throw new DemoError(`stopped waiting for ${what}`);
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > until) throw new DemoError(`no ${what} within ${timeoutMs} ms`, { value: timeoutMs });
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function events(sn: StarknetDevnet, selector: string, fromBlock: number) {
  const out: Array<{ keys: string[]; data: string[]; transaction_hash: string }> = [];
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

/** One request from the Cairo consumer, followed to its stored answer; throws when anything disagrees. */
export async function runStarknetRequest(params: {
  sn: StarknetDevnet;
  hub: DevnetChain;
  model: DevnetModel;
  input: number[];
  expected: number[];
  tolerance: number;
  fee?: bigint;
  timeoutMs: number;
  signal?: AbortSignal;
}): Promise<StarknetDemoRow> {
  const { sn, hub, model } = params;
  const inScale = model.manifest.inputs[0]!.scale;
  const outScale = model.manifest.outputs[0]!.scale;
  // The SDK's rounding (half away from zero), the one the prover and every requester use.
  const inputFixed = params.input.map((x) => quantize(x, inScale));
  const fee = params.fee ?? 10n ** 16n;
  const fromBlock = await sn.provider.getBlockNumber();
  const block = await sn.provider.getBlockWithTxHashes("latest");
  const now = "timestamp" in block ? Number(block.timestamp) : Math.floor(Date.now() / 1000);
  const t0 = Date.now();
  const ask = await sn.account("user").execute({
    contractAddress: sn.contracts.consumer,
    entrypoint: "ask",
    calldata: CallData.compile({
      model_id: cairo.uint256(model.modelId),
      input: inputFixed.map(toFelt),
      fee: cairo.uint256(fee),
      deadline: now + 3600,
    }),
  });
  const askReceipt = await sn.provider.waitForTransaction(ask.transaction_hash, { retryInterval: 100 });
  if (!askReceipt.isSuccess()) throw new DemoError(`the Cairo consumer's ask ${ask.transaction_hash} failed`);
  const askValue = askReceipt.value as {
    events: Array<{ from_address: string; keys: string[] }>;
    actual_fee: { amount: string };
  };
  const requested = askValue.events.find(
    (e) =>
      BigInt(e.from_address) === BigInt(sn.contracts.spoke) &&
      BigInt(e.keys[0]!) === BigInt(SELECTOR.InferenceRequested),
  );
  if (!requested) throw new DemoError(`ask ${ask.transaction_hash} emitted no InferenceRequested`);
  const requestId = BigInt(requested.keys[1]!);

  const output = await poll(
    "answer in the Cairo consumer",
    async () => {
      const [answered] = await sn.provider.callContract({
        contractAddress: sn.contracts.consumer,
        entrypoint: "is_answered",
        calldata: [requestId.toString()],
      });
      if (BigInt(answered ?? 0) !== 1n) return undefined;
      const out = await sn.provider.callContract({
        contractAddress: sn.contracts.consumer,
        entrypoint: "output_of",
        calldata: [requestId.toString()],
      });
      return out.slice(1).map(fromFelt);
    },
    params.timeoutMs,
    params.signal,
  );
  const latencyMs = Date.now() - t0;

  // The hub side: the consume, the fulfilment, the verified output.
  const read = hub.anvil.publicClient;
  const consumed = (
    await read.getContractEvents({
      address: sn.hub.gateway,
      abi: hubAbi,
      eventName: "RequestConsumed",
      fromBlock: 0n,
      strict: true,
    })
  ).find((e) => e.args.spokeRequestId === requestId);
  if (!consumed) throw new DemoError(`no RequestConsumed for Starknet request ${requestId}`);
  const hubRequestId = consumed.args.hubRequestId;
  const [fulfilled] = await read.getContractEvents({
    address: hub.contracts.InferenceMarket!,
    abi: hubAbi,
    eventName: "InferenceFulfilled",
    args: { requestId: hubRequestId },
    fromBlock: 0n,
    strict: true,
  });
  if (!fulfilled) throw new DemoError(`hub request ${hubRequestId} has no InferenceFulfilled`);
  const verified = [...fulfilled.args.output];
  const [consumeReceipt, fulfilReceipt] = await Promise.all([
    read.getTransactionReceipt({ hash: consumed.transactionHash }),
    read.getTransactionReceipt({ hash: fulfilled.transactionHash }),
  ]);

  // The Starknet side: the L1 handler that settled, and the delivery.
  const settled = (await events(sn, SELECTOR.InferenceFulfilled, fromBlock)).find(
    (e) => BigInt(e.keys[1]!) === requestId,
  );
  const delivered = (await events(sn, SELECTOR.ResultDelivered, fromBlock)).filter(
    (e) => BigInt(e.keys[1]!) === requestId,
  );
  if (!settled) throw new DemoError(`no InferenceFulfilled on Starknet for request ${requestId}`);
  if (delivered.length !== 1) throw new DemoError(`request ${requestId} was delivered ${delivered.length} times`);
  const d = settled.data;
  const m = Number(BigInt(d[0]!));
  const rest = d.slice(1 + m);
  const split = {
    node: u256(rest[1], rest[2]),
    modelOwner: u256(rest[4], rest[5]),
    protocol: u256(rest[6], rest[7]),
    refund: u256(rest[8], rest[9]),
  };
  const [handlerReceipt, deliverReceipt] = await Promise.all([
    sn.provider.getTransactionReceipt(settled.transaction_hash),
    sn.provider.getTransactionReceipt(delivered[0]!.transaction_hash),
  ]);
  const handler = handlerReceipt.value as { execution_resources?: { l2_gas?: number } };
  const deliverFee = (deliverReceipt.value as { actual_fee: { amount: string } }).actual_fee.amount;

  // The checks the demo promises: stored = verified = the model's output (within the tolerance), and the
  // fee fully accounted for.
  if (output.length !== verified.length || output.some((v, i) => v !== verified[i]))
    throw new DemoError(`the Cairo consumer stored [${output}] but the hub verified [${verified}]`, { value: output });
  const outputs = output.map((v) => dequantize(v, outScale));
  outputs.forEach((v, i) => {
    const diff = Math.abs(v - (params.expected[i] ?? Number.NaN));
    if (!(diff <= params.tolerance))
      throw new DemoError(`Starknet output ${v} differs from the model's ${params.expected[i]} by ${diff}`, {
        value: v,
      });
  });
  if (split.node + split.modelOwner + split.protocol + split.refund !== fee)
    throw new DemoError(`the spoke's split of ${fee} does not add up`, { value: split });

  return {
    spokeRequestId: String(requestId),
    hubRequestId: String(hubRequestId),
    input: params.input,
    inputFixed: inputFixed.map(String),
    expected: params.expected,
    output: outputs,
    outputFixed: output.map(String),
    verifiedFixed: verified.map(String),
    fee: String(fee),
    split: {
      node: String(split.node),
      modelOwner: String(split.modelOwner),
      protocol: String(split.protocol),
      refund: String(split.refund),
    },
    transactions: {
      ask: ask.transaction_hash,
      consume: consumed.transactionHash,
      fulfil: fulfilled.transactionHash,
      l1Handler: settled.transaction_hash,
      deliver: delivered[0]!.transaction_hash,
    },
    gas: { consume: String(consumeReceipt.gasUsed), fulfil: String(fulfilReceipt.gasUsed) },
    l2Fees: {
      ask: String(BigInt(askValue.actual_fee.amount)),
      deliver: String(BigInt(deliverFee)),
      l1HandlerL2Gas: String(handler.execution_resources?.l2_gas ?? 0),
    },
    latencyMs,
  };
}

const strk = (fri: string) => `${(Number(BigInt(fri)) / 1e18).toFixed(6)} STRK`;
const short = (h: string) => `${h.slice(0, 10)}…${h.slice(-4)}`;

/** The summary's Starknet section. */
export function renderStarknetRows(rows: readonly StarknetDemoRow[]): string[] {
  if (rows.length === 0) return [];
  const out = ["Starknet (Cairo consumer on starknet-devnet, hub over StarknetMessaging)"];
  for (const r of rows) {
    out.push(
      `  request #${r.spokeRequestId} -> hub #${r.hubRequestId}: input [${r.input.map((x) => x.toFixed(4)).join(", ")}]` +
        ` output ${r.output.map((x) => x.toFixed(6)).join(", ")} (expected ${r.expected.map((x) => x.toFixed(6)).join(", ")});` +
        ` stored value = verified output: ${r.outputFixed.join(",") === r.verifiedFixed.join(",") ? "yes" : "NO"}`,
      `    L2 ask ${short(r.transactions.ask)} -> hub consume ${short(r.transactions.consume)} (${BigInt(r.gas.consume).toLocaleString("en-US")} gas)` +
        ` -> proof + fulfil ${short(r.transactions.fulfil)} (${BigInt(r.gas.fulfil).toLocaleString("en-US")} gas)` +
        ` -> L1->L2 result ${short(r.transactions.l1Handler)} -> deliver ${short(r.transactions.deliver)}`,
      `    latency ${(r.latencyMs / 1000).toFixed(1)} s; fee ${strk(r.fee)}: node ${strk(r.split.node)}, model owner ${strk(r.split.modelOwner)},` +
        ` protocol ${strk(r.split.protocol)}, refund ${strk(r.split.refund)}; L2 fees: ask ${strk(r.l2Fees.ask)}, deliver ${strk(r.l2Fees.deliver)}`,
    );
  }
  out.push("");
  return out;
}
