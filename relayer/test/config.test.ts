import { mkdtempSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { getAddress } from "viem";
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig, parseConfig } from "../src/config/index.js";

const KEY = `0x${"11".repeat(32)}`;
const ADDR = "0x00000000000000000000000000000000000000aa";

function base(over: Record<string, unknown> = {}) {
  return {
    operatorKey: KEY,
    chains: [
      { name: "hub", chainId: 31337, rpcUrl: "http://127.0.0.1:8545", confirmations: 0 },
      { name: "spoke", chainId: 31338, rpcUrl: "http://127.0.0.1:8546", confirmations: 2 },
    ],
    ...over,
  };
}

async function issues(json: unknown, env: NodeJS.ProcessEnv = {}) {
  const error = await parseConfig({ json, source: "test.json", baseDir: "/cfg", env }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ConfigError);
  return (error as ConfigError).issues;
}

describe("relayer config", () => {
  it("fills defaults and resolves relative paths against the config file", async () => {
    const c = await parseConfig({ json: base(), source: "test.json", baseDir: "/cfg", env: {} });
    expect(c.store).toEqual({ kind: "pglite", dataDir: "/cfg/.zkvin/relayer/db" });
    expect(c.layerzero).toEqual({ mode: "external" });
    expect(c.chains[0]).toMatchObject({ startBlock: 0n, pollIntervalMs: 1000, maxBlockRange: 1000, reorgWindow: 128 });
    expect(c.http).toBeNull();
    expect(c.log.level).toBe("info");
  });

  it("takes secrets from the environment and says which variable is missing", async () => {
    const json = base({ operatorKey: { env: "RELAYER_KEY" } });
    const c = await parseConfig({ json, source: "t", baseDir: "/", env: { RELAYER_KEY: KEY } });
    expect(c.operatorKey).toBe(KEY);
    expect(await issues(json)).toEqual([
      { path: "operatorKey", message: "environment variable RELAYER_KEY is not set" },
    ]);
    expect(await issues(json, { RELAYER_KEY: "0x12" })).toEqual([
      { path: "operatorKey", message: "environment variable RELAYER_KEY is not a 0x-prefixed 32-byte hex key" },
    ]);
  });

  it("names every offending field", async () => {
    const found = await issues(
      base({
        chains: [
          { name: "Hub", chainId: 1, rpcUrl: "ws://x", confirmations: -1 },
          { name: "b", chainId: 1, rpcUrl: "http://x", confirmations: 5, reorgWindow: 5 },
        ],
        store: { kind: "postgres", url: "mysql://x" },
        extra: true,
      }),
    );
    const paths = found.map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        "chains[0].name",
        "chains[0].rpcUrl",
        "chains[0].confirmations",
        "chains[1].reorgWindow",
        "store.url",
        "(root)",
      ]),
    );
  });

  it("checks the local LayerZero section against the chains", async () => {
    const stack = { eid: 50_001, endpoint: ADDR, receiveUln302: ADDR, dvn: ADDR, executor: ADDR };
    expect(
      await issues(base({ layerzero: { mode: "local", chains: { hub: { ...stack, executor: "0x12" } } } })),
    ).toEqual([{ path: "layerzero.chains.hub.executor", message: "must be a 0x-prefixed 20-byte address" }]);
    expect(await issues(base({ layerzero: { mode: "local", chains: { hub: stack, ghost: stack } } }))).toEqual([
      { path: "layerzero.chains.ghost", message: 'no chain named "ghost" in chains' },
      { path: "layerzero.chains.ghost.eid", message: "EID 50001 is also hub's" },
    ]);
    expect(await issues(base({ layerzero: { mode: "relay" } }))).toEqual([
      expect.objectContaining({ path: "layerzero.mode" }),
    ]);
  });

  it("reads stack files written by DeployLocalLayerZero and refuses one of another chain", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "zkvin-config-"));
    const stack = {
      chainId: 31337,
      eid: 50_001,
      owner: ADDR,
      operator: ADDR,
      endpoint: ADDR,
      sendUln302: ADDR,
      receiveUln302: ADDR,
      priceFeed: ADDR,
      executor: ADDR,
      executorFeeLib: ADDR,
      dvn: "0x00000000000000000000000000000000000000bb",
      dvnFeeLib: ADDR,
    };
    writeFileSync(path.join(dir, "hub.json"), JSON.stringify(stack));
    writeFileSync(path.join(dir, "spoke.json"), JSON.stringify(stack));
    const file = path.join(dir, "relayer.json");
    writeFileSync(
      file,
      JSON.stringify(
        base({
          layerzero: { mode: "local", chains: { hub: { stackFile: "hub.json" }, spoke: { stackFile: "spoke.json" } } },
        }),
      ),
    );
    const error = await loadConfig({ file, env: {} }).catch((e: unknown) => e);
    expect((error as ConfigError).issues).toEqual([
      {
        path: "layerzero.chains.spoke.stackFile",
        message: `${path.join(dir, "spoke.json")} describes chain 31337, but chain "spoke" is 31338`,
      },
    ]);
    writeFileSync(
      file,
      JSON.stringify(base({ layerzero: { mode: "local", chains: { hub: { stackFile: "hub.json" } } } })),
    );
    const c = await loadConfig({ file, env: {} });
    expect(c.layerzero).toMatchObject({
      mode: "local",
      signerKey: KEY,
      concurrency: 4,
      chains: { hub: { eid: 50_001, dvn: getAddress("0x00000000000000000000000000000000000000bb") } },
    });
  });

  it("reports unreadable and non-JSON files as config errors", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "zkvin-config-"));
    const file = path.join(dir, "bad.json");
    writeFileSync(file, "{ nope");
    await expect(loadConfig({ file })).rejects.toThrow(/not valid JSON/);
    await expect(loadConfig({ file: path.join(dir, "missing.json") })).rejects.toThrow(/ENOENT/);
  });

  it("resolves the node section with its defaults and relative artifact store", async () => {
    const c = await parseConfig({
      json: base({ node: { hubChain: "hub", market: ADDR, artifactStore: "artifacts" } }),
      source: "test.json",
      baseDir: "/cfg",
      env: {},
    });
    expect(c.node).toMatchObject({
      hubChain: "hub",
      market: getAddress(ADDR),
      redis: "redis://127.0.0.1:6379",
      queueName: "zkvin-prove",
      artifactStore: "/cfg/artifacts",
      batchWindowMs: 200,
      maxInFlight: 64,
      submitConcurrency: 1,
      maxAttempts: 5,
      expireMissed: true,
    });
    expect(c.node?.models.size).toBe(0);
    const mapped = await parseConfig({
      json: base({ node: { hubChain: "hub", market: ADDR, models: [{ modelId: 3, artifactId: "ab".repeat(32) }] } }),
      source: "t",
      baseDir: "/",
      env: {},
    });
    expect(mapped.node?.models.get(3n)).toBe("ab".repeat(32));
    expect((await parseConfig({ json: base(), source: "t", baseDir: "/", env: {} })).node).toBeNull();
    expect(c.node?.aggregate).toBeNull();
  });

  it("resolves node.aggregate with its defaults and names a bad one's field", async () => {
    const on = await parseConfig({
      json: base({ node: { hubChain: "hub", market: ADDR, aggregate: { adapter: ADDR } } }),
      source: "t",
      baseDir: "/",
      env: {},
    });
    expect(on.node?.aggregate).toEqual({ adapter: getAddress(ADDR), maxProofs: 8, windowMs: 2000 });
    const found = await issues(
      base({
        node: {
          hubChain: "hub",
          market: ADDR,
          aggregate: { adapter: "0x12", maxProofs: 1, windowMs: -1, extra: true },
        },
      }),
    );
    expect(found.map((i) => i.path)).toEqual(
      expect.arrayContaining([
        "node.aggregate.adapter",
        "node.aggregate.maxProofs",
        "node.aggregate.windowMs",
        "node.aggregate",
      ]),
    );
    // More proofs than the adapter's MAX_AGGREGATE (32) would always revert.
    const tooMany = await issues(
      base({ node: { hubChain: "hub", market: ADDR, aggregate: { adapter: ADDR, maxProofs: 33 } } }),
    );
    expect(tooMany.map((i) => i.path)).toEqual(["node.aggregate.maxProofs"]);
  });

  it("names the offending field of a bad node section", async () => {
    const found = await issues(
      base({
        node: {
          hubChain: "nowhere",
          market: "0x1234",
          redis: "http://127.0.0.1:6379",
          maxInFlight: 0,
          models: [
            { modelId: 1, artifactId: "AB".repeat(32) },
            { modelId: 2, artifactId: "cd".repeat(32) },
            { modelId: 2, artifactId: "ef".repeat(32) },
          ],
          surprise: 1,
        },
      }),
    );
    const paths = found.map((i) => i.path);
    expect(paths).toEqual(
      expect.arrayContaining(["node.market", "node.redis", "node.maxInFlight", "node.models[0].artifactId", "node"]),
    );
    expect(found.find((i) => i.path === "node.redis")?.message).toBe("must be a redis:// or rediss:// URL");
    expect(found.find((i) => i.path === "node")?.message).toMatch(/surprise/);
    // Cross-field checks run once the fields themselves are valid.
    const crossField = await issues(
      base({
        node: {
          hubChain: "nowhere",
          market: ADDR,
          models: [
            { modelId: 2, artifactId: "cd".repeat(32) },
            { modelId: 2, artifactId: "ef".repeat(32) },
          ],
        },
      }),
    );
    expect(crossField).toEqual([
      { path: "node.hubChain", message: 'no chain named "nowhere" in chains' },
      { path: "node.models[1].modelId", message: "model 2 is listed twice" },
    ]);
  });
});
