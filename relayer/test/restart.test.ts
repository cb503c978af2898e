import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { openPgliteStore } from "@zk-vin/chain-kit";
import { type Anvil, freePort, repoRoot, startAnvil } from "@zk-vin/chain-kit/devchain";
import type { Hex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { endpointAbi } from "../src/layerzero/abi.js";
import { PACKET_KIND } from "../src/layerzero/types.js";
import {
  deliveries,
  KIND,
  OPERATOR_KEY,
  pongsSent,
  readCounter,
  type SentMessage,
  sendMessage,
  setUpNetwork,
  type TestChain,
} from "./support/pingpong.js";

/** The operator's entry point; it loads tsx in-process, so a signal to this PID reaches the relayer. */
const BIN = path.join(repoRoot, "relayer", "bin", "zkvin-relayer.mjs");

/** Small seeded PRNG (mulberry32) so a failing run can be replayed with ZKVIN_KILL_SEED. */
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

/**
 * The relayer as operators run it (the CLI, a PGlite data directory), SIGKILLed at random moments while
 * traffic flows both ways, and restarted each time: every packet must end up delivered exactly once.
 */
describe("relayer killed and restarted during traffic", () => {
  const seed = Number(process.env.ZKVIN_KILL_SEED ?? Math.floor(Math.random() * 2 ** 31));
  const random = prng(seed);
  const dir = mkdtempSync(path.join(os.tmpdir(), "zkvin-restart-"));
  const logFile = path.join(dir, "relayer.log");
  let anvils: Anvil[] = [];
  let a: TestChain;
  let b: TestChain;
  let configFile = "";
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

  async function waitHealthy(timeoutMs = 60_000) {
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
    anvils = await Promise.all([startAnvil({ chainId: 31_521 }), startAnvil({ chainId: 31_522 })]);
    [a, b] = (await setUpNetwork({ anvils, eids: [50_001, 50_002] })) as [TestChain, TestChain];
    opsPort = await freePort();
    const chain = (name: string, c: TestChain) => ({
      name,
      chainId: c.anvil.chainId,
      rpcUrl: c.anvil.rpcUrl,
      confirmations: 0,
      pollIntervalMs: 100,
      reorgWindow: 32,
    });
    configFile = path.join(dir, "relayer.json");
    writeFileSync(
      configFile,
      JSON.stringify({
        operatorKey: OPERATOR_KEY,
        chains: [chain("a", a), chain("b", b)],
        store: { kind: "pglite", dataDir: "db" },
        http: { host: "127.0.0.1", port: opsPort },
        log: { level: "info" },
        layerzero: {
          mode: "local",
          pollIntervalMs: 50,
          maxAttempts: 20,
          chains: { a: { stackFile: a.stackFile }, b: { stackFile: b.stackFile } },
        },
      }),
    );
  });

  afterAll(async () => {
    if (child) await kill(child, "SIGKILL");
    await Promise.all(anvils.map((x) => x.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  it("delivers every packet exactly once across SIGKILLs at random points", async () => {
    child = startRelayer();
    await waitHealthy();

    const sent: Array<SentMessage & { to: TestChain }> = [];
    const pings: bigint[] = [];
    const plan: Array<{ from: TestChain; to: TestChain; kind: number }> = [];
    for (let i = 0; i < 10; i++) plan.push({ from: a, to: b, kind: KIND.NOTE });
    for (let i = 0; i < 8; i++) plan.push({ from: b, to: a, kind: KIND.NOTE });
    for (let i = 0; i < 6; i++) plan.push({ from: a, to: b, kind: KIND.PING });
    plan.sort(() => random() - 0.5);

    const sender = (async () => {
      let id = 1000n;
      for (const step of plan) {
        id++;
        const m = await sendMessage({ ...step, id });
        sent.push({ ...m, to: step.to });
        if (step.kind === KIND.PING) pings.push(id);
        await new Promise((r) => setTimeout(r, 50 + random() * 200));
      }
    })();

    // Four kills, each at a random moment after the relayer came up (so some land mid-delivery).
    for (let k = 0; k < 4; k++) {
      const delay = Math.round(100 + random() * 1400);
      await new Promise((r) => setTimeout(r, delay));
      kills.push(`kill ${k + 1} after ${delay} ms (packets sent so far: ${sent.length})`);
      await kill(child, "SIGKILL");
      child = startRelayer();
      await waitHealthy();
    }
    await sender;

    // Wait until every message and every PONG has been delivered.
    const until = Date.now() + 90_000;
    let pongs = new Map<bigint, Hex>();
    for (;;) {
      pongs = await pongsSent(b);
      const counts = await Promise.all([
        ...sent.map((m) => deliveries(m.to, m.guid)),
        ...[...pongs.values()].map((g) => deliveries(a, g)),
      ]);
      if (pongs.size === pings.length && counts.every((c) => c >= 1n)) break;
      if (Date.now() > until) {
        throw new Error(
          `not all delivered (seed ${seed}; ${kills.join("; ")})\n${readFileSync(logFile, "utf8").slice(-3000)}`,
        );
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    await kill(child, "SIGTERM");
    child = null;

    // Exactly once, seen three ways: the app's per-GUID counter, the app's totals, and no alert at all
    // (a second execution of a delivered packet would have raised LzReceiveAlert).
    for (const m of sent) expect(await deliveries(m.to, m.guid)).toBe(1n);
    for (const g of pongs.values()) expect(await deliveries(a, g)).toBe(1n);
    const toB = sent.filter((m) => m.to === b).length;
    const toA = sent.length - toB + pongs.size;
    expect(await readCounter(b, "received")).toBe(BigInt(toB));
    expect(await readCounter(a, "received")).toBe(BigInt(toA));
    for (const chain of [a, b]) {
      const alerts = await chain.anvil.publicClient.getContractEvents({
        address: chain.stack.endpoint,
        abi: endpointAbi,
        eventName: "LzReceiveAlert",
        fromBlock: 0n,
      });
      expect(alerts).toEqual([]);
    }

    // The outbox agrees: one final, successful entry per packet, none pending or failed.
    const store = await openPgliteStore({ dataDir: path.join(dir, "db") });
    try {
      const counts = await store.countByStatus(PACKET_KIND);
      const total = sent.length + pongs.size;
      expect(counts.filter((c) => c.status !== "done")).toEqual([]);
      expect(counts.reduce((n, c) => n + c.count, 0)).toBe(total);
      for (const m of sent) expect(await store.get(PACKET_KIND, m.guid)).toMatchObject({ status: "done" });
    } finally {
      await store.close();
    }
    console.info(`restart test: seed ${seed}; ${kills.join("; ")}`);
  });
});
