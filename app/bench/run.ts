// Latency benchmark: from a consumer's request transaction to its callback, on local chains with the
// whole stack real (anvil + LayerZero V2's contracts, the hub and a spoke, the linear-regression model
// proven by EZKL workers through Redis, the relayer as node and as DVN/executor). Per scenario: p50 and
// p95 of the end-to-end latency over at least 20 requests, and the share of it spent proving (the proving
// job's processing time in the worker). Prints a table and writes app/bench/results.json.
//   npm run bench -w @zk-vin/relayer      (ZKVIN_BENCH_REQUESTS=n changes the requests per scenario)
import { writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { silentLogger } from "@zk-vin/chain-kit";
import type { ProveJobResult } from "@zk-vin/prover";
import { marketAbi, type Relayer, startRelayer } from "@zk-vin/relayer";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { type Hex, parseAbi } from "viem";
import type { DevnetChain, DevnetModel } from "../src/index.js";
import {
  benchmarkSamples,
  fixedInput,
  parseStackConfig,
  regressionConsumerAbi,
  requestValue,
  type Stack,
  startStack,
  type ValueRequest,
} from "../test/support/stack.js";

const REQUESTS = Math.max(20, Number(process.env.ZKVIN_BENCH_REQUESTS ?? 20));
const here = path.dirname(fileURLToPath(import.meta.url));
const samples = benchmarkSamples("linear_regression");

const gatewayAbi = parseAbi([
  "event RemoteRequestAccepted(uint256 indexed hubRequestId, uint32 indexed spokeEid, uint256 indexed spokeRequestId, bytes32 guid, uint256 returnBudget)",
]);

interface Scenario {
  name: string;
  chain: "hub" | "spoke";
  model: "linear_regression" | "linear_regression_b4";
  /** sequential: each request waits for the previous callback; burst: all sent back to back. */
  mode: "sequential" | "burst";
}

const SCENARIOS: Scenario[] = [
  { name: "spoke, batch 1, one at a time", chain: "spoke", model: "linear_regression", mode: "sequential" },
  { name: "spoke, batch 1, burst", chain: "spoke", model: "linear_regression", mode: "burst" },
  { name: "spoke, batch 4, burst", chain: "spoke", model: "linear_regression_b4", mode: "burst" },
  { name: "hub, batch 1, one at a time", chain: "hub", model: "linear_regression", mode: "sequential" },
  { name: "hub, batch 4, burst", chain: "hub", model: "linear_regression_b4", mode: "burst" },
];

interface Measured {
  latencyMs: number;
  provingMs: number;
  proofRequests: number;
}

/** Watches a consumer's ValueUpdated events and records when each request's callback was first seen. */
class CallbackClock {
  private readonly seen = new Map<bigint, number>();
  private from = 0n;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly chain: DevnetChain,
    private readonly consumer: Hex,
  ) {}

  start(): void {
    const tick = async () => {
      const head = await this.chain.anvil.publicClient.getBlockNumber();
      if (head >= this.from) {
        const logs = await this.chain.anvil.publicClient.getContractEvents({
          address: this.consumer,
          abi: regressionConsumerAbi,
          eventName: "ValueUpdated",
          fromBlock: this.from,
          toBlock: head,
          strict: true,
        });
        const now = Date.now();
        for (const l of logs) if (!this.seen.has(l.args.requestId)) this.seen.set(l.args.requestId, now);
        this.from = head + 1n;
      }
      this.timer = setTimeout(() => void tick(), 20);
    };
    void tick();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
  }

  async waitFor(requestId: bigint, timeoutMs = 120_000): Promise<number> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const at = this.seen.get(requestId);
      if (at !== undefined) return at;
      if (Date.now() > until) throw new Error(`no callback for request ${requestId} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}

/** The hub request id behind each request (the same id on the hub chain; via the gateway for a spoke). */
async function hubRequestIds(stack: Stack, sent: ValueRequest[], chain: DevnetChain): Promise<Map<bigint, bigint>> {
  const out = new Map<bigint, bigint>();
  if (chain.role === "hub") {
    for (const r of sent) out.set(r.requestId, r.requestId);
    return out;
  }
  const { hub } = stack.devnet;
  const accepted = await hub.anvil.publicClient.getContractEvents({
    address: hub.contracts.ZkVinHubGateway!,
    abi: gatewayAbi,
    eventName: "RemoteRequestAccepted",
    args: { spokeEid: chain.eid },
    fromBlock: 0n,
    strict: true,
  });
  for (const e of accepted) out.set(e.args.spokeRequestId, e.args.hubRequestId);
  return out;
}

/** Completed proving jobs by hub request id (job request ids are `<hubRequestId>@<deadline>#<attempt>`). */
async function provingJobs(stack: Stack): Promise<Map<bigint, ProveJobResult>> {
  const redis = new Redis(stack.redis, { maxRetriesPerRequest: null });
  const queue = new Queue(stack.queueName, { connection: redis });
  try {
    const jobs = await queue.getJobs(["completed"], 0, -1);
    const out = new Map<bigint, ProveJobResult>();
    for (const job of jobs) {
      const result = job.returnvalue as ProveJobResult | undefined;
      if (!result) continue;
      for (const id of result.requestIds) out.set(BigInt(id.split("@")[0]!), result);
    }
    return out;
  } finally {
    await queue.close();
    redis.disconnect();
  }
}

async function runScenario(stack: Stack, s: Scenario): Promise<Measured[]> {
  const chain = s.chain === "hub" ? stack.devnet.hub : stack.devnet.spokes[0]!;
  const model: DevnetModel = stack.devnet.model(s.model);
  const consumer = model.consumers[chain.name]!;
  const scale = model.manifest.inputs[0]!.scale;
  const clock = new CallbackClock(chain, consumer);
  clock.start();
  const sent: ValueRequest[] = [];
  const done = new Map<bigint, number>();
  try {
    const send = (i: number) =>
      requestValue({
        chain,
        modelId: model.modelId,
        consumer,
        input: fixedInput(samples.inputs[i % samples.inputs.length]!, scale),
        label: `${s.name}-${i}`,
      });
    if (s.mode === "sequential") {
      for (let i = 0; i < REQUESTS; i++) {
        const r = await send(i);
        sent.push(r);
        done.set(r.requestId, await clock.waitFor(r.requestId));
      }
    } else {
      sent.push(...(await Promise.all(Array.from({ length: REQUESTS }, (_, i) => send(i)))));
      for (const r of sent) done.set(r.requestId, await clock.waitFor(r.requestId));
    }
  } finally {
    clock.stop();
  }
  const hubIds = await hubRequestIds(stack, sent, chain);
  const jobs = await provingJobs(stack);
  return sent.map((r) => {
    const job = jobs.get(hubIds.get(r.requestId) ?? -1n);
    return {
      latencyMs: done.get(r.requestId)! - r.sentAt,
      provingMs: job?.latencyMs.processing ?? Number.NaN,
      proofRequests: job?.rows ?? Number.NaN,
    };
  });
}

async function main(): Promise<void> {
  process.stdout.write("starting the devnet, Redis, prover workers and the relayer…\n");
  const stack = await startStack({
    chainIdBase: 44_000,
    spokes: 1,
    models: [{ model: "linear_regression" }, { model: "linear_regression", batchSize: 4 }],
  });
  let relayer: Relayer | null = null;
  try {
    relayer = await startRelayer({ config: await parseStackConfig(stack.relayerConfig()), logger: silentLogger });
    await stack.devnet.waitForModelSync();
    const market = await stack.devnet.hub.anvil.publicClient.readContract({
      address: stack.devnet.hub.contracts.InferenceMarket!,
      abi: marketAbi,
      functionName: "params",
    });
    const rows = [];
    for (const s of SCENARIOS) {
      process.stdout.write(`  ${s.name}: ${REQUESTS} requests…\n`);
      const m = await runScenario(stack, s);
      const latencies = m.map((x) => x.latencyMs);
      const shares = m.map((x) => x.provingMs / x.latencyMs).filter((x) => Number.isFinite(x));
      rows.push({
        scenario: s.name,
        model: s.model,
        requests: m.length,
        p50Ms: Math.round(percentile(latencies, 50)),
        p95Ms: Math.round(percentile(latencies, 95)),
        meanMs: Math.round(latencies.reduce((a, b) => a + b, 0) / latencies.length),
        provingMsMedian: Math.round(percentile(m.map((x) => x.provingMs).filter(Number.isFinite), 50)),
        provingShareMedian: Number(percentile(shares, 50).toFixed(3)),
        requestsPerProofMean: Number((m.reduce((a, x) => a + x.proofRequests, 0) / m.length).toFixed(2)),
      });
    }
    printTable(rows);
    const results = {
      createdAt: new Date().toISOString(),
      machine: {
        cpus: os.cpus().length,
        cpuModel: os.cpus()[0]?.model ?? "unknown",
        memoryGiB: Math.round(os.totalmem() / 2 ** 30),
      },
      setup: {
        chains: "2 anvil chains (automine), LayerZero V2 EndpointV2 + ULN302 + DVN + Executor from the npm artifacts",
        model: "linear_regression (EZKL, dev SRS), batch 1 and batch 4",
        proverWorkers: 1,
        relayer: "in-process, poll interval 100 ms, batch window 200 ms",
        fulfilmentWindowBlocks: market.fulfilmentWindow,
      },
      notes: [
        "latency = wall clock from sending the consumer's request transaction to seeing its ValueUpdated callback event (polled every 20 ms)",
        "spoke scenarios cross LayerZero twice (request to the hub, result back), each leg verified, committed and executed by the relayer",
        "proving = the proving job's processing time in the worker (witness + proof in the EZKL process); share = proving / latency, per request, median",
        "burst: all requests sent back to back, so later ones queue behind earlier proofs; batch 4 groups requests into one proof and one fulfilBatch",
      ],
      goal: "linear regression p50 under 10 s on this machine",
      results: rows,
    };
    writeFileSync(path.join(here, "results.json"), `${JSON.stringify(results, null, 1)}\n`);
    process.stdout.write(`wrote ${path.relative(process.cwd(), path.join(here, "results.json"))}\n`);
  } finally {
    await relayer?.stop();
    await stack.stop();
  }
}

function printTable(rows: Array<Record<string, string | number>>): void {
  const columns = [
    "scenario",
    "requests",
    "p50Ms",
    "p95Ms",
    "meanMs",
    "provingMsMedian",
    "provingShareMedian",
    "requestsPerProofMean",
  ];
  const header = ["scenario", "n", "p50 ms", "p95 ms", "mean ms", "proving ms", "proving share", "requests/proof"];
  const widths = columns.map((c, i) => Math.max(header[i]!.length, ...rows.map((r) => String(r[c]).length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  ");
  process.stdout.write(`\n${line(header)}\n${widths.map((w) => "-".repeat(w)).join("  ")}\n`);
  for (const r of rows) process.stdout.write(`${line(columns.map((c) => String(r[c])))}\n`);
  process.stdout.write("\n");
}

main().catch((error: unknown) => {
  process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exit(1);
});
