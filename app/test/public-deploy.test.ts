// Deploying to public networks, rehearsed on two anvil chains that play the testnets: LayerZero's real
// EndpointV2 + ULN302 + DVN + executor deployed there stand in for the published ones, and the deploy runs
// contracts-evm's own scripts (DeployHub, DeployHubGateway, DeploySpoke, ConnectSpoke) with only RPC
// URLs and a key, as it would against Sepolia and Arbitrum Sepolia.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { type Address, keccak256, pad, parseAbi, toHex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { devnetWorkRoot } from "../src/devnet/paths.js";
import {
  type AnvilChain,
  checkHubSrs,
  DEV_KEYS,
  DEV_SRS_PATH,
  DevnetStageError,
  DevSrsOnPublicChainError,
  deployNetwork,
  devnetAccounts,
  isLocalChain,
  LAYERZERO_TESTNETS_FILE,
  loadDeployment,
  type PublicChainTarget,
  readLayerZeroNetworks,
  rpcEnvName,
  runScript,
  startAnvil,
} from "../src/index.js";

/** A cold start compiles the contracts with the wasm solc: minutes on a busy 2-core machine. */
const COLD_START_MS = 20 * 60_000;

const oappAbi = parseAbi(["function peers(uint32 eid) view returns (bytes32)"]);
const roleAbi = parseAbi(["function hasRole(bytes32 role, address account) view returns (bool)"]);

describe("the published LayerZero networks file", () => {
  it("holds an endpoint, an EID and a chain id for each testnet", () => {
    const networks = readLayerZeroNetworks();
    expect(Object.keys(networks)).toEqual(expect.arrayContaining(["sepolia", "arbitrum-sepolia", "base-sepolia"]));
    expect(networks.sepolia).toMatchObject({ chainId: 11_155_111, eid: 40_161 });
    expect(networks["arbitrum-sepolia"]).toMatchObject({ chainId: 421_614, eid: 40_231 });
    const eids = Object.values(networks).map((n) => n.eid);
    expect(new Set(eids).size).toBe(eids.length);
    expect(JSON.parse(readFileSync(LAYERZERO_TESTNETS_FILE, "utf8")).source.addresses).toContain("lz-evm-sdk-v2");
    expect(rpcEnvName("arbitrum-sepolia")).toBe("RPC_URL_ARBITRUM_SEPOLIA");
  });
});

describe("the hub's SRS on public networks", () => {
  it("refuses the development SRS on any chain that is not a local one, naming the chain", () => {
    for (const id of [1, 10, 8453, 42_161, 43_114, 11_155_111, 421_614, 31_346, 33_009]) {
      expect(isLocalChain(id)).toBe(false);
      const error = (() => {
        try {
          checkHubSrs(id, DEV_SRS_PATH);
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(DevSrsOnPublicChainError);
      expect((error as DevSrsOnPublicChainError).chainId).toBe(id);
      expect((error as DevSrsOnPublicChainError).value).toBe(id);
      expect((error as Error).message).toContain(`chain ${id} is not a local chain`);
    }
    for (const id of [1337, 31_337, 31_340, 33_000, 33_008]) {
      expect(isLocalChain(id)).toBe(true);
      expect(() => checkHubSrs(id, DEV_SRS_PATH)).not.toThrow();
    }
  });

  it("takes an SRS that is not the development one anywhere", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "zkvin-srs-"));
    const dev = JSON.parse(readFileSync(path.join(import.meta.dirname, "../../prover/fixtures/srs.json"), "utf8"));
    const file = path.join(dir, "ceremony.json");
    writeFileSync(file, JSON.stringify({ kind: "powers-of-tau", vkaWords: dev.vkaWords }));
    expect(() => checkHubSrs(11_155_111, file)).not.toThrow();
    rmSync(dir, { recursive: true, force: true });
  });
});

describe("deploying to public networks", () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), "zkvin-public-"));
  // Scratch files of the LayerZero scripts must sit where forge may write (deployments/.devnet, as the devnet's).
  const scratch = devnetWorkRoot;
  mkdirSync(scratch, { recursive: true });
  const work = mkdtempSync(path.join(scratch, "public-test-"));
  let chains: AnvilChain[] = [];
  const targets: PublicChainTarget[] = [];

  beforeAll(async () => {
    // Local chain ids: the rehearsal uses the development SRS, which a public chain id would refuse.
    chains = await Promise.all([startAnvil({ chainId: 31_340 }), startAnvil({ chainId: 31_341 })]);
    const eids = [50_001, 50_002];
    for (const [i, chain] of chains.entries()) {
      const stackFile = path.join(work, `stack-${i}.json`);
      await runScript({
        stage: "deploy LayerZero",
        script: "script/layerzero/DeployLocalLayerZero.s.sol",
        rpcUrl: chain.rpcUrl,
        privateKey: DEV_KEYS[5],
        env: { LZ_LOCAL_EID: String(eids[i]), LZ_OPERATOR: devnetAccounts.operator.address, LZ_STACK_FILE: stackFile },
      });
      await runScript({
        stage: "wire LayerZero",
        script: "script/layerzero/WireLocalLayerZero.s.sol",
        rpcUrl: chain.rpcUrl,
        privateKey: DEV_KEYS[5],
        env: { LZ_STACK_FILE: stackFile, LZ_REMOTE_EIDS: String(eids[1 - i]) },
      });
      const stack = JSON.parse(readFileSync(stackFile, "utf8")) as { endpoint: Address };
      targets.push({
        name: i === 0 ? "hubnet" : "spokenet",
        rpcUrl: chain.rpcUrl,
        chainId: chain.chainId,
        eid: eids[i]!,
        endpoint: stack.endpoint,
      });
    }
  }, COLD_START_MS);

  afterAll(async () => {
    await Promise.all(chains.map((c) => c.stop()));
    rmSync(dir, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  });

  it("refuses an RPC that serves another chain before deploying anything", async () => {
    const wrong = { ...targets[1]!, chainId: 11_155_111 };
    const error = await deployNetwork({
      network: "rehearsal",
      hub: targets[0]!,
      spokes: [wrong],
      privateKey: DEV_KEYS[0],
      deploymentFile: path.join(dir, "never.json"),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DevnetStageError);
    expect((error as DevnetStageError).stage).toBe("check RPCs and endpoints");
    expect((error as Error).message).toContain(`spokenet: ${wrong.rpcUrl} serves chain 31341, not 11155111`);
    expect(await chains[0]!.publicClient.getTransactionCount({ address: devnetAccounts.deployer.address })).toBe(0);
  });

  it("refuses to put a hub that trusts the development SRS on a public chain, before deploying anything", async () => {
    const sepolia = { ...targets[0]!, chainId: 11_155_111 };
    const error = await deployNetwork({
      network: "rehearsal",
      hub: sepolia,
      spokes: [targets[1]!],
      privateKey: DEV_KEYS[0],
      deploymentFile: path.join(dir, "never.json"),
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DevSrsOnPublicChainError);
    expect((error as DevSrsOnPublicChainError).chainId).toBe(11_155_111);
    expect(await chains[0]!.publicClient.getTransactionCount({ address: devnetAccounts.deployer.address })).toBe(0);
  });

  it("deploys hub, gateway and spoke with the project's scripts, connects them, and writes the deployments file", async () => {
    const file = path.join(dir, "rehearsal.json");
    const stages: string[] = [];
    const { deployment, pending } = await deployNetwork({
      network: "rehearsal",
      hub: targets[0]!,
      spokes: [targets[1]!],
      privateKey: DEV_KEYS[0],
      deploymentFile: file,
      onProgress: (e) => {
        if (e.status === "done") stages.push(e.stage);
      },
    });
    expect(stages).toEqual([
      "check RPCs and endpoints",
      "deploy hub on hubnet",
      "deploy gateway on hubnet",
      "deploy spoke on spokenet",
      "connect spokenet on hubnet",
    ]);
    expect(pending).toEqual([]);
    expect(loadDeployment(file)).toEqual(deployment);
    expect(deployment.hub).toMatchObject({ name: "hubnet", chainId: 31_340, eid: 50_001 });
    const [hub, spoke] = chains as [AnvilChain, AnvilChain];
    // The aggregating adapter and its deferred-pairing verifier are part of every hub.
    for (const name of ["EzklAggregatingVerifierAdapter", "Halo2VerifierReusableDeferred"]) {
      const address = deployment.hub.contracts[name];
      expect(address, name).toMatch(/^0x[0-9a-fA-F]{40}$/);
      expect(((await hub.publicClient.getCode({ address: address! })) ?? "0x").length, name).toBeGreaterThan(2);
    }
    const gateway = deployment.hub.contracts.ZkVinHubGateway!;
    const spokeAddress = deployment.spokes[0]!.contracts.ZkVinSpoke!;
    expect(
      await hub.publicClient.readContract({ address: gateway, abi: oappAbi, functionName: "peers", args: [50_002] }),
    ).toBe(pad(spokeAddress.toLowerCase() as Address));
    expect(
      await spoke.publicClient.readContract({
        address: spokeAddress,
        abi: oappAbi,
        functionName: "peers",
        args: [50_001],
      }),
    ).toBe(pad(gateway.toLowerCase() as Address));
    const granted = await hub.publicClient.readContract({
      address: deployment.hub.contracts.InferenceMarket!,
      abi: roleAbi,
      functionName: "hasRole",
      args: [keccak256(toHex("REMOTE_GATEWAY_ROLE")), gateway],
    });
    expect(granted).toBe(true);
  });
});
