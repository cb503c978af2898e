// The whole local network, all real: the devnet (hub and one spoke on anvil with LayerZero V2's
// contracts, models compiled by the prover and registered, the operator's node staked), Redis, the
// prover's EZKL workers, the relayer (LayerZero DVN/executor and node pipeline), and this package's local
// subgraph indexing both chains. The SDK README's quick start runs verbatim against it; then requests
// made on the spoke are followed to the hub and back through the subgraph's queries, one fulfilled and
// one expired (relayer's node stopped) and refunded.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { silentLogger } from "@zk-vin/chain-kit";
import { FORGE_CACHE, FORGE_OUT, repoRoot } from "@zk-vin/chain-kit/devchain";
import {
  createGraphQLClient,
  createZkVinClient,
  getEntity,
  getRequestDetails,
  inferenceMarketAbi,
  listEntities,
  modelRegistryAbi,
  zkVinHubGatewayAbi,
  zkVinSpokeAbi,
} from "@zk-vin/oracle-sdk";
import { LocalArtifactStore, type ProverWorkers, startProverWorkers } from "@zk-vin/prover";
import { parseConfig, type Relayer, startRelayer } from "@zk-vin/relayer";
import { type LocalSubgraph, startLocalSubgraph } from "@zk-vin/subgraph";
import { type Address, createWalletClient, type Hex, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Devnet, devnetAccounts, startDevnet } from "../src/index.js";

const SPOKE = "zkvin-spoke-1";
const QUICKSTART_INPUT = [-0.0854, 0.0507, -0.0407, -0.0332];

let devnet: Devnet;
let workers: ProverWorkers;
let relayer: Relayer | null = null;
let subgraph: LocalSubgraph;
let gql: ReturnType<typeof createGraphQLClient>;
let workDir: string;
let redis: string;
let queueName: string;
let artifacts: LocalArtifactStore;

async function ensureRedis(): Promise<string> {
  const lib = (await import(new URL("../../scripts/lib/redis.mjs", import.meta.url).href)) as {
    ensureRedis(): Promise<{ url: string }>;
  };
  return (await lib.ensureRedis()).url;
}

async function startNetworkRelayer(withNode: boolean): Promise<Relayer> {
  const json = devnet.relayerConfig({
    redisUrl: redis,
    queueName,
    store: { kind: "memory" },
    logLevel: "warn",
    artifactStore: artifacts.root,
  });
  if (!withNode) delete json.node;
  return startRelayer({ config: await parseConfig({ json, source: "test", baseDir: repoRoot }), logger: silentLogger });
}

async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 90_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

function run(
  cmd: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: repoRoot, env: { ...process.env, ...env } });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => child.kill("SIGTERM"), 180_000);
    child.on("error", reject);
    child.on("close", (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}

/** The first ```ts block under "## Quick start" in oracle-sdk/README.md, as written. */
function quickStart(): string {
  const readme = readFileSync(path.join(repoRoot, "oracle-sdk", "README.md"), "utf8");
  const section = readme.slice(readme.indexOf("## Quick start"));
  const match = /```ts\n([\s\S]*?)```/.exec(section);
  if (!match?.[1]) throw new Error("no ```ts block in the README's quick start");
  return match[1];
}

beforeAll(async () => {
  // forge runs inside this checkout next to other components' builds: this package builds into its own folders.
  process.env.FOUNDRY_OUT = FORGE_OUT;
  process.env.FOUNDRY_CACHE_PATH = FORGE_CACHE;
  workDir = mkdtempSync(path.join(os.tmpdir(), "zkvin-local-network-"));
  redis = await ensureRedis();
  artifacts = new LocalArtifactStore();
  devnet = await startDevnet({
    chainIdBase: 31_620,
    spokes: 1,
    models: [{ model: "linear_regression" }],
    deploymentFile: path.join(workDir, "local.json"),
    artifactStore: artifacts,
  });
  queueName = `zkvin-subgraph-test-${randomBytes(4).toString("hex")}`;
  workers = await startProverWorkers({ connection: redis, store: artifacts, queueName, concurrency: 1, device: "cpu" });
  relayer = await startNetworkRelayer(true);
  await devnet.waitForModelSync({ timeoutMs: 60_000 });
  subgraph = await startLocalSubgraph({
    deployment: devnet.deployment,
    database: { kind: "memory" },
    pollIntervalMs: 100,
  });
  gql = createGraphQLClient({ url: subgraph.endpoint.url });
  await until("the model in the subgraph", async () => (await listEntities(gql, "Model")).length > 0);
});

afterAll(async () => {
  await subgraph?.close();
  await relayer?.stop();
  await workers?.close();
  await devnet?.stop();
  if (workDir) rmSync(workDir, { recursive: true, force: true });
});

describe("the SDK quick start", () => {
  it("runs as written against the local network and prints the proven output", async () => {
    const dir = path.join(repoRoot, "subgraph", ".scratch");
    mkdirSync(dir, { recursive: true });
    const file = path.join(dir, `quickstart-${process.pid}.mts`);
    writeFileSync(file, quickStart());
    try {
      // Asynchronously: this process serves the endpoint and runs the relayer the quick start relies on.
      const res = await run(path.join(repoRoot, "node_modules", ".bin", "tsx"), [file], {
        ZKVIN_DEPLOYMENT: devnet.deploymentFile ?? "",
        ZKVIN_GRAPHQL_URL: subgraph.endpoint.url,
        ZKVIN_PRIVATE_KEY: devnetAccounts.user.key,
      });
      expect(res.stderr.replace(/npm warn.*\n/g, "")).toBe("");
      expect(res.status).toBe(0);
      // 68531639 / 2^26: the linear regression's proven output for this input.
      expect(res.stdout).toMatch(/^request \d+ \(\d+ wei\): \[ 1\.02120099\d* \]\n$/);
    } finally {
      rmSync(file, { force: true });
    }
  });
});

describe("a request made on the spoke", () => {
  it("is fulfilled on the hub and settled on the spoke, and both sides are indexed and linked", async () => {
    const sdk = createZkVinClient({
      deployment: devnet.deployment,
      chain: SPOKE,
      account: privateKeyToAccount(devnetAccounts.user.key),
      graphqlUrl: subgraph.endpoint.url,
      pollingIntervalMs: 100,
    });
    const quote = await sdk.quote({ modelId: 1n, input: QUICKSTART_INPUT });
    expect(quote.kind).toBe("spoke");
    const receipt = await sdk.requestInference({ modelId: 1n, input: QUICKSTART_INPUT });
    const result = await sdk.waitForResult({
      requestId: receipt.requestId,
      fromBlock: receipt.blockNumber,
      timeoutMs: 120_000,
    });
    expect(result.status).toBe("fulfilled");
    if (result.status !== "fulfilled") return;
    expect(result.values[0]).toBeCloseTo(1.0212009996, 9);
    const hubRequestId = result.hubRequestId ?? -1n;

    const spokeId = `${devnet.spokes[0]?.eid}-${receipt.requestId}`;
    const spokeRequest = await until("the settled spoke request", async () => {
      const r = await getEntity(gql, "SpokeRequest", spokeId);
      return r?.status === "FULFILLED" && r.nodeAmount !== null ? r : null;
    });
    expect(spokeRequest.hubRequestId).toBe(String(hubRequestId));
    expect(spokeRequest.output).toEqual(result.output.map(String));
    expect(BigInt(spokeRequest.totalFee)).toBe(quote.total);
    const settled =
      BigInt(spokeRequest.nodeAmount ?? 0) +
      BigInt(spokeRequest.royaltyAmount ?? 0) +
      BigInt(spokeRequest.protocolAmount ?? 0) +
      BigInt(spokeRequest.unspent ?? 0);
    expect(settled).toBe(BigInt(spokeRequest.inferenceFee));

    const hub = await until("the hub request", async () => {
      const r = await getRequestDetails(gql, hubRequestId);
      return r?.status === "FULFILLED" && r.spokeRequest ? r : null;
    });
    expect(hub.remote).toBe(true);
    expect(hub.originEid).toBe(devnet.spokes[0]?.eid);
    expect(hub.spokeRequest?.id).toBe(spokeId);
    expect(hub.spoke?.id).toBe(String(devnet.spokes[0]?.eid));
    expect(hub.delivery).toBe("DELIVERED");

    // The SDK's cross-subgraph follow: the spoke's subgraph for the spoke request, the hub's for the hub
    // request made for it (matched by originEid/originRequestId, which hold on The Graph too). Per-chain
    // URLs, both pointing at the local endpoint, which indexes both chains.
    const perChain = createZkVinClient({
      deployment: devnet.deployment,
      graphqlUrls: { [SPOKE]: subgraph.endpoint.url, [devnet.deployment.hub.name]: subgraph.endpoint.url },
    });
    const followed = await perChain.graph.followSpokeRequest({ chain: SPOKE, requestId: receipt.requestId });
    expect(followed?.spokeRequest.id).toBe(spokeId);
    expect(followed?.hubRequest?.id).toBe(String(hubRequestId));
    expect(followed?.hubRequest?.originRequestId).toBe(String(receipt.requestId));

    // One query across both chains: the local endpoint resolves the cross-chain links in both directions.
    const linked = await gql.request<{
      spokeRequest: { hubRequest: { id: string; model: { modelId: string }; spokeRequest: { id: string } } };
    }>("query($id: ID!) { spokeRequest(id: $id) { hubRequest { id model { modelId } spokeRequest { id } } } }", {
      id: spokeId,
    });
    expect(linked.spokeRequest.hubRequest).toEqual({
      id: String(hubRequestId),
      model: { modelId: "1" },
      spokeRequest: { id: spokeId },
    });
    const spokes = await listEntities(gql, "Spoke");
    expect(spokes.map((s) => s.eid)).toEqual([devnet.spokes[0]?.eid]);
    expect(spokes[0]?.acceptedCount).toBeGreaterThanOrEqual(1);
    const deployment = await getEntity(gql, "SpokeDeployment", String(devnet.spokes[0]?.eid));
    expect(deployment?.network).toBe(SPOKE);
    const synced = await listEntities(gql, "SpokeModel", { where: { deployment: String(devnet.spokes[0]?.eid) } });
    expect(synced.map((m) => m.modelId)).toEqual(["1"]);
    // The spoke's copy of the model's per-feature bounds, as the hub registered them.
    const hubModel = await getEntity(gql, "Model", "1");
    expect(hubModel?.inputMin).toHaveLength(4);
    expect({ min: synced[0]?.inputMin, max: synced[0]?.inputMax }).toEqual({
      min: hubModel?.inputMin,
      max: hubModel?.inputMax,
    });
    const payments = await listEntities(gql, "Payment", { where: { spokeRequest: spokeId } });
    expect(new Set(payments.map((p) => p.kind))).toEqual(new Set(["SPOKE_ESCROW", "SPOKE_MESSAGE_FEE"]));
    const credits = await listEntities(gql, "Payment", { where: { kind: "SPOKE_CREDIT", eid: devnet.spokes[0]?.eid } });
    expect(credits.length).toBeGreaterThan(0);
  });

  it("is refunded on the spoke when it expires on the hub, and the refund is indexed", async () => {
    // Without its node pipeline the relayer only carries packets: the assignment is missed.
    await relayer?.stop();
    relayer = await startNetworkRelayer(false);
    const sdk = createZkVinClient({
      deployment: devnet.deployment,
      chain: SPOKE,
      account: privateKeyToAccount(devnetAccounts.user.key),
      graphqlUrl: subgraph.endpoint.url,
      pollingIntervalMs: 100,
    });
    const receipt = await sdk.requestInference({ modelId: 1n, input: QUICKSTART_INPUT });
    const spokeId = `${devnet.spokes[0]?.eid}-${receipt.requestId}`;
    const accepted = await until("the hub request", async () => {
      const r = await listEntities(gql, "InferenceRequest", { where: { spokeRequest: spokeId } });
      return r[0];
    });
    const market = devnet.hub.contracts.InferenceMarket as Address;
    const hubClient = devnet.hub.anvil;
    const wallet = createWalletClient({
      chain: hubClient.chain,
      account: privateKeyToAccount(devnetAccounts.deployer.key),
      transport: http(devnet.hub.rpcUrl),
    });
    for (;;) {
      const r = (await hubClient.publicClient.readContract({
        address: market,
        abi: inferenceMarketAbi,
        functionName: "request",
        args: [BigInt(accepted.requestId)],
      })) as { status: number; deadline: number };
      if (r.status !== 1) break;
      const head = await hubClient.publicClient.getBlockNumber();
      if (head <= BigInt(r.deadline))
        await hubClient.testClient.mine({ blocks: Number(BigInt(r.deadline) - head) + 1 });
      const hash = await wallet.writeContract({
        address: market,
        abi: inferenceMarketAbi,
        functionName: "expire",
        args: [BigInt(accepted.requestId)],
      });
      await hubClient.publicClient.waitForTransactionReceipt({ hash });
    }
    const result = await sdk.waitForResult({
      requestId: receipt.requestId,
      fromBlock: receipt.blockNumber,
      timeoutMs: 120_000,
    });
    expect(result.status).toBe("refunded");
    if (result.status !== "refunded") return;
    expect(result.reason).toBe("expired");

    const refunded = await until("the refunded spoke request", async () => {
      const r = await getEntity(gql, "SpokeRequest", spokeId);
      return r?.status === "REFUNDED" ? r : null;
    });
    expect(refunded.failureReason).toBe("EXPIRED");
    expect(refunded.refundAmount).toBe(String(result.amount));
    expect(refunded.hubRequest?.id).toBe(accepted.id);
    const hub = await until("the refunded hub request", async () => {
      const r = await getRequestDetails(gql, accepted.id);
      return r?.status === "REFUNDED" ? r : null;
    });
    expect(hub.assignments.every((a) => a.outcome === "EXPIRED")).toBe(true);
    expect(hub.slashes.length).toBe(hub.assignments.length);
    const refunds = await listEntities(gql, "Payment", { where: { kind: "SPOKE_REFUND", spokeRequest: spokeId } });
    expect(refunds.map((p) => p.amount)).toEqual([String(result.amount)]);
  });
});

// The differential test's model syncs (differential.test.ts covers the hub's history; syncs need the
// LayerZero network, so they are scripted here): the hub's model terms change and are synced to the spoke
// three times, and what the endpoint serves is checked field by field against the gateway's and the
// spoke's own events and the market's state, read with viem.
describe("model syncs", () => {
  it("every ModelSyncSent is counted per spoke and every spoke's model is its last ModelSynced, field by field", async () => {
    const hub = devnet.hub;
    const spoke = devnet.spokes[0];
    if (!spoke) throw new Error("the devnet has no spoke");
    const modelId = devnet.model("linear_regression").modelId;
    const gateway = hub.contracts.ZkVinHubGateway as Address;
    const registry = hub.contracts.ModelRegistry as Address;
    const spokeContract = spoke.contracts.ZkVinSpoke as Address;
    const owner = createWalletClient({
      chain: hub.anvil.chain,
      account: privateKeyToAccount(devnetAccounts.deployer.key),
      transport: http(hub.rpcUrl),
    });
    const anyone = createWalletClient({
      chain: hub.anvil.chain,
      account: privateKeyToAccount(devnetAccounts.user.key),
      transport: http(hub.rpcUrl),
    });
    const send = async (hash: Hex) => {
      const r = await hub.anvil.publicClient.waitForTransactionReceipt({ hash });
      expect(r.status).toBe("success");
    };
    const synced = () =>
      spoke.anvil.publicClient.getContractEvents({
        address: spokeContract,
        abi: zkVinSpokeAbi,
        eventName: "ModelSynced",
        fromBlock: 0n,
      });
    const syncAndWait = async () => {
      const before = (await synced()).length;
      const fee = await hub.anvil.publicClient.readContract({
        address: gateway,
        abi: zkVinHubGatewayAbi,
        functionName: "quoteSyncModel",
        args: [spoke.eid, modelId],
      });
      await send(
        await anyone.writeContract({
          address: gateway,
          abi: zkVinHubGatewayAbi,
          functionName: "syncModel",
          args: [spoke.eid, modelId],
          value: fee,
        }),
      );
      await until("the sync on the spoke", async () => (await synced()).length > before);
    };
    const setRoyalty = async (royalty: bigint) =>
      send(
        await owner.writeContract({
          address: registry,
          abi: modelRegistryAbi,
          functionName: "setRoyalty",
          args: [modelId, royalty],
        }),
      );

    // The scripted history: a raised royalty synced, then the old one back and synced again, then a plain resync.
    const { royalty } = (await hub.anvil.publicClient.readContract({
      address: registry,
      abi: modelRegistryAbi,
      functionName: "model",
      args: [modelId],
    })) as { royalty: bigint };
    await setRoyalty(royalty + 1_000n);
    await syncAndWait();
    await setRoyalty(royalty);
    await syncAndWait();
    await syncAndWait();

    const sent = await hub.anvil.publicClient.getContractEvents({
      address: gateway,
      abi: zkVinHubGatewayAbi,
      eventName: "ModelSyncSent",
      fromBlock: 0n,
    });
    const received = await synced();
    expect(sent.length).toBeGreaterThanOrEqual(4);
    // Every sync the gateway sent arrived on the spoke with the same terms, in nonce order.
    expect(received.map((e) => e.args.info)).toEqual(
      sent.filter((e) => e.args.spokeEid === spoke.eid).map((e) => e.args.info),
    );
    const last = received.at(-1);
    if (!last?.args.info || !last.args.inputBounds) throw new Error("no ModelSynced event");
    const info = last.args.info;
    const prices = received.filter((e) => e.args.modelId === modelId).map((e) => e.args.info?.hubPrice ?? 0n);
    // The raised royalty reached the spoke as a higher price before the old one came back.
    expect(prices.some((p) => p > (prices.at(-1) ?? 0n))).toBe(true);

    const id = `${spoke.eid}-${modelId}`;
    const indexed = await until("the last sync indexed", async () => {
      const m = await getEntity(gql, "SpokeModel", id);
      return m?.syncNonce === String(info.syncNonce) ? m : null;
    });
    const block = await spoke.anvil.publicClient.getBlock({ blockHash: last.blockHash });
    expect(indexed).toEqual({
      id,
      deployment: { id: String(spoke.eid) },
      modelId: String(last.args.modelId),
      hubPrice: String(info.hubPrice),
      syncNonce: String(info.syncNonce),
      inputCount: info.inputCount,
      outputCount: info.outputCount,
      inputScale: info.inputScale,
      outputScale: info.outputScale,
      // InstanceLayout.InputMode: 0 Public, 1 Hashed.
      inputMode: ["PUBLIC", "HASHED"][info.inputMode],
      deprecated: info.deprecated,
      inputMin: last.args.inputBounds.map((b) => String(b.min)),
      inputMax: last.args.inputBounds.map((b) => String(b.max)),
      syncedAt: String(block.timestamp),
    });
    // The price the spoke holds is what the hub's market quotes now.
    const quote = (await hub.anvil.publicClient.readContract({
      address: hub.contracts.InferenceMarket as Address,
      abi: inferenceMarketAbi,
      functionName: "quote",
      args: [modelId],
    })) as { total: bigint };
    expect(indexed.hubPrice).toBe(String(quote.total));
    const counted = await until("every sync counted on the hub", async () => {
      const s = await getEntity(gql, "Spoke", String(spoke.eid));
      return s?.modelSyncCount === sent.filter((e) => e.args.spokeEid === spoke.eid).length ? s : null;
    });
    expect(counted.modelSyncCount).toBe(received.length);
  });
});
