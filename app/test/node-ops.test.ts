// Operating a node against a real devnet: `register-node` checks its input against the hub before sending
// (every refusal names its field), `status` shows the node, the model catalogue refuses artifacts that are
// not the registered model, and a node that missed its deadline expires the request so the requester on
// the spoke is refunded over LayerZero instead of waiting forever.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { silentLogger } from "@zk-vin/chain-kit";
import { repoRoot } from "@zk-vin/chain-kit/devchain";
import { LocalArtifactStore } from "@zk-vin/prover";
import {
  INFERENCE_KIND,
  ModelCatalog,
  marketAbi,
  nodePoolAbi,
  type Relayer,
  startRelayer,
  UnservedModelError,
} from "@zk-vin/relayer";
import { createWalletClient, type Hex, http, parseAbi, parseEventLogs } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEV_KEYS } from "../src/index.js";
import {
  benchmarkSamples,
  fixedInput,
  parseStackConfig,
  requesterWallet,
  requestValue,
  type Stack,
  startStack,
  valueUpdates,
  waitFor,
} from "./support/stack.js";

/** A cold start compiles the contracts with the wasm solc: minutes on a busy 2-core machine. */
const COLD_START_MS = 20 * 60_000;

const BIN = path.join(repoRoot, "relayer", "bin", "zkvin-relayer.mjs");
const proposalAbi = parseAbi([
  "struct IOLayout { uint16 batchSize; uint16 instanceCount; uint16 inputOffset; uint16 inputCount; uint16 outputOffset; uint16 outputCount; uint8 inputScale; uint8 outputScale; uint8 inputMode; }",
  "struct InputBound { int256 min; int256 max; }",
  "struct ModelSpec { address verifier; bytes32 verifierKey; bytes32 settingsHash; IOLayout layout; InputBound[] inputBounds; uint32 computeUnits; uint96 royalty; string artifactURI; string metadataURI; }",
  "function registrationFee() view returns (uint256)",
  "function registerModel(ModelSpec spec) payable returns (uint256 modelId)",
  "event ModelProposed(uint256 indexed modelId, bytes32 specDigest, uint256 escrowedFee)",
  "function registerVka(bytes32[] words) returns (bytes32 key)",
  "function approveVka(bytes32 key)",
  "function approvalRequired() view returns (bool)",
]);
const failureAbi = parseAbi([
  "event ValueRequestFailed(bytes32 indexed key, uint256 indexed requestId, uint8 reason)",
  "event InferenceExpired(uint256 indexed requestId, uint256 indexed hubRequestId)",
]);

function cli(args: string[]) {
  const res = spawnSync(process.execPath, [BIN, ...args], { cwd: repoRoot, encoding: "utf8", timeout: 120_000 });
  return { code: res.status, stdout: res.stdout, stderr: res.stderr };
}

describe("node operations", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "zkvin-node-ops-"));
  const configFile = path.join(dir, "relayer.json");
  let stack: Stack;
  let relayer: Relayer | null = null;

  beforeAll(async () => {
    // Two models, so that the store surely holds an artifact that is not linear_regression's (the
    // mismatch test below), whatever other tests left in the shared artifact cache.
    stack = await startStack({
      chainIdBase: 42_300,
      spokes: 1,
      node: false,
      models: [{ model: "linear_regression" }, { model: "linear_regression", batchSize: 4 }],
    });
    writeFileSync(configFile, JSON.stringify(stack.relayerConfig({ store: { kind: "pglite", dataDir: "db" } })));
  }, COLD_START_MS);

  afterAll(async () => {
    await relayer?.stop();
    await stack?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("register-node refuses bad input naming the field, then registers and status shows the node", async () => {
    const model = stack.devnet.model("linear_regression").modelId;
    const unknown = cli(["register-node", "--config", configFile, "--models", `${model},99`, "--capacity", "100"]);
    expect(unknown.code, unknown.stderr).toBe(2);
    expect(unknown.stderr).toContain("models[1]: model 99 is not registered");
    const low = cli([
      "register-node",
      "--config",
      configFile,
      "--models",
      String(model),
      "--capacity",
      "100",
      "--stake",
      "0.01",
    ]);
    expect(low.code).toBe(2);
    expect(low.stderr).toMatch(/stake: 100 compute units need at least 100000000000000000 /);
    const bad = cli(["register-node", "--config", configFile, "--models", "1,x", "--capacity", "100"]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('expected comma-separated positive model ids, got "1,x"');
    const dry = cli([
      "register-node",
      "--config",
      configFile,
      "--models",
      String(model),
      "--capacity",
      "1000",
      "--dry-run",
    ]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toContain("ok:");

    // Twice the minimum stake: a later test gets the node slashed once and it must stay assignable.
    const ok = cli([
      "register-node",
      "--config",
      configFile,
      "--models",
      String(model),
      "--capacity",
      "1000",
      "--stake",
      "2",
    ]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/registered node 0x[0-9a-fA-F]{40}/);
    const epoch = /active from epoch (\d+) \(block (\d+)\)/.exec(ok.stdout);
    expect(epoch).not.toBeNull();
    const again = cli(["register-node", "--config", configFile, "--models", String(model), "--capacity", "1000"]);
    expect(again.code).toBe(2);
    expect(again.stderr).toContain("operator: already a registered node");

    const { hub } = stack.devnet;
    const head = await hub.anvil.publicClient.getBlockNumber();
    const start = BigInt(epoch![2]!);
    if (start > head) await hub.anvil.testClient.mine({ blocks: Number(start - head) });
    const info = await hub.anvil.publicClient.readContract({
      address: hub.contracts.NodePool!,
      abi: nodePoolAbi,
      functionName: "node",
      args: [stack.devnet.accounts.operator.address],
    });
    expect(info.capacity).toBe(1000n);
    expect(info.stake).toBe(2n * 10n ** 18n);

    const status = cli(["status", "--config", configFile]);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain(`node ${stack.devnet.accounts.operator.address}`);
    expect(status.stdout).toMatch(new RegExp(`active; epoch \\d+ \\(20 blocks\\); models ${model}`));
    expect(status.stdout).toContain("capacity 1000 units per epoch");
  });

  it("refuses to prove a model whose local artifact is missing or is not the registered one", async () => {
    const { hub } = stack.devnet;
    const model = stack.devnet.model("linear_regression");
    const registry = await hub.anvil.publicClient.readContract({
      address: hub.contracts.InferenceMarket!,
      abi: marketAbi,
      functionName: "registry",
    });
    const empty = new ModelCatalog({
      client: hub.anvil.publicClient,
      registry,
      artifacts: new LocalArtifactStore({ root: path.join(dir, "no-artifacts") }),
    });
    const missing = await empty.resolve(model.modelId).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(UnservedModelError);
    expect((missing as UnservedModelError).message).toContain(
      `artifact ${model.artifactId} is not in the local artifact store`,
    );

    const other = await stack.artifacts.list().then((ids) => ids.find((id) => id !== model.artifactId));
    expect(other).toBeDefined();
    const wrong = new ModelCatalog({
      client: hub.anvil.publicClient,
      registry,
      artifacts: stack.artifacts,
      overrides: new Map([[model.modelId, other!]]),
    });
    const mismatch = await wrong.resolve(model.modelId).catch((e: unknown) => e);
    expect(mismatch).toBeInstanceOf(UnservedModelError);
    expect(String((mismatch as Error).message)).toMatch(
      new RegExp(`model is registered with key ${model.manifest.evm!.vkaDigest}|proves batches`),
    );

    const right = new ModelCatalog({ client: hub.anvil.publicClient, registry, artifacts: stack.artifacts });
    await expect(right.resolve(model.modelId)).resolves.toMatchObject({ artifactId: model.artifactId, batchSize: 1 });
    await expect(right.resolve(99n)).rejects.toThrow(/model 99: not registered/);

    // A registration the approver has not approved yet (the devnet requires model approval) is not served.
    const owner = createWalletClient({
      chain: hub.anvil.chain,
      account: privateKeyToAccount(DEV_KEYS[0]),
      transport: http(hub.rpcUrl),
    });
    const read = hub.anvil.publicClient;
    const adapter = hub.contracts.EzklVkaVerifierAdapter!;
    const mine = (hash: Hex) => read.waitForTransactionReceipt({ hash });
    const words = (
      JSON.parse(readFileSync(path.join(repoRoot, "prover", "fixtures", "mlp", "vka.json"), "utf8")) as {
        words: Hex[];
      }
    ).words;
    const { result: key } = await read.simulateContract({
      account: owner.account,
      address: adapter,
      abi: proposalAbi,
      functionName: "registerVka",
      args: [words],
    });
    await mine(
      await owner.writeContract({ address: adapter, abi: proposalAbi, functionName: "registerVka", args: [words] }),
    );
    if (await read.readContract({ address: adapter, abi: proposalAbi, functionName: "approvalRequired" })) {
      await mine(
        await owner.writeContract({ address: adapter, abi: proposalAbi, functionName: "approveVka", args: [key] }),
      );
    }
    const fee = await read.readContract({ address: registry, abi: proposalAbi, functionName: "registrationFee" });
    const bound = { min: -(2n ** 20n), max: 2n ** 20n };
    const proposed = await mine(
      await owner.writeContract({
        address: registry,
        abi: proposalAbi,
        functionName: "registerModel",
        value: fee,
        args: [
          {
            verifier: adapter,
            verifierKey: key,
            settingsHash: `0x${"11".repeat(32)}`,
            layout: {
              batchSize: 1,
              instanceCount: 7,
              inputOffset: 0,
              inputCount: 4,
              outputOffset: 4,
              outputCount: 3,
              inputScale: 13,
              outputScale: 52,
              inputMode: 0,
            },
            inputBounds: [bound, bound, bound, bound],
            computeUnits: 2,
            royalty: 0n,
            artifactURI: `zkvin-artifact:sha256:${model.artifactId}`,
            metadataURI: "",
          },
        ],
      }),
    );
    const [event] = parseEventLogs({ abi: proposalAbi, eventName: "ModelProposed", logs: proposed.logs });
    expect(event).toBeDefined();
    await expect(right.resolve(event!.args.modelId)).rejects.toThrow(/the registry has the model pending, not live/);
  });

  it("expires an assignment it missed, and the spoke refunds the requester over LayerZero", async () => {
    const { hub } = stack.devnet;
    const spoke = stack.devnet.spokes[0]!;
    const model = stack.devnet.model("linear_regression");
    // A carrier without the node: the request reaches the hub and is assigned, but nobody proves it.
    const carrierOnly = { ...stack.relayerConfig() };
    delete carrierOnly.node;
    relayer = await startRelayer({ config: await parseStackConfig(carrierOnly), logger: silentLogger });
    await stack.devnet.waitForModelSync();
    const sent = await requestValue({
      chain: spoke,
      modelId: model.modelId,
      consumer: model.consumers[spoke.name]!,
      input: fixedInput(benchmarkSamples("linear_regression").inputs[1]!, model.manifest.inputs[0]!.scale),
      label: "missed",
    });
    const market = hub.contracts.InferenceMarket!;
    const hubRequestId = await waitFor("the request on the hub", async () => {
      const next = await hub.anvil.publicClient.readContract({
        address: market,
        abi: marketAbi,
        functionName: "nextRequestId",
      });
      return next > 1n ? next - 1n : undefined;
    });
    await relayer.stop();
    relayer = null;
    const request = await hub.anvil.publicClient.readContract({
      address: market,
      abi: marketAbi,
      functionName: "request",
      args: [hubRequestId],
    });
    expect(request.node).toBe(stack.devnet.accounts.operator.address);
    const head = await hub.anvil.publicClient.getBlockNumber();
    await hub.anvil.testClient.mine({ blocks: Number(BigInt(request.deadline) - head) + 1 });

    // The whole relayer again: the node finds its missed assignment and expires it (one node: a refund).
    relayer = await startRelayer({ config: await parseStackConfig(stack.relayerConfig()), logger: silentLogger });
    const failed = await waitFor("the consumer's failure notice", async () => {
      const logs = await spoke.anvil.publicClient.getContractEvents({
        address: model.consumers[spoke.name]!,
        abi: failureAbi,
        eventName: "ValueRequestFailed",
        fromBlock: 0n,
        strict: true,
      });
      return logs.find((l) => l.args.requestId === sent.requestId);
    });
    expect(failed.args.reason).toBe(1); // FailureReason.Expired
    const expired = await spoke.anvil.publicClient.getContractEvents({
      address: spoke.contracts.ZkVinSpoke!,
      abi: failureAbi,
      eventName: "InferenceExpired",
      fromBlock: 0n,
      strict: true,
    });
    expect(expired.map((e) => [e.args.requestId, e.args.hubRequestId])).toEqual([[sent.requestId, hubRequestId]]);
    const after = await hub.anvil.publicClient.readContract({
      address: market,
      abi: marketAbi,
      functionName: "request",
      args: [hubRequestId],
    });
    expect(after.status).toBe(3); // Refunded
    const entries = await relayer.store.list({ kind: INFERENCE_KIND, limit: 10 });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ status: "failed", outcome: "missed-deadline" });
  });

  it("proves a request handed to it after another node missed its deadline", async () => {
    // Runs after the previous test: the relayer with the node is still running.
    const { hub } = stack.devnet;
    const model = stack.devnet.model("linear_regression");
    const market = hub.contracts.InferenceMarket!;
    const read = hub.anvil.publicClient;
    // A second node that never proves anything.
    const idle = createWalletClient({
      chain: hub.anvil.chain,
      account: privateKeyToAccount(DEV_KEYS[3]),
      transport: http(hub.rpcUrl),
    });
    const stake = 10n ** 18n;
    const registered = await idle.writeContract({
      address: hub.contracts.NodePool!,
      abi: nodePoolAbi,
      functionName: "registerNode",
      args: [[model.modelId], 1000n, stake],
      value: stake,
    });
    await read.waitForTransactionReceipt({ hash: registered });
    const info = await read.readContract({
      address: hub.contracts.NodePool!,
      abi: nodePoolAbi,
      functionName: "node",
      args: [idle.account.address],
    });
    const from = await read.readContract({
      address: hub.contracts.NodePool!,
      abi: nodePoolAbi,
      functionName: "epochStartBlock",
      args: [info.activeFrom],
    });
    const head = await read.getBlockNumber();
    if (from > head) await hub.anvil.testClient.mine({ blocks: Number(from - head) });

    // Ask until the market assigns a request to the idle node (the scan start is pseudo-random).
    const input = fixedInput(benchmarkSamples("linear_regression").inputs[2]!, model.manifest.inputs[0]!.scale);
    let stranded: bigint | null = null;
    for (let i = 0; i < 16 && stranded === null; i++) {
      const sent = await requestValue({
        chain: hub,
        modelId: model.modelId,
        consumer: model.consumers[hub.name]!,
        input,
        label: `stranded-${i}`,
      });
      const r = await read.readContract({
        address: market,
        abi: marketAbi,
        functionName: "request",
        args: [sent.requestId],
      });
      if (r.node === idle.account.address) stranded = sent.requestId;
    }
    expect(stranded, "no request was assigned to the second node in 16 tries").not.toBeNull();
    const before = await read.readContract({
      address: market,
      abi: marketAbi,
      functionName: "request",
      args: [stranded!],
    });
    const now = await read.getBlockNumber();
    await hub.anvil.testClient.mine({ blocks: Number(BigInt(before.deadline) - now) + 1 });
    const expiry = await requesterWallet(hub).writeContract({
      address: market,
      abi: marketAbi,
      functionName: "expire",
      args: [stranded!],
    });
    await read.waitForTransactionReceipt({ hash: expiry });
    const reassigned = await read.readContract({
      address: market,
      abi: marketAbi,
      functionName: "request",
      args: [stranded!],
    });
    expect(reassigned.node).toBe(stack.devnet.accounts.operator.address);

    const updates = await waitFor("the reassigned request's callback", async () =>
      (await valueUpdates(hub, model.consumers[hub.name]!)).get(stranded!),
    );
    expect(updates).toHaveLength(1);
    // The callback is on chain as soon as the fulfilment is mined; the outbox records it right after.
    const entry = await waitFor("the assignment's final state", async () => {
      const e = await relayer!.store.get(INFERENCE_KIND, `${stranded}@${reassigned.deadline}`);
      return e?.status === "pending" ? undefined : (e ?? undefined);
    });
    expect(entry).toMatchObject({ status: "done", outcome: "fulfilled" });
    expect(await relayer!.store.get(INFERENCE_KIND, `${stranded}@${before.deadline}`)).toBeNull();
  });
});
