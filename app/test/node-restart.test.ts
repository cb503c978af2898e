// The relayer as operators run it (the CLI, a PGlite data directory), carrying LayerZero packets and
// proving and fulfilling hub requests, SIGKILLed at random moments while consumers on the hub and on a
// spoke send requests, and restarted each time: every request must be fulfilled once and every consumer
// callback must arrive once, none missing. ZKVIN_KILL_SEED replays a run.
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { openPgliteStore } from "@zk-vin/chain-kit";
import { freePort, repoRoot } from "@zk-vin/chain-kit/devchain";
import { dequantize } from "@zk-vin/prover";
import { endpointAbi, INFERENCE_KIND, PACKET_KIND } from "@zk-vin/relayer";
import { type Address, isAddressEqual, parseAbi, parseEventLogs } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DevnetChain } from "../src/index.js";
import {
  benchmarkSamples,
  fixedInput,
  marketOracleAbi,
  requestValue,
  type Stack,
  spokeOracleAbi,
  startStack,
  type ValueRequest,
  valueUpdates,
} from "./support/stack.js";

/** A cold start compiles the contracts with the wasm solc: minutes on a busy 2-core machine. */
const COLD_START_MS = 20 * 60_000;

const BIN = path.join(repoRoot, "relayer", "bin", "zkvin-relayer.mjs");
const samples = benchmarkSamples("linear_regression");
const TOLERANCE = 5e-3;

const hubEventsAbi = parseAbi([
  "event FulfilmentSettled(address indexed node, uint256 indexed modelId, address modelOwner, uint256 requests, uint256 nodeAmount, uint256 royaltyAmount, uint256 protocolAmount)",
  "event CallbackFailed(uint256 indexed requestId, bytes reason)",
  "event RemoteRequestAccepted(uint256 indexed hubRequestId, uint32 indexed spokeEid, uint256 indexed spokeRequestId, bytes32 guid, uint256 returnBudget)",
]);

/** Small seeded PRNG (mulberry32). */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("relayer killed and restarted while proving and carrying", () => {
  const seed = Number(process.env.ZKVIN_KILL_SEED ?? Math.floor(Math.random() * 2 ** 31));
  const random = prng(seed);
  const dir = mkdtempSync(path.join(os.tmpdir(), "zkvin-node-restart-"));
  const logFile = path.join(dir, "relayer.log");
  const configFile = path.join(dir, "relayer.json");
  let stack: Stack;
  let opsPort = 0;
  let child: ChildProcess | null = null;
  const kills: string[] = [];

  function startRelayer(): ChildProcess {
    const log = openSync(logFile, "a");
    const proc = spawn(process.execPath, [BIN, "start", "--config", configFile], {
      cwd: repoRoot,
      stdio: ["ignore", log, log],
    });
    closeSync(log);
    return proc;
  }

  async function waitHealthy(timeoutMs = 90_000) {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      try {
        const res = await fetch(`http://127.0.0.1:${opsPort}/health`, { signal: AbortSignal.timeout(1000) });
        if (res.status === 200) return;
      } catch {
        // not up yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`relayer not healthy after ${timeoutMs} ms; log:\n${readFileSync(logFile, "utf8").slice(-3000)}`);
  }

  async function kill(proc: ChildProcess, signal: NodeJS.Signals) {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((r) => proc.once("exit", r));
    proc.kill(signal);
    await exited;
  }

  beforeAll(async () => {
    stack = await startStack({
      chainIdBase: 42_200,
      spokes: 1,
      models: [{ model: "linear_regression" }, { model: "linear_regression", batchSize: 4 }],
    });
    opsPort = await freePort();
    writeFileSync(
      configFile,
      JSON.stringify(stack.relayerConfig({ store: { kind: "pglite", dataDir: "db" }, httpPort: opsPort })),
    );
  }, COLD_START_MS);

  afterAll(async () => {
    if (child) await kill(child, "SIGKILL");
    await stack?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("fulfils every request and delivers every callback exactly once across SIGKILLs at random points", async () => {
    child = startRelayer();
    await waitHealthy();
    await stack.devnet.waitForModelSync({ timeoutMs: 60_000 });
    const { hub } = stack.devnet;
    const spoke = stack.devnet.spokes[0]!;
    const b1 = stack.devnet.model("linear_regression");
    const b4 = stack.devnet.model("linear_regression_b4");

    // 24 requests: batch-4 and batch-1 models, from the spoke (over LayerZero) and from the hub chain.
    const plan: Array<{ chain: DevnetChain; model: typeof b1 }> = [];
    for (let i = 0; i < 10; i++) plan.push({ chain: spoke, model: b4 });
    for (let i = 0; i < 6; i++) plan.push({ chain: spoke, model: b1 });
    for (let i = 0; i < 8; i++) plan.push({ chain: hub, model: b4 });
    plan.sort(() => random() - 0.5);

    const sent: Array<ValueRequest & { sample: number; model: typeof b1 }> = [];
    const sender = (async () => {
      for (const [i, step] of plan.entries()) {
        const sample = i % samples.inputs.length;
        const scale = step.model.manifest.inputs[0]!.scale;
        const r = await requestValue({
          chain: step.chain,
          modelId: step.model.modelId,
          consumer: step.model.consumers[step.chain.name]!,
          input: fixedInput(samples.inputs[sample]!, scale),
          label: `restart-${i}`,
        });
        sent.push({ ...r, sample, model: step.model });
        await new Promise((r) => setTimeout(r, 150 + random() * 300));
      }
    })();

    for (let k = 0; k < 4; k++) {
      const delay = Math.round(200 + random() * 1800);
      await new Promise((r) => setTimeout(r, delay));
      kills.push(`kill ${k + 1} after ${delay} ms (requests sent so far: ${sent.length})`);
      await kill(child, "SIGKILL");
      child = startRelayer();
      await waitHealthy();
    }
    await sender;

    const consumers = [...new Set(sent.map((r) => `${r.chain.name}|${r.consumer}`))].map((k) => {
      const r = sent.find((x) => `${x.chain.name}|${x.consumer}` === k)!;
      return { chain: r.chain, consumer: r.consumer };
    });
    const until = Date.now() + 180_000;
    let updates = new Map<string, Map<bigint, Array<{ value: bigint }>>>();
    for (;;) {
      updates = new Map();
      for (const c of consumers) updates.set(c.consumer, await valueUpdates(c.chain, c.consumer));
      if (sent.every((r) => updates.get(r.consumer)!.has(r.requestId))) break;
      if (Date.now() > until) {
        const missing = sent.filter((r) => !updates.get(r.consumer)!.has(r.requestId)).length;
        throw new Error(
          `${missing} callbacks missing (seed ${seed}; ${kills.join("; ")})\n${readFileSync(logFile, "utf8").slice(-4000)}`,
        );
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    // Callbacks are on chain as soon as they are mined; the outbox records the last outcomes right after.
    const settleBy = Date.now() + 60_000;
    for (;;) {
      const res = await fetch(`http://127.0.0.1:${opsPort}/status`, { signal: AbortSignal.timeout(2000) });
      const status = (await res.json()) as { outbox: Array<{ status: string; count: number }> };
      if (status.outbox.every((o) => o.status !== "pending")) break;
      if (Date.now() > settleBy) throw new Error(`outbox still pending: ${JSON.stringify(status.outbox)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    await kill(child, "SIGTERM");
    child = null;

    // Every callback exactly once, with the model's output for its input.
    for (const r of sent) {
      const got = updates.get(r.consumer)!.get(r.requestId)!;
      expect(got, `request ${r.requestId} on ${r.chain.name}`).toHaveLength(1);
      const outScale = r.model.manifest.outputs[0]!.scale;
      expect(Math.abs(dequantize(got[0]!.value, outScale) - samples.reference[r.sample]![0]!)).toBeLessThan(TOLERANCE);
    }
    // The spoke settled each of its requests once.
    const spokeSettled = await spoke.anvil.publicClient.getContractEvents({
      address: spoke.contracts.ZkVinSpoke!,
      abi: spokeOracleAbi,
      eventName: "InferenceFulfilled",
      fromBlock: 0n,
      strict: true,
    });
    const spokeSent = sent.filter((r) => r.chain === spoke);
    expect(spokeSettled).toHaveLength(spokeSent.length);
    expect(new Set(spokeSettled.map((e) => e.args.requestId)).size).toBe(spokeSent.length);

    // On the hub: one InferenceFulfilled per request, every fulfilment by our operator, none reverted.
    const market = hub.contracts.InferenceMarket!;
    const fulfilled = await hub.anvil.publicClient.getContractEvents({
      address: market,
      abi: marketOracleAbi,
      eventName: "InferenceFulfilled",
      fromBlock: 0n,
      strict: true,
    });
    expect(fulfilled).toHaveLength(sent.length);
    expect(new Set(fulfilled.map((e) => e.args.requestId)).size).toBe(sent.length);
    const logs = await hub.anvil.publicClient.getLogs({ address: market, fromBlock: 0n });
    const settled = parseEventLogs({ abi: hubEventsAbi, eventName: "FulfilmentSettled", logs });
    expect(settled.reduce((n, e) => n + Number(e.args.requests), 0)).toBe(sent.length);
    expect(parseEventLogs({ abi: hubEventsAbi, eventName: "CallbackFailed", logs })).toEqual([]);
    const operator = stack.devnet.accounts.operator.address;
    const reverted = await revertedTransactions(hub, operator, market);
    expect(reverted, "no fulfilment was sent twice (a second one reverts)").toEqual([]);
    for (const chain of [hub, spoke]) {
      const alerts = await chain.anvil.publicClient.getContractEvents({
        address: chain.layerZero.endpoint,
        abi: endpointAbi,
        eventName: "LzReceiveAlert",
        fromBlock: 0n,
      });
      expect(alerts).toEqual([]);
    }

    // The store agrees: every assignment and every packet finished well.
    const store = await openPgliteStore({ dataDir: path.join(dir, "db") });
    try {
      const assignments = await store.countByStatus(INFERENCE_KIND);
      expect(assignments.filter((c) => c.status !== "done")).toEqual([]);
      expect(assignments.reduce((n, c) => n + c.count, 0)).toBe(sent.length);
      const packets = await store.countByStatus(PACKET_KIND);
      expect(packets.filter((c) => c.status !== "done")).toEqual([]);
    } finally {
      await store.close();
    }
    console.info(`node restart test: seed ${seed}; ${kills.join("; ")}`);
  });
});

/** Transactions from `from` to `to` that reverted, over the whole chain. */
async function revertedTransactions(chain: DevnetChain, from: Address, to: Address): Promise<string[]> {
  const client = chain.anvil.publicClient;
  const head = await client.getBlockNumber();
  const out: string[] = [];
  for (let n = 0n; n <= head; n++) {
    const block = await client.getBlock({ blockNumber: n, includeTransactions: true });
    for (const tx of block.transactions) {
      if (!isAddressEqual(tx.from, from) || !tx.to || !isAddressEqual(tx.to, to)) continue;
      const receipt = await client.getTransactionReceipt({ hash: tx.hash });
      if (receipt.status !== "success") out.push(tx.hash);
    }
  }
  return out;
}
