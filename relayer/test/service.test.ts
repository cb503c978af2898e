import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { ChainIdMismatchError, silentLogger } from "@zk-vin/chain-kit";
import { type Anvil, freePort, repoRoot, startAnvil } from "@zk-vin/chain-kit/devchain";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseConfig, type RelayerConfig } from "../src/config/index.js";
import { type Relayer, startRelayer } from "../src/service.js";
import { deliveries, KIND, OPERATOR_KEY, sendMessage, setUpNetwork, type TestChain } from "./support/pingpong.js";

const BIN = path.join(repoRoot, "relayer", "bin", "zkvin-relayer.mjs");

function cli(args: string[]) {
  const res = spawnSync(process.execPath, [BIN, ...args], { cwd: repoRoot, encoding: "utf8", timeout: 60_000 });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

describe("relayer service: ops endpoints, lifecycle and CLI", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "zkvin-service-"));
  let anvils: Anvil[] = [];
  let a: TestChain;
  let b: TestChain;
  let relayer: Relayer | null = null;

  function configJson(over: { port: number; store?: unknown; chainIdA?: number; local?: boolean }) {
    const chain = (name: string, c: TestChain, chainId = c.anvil.chainId) => ({
      name,
      chainId,
      rpcUrl: c.anvil.rpcUrl,
      confirmations: 0,
      pollIntervalMs: 100,
      reorgWindow: 16,
    });
    return {
      operatorKey: OPERATOR_KEY,
      chains: [chain("a", a, over.chainIdA), chain("b", b)],
      store: over.store ?? { kind: "memory" },
      http: { host: "127.0.0.1", port: over.port },
      log: { level: "silent" },
      layerzero:
        over.local === false
          ? { mode: "external" }
          : {
              mode: "local",
              pollIntervalMs: 50,
              chains: { a: { stackFile: a.stackFile }, b: { stackFile: b.stackFile } },
            },
    };
  }

  async function config(over: Parameters<typeof configJson>[0]): Promise<RelayerConfig> {
    return parseConfig({ json: configJson(over), source: "test", baseDir: dir });
  }

  async function get(url: string, init?: RequestInit) {
    const res = await fetch(url, init);
    return { status: res.status, body: await res.text() };
  }

  async function until<T>(
    fn: () => Promise<T | null | undefined | false>,
    what: string,
    timeoutMs = 30_000,
  ): Promise<T> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      const v = await fn().catch(() => null);
      if (v) return v;
      if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  beforeAll(async () => {
    anvils = await Promise.all([startAnvil({ chainId: 31_531 }), startAnvil({ chainId: 31_532 })]);
    [a, b] = (await setUpNetwork({ anvils, eids: [50_001, 50_002] })) as [TestChain, TestChain];
  });

  afterAll(async () => {
    await relayer?.stop();
    await Promise.all(anvils.map((x) => x.stop()));
    rmSync(dir, { recursive: true, force: true });
  });

  it("refuses to start against an RPC that serves another chain", async () => {
    const c = await config({ port: 0, chainIdA: 999, local: false });
    await expect(startRelayer({ config: c, logger: silentLogger })).rejects.toBeInstanceOf(ChainIdMismatchError);
  });

  it("starts in external mode with only the store to watch", async () => {
    const r = await startRelayer({ config: await config({ port: 0, local: false }), logger: silentLogger });
    try {
      expect(r.carrier).toBeNull();
      const health = await get(`${r.opsUrl}/health`);
      expect(health.status).toBe(200);
      expect(JSON.parse(health.body)).toEqual({
        healthy: true,
        checks: [{ name: "store", healthy: true, detail: "pglite" }],
      });
    } finally {
      await r.stop();
    }
  });

  it("serves /metrics, /health and /status while it carries packets", async () => {
    relayer = await startRelayer({ config: await config({ port: 0 }), logger: silentLogger });
    const ops = relayer.opsUrl!;
    await until(async () => (await get(`${ops}/health`)).status === 200, "health 200");
    const sent = await sendMessage({ from: a, to: b, kind: KIND.NOTE, id: 1n });
    await until(async () => (await deliveries(b, sent.guid)) === 1n, "delivery");

    const metrics = await until(async () => {
      const m = (await get(`${ops}/metrics`)).body;
      return m.includes('outcome="delivered"} 1') ? m : null;
    }, "the delivery in /metrics");
    expect(metrics).toContain(
      'zkvin_relayer_lz_packets_finished_total{src="a",dst="b",status="done",outcome="delivered"} 1',
    );
    expect(metrics).toContain('zkvin_relayer_lz_packets_discovered_total{src="a",dst="b"} 1');
    expect(metrics).toMatch(/zkvin_relayer_watcher_cursor_block\{chain="b",stream="layerzero:packets"\} \d+/);
    expect(metrics).toContain(
      'zkvin_relayer_outbox_entries{kind="layerzero-packet",status="done",outcome="delivered"} 1',
    );
    expect(metrics).toMatch(/zkvin_relayer_lz_delivery_seconds_count\{src="a",dst="b"\} 1/);

    const status = JSON.parse((await get(`${ops}/status`)).body);
    expect(status.cursors.map((c: { chain: string }) => c.chain).sort()).toEqual(["a", "b"]);
    expect(status.outbox).toEqual([{ kind: "layerzero-packet", status: "done", outcome: "delivered", count: 1 }]);
    expect(status.layerzero).toMatchObject({ mode: "local", lastRoundError: null });

    expect((await get(`${ops}/nope`)).status).toBe(404);
    expect((await get(`${ops}/health`, { method: "POST" })).status).toBe(405);
  });

  it("reports unhealthy once a chain's RPC stops answering", async () => {
    const ops = relayer!.opsUrl!;
    await b.anvil.stop("SIGKILL");
    const report = await until(async () => {
      const res = await get(`${ops}/health`);
      return res.status === 503 ? JSON.parse(res.body) : null;
    }, "health 503");
    const watcherB = report.checks.find((c: { name: string }) => c.name === "watcher:b:layerzero:packets");
    expect(watcherB).toMatchObject({ healthy: false });
    expect(watcherB.detail).toMatch(/polls failed in a row/);
    expect(report.checks.find((c: { name: string }) => c.name === "watcher:a:layerzero:packets")).toMatchObject({
      healthy: true,
    });
    await relayer!.stop();
    relayer = null;
  });
});

describe("relayer CLI", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "zkvin-cli-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("exits 2 naming the offending field of a bad config", () => {
    const file = path.join(dir, "bad.json");
    writeFileSync(file, JSON.stringify({ operatorKey: "0x12", chains: [] }));
    const res = cli(["start", "--config", file]);
    expect(res.code).toBe(2);
    expect(res.stderr).toContain("operatorKey:");
    expect(res.stderr).toContain("chains: at least one chain is needed");
  });

  it("prints the stored status of a stopped relayer", async () => {
    const anvil = await startAnvil({ chainId: 31_539 });
    try {
      const file = path.join(dir, "relayer.json");
      const json = {
        operatorKey: OPERATOR_KEY,
        chains: [{ name: "solo", chainId: 31_539, rpcUrl: anvil.rpcUrl, confirmations: 0 }],
        store: { kind: "pglite", dataDir: "db" },
        http: { host: "127.0.0.1", port: await freePort() },
      };
      writeFileSync(file, JSON.stringify(json));
      // A relayer that ran once leaves its store behind; `status` reads it when nothing answers on the port.
      const c = await parseConfig({ json, source: file, baseDir: dir });
      const r = await startRelayer({ config: c, logger: silentLogger });
      await r.store.advanceCursor(
        { chainId: 31_539, stream: "demo" },
        {
          to: { number: 0n, hash: (await anvil.publicClient.getBlock({ blockNumber: 0n })).hash },
          blocks: [],
          keepFrom: 0n,
        },
      );
      await r.stop();
      const text = cli(["status", "--config", file]);
      expect(text.code).toBe(0);
      expect(text.stdout).toContain("store (no running relayer answered)");
      expect(text.stdout).toMatch(/solo\s+demo\s+block 0/);
      const asJson = JSON.parse(cli(["status", "--config", file, "--json"]).stdout);
      expect(asJson.cursors).toEqual([{ chain: "solo", stream: "demo", block: "0" }]);
      expect(asJson.chains[0]).toMatchObject({ name: "solo", chainId: 31_539, error: null });
    } finally {
      await anvil.stop();
    }
  });
});
