// The demo's closing summary: what was asked and answered (inputs, proven outputs against the model's
// own), what it cost (proof size, gas, proving time, latency), and what GraphQL says about the same
// requests; as text tables for the terminal and as JSON (`--json <file>`).
import { dequantize } from "@zk-vin/oracle-sdk";
import type { GraphQLAnswer } from "./graphql.js";
import type { MeasuredRequest } from "./measure.js";
import { formatSeconds } from "./progress.js";
import type { StarknetSummary } from "./starknet.js";

export interface DemoChainInfo {
  name: string;
  role: "hub" | "spoke";
  chainId: number;
  eid: number;
  rpcUrl: string;
}

export interface DemoSummary {
  model: {
    name: string;
    modelId: string;
    artifactId: string;
    description: string;
    batchSize: number;
    inputScale: number;
    outputScale: number;
    tolerance: number;
  };
  chains: DemoChainInfo[];
  deploymentFile: string;
  graphqlUrl: string;
  relayer: { pid: number; opsUrl: string; configFile: string };
  logFile: string;
  requests: Array<{
    index: number;
    chain: string;
    consumer: string;
    key: string;
    requestId: string;
    hubRequestId: string;
    sample: number;
    input: number[];
    inputFixed: string[];
    expected: number[];
    output: number[];
    outputFixed: string[];
    stored: { value: string; requestId: string; updatedAt: string; sequence: string };
    requestTransaction: string;
    fee: string;
    fulfilment: { transactionHash: string; gasUsed: string; requestsInProof: number; proofBytes: number };
    callback: { transactionHash: string; gasUsed: string; transactionGasUsed: string };
    latencyMs: number;
    provingMs: number | null;
    graphql: GraphQLAnswer;
  }>;
  /** The Starknet row (or why there is none). */
  starknet: StarknetSummary;
  stages: Array<{ stage: string; ms: number }>;
}

export function buildSummary(params: {
  base: Omit<DemoSummary, "requests" | "stages" | "starknet">;
  measured: MeasuredRequest[];
  starknet: StarknetSummary;
  answers: GraphQLAnswer[];
  stages: Array<{ stage: string; ms: number }>;
}): DemoSummary {
  return {
    ...params.base,
    requests: params.measured.map((m, i) => ({
      index: m.request.index,
      chain: m.request.chain.name,
      consumer: m.request.consumer,
      key: m.request.key,
      requestId: String(m.request.requestId),
      hubRequestId: String(m.hubRequestId),
      sample: m.request.sample,
      input: m.request.input,
      inputFixed: m.request.inputFixed.map(String),
      expected: m.request.expected,
      output: m.delivered.map((v) => dequantize(v, m.outputScale)),
      outputFixed: m.delivered.map(String),
      stored: {
        value: String(m.stored.value),
        requestId: String(m.stored.requestId),
        updatedAt: String(m.stored.updatedAt),
        sequence: String(m.stored.sequence),
      },
      requestTransaction: m.request.transactionHash,
      fee: String(m.request.fee),
      fulfilment: {
        transactionHash: m.fulfilment.transactionHash,
        gasUsed: String(m.fulfilment.gasUsed),
        requestsInProof: m.fulfilment.requestsInProof,
        proofBytes: m.fulfilment.proofBytes,
      },
      callback: {
        transactionHash: m.callback.transactionHash,
        gasUsed: String(m.callback.gasUsed),
        transactionGasUsed: String(m.callback.transactionGasUsed),
      },
      latencyMs: m.latencyMs,
      provingMs: m.provingMs,
      graphql: params.answers[i]!,
    })),
    starknet: params.starknet,
    stages: params.stages,
  };
}

type Align = "left" | "right";

/** A plain text table: a header row, a rule, the rows; columns padded to their widest cell. */
export function table(columns: Array<{ title: string; align?: Align }>, rows: string[][]): string[] {
  const widths = columns.map((c, i) => Math.max(c.title.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: string[]) =>
    `  ${cells
      .map((cell, i) => (columns[i]?.align === "right" ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!)))
      .join("  ")
      .trimEnd()}`;
  return [line(columns.map((c) => c.title)), line(widths.map((w) => "─".repeat(w))), ...rows.map(line)];
}

const gas = (v: string | bigint) => BigInt(v).toLocaleString("en-US");
/** An amount of 18-decimal units (STRK in FRI, ETH in wei) as an exact decimal: 0.0082490880 -> "0.008249088". */
export const units = (v: string | bigint) => {
  const n = BigInt(v);
  const frac = (n % 10n ** 18n).toString().padStart(18, "0").replace(/0+$/, "");
  return `${n / 10n ** 18n}${frac ? `.${frac}` : ""}`;
};

const shortHash = (h: string) => `${h.slice(0, 10)}…${h.slice(-4)}`;

/** The summary as lines of text. */
export function renderSummary(s: DemoSummary): string[] {
  const m = s.model;
  const out: string[] = [
    "",
    `zk-VIN demo: model #${m.modelId} ${m.name} (${m.description})`,
    `  proven with EZKL (Halo2/KZG, development SRS), verified on ${s.chains.find((c) => c.role === "hub")?.name}; ` +
      `outputs are fixed point at scale ${m.outputScale}, expected = the ONNX model's own output (tolerance ${m.tolerance})`,
    "",
    "requests and verified outputs",
    ...table(
      [
        { title: "#", align: "right" },
        { title: "asked on" },
        { title: "request", align: "right" },
        { title: "hub id", align: "right" },
        { title: "input" },
        { title: "output", align: "right" },
        { title: "expected", align: "right" },
        { title: "|diff|", align: "right" },
      ],
      s.requests.map((r) => [
        String(r.index),
        r.chain,
        `#${r.requestId}`,
        `#${r.hubRequestId}`,
        `[${r.input.map((x) => x.toFixed(4).padStart(7)).join(", ")}]`,
        r.output.map((x) => x.toFixed(6)).join(", "),
        r.expected.map((x) => x.toFixed(6)).join(", "),
        r.output.map((x, i) => Math.abs(x - (r.expected[i] ?? Number.NaN)).toExponential(1)).join(", "),
      ]),
    ),
    "",
    "proofs, gas and latency",
    ...table(
      [
        { title: "#", align: "right" },
        { title: "proof", align: "right" },
        { title: "proving", align: "right" },
        { title: "fulfil gas", align: "right" },
        { title: "requests/proof", align: "right" },
        { title: "callback gas", align: "right" },
        { title: "latency", align: "right" },
      ],
      s.requests.map((r) => [
        String(r.index),
        `${r.fulfilment.proofBytes.toLocaleString("en-US")} B`,
        r.provingMs === null ? "(job gone)" : `${r.provingMs} ms`,
        gas(r.fulfilment.gasUsed),
        String(r.fulfilment.requestsInProof),
        gas(r.callback.gasUsed),
        formatSeconds(r.latencyMs),
      ]),
    ),
    "  fulfil gas: the hub transaction that verified the proof and settled (for hub requests it includes the",
    "  callback); callback gas: the consumer's onInferenceResult alone; latency: request transaction sent to",
    "  callback seen on the requesting chain.",
    "",
    `GraphQL (${s.graphqlUrl}), through the SDK's typed queries`,
    ...table(
      [
        { title: "#", align: "right" },
        { title: "entity" },
        { title: "status" },
        { title: "callback" },
        { title: "output", align: "right" },
        { title: "hub request" },
        { title: "proof (batch, transaction)" },
      ],
      s.requests.map((r) => {
        const hub = r.graphql.hubRequest;
        const spoke = r.graphql.spokeRequest;
        return [
          String(r.index),
          spoke ? `SpokeRequest ${spoke.id}` : `InferenceRequest ${hub.id}`,
          spoke ? spoke.status : hub.status,
          spoke ? spoke.callback : hub.delivery,
          (spoke ? spoke.output : hub.output)?.join(", ") ?? "",
          `#${hub.id} ${hub.status}, ${hub.delivery}`,
          hub.batch ? `${hub.batch.size} request(s), ${shortHash(hub.batch.transactionHash)}` : "",
        ];
      }),
    ),
    `  every proof by node ${s.requests[0]?.graphql.hubRequest.node.id ?? "?"} (the devnet's operator)`,
    "",
    ...renderStarknet(s.starknet, m.tolerance),
  ];
  return out;
}

/** The summary's Starknet section: the request, its proof and gas on the hub, fees on Starknet, the split. */
export function renderStarknet(sn: StarknetSummary, tolerance: number): string[] {
  if (!sn.ran) return [`Starknet: ${sn.reason ?? "not run"}`, ""];
  const c = sn.contracts;
  return [
    `Starknet (starknet-devnet ${sn.rpcUrl}, chain ${sn.chainId}): example Cairo consumer ${c ? shortHash(c.consumer) : "?"}` +
      ` on spoke ${c ? shortHash(c.spoke) : "?"}, hub over StarknetMessaging (StarknetGateway ${c ? shortHash(c.gateway) : "?"})`,
    ...table(
      [
        { title: "#", align: "right" },
        { title: "request", align: "right" },
        { title: "hub id", align: "right" },
        { title: "input" },
        { title: "output", align: "right" },
        { title: "expected", align: "right" },
        { title: "|diff|", align: "right" },
        { title: "stored = verified" },
      ],
      sn.requests.map((r) => [
        String(r.index),
        `#${r.requestId}`,
        `#${r.hubRequestId}`,
        `[${r.input.map((x) => x.toFixed(4).padStart(7)).join(", ")}]`,
        r.output.map((x) => x.toFixed(6)).join(", "),
        r.expected.map((x) => x.toFixed(6)).join(", "),
        r.output.map((x, i) => Math.abs(x - (r.expected[i] ?? Number.NaN)).toExponential(1)).join(", "),
        r.outputFixed.join() === r.verifiedFixed.join() &&
        r.output.every((x, i) => Math.abs(x - r.expected[i]!) <= tolerance)
          ? "yes"
          : "NO",
      ]),
    ),
    ...table(
      [
        { title: "#", align: "right" },
        { title: "proof", align: "right" },
        { title: "proving", align: "right" },
        { title: "consume gas", align: "right" },
        { title: "fulfil gas", align: "right" },
        { title: "reply gas", align: "right" },
        { title: "latency", align: "right" },
        { title: "ask fee (STRK)", align: "right" },
        { title: "deliver fee (STRK)", align: "right" },
        { title: "L1->L2 msg (ETH)", align: "right" },
      ],
      sn.requests.map((r) => [
        String(r.index),
        `${r.proofBytes.toLocaleString("en-US")} B`,
        r.provingMs === null ? "(job gone)" : `${r.provingMs} ms`,
        gas(r.gas.consume),
        `${gas(r.gas.fulfil)}${r.requestsInProof > 1 ? ` (${r.requestsInProof} req.)` : ""}`,
        gas(r.gas.reply),
        formatSeconds(r.latencyMs),
        units(r.l2Fees.ask),
        r.l2Fees.deliver === null ? "-" : units(r.l2Fees.deliver),
        units(r.l1MessageFee),
      ]),
    ),
    ...sn.requests.map(
      (r) =>
        `  #${r.index} fee ${units(r.fee)} STRK: node ${units(r.split.node)}, model owner ${units(r.split.modelOwner)}, ` +
        `protocol ${units(r.split.protocol)}, refund ${units(r.split.refund)}; ` +
        `L2 ask ${shortHash(r.transactions.ask)} -> hub consume ${shortHash(r.transactions.consume)} -> fulfil ` +
        `${shortHash(r.transactions.fulfil)} -> L1 handler ${shortHash(r.transactions.l1Handler)} -> deliver ` +
        `${r.transactions.deliver ? shortHash(r.transactions.deliver) : "-"}`,
    ),
    "  consume gas: the relayer's consumeRequest on the hub (opens the hub request); fulfil gas: the proof's",
    "  verification and settlement, including the reply; reply gas: the StarknetGateway's sendMessageToL2 of",
    "  the RESULT inside it; latency: the consumer's ask sent to its stored answer seen on Starknet (the",
    "  devnet's postman carries the messages at once; on a public network L2->L1 waits for the state update).",
    "",
  ];
}
