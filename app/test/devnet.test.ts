// The local devnet against the real tools: anvil, forge scripts, LayerZero's contracts, the prover's
// compiler. What it writes must be usable as it is: deployments/local.json valid, contracts deployed and
// wired both ways, the model registered with the layout of its artifact, the node active.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { StakeBelowMinimumError } from "@zk-vin/oracle-sdk";
import { readManifest } from "@zk-vin/prover";
import { pad, parseAbi } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  type Devnet,
  DevnetSetupError,
  DevnetStageError,
  inputBoundsFromManifest,
  layoutFromManifest,
  loadDeployment,
  portInUse,
  startDevnet,
} from "../src/index.js";

/** A cold start compiles the contracts with the wasm solc: minutes on a busy 2-core machine. */
const COLD_START_MS = 20 * 60_000;

const oappAbi = parseAbi([
  "function peers(uint32 eid) view returns (bytes32)",
  "function RECLAIM_DELAY() view returns (uint32)",
  "function GOVERNANCE_DELAY() view returns (uint32)",
  "function endpoint() view returns (address)",
]);
const endpointAbi = parseAbi(["function delegates(address oapp) view returns (address)"]);
const registryAbi = parseAbi([
  "struct IOLayout { uint16 batchSize; uint16 instanceCount; uint16 inputOffset; uint16 inputCount; uint16 outputOffset; uint16 outputCount; uint8 inputScale; uint8 outputScale; uint8 inputMode; }",
  "struct InputBound { int256 min; int256 max; }",
  "struct Model { address owner; uint32 computeUnits; bool deprecated; address verifier; uint96 royalty; bytes32 verifierKey; bytes32 settingsHash; IOLayout layout; InputBound[] inputBounds; string artifactURI; string metadataURI; uint8 status; bytes32 specDigest; }",
  "function model(uint256 modelId) view returns (Model)",
  "function modelApprovalRequired() view returns (bool)",
  "event ModelApproved(uint256 indexed modelId, bytes32 specDigest, address indexed approver)",
]);
const poolAbi = parseAbi([
  "struct NodeInfo { uint112 stake; uint112 slashed; uint32 withdrawableEpoch; uint64 capacity; uint64 used; uint32 usedEpoch; uint32 activeFrom; uint32 exitEpoch; uint32 pending; }",
  "function node(address operator) view returns (NodeInfo)",
  "function currentEpoch() view returns (uint32)",
]);

const fixtureManifest = path.resolve(import.meta.dirname, "../../prover/fixtures/linear_regression");

describe("the hub's layout of a compiled model", () => {
  it("takes offsets, counts and scales from the manifest", async () => {
    const manifest = await readManifest(fixtureManifest);
    expect(layoutFromManifest(manifest)).toEqual({
      batchSize: 1,
      instanceCount: 5,
      inputOffset: 0,
      inputCount: 4,
      outputOffset: 4,
      outputCount: 1,
      inputScale: 13,
      outputScale: 26,
      inputMode: 0,
    });
  });

  it("bounds each feature by its own proven range, rounded inwards in fixed point", async () => {
    const manifest = await readManifest(fixtureManifest);
    const bounds = inputBoundsFromManifest(manifest);
    const { min, max } = manifest.inputs[0]!.range;
    expect(bounds).toHaveLength(min.length);
    const one = 2 ** 13;
    for (let j = 0; j < min.length; j++) {
      const { min: lo, max: hi } = bounds[j]!;
      // Inside the feature's range, and no fixed-point value of it left out.
      expect(Number(lo) / one).toBeGreaterThanOrEqual(min[j]!);
      expect((Number(lo) - 1) / one).toBeLessThan(min[j]!);
      expect(Number(hi) / one).toBeLessThanOrEqual(max[j]!);
      expect((Number(hi) + 1) / one).toBeGreaterThan(max[j]!);
    }
    // The features' ranges differ: each gets its own bound, not their intersection.
    expect(new Set(bounds.map((b) => b.min)).size).toBeGreaterThan(1);
    // The same bounds the prover's fixtures carry (zkvin_prover.fixtures.hub_input_bounds) and the Foundry
    // tests register.
    const proof = JSON.parse(readFileSync(path.join(fixtureManifest, "proof.json"), "utf8")) as {
      inputBounds: { min: number[]; max: number[] };
    };
    expect(bounds).toEqual(
      proof.inputBounds.min.map((lo, j) => ({ min: BigInt(lo), max: BigInt(proof.inputBounds.max[j]!) })),
    );
  });

  it("refuses a feature whose range holds no fixed-point value", async () => {
    const manifest = await readManifest(fixtureManifest);
    const input = manifest.inputs[0]!;
    const narrow = {
      ...manifest,
      inputs: [{ ...input, scale: 2, range: { ...input.range, min: [0, 0.3, 0, 0], max: [1, 0.4, 1, 1] } }],
    };
    expect(() => inputBoundsFromManifest(narrow)).toThrow(DevnetSetupError);
    expect(() => inputBoundsFromManifest(narrow)).toThrow(/feature 1 has no fixed-point value/);
  });
});

describe("local devnet", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "zkvin-devnet-"));
  const file = path.join(dir, "local.json");
  let devnet: Devnet;
  const stages: string[] = [];

  beforeAll(async () => {
    devnet = await startDevnet({
      chainIdBase: 42_400,
      spokes: 2,
      deploymentFile: file,
      onProgress: (e) => {
        if (e.status === "done") stages.push(e.stage);
      },
    });
  }, COLD_START_MS);

  afterAll(async () => {
    await devnet?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("writes a deployments file the loader accepts, naming every chain and contract", async () => {
    expect(stages).toEqual(
      expect.arrayContaining([
        "start chains",
        "deploy chains",
        "connect chains",
        "register models",
        "stake node",
        "write deployments file",
      ]),
    );
    const d = loadDeployment(file);
    expect(d).toEqual(JSON.parse(readFileSync(file, "utf8")));
    expect(d.network).toBe("local");
    expect(d.hub).toMatchObject({ name: "zkvin-hub", chainId: 42_400, eid: 50_001 });
    expect(d.spokes.map((s) => [s.name, s.chainId, s.eid])).toEqual([
      ["zkvin-spoke-1", 42_401, 50_002],
      ["zkvin-spoke-2", 42_402, 50_003],
    ]);
    expect(Object.keys(d.hub.contracts)).toEqual(
      expect.arrayContaining([
        "ModelRegistry",
        "NodePool",
        "InferenceMarket",
        "Halo2VerifierReusable",
        "EzklVkaVerifierAdapter",
        "ZkVinHubGateway",
        "RegressionOracleConsumer.linear_regression",
      ]),
    );
    for (const chain of devnet.chains) {
      for (const [name, address] of Object.entries({ ...chain.contracts, ...chain.layerZero })) {
        const code = await chain.anvil.publicClient.getCode({ address });
        expect(code?.length ?? 0, `${chain.name} ${name}`).toBeGreaterThan(2);
      }
    }
    expect(d.models).toEqual([
      expect.objectContaining({
        modelId: 1,
        name: "linear_regression",
        batchSize: 1,
        artifactId: devnet.models[0]!.artifactId,
      }),
    ]);
  });

  it("wires the gateway and every spoke as each other's only peers", async () => {
    const { hub } = devnet;
    for (const spoke of devnet.spokes) {
      const fromHub = await hub.anvil.publicClient.readContract({
        address: hub.contracts.ZkVinHubGateway!,
        abi: oappAbi,
        functionName: "peers",
        args: [spoke.eid],
      });
      expect(fromHub).toBe(pad(spoke.contracts.ZkVinSpoke!.toLowerCase() as `0x${string}`));
      const fromSpoke = await spoke.anvil.publicClient.readContract({
        address: spoke.contracts.ZkVinSpoke!,
        abi: oappAbi,
        functionName: "peers",
        args: [hub.eid],
      });
      expect(fromSpoke).toBe(pad(hub.contracts.ZkVinHubGateway!.toLowerCase() as `0x${string}`));
      // Requesters can reclaim after a day; re-pointing the spoke or its endpoint configuration waits longer,
      // and nobody but the spoke itself is its LayerZero delegate.
      const read = (functionName: "RECLAIM_DELAY" | "GOVERNANCE_DELAY" | "endpoint") =>
        spoke.anvil.publicClient.readContract({ address: spoke.contracts.ZkVinSpoke!, abi: oappAbi, functionName });
      expect(await read("RECLAIM_DELAY")).toBe(86_400);
      expect(await read("GOVERNANCE_DELAY")).toBe(2 * 86_400);
      const delegate = await spoke.anvil.publicClient.readContract({
        address: (await read("endpoint")) as `0x${string}`,
        abi: endpointAbi,
        functionName: "delegates",
        args: [spoke.contracts.ZkVinSpoke!],
      });
      expect(delegate).toBe(spoke.contracts.ZkVinSpoke!);
    }
  });

  it("registers the model with its artifact's key and layout, approves it, and activates the node", async () => {
    const { hub } = devnet;
    const model = devnet.model("linear_regression");
    const m = await hub.anvil.publicClient.readContract({
      address: hub.contracts.ModelRegistry!,
      abi: registryAbi,
      functionName: "model",
      args: [model.modelId],
    });
    // The devnet runs the registry's approval flow as public networks do: register -> approve -> live.
    const approvalRequired = await hub.anvil.publicClient.readContract({
      address: hub.contracts.ModelRegistry!,
      abi: registryAbi,
      functionName: "modelApprovalRequired",
    });
    expect(approvalRequired).toBe(true);
    expect(m.status).toBe(0); // Live
    const approvals = await hub.anvil.publicClient.getContractEvents({
      address: hub.contracts.ModelRegistry!,
      abi: registryAbi,
      eventName: "ModelApproved",
      args: { modelId: model.modelId },
      fromBlock: 0n,
    });
    expect(approvals).toHaveLength(1);
    expect(approvals[0]!.args.specDigest).toBe(m.specDigest);
    expect(approvals[0]!.args.approver).toBe(devnet.accounts.deployer.address);
    expect(m.verifierKey).toBe(model.manifest.evm!.vkaDigest);
    expect(m.artifactURI).toBe(`zkvin-artifact:sha256:${model.artifactId}`);
    expect(m.layout).toEqual(layoutFromManifest(model.manifest));
    expect(m.inputBounds).toEqual(inputBoundsFromManifest(model.manifest));
    const [info, epoch] = await Promise.all([
      hub.anvil.publicClient.readContract({
        address: hub.contracts.NodePool!,
        abi: poolAbi,
        functionName: "node",
        args: [devnet.accounts.operator.address],
      }),
      hub.anvil.publicClient.readContract({
        address: hub.contracts.NodePool!,
        abi: poolAbi,
        functionName: "currentEpoch",
      }),
    ]);
    expect(info.capacity).toBe(10_000n);
    expect(epoch).toBeGreaterThanOrEqual(info.activeFrom);
    expect(() => devnet.model("nope")).toThrow(DevnetSetupError);
  });
});

describe("a devnet that fails to come up", () => {
  it("names the failed stage and stops every chain it had started", async () => {
    // Below the kernel's ephemeral range (32768..60999), where outgoing connections take their ports.
    const portBase = 20_000 + Math.floor(Math.random() * 12_000);
    const error = await startDevnet({
      chainIdBase: 42_500,
      portBase,
      spokes: 1,
      deploymentFile: null,
      models: [{ model: "linear_regression", batchSize: 0 }],
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DevnetStageError);
    expect((error as DevnetStageError).stage).toBe("compile models");
    expect((error as Error).message).toBe(
      "compile models: batchSize of linear_regression must be an integer in 1..64, got 0",
    );
    expect((error as Error).cause).toBeInstanceOf(DevnetSetupError);
    expect(await portInUse(portBase)).toBe(false);
    expect(await portInUse(portBase + 1)).toBe(false);
    const scratch = path.join(import.meta.dirname, "..", ".devnet");
    const left = existsSync(scratch) ? readdirSync(scratch).filter((n) => n.endsWith("-42500")) : [];
    expect(left).toEqual([]);
  });

  it("refuses a node stake below the pool's minimum through the SDK's registration, naming the stake", async () => {
    // The devnet stakes its node with the SDK's registerNode (the one implementation of the operation):
    // the SDK's check refuses before anything is sent, and the stage error carries its value and cause.
    const error = await startDevnet({
      chainIdBase: 42_600,
      spokes: 0,
      deploymentFile: null,
      node: { capacity: 100, stake: 1n },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DevnetStageError);
    expect(error).toMatchObject({ stage: "stake node", value: 1n });
    expect((error as Error).message).toMatch(/^stake node: stake: 100 compute units need at least [1-9]\d* /);
    const cause = (error as Error).cause;
    expect(cause).toBeInstanceOf(StakeBelowMinimumError);
    expect(cause).toMatchObject({ field: "stake", stake: 1n, capacity: 100n });
    expect((cause as StakeBelowMinimumError).minimum).toBeGreaterThan(1n);
    const scratch = path.join(import.meta.dirname, "..", ".devnet");
    const left = existsSync(scratch) ? readdirSync(scratch).filter((n) => n.endsWith("-42600")) : [];
    expect(left).toEqual([]);
  });
});
