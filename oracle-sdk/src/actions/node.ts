// Node-operator helpers on the hub: register with stake (native or ERC-20), add stake, exit and withdraw
// after unbonding, read a node's standing, and collect earnings (market) and slash proceeds (pool).
import { type Address, erc20Abi, type Hash, zeroAddress } from "viem";
import { inferenceMarketAbi, nodePoolAbi } from "../abi/index.js";
import { type ChainContext, readContract, requireWallet, writeContract } from "../chain.js";

export interface NodeStatus {
  address: Address;
  registered: boolean;
  /** registered: taking work from `activeFrom`; exiting: no new work from `exitEpoch`; unbonded: may withdraw. */
  phase: "unregistered" | "pending" | "active" | "exiting" | "unbonded";
  stake: bigint;
  slashed: bigint;
  capacity: bigint;
  usedThisEpoch: bigint;
  spareCapacity: bigint;
  activeFrom: number;
  exitEpoch: number;
  withdrawableEpoch: number;
  /** Requests assigned and neither fulfilled nor expired. */
  pending: number;
  currentEpoch: number;
  modelIds: bigint[];
  /** Earnings waiting in the market (withdrawEarnings). */
  claimableEarnings: bigint;
  /** Slash proceeds waiting in the pool (claimSlashProceeds). */
  claimableSlashProceeds: bigint;
}

function pool<T>(ctx: ChainContext, functionName: string, args: readonly unknown[] = []): Promise<T> {
  return readContract<T>(ctx, { contract: "NodePool", abi: nodePoolAbi, functionName, args });
}

/** Stake needed for `capacity` compute units per epoch (the pool's minimum per unit). */
export async function requiredStake(ctx: ChainContext, params: { capacity: bigint }): Promise<bigint> {
  const p = await pool<{ minStakePerComputeUnit: bigint }>(ctx, "params");
  return p.minStakePerComputeUnit * params.capacity;
}

/** Pays `amount` of stake: as value for native stake, or by approving the ERC-20 stake token first. */
async function stakeValue(ctx: ChainContext, amount: bigint): Promise<bigint> {
  const token = await pool<Address>(ctx, "stakeToken");
  if (token === zeroAddress) return amount;
  await writeContract(ctx, {
    contract: "stake token",
    abi: erc20Abi,
    functionName: "approve",
    args: [ctx.config.contracts.NodePool, amount],
    address: token,
  });
  return 0n;
}

/** Registers the account as a node for `modelIds` with `capacity` units per epoch; work starts next epoch. */
export async function registerNode(
  ctx: ChainContext,
  params: { modelIds: readonly bigint[]; capacity: bigint; stake?: bigint },
): Promise<{ transactionHash: Hash; stake: bigint }> {
  const stake = params.stake ?? (await requiredStake(ctx, { capacity: params.capacity }));
  const value = await stakeValue(ctx, stake);
  const { receipt } = await writeContract(ctx, {
    contract: "NodePool",
    abi: nodePoolAbi,
    functionName: "registerNode",
    args: [params.modelIds, params.capacity, stake],
    value,
  });
  return { transactionHash: receipt.transactionHash, stake };
}

export async function addStake(ctx: ChainContext, params: { amount: bigint }): Promise<{ transactionHash: Hash }> {
  const value = await stakeValue(ctx, params.amount);
  const { receipt } = await writeContract(ctx, {
    contract: "NodePool",
    abi: nodePoolAbi,
    functionName: "addStake",
    args: [params.amount],
    value,
  });
  return { transactionHash: receipt.transactionHash };
}

/** Stops new work from the next epoch and starts unbonding. */
export async function requestExit(ctx: ChainContext): Promise<{ transactionHash: Hash }> {
  const { receipt } = await writeContract(ctx, { contract: "NodePool", abi: nodePoolAbi, functionName: "requestExit" });
  return { transactionHash: receipt.transactionHash };
}

/** Withdraws the whole stake once unbonded with no pending work (the node is forgotten). */
export async function withdrawStake(
  ctx: ChainContext,
  params: { to?: Address } = {},
): Promise<{ transactionHash: Hash }> {
  const to = params.to ?? requireWallet(ctx, "withdrawStake").account.address;
  const { receipt } = await writeContract(ctx, {
    contract: "NodePool",
    abi: nodePoolAbi,
    functionName: "withdrawStake",
    args: [to],
  });
  return { transactionHash: receipt.transactionHash };
}

/** Sends the account's market balance (fees earned, refunds) to `to`. */
export async function withdrawEarnings(
  ctx: ChainContext,
  params: { to?: Address } = {},
): Promise<{ transactionHash: Hash }> {
  const to = params.to ?? requireWallet(ctx, "withdrawEarnings").account.address;
  const { receipt } = await writeContract(ctx, {
    contract: "InferenceMarket",
    abi: inferenceMarketAbi,
    functionName: "withdraw",
    args: [to],
  });
  return { transactionHash: receipt.transactionHash };
}

/** Sends the account's share of slashes (as requester or treasury) to `to`. */
export async function claimSlashProceeds(
  ctx: ChainContext,
  params: { to?: Address } = {},
): Promise<{ transactionHash: Hash }> {
  const to = params.to ?? requireWallet(ctx, "claimSlashProceeds").account.address;
  const { receipt } = await writeContract(ctx, {
    contract: "NodePool",
    abi: nodePoolAbi,
    functionName: "claimSlashProceeds",
    args: [to],
  });
  return { transactionHash: receipt.transactionHash };
}

/** A node's standing: stake, capacity and its use this epoch, phase, models, and what it can collect. */
export async function getNodeStatus(ctx: ChainContext, params: { address?: Address } = {}): Promise<NodeStatus> {
  const address = params.address ?? requireWallet(ctx, "getNodeStatus (without an address)").account.address;
  const [info, currentEpoch, modelIds, spare, claimableEarnings, claimableSlashProceeds] = await Promise.all([
    pool<{
      stake: bigint;
      slashed: bigint;
      withdrawableEpoch: number;
      capacity: bigint;
      used: bigint;
      usedEpoch: number;
      activeFrom: number;
      exitEpoch: number;
      pending: number;
    }>(ctx, "node", [address]),
    pool<number>(ctx, "currentEpoch"),
    pool<readonly bigint[]>(ctx, "nodeModels", [address]),
    pool<bigint>(ctx, "spareCapacity", [address]),
    readContract<bigint>(ctx, {
      contract: "InferenceMarket",
      abi: inferenceMarketAbi,
      functionName: "claimable",
      args: [address],
    }),
    pool<bigint>(ctx, "claimable", [address]),
  ]);
  const registered = info.capacity !== 0n;
  let phase: NodeStatus["phase"] = "unregistered";
  if (registered) {
    if (info.exitEpoch !== 0) phase = currentEpoch >= info.withdrawableEpoch ? "unbonded" : "exiting";
    else phase = currentEpoch >= info.activeFrom ? "active" : "pending";
  }
  return {
    address,
    registered,
    phase,
    stake: info.stake,
    slashed: info.slashed,
    capacity: info.capacity,
    usedThisEpoch: info.usedEpoch === currentEpoch ? info.used : 0n,
    spareCapacity: spare,
    activeFrom: info.activeFrom,
    exitEpoch: info.exitEpoch,
    withdrawableEpoch: info.withdrawableEpoch,
    pending: info.pending,
    currentEpoch,
    modelIds: [...modelIds],
    claimableEarnings,
    claimableSlashProceeds,
  };
}
