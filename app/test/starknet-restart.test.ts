// The relayer as operators run it (the CLI, a PGlite data directory) carrying a Cairo spoke's traffic
// (postman flushes, consumeRequest on the hub, deliver on Starknet) and proving the hub requests, SIGKILLed
// at random moments while a Cairo consumer asks, and restarted each time: every request must be consumed
// once, fulfilled once and delivered once, none missing. ZKVIN_KILL_SEED replays a run.
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort, repoRoot } from "@zk-vin/chain-kit/devchain";
import { dequantize } from "@zk-vin/prover";
import { SPOKE_EVENTS } from "@zk-vin/relayer";
import { parseAbi } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type StarknetDevnet, startStarknetSide } from "../src/devnet/index.js";
import { benchmarkSamples, fixedInput, marketOracleAbi, type Stack, startStack } from "./support/stack.js";
import {
  askStarknet,
  consumerAnswer,
  STARKNET_MISSING,
  spokeEvents,
  starknetDevnetBinary,
} from "./support/starknet.js";

const COLD_START_MS = 25 * 60_000;
const BIN = path.join(repoRoot, "relayer", "bin", "zkvin-relayer.mjs");
const samples = benchmarkSamples("linear_regression");
const TOLERANCE = 5e-3;
const FEE = 10n ** 16n;

const gatewayAbi = parseAbi([
  "event RequestConsumed(bytes32 indexed key, uint256 indexed spoke, uint64 spokeRequestId, uint256 indexed hubRequestId, bytes32 msgHash)",
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

const bin = await starknetDevnetBinary();
if (!bin) console.warn(STARKNET_MISSING);

describe.skipIf(!bin)("relayer killed and restarted while carrying Starknet requests", () => {
  const seed = Number(process.env.ZKVIN_KILL_SEED ?? Math.floor(Math.random() * 2 ** 31));
  const random = prng(seed);
  const dir = mkdtempSync(path.join(os.tmpdir(), "zkvin-starknet-restart-"));
  const logFile = path.join(dir, "relayer.log");
  const configFile = path.join(dir, "relayer.json");
  let stack: Stack;
  let sn: StarknetDevnet;
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
        const res = await fetch(`http://127.0.0.1:${opsPort}/status`, { signal: AbortSignal.timeout(1000) });
        if (res.status === 200) return;
      } catch {
        // not up yet
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`relayer not up after ${timeoutMs} ms; log:\n${readFileSync(logFile, "utf8").slice(-3000)}`);
  }

  async function kill(proc: ChildProcess, signal: NodeJS.Signals) {
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise((r) => proc.once("exit", r));
    proc.kill(signal);
    await exited;
  }

  beforeAll(async () => {
    stack = await startStack({ chainIdBase: 42_700, spokes: 0 });
    sn = await startStarknetSide({ hub: stack.devnet.hub });
    opsPort = await freePort();
    writeFileSync(
      configFile,
      JSON.stringify({
        ...stack.relayerConfig({ store: { kind: "pglite", dataDir: "db" }, httpPort: opsPort }),
        starknet: sn.relayerConfig(),
      }),
    );
  }, COLD_START_MS);

  afterAll(async () => {
    if (child) await kill(child, "SIGKILL");
    await sn?.stop();
    await stack?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("consumes, fulfils and delivers every request exactly once across SIGKILLs at random points", async () => {
    child = startRelayer();
    await waitHealthy();
    const model = stack.devnet.model("linear_regression");
    const scale = model.manifest.inputs[0]!.scale;
    const outScale = model.manifest.outputs[0]!.scale;
    const sent: Array<{ requestId: bigint; sample: number }> = [];
    const sender = (async () => {
      for (let i = 0; i < 6; i++) {
        const sample = i % samples.inputs.length;
        const r = await askStarknet({
          sn,
          modelId: model.modelId,
          input: fixedInput(samples.inputs[sample]!, scale),
          fee: FEE,
        });
        sent.push({ requestId: r.requestId, sample });
        await new Promise((r) => setTimeout(r, 200 + random() * 800));
      }
    })();
    for (let k = 0; k < 3; k++) {
      const delay = Math.round(300 + random() * 2500);
      await new Promise((r) => setTimeout(r, delay));
      kills.push(`kill ${k + 1} after ${delay} ms (requests sent so far: ${sent.length})`);
      await kill(child, "SIGKILL");
      child = startRelayer();
      await waitHealthy();
    }
    await sender;

    const until = Date.now() + 300_000;
    const answers = new Map<bigint, bigint[]>();
    while (answers.size < sent.length) {
      for (const r of sent) {
        if (answers.has(r.requestId)) continue;
        const out = await consumerAnswer(sn, r.requestId);
        if (out) answers.set(r.requestId, out);
      }
      if (Date.now() > until) {
        throw new Error(
          `${sent.length - answers.size} Starknet answers missing (seed ${seed}; ${kills.join("; ")})\n${readFileSync(logFile, "utf8").slice(-4000)}`,
        );
      }
      await new Promise((r) => setTimeout(r, 250));
    }
    const settleBy = Date.now() + 60_000;
    for (;;) {
      const res = await fetch(`http://127.0.0.1:${opsPort}/status`, { signal: AbortSignal.timeout(2000) });
      const status = (await res.json()) as { outbox: Array<{ kind: string; status: string }> };
      if (status.outbox.every((o) => o.status !== "pending")) break;
      if (Date.now() > settleBy) throw new Error(`outbox still pending: ${JSON.stringify(status.outbox)}`);
      await new Promise((r) => setTimeout(r, 200));
    }
    const metrics = await (await fetch(`http://127.0.0.1:${opsPort}/metrics`)).text();
    expect(metrics).toMatch(
      /zkvin_relayer_outbox_entries\{kind="starknet:deliver",status="done",outcome="delivered"\}/,
    );
    await kill(child, "SIGTERM");
    child = null;

    // Each answer is the model's output for its input, and each step happened once.
    for (const r of sent) {
      const out = answers.get(r.requestId)!;
      expect(out).toHaveLength(1);
      expect(Math.abs(dequantize(out[0]!, outScale) - samples.reference[r.sample]![0]!)).toBeLessThan(TOLERANCE);
    }
    const ids = sent.map((r) => r.requestId).sort();
    const delivered = (await spokeEvents(sn, SPOKE_EVENTS.ResultDelivered)).map((e) => BigInt(e.keys[1]!)).sort();
    expect(delivered, `seed ${seed}`).toEqual(ids);
    const fulfilledOnL2 = (await spokeEvents(sn, SPOKE_EVENTS.InferenceFulfilled))
      .map((e) => BigInt(e.keys[1]!))
      .sort();
    expect(fulfilledOnL2).toEqual(ids);
    const hub = stack.devnet.hub;
    const consumed = await hub.anvil.publicClient.getContractEvents({
      address: sn.hub.gateway,
      abi: gatewayAbi,
      eventName: "RequestConsumed",
      fromBlock: 0n,
      strict: true,
    });
    expect(consumed.map((e) => e.args.spokeRequestId).sort()).toEqual(ids);
    const hubIds = consumed.map((e) => e.args.hubRequestId);
    const fulfilled = await hub.anvil.publicClient.getContractEvents({
      address: hub.contracts.InferenceMarket!,
      abi: marketOracleAbi,
      eventName: "InferenceFulfilled",
      fromBlock: 0n,
      strict: true,
    });
    const fulfilledIds = fulfilled.map((e) => (e.args as { requestId: bigint }).requestId);
    for (const id of hubIds) expect(fulfilledIds.filter((x) => x === id)).toHaveLength(1);
  });
});
