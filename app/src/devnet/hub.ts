// Hub set-up of a devnet: models registered (VKA, spec, approvals), the operator's node staked and
// registered through the SDK, and the wait for the epoch the node starts working in.

import { createChainContext, registerNode as registerNodeOnHub } from "@zk-vin/oracle-sdk";
import {
  inferenceMarketAbi as marketAbi,
  modelRegistryAbi,
  nodePoolAbi,
  ezklVkaVerifierAdapterAbi as vkaAdapterAbi,
} from "@zk-vin/oracle-sdk/abi";
import { parseEventLogs } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { devnetAccounts } from "./accounts.js";
import { DevnetSetupError, DevnetStageError } from "./errors.js";
import { type CompiledDevnetModel, type DevnetModelOptions, modelSpec } from "./models.js";
import { send, wallet } from "./tx.js";
import type { DevnetChain, RegisteredDevnetModel } from "./types.js";

/**
 * Registers each compiled model on the hub: its VKA with the EZKL adapter (approved when the adapter
 * requires approval), then the model spec, approved by the devnet's governance (the deployer) when the
 * registry takes registrations as proposals. `options[i]` are the options `compiled[i]` was built from.
 */
export async function registerModels(params: {
  hub: DevnetChain;
  compiled: CompiledDevnetModel[];
  options: DevnetModelOptions[];
}): Promise<RegisteredDevnetModel[]> {
  const { hub } = params;
  const names = new Set<string>();
  for (const m of params.compiled) {
    if (names.has(m.name)) throw new DevnetSetupError(`model ${m.name} is listed twice`, { value: m.name });
    names.add(m.name);
  }
  const deployer = wallet(hub.anvil, devnetAccounts.deployer.key);
  const registry = hub.contracts.ModelRegistry!;
  const adapter = hub.contracts.EzklVkaVerifierAdapter!;
  const fee = await hub.anvil.publicClient.readContract({
    address: registry,
    abi: modelRegistryAbi,
    functionName: "registrationFee",
  });
  const out: RegisteredDevnetModel[] = [];
  for (const [i, model] of params.compiled.entries()) {
    const royalty = params.options[i]?.royalty ?? 100_000_000_000_000n;
    await send(hub.anvil, `register VKA of ${model.name}`, () =>
      deployer.writeContract({
        address: adapter,
        abi: vkaAdapterAbi,
        functionName: "registerVka",
        args: [model.vkaWords],
      }),
    );
    const aggregating = params.options[i]?.verifier === "aggregating";
    const verifier = aggregating ? hub.contracts.EzklAggregatingVerifierAdapter! : adapter;
    const spec = modelSpec({ model, adapter: verifier, royalty });
    // With approval required (as on public networks) a VKA verifies nothing until governance approves it;
    // the devnet's deployer is that governance.
    const approvalRequired = await hub.anvil.publicClient.readContract({
      address: adapter,
      abi: vkaAdapterAbi,
      functionName: "approvalRequired",
    });
    if (approvalRequired) {
      await send(hub.anvil, `approve VKA of ${model.name}`, () =>
        deployer.writeContract({
          address: adapter,
          abi: vkaAdapterAbi,
          functionName: "approveVka",
          args: [spec.verifierKey],
        }),
      );
    }
    const receipt = await send(hub.anvil, `register model ${model.name}`, () =>
      deployer.writeContract({
        address: registry,
        abi: modelRegistryAbi,
        functionName: "registerModel",
        args: [spec],
        value: fee,
      }),
    );
    const [event] = parseEventLogs({ abi: modelRegistryAbi, eventName: "ModelRegistered", logs: receipt.logs });
    if (!event) throw new DevnetStageError("register models", `no ModelRegistered event for ${model.name}`);
    const modelId = event.args.modelId;
    // With model approval required (as on public networks) the registration is only a proposal: it takes
    // no requests until MODEL_APPROVER_ROLE approves the exact spec (owner, key, layout, bounds, ...). The
    // devnet's deployer is that governance; it approves the digest of the spec it just built, not the
    // proposal's own word for it.
    const [proposed] = parseEventLogs({ abi: modelRegistryAbi, eventName: "ModelProposed", logs: receipt.logs });
    if (proposed) {
      const digest = await hub.anvil.publicClient.readContract({
        address: registry,
        abi: modelRegistryAbi,
        functionName: "specDigest",
        args: [deployer.account.address, spec],
      });
      await send(hub.anvil, `approve model ${model.name}`, () =>
        deployer.writeContract({
          address: registry,
          abi: modelRegistryAbi,
          functionName: "approveModel",
          args: [modelId, digest],
        }),
      );
    }
    out.push({ ...model, modelId });
  }
  return out;
}

/**
 * Stakes and registers the operator's node for `modelIds` through the SDK's `registerNode` (the one
 * implementation of the operation: its checks refuse a stake below the pool's minimum with
 * StakeBelowMinimumError, carrying the stake, before anything is sent). Default stake: the minimum.
 */
export async function registerNode(params: {
  hub: DevnetChain;
  modelIds: bigint[];
  node: { capacity: number; stake: bigint | undefined };
}): Promise<void> {
  const { hub, node } = params;
  const ctx = createChainContext({
    config: {
      name: hub.name,
      role: "hub",
      chainId: hub.chainId,
      eid: hub.eid,
      rpcUrl: hub.rpcUrl,
      startBlock: BigInt(hub.startBlock),
      contracts: hub.contracts,
    },
    account: privateKeyToAccount(devnetAccounts.operator.key),
    pollingIntervalMs: 50,
  });
  await registerNodeOnHub(ctx, {
    modelIds: params.modelIds,
    capacity: BigInt(node.capacity),
    ...(node.stake !== undefined ? { stake: node.stake } : {}),
  });
}

/** Mines blocks until the operator's node is active (nodes start with the epoch after registration). */
export async function waitForNodeEpoch(hub: DevnetChain): Promise<void> {
  const read = hub.anvil.publicClient;
  const pool = hub.contracts.NodePool!;
  const info = await read.readContract({
    address: pool,
    abi: nodePoolAbi,
    functionName: "node",
    args: [devnetAccounts.operator.address],
  });
  const activeFromBlock = await read.readContract({
    address: pool,
    abi: nodePoolAbi,
    functionName: "epochStartBlock",
    args: [info.activeFrom],
  });
  const head = await read.getBlockNumber();
  if (activeFromBlock > head) await hub.anvil.testClient.mine({ blocks: Number(activeFromBlock - head) });
  const epoch = await read.readContract({ address: pool, abi: nodePoolAbi, functionName: "currentEpoch" });
  if (epoch < info.activeFrom) {
    throw new DevnetStageError(
      "wait for node epoch",
      `epoch ${epoch} after mining; the node starts at ${info.activeFrom}`,
    );
  }
}

/** The market's parameters (for callers that need the fulfilment window). */
export async function readMarketParams(hub: DevnetChain) {
  return hub.anvil.publicClient.readContract({
    address: hub.contracts.InferenceMarket!,
    abi: marketAbi,
    functionName: "params",
  });
}
