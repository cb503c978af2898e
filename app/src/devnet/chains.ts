// Chain deployment and LayerZero wiring of a devnet: the forge scripts that put LayerZero's local
// contracts and zk-VIN on every anvil, and the ones that make the hub gateway and the spokes peers.
import { readFileSync } from "node:fs";
import path from "node:path";
import type { Address } from "viem";
import { devnetAccounts } from "./accounts.js";
import type { AnvilChain } from "./anvil.js";
import { DevnetStageError } from "./errors.js";
import { runScript } from "./forge.js";
import type { DevnetChain, LocalLayerZeroAddresses } from "./types.js";

/** Local EIDs are 50000 + n in devnet order (docs/decisions/0040-local-layerzero-network.md). */
export const LOCAL_EID_BASE = 50_000;

/** What a deploy script writes about its chain. */
interface ChainFile {
  chainId: number;
  eid: number;
  layerZero: LocalLayerZeroAddresses;
  contracts: Record<string, Address>;
}

/**
 * Deploys LayerZero's local contracts and zk-VIN on each chain by the forge scripts: the hub (registry, node
 * pool, market, verifiers, gateway) on the first anvil, a spoke on each other. Each script writes the
 * addresses to `workDir`; the chains come back in the same order.
 */
export async function deployChains(params: {
  anvils: AnvilChain[];
  /** The hub's epoch length and fulfilment window, in blocks. */
  hub: { epochBlocks: number; fulfilmentWindowBlocks: number };
  workDir: string;
}): Promise<DevnetChain[]> {
  const { anvils, hub: settings, workDir } = params;
  const { deployer, operator } = devnetAccounts;
  const hubEid = LOCAL_EID_BASE + 1;
  const chains: DevnetChain[] = [];
  for (const [i, anvil] of anvils.entries()) {
    const isHub = i === 0;
    const eid = LOCAL_EID_BASE + 1 + i;
    const file = path.join(workDir, `chain-${eid}.json`);
    const startBlock = Number(await anvil.publicClient.getBlockNumber()) + 1;
    const env: Record<string, string> = {
      DEVNET_EID: String(eid),
      DEVNET_OPERATOR: operator.address,
      DEVNET_OUT: file,
    };
    if (isHub) {
      env.HUB_EPOCH_BLOCKS = String(settings.epochBlocks);
      env.HUB_FULFILMENT_WINDOW_BLOCKS = String(settings.fulfilmentWindowBlocks);
    } else {
      env.DEVNET_HUB_EID = String(hubEid);
    }
    await runScript({
      stage: isHub ? "deploy hub chain" : `deploy spoke chain ${i}`,
      script: isHub ? "script/local/DeployLocalHubChain.s.sol" : "script/local/DeployLocalSpokeChain.s.sol",
      rpcUrl: anvil.rpcUrl,
      privateKey: deployer.key,
      env,
    });
    const written = JSON.parse(readFileSync(file, "utf8")) as ChainFile;
    if (written.chainId !== anvil.chainId || written.eid !== eid) {
      throw new DevnetStageError("deploy chains", `${file} describes chain ${written.chainId} / EID ${written.eid}`, {
        value: file,
      });
    }
    chains.push({
      name: isHub ? "zkvin-hub" : `zkvin-spoke-${i}`,
      role: isHub ? "hub" : "spoke",
      chainId: anvil.chainId,
      eid,
      rpcUrl: anvil.rpcUrl,
      anvil,
      startBlock,
      layerZero: written.layerZero,
      contracts: written.contracts,
    });
  }
  return chains;
}

/** Makes the hub gateway and every spoke each other's LayerZero peers (and only peers). */
export async function connectChains(params: { chains: DevnetChain[]; workDir: string }): Promise<void> {
  const [hub, ...spokes] = params.chains;
  if (!hub || spokes.length === 0) return;
  const gateway = hub.contracts.ZkVinHubGateway!;
  const jobs: Array<{ chain: DevnetChain; oapp: string; eids: number[]; peers: Address[] }> = [
    {
      chain: hub,
      oapp: "ZkVinHubGateway",
      eids: spokes.map((s) => s.eid),
      peers: spokes.map((s) => s.contracts.ZkVinSpoke!),
    },
    ...spokes.map((s) => ({ chain: s, oapp: "ZkVinSpoke", eids: [hub.eid], peers: [gateway] })),
  ];
  for (const job of jobs) {
    await runScript({
      stage: `connect ${job.chain.name}`,
      script: "script/local/ConnectLocalChain.s.sol",
      rpcUrl: job.chain.rpcUrl,
      privateKey: devnetAccounts.deployer.key,
      env: {
        DEVNET_CHAIN_FILE: path.join(params.workDir, `chain-${job.chain.eid}.json`),
        DEVNET_OAPP: job.oapp,
        DEVNET_REMOTE_EIDS: job.eids.join(","),
        DEVNET_REMOTE_PEERS: job.peers.join(","),
      },
    });
  }
}
