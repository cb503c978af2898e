// Node-operator helpers on the hub: register with stake (native or ERC-20), add stake, exit and withdraw
// after unbonding, read a node's standing, and collect earnings (market) and slash proceeds (pool).
// Node registration lives here once: the relayer's `register-node` command and the local devnet call it.
import {
  type Address,
  type ContractFunctionArgs,
  type ContractFunctionName,
  erc20Abi,
  type Hash,
  parseEventLogs,
  zeroAddress,
} from "viem";
import { inferenceMarketAbi, modelRegistryAbi, nodePoolAbi } from "../abi/index.js";
import { type ChainContext, contractOf, readContract, requireWallet, writeContract } from "../chain.js";
import { MissingEventError, NodeRegistrationError, StakeBelowMinimumError } from "../errors.js";

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

/** A NodePool read, typed from its ABI. */
function pool<
  functionName extends ContractFunctionName<typeof nodePoolAbi, "view">,
  const args extends ContractFunctionArgs<typeof nodePoolAbi, "view", functionName>,
>(ctx: ChainContext, functionName: functionName, args?: args) {
  return readContract(ctx, { contract: "NodePool", abi: nodePoolAbi, functionName, ...(args ? { args } : {}) });
}

/** Stake needed for `capacity` compute units per epoch (the pool's minimum per unit). */
export async function requiredStake(ctx: ChainContext, params: { capacity: bigint }): Promise<bigint> {
  const p = await pool(ctx, "params");
  return p.minStakePerComputeUnit * params.capacity;
}

/** Native balance a registration keeps aside for its own gas (and an ERC-20 approval). */
export const REGISTRATION_GAS_RESERVE = 10n ** 16n;

export interface NodeRegistrationParameters {
  modelIds: readonly bigint[];
  /** Compute units per epoch. */
  capacity: bigint;
  /** In the pool's stake token (wei of the native token when it has none); default: the minimum. */
  stake?: bigint;
}

/** What the hub says about a registration that passed `checkNodeRegistration`. */
export interface NodeRegistrationCheck {
  operator: Address;
  pool: Address;
  /** The ERC-20 the pool takes stake in, or null for the native token. */
  stakeToken: Address | null;
  minimumStake: bigint;
  /** The stake the registration pays: the one asked for, or the minimum. */
  stake: bigint;
}

/**
 * Checks a node registration against the hub before anything is sent: the models exist, are not
 * deprecated, are not listed twice and fit the pool's limit; the capacity holds one inference of each; the
 * operator is not registered yet; the stake covers the capacity; and the operator can pay stake and gas.
 * Every refusal is a NodeRegistrationError naming its field and value (StakeBelowMinimumError for the
 * stake). `operator` defaults to the wallet's account.
 */
export async function checkNodeRegistration(
  ctx: ChainContext,
  params: NodeRegistrationParameters & { operator?: Address },
): Promise<NodeRegistrationCheck> {
  const operator = params.operator ?? requireWallet(ctx, "checkNodeRegistration (without an operator)").account.address;
  const { modelIds, capacity } = params;
  if (modelIds.length === 0) throw new NodeRegistrationError("models", [...modelIds], "name at least one model id");
  const seen = new Set<bigint>();
  modelIds.forEach((id, i) => {
    if (id <= 0n) throw new NodeRegistrationError(`models[${i}]`, id, "model ids start at 1");
    if (seen.has(id)) throw new NodeRegistrationError(`models[${i}]`, id, `model ${id} is listed twice`);
    seen.add(id);
  });
  if (capacity <= 0n || capacity >= 2n ** 64n) {
    throw new NodeRegistrationError("capacity", capacity, "must be a positive number of compute units below 2^64");
  }
  const [info, poolParams, token] = await Promise.all([
    pool(ctx, "node", [operator]),
    pool(ctx, "params"),
    pool(ctx, "stakeToken"),
  ]);
  if (info.capacity > 0n) {
    throw new NodeRegistrationError("operator", operator, `already a registered node (capacity ${info.capacity})`);
  }
  if (modelIds.length > poolParams.maxModelsPerNode) {
    throw new NodeRegistrationError(
      "models",
      modelIds.length,
      `at most ${poolParams.maxModelsPerNode} models per node`,
    );
  }
  for (const [i, id] of modelIds.entries()) {
    const read = { contract: "ModelRegistry", abi: modelRegistryAbi, args: [id] } as const;
    if (!(await readContract(ctx, { ...read, functionName: "exists" }))) {
      throw new NodeRegistrationError(`models[${i}]`, id, `model ${id} is not registered`);
    }
    const m = await readContract(ctx, { ...read, functionName: "model" });
    if (m.deprecated) throw new NodeRegistrationError(`models[${i}]`, id, `model ${id} is deprecated`);
    if (capacity < BigInt(m.computeUnits)) {
      throw new NodeRegistrationError(
        "capacity",
        capacity,
        `model ${id} costs ${m.computeUnits} compute units per inference; the capacity must hold at least one`,
      );
    }
  }
  const minimumStake = poolParams.minStakePerComputeUnit * capacity;
  const stake = params.stake ?? minimumStake;
  if (stake < minimumStake || stake === 0n) {
    throw new StakeBelowMinimumError(stake, minimumStake, capacity, poolParams.minStakePerComputeUnit);
  }
  const native = await ctx.publicClient.getBalance({ address: operator });
  const stakeToken = token === zeroAddress ? null : token;
  if (stakeToken === null) {
    if (native < stake + REGISTRATION_GAS_RESERVE) {
      throw new NodeRegistrationError(
        "stake",
        stake,
        `the operator ${operator} holds ${native} wei, not enough for the stake and gas`,
      );
    }
  } else {
    const balance = await ctx.publicClient.readContract({
      address: stakeToken,
      abi: erc20Abi,
      functionName: "balanceOf",
      args: [operator],
    });
    if (balance < stake) {
      throw new NodeRegistrationError("stake", stake, `the operator holds ${balance} of stake token ${stakeToken}`);
    }
    if (native < REGISTRATION_GAS_RESERVE) {
      throw new NodeRegistrationError("operator", operator, "holds too little native token for gas");
    }
  }
  return { operator, pool: contractOf(ctx, "NodePool"), stakeToken, minimumStake, stake };
}

/**
 * Pays `amount` of stake: as value for native stake, or by approving the ERC-20 stake token first (only
 * when the pool's allowance is short of it).
 */
async function stakeValue(ctx: ChainContext, amount: bigint, token?: Address | null): Promise<bigint> {
  const stakeToken = token === undefined ? await pool(ctx, "stakeToken") : (token ?? zeroAddress);
  if (stakeToken === zeroAddress) return amount;
  const owner = requireWallet(ctx, "stake").account.address;
  const spender = contractOf(ctx, "NodePool");
  const allowance = await ctx.publicClient.readContract({
    address: stakeToken,
    abi: erc20Abi,
    functionName: "allowance",
    args: [owner, spender],
  });
  if (allowance < amount) {
    await writeContract(ctx, {
      contract: "stake token",
      abi: erc20Abi,
      functionName: "approve",
      args: [spender, amount],
      address: stakeToken,
    });
  }
  return 0n;
}

export interface NodeRegistrationReceipt {
  transactionHash: Hash;
  stake: bigint;
  /** The epoch the node starts taking work in, and that epoch's first block. */
  activeFrom: number;
  activeFromBlock: bigint;
  check: NodeRegistrationCheck;
}

/**
 * Registers the account as a node for `modelIds` with `capacity` units per epoch; work starts next epoch.
 * Runs `checkNodeRegistration` first (nothing is sent on a refusal), approves an ERC-20 stake when the
 * pool takes one, then simulates and sends `NodePool.registerNode` (a revert is a ContractRevertError).
 */
export async function registerNode(
  ctx: ChainContext,
  params: NodeRegistrationParameters,
): Promise<NodeRegistrationReceipt> {
  requireWallet(ctx, "registerNode");
  const check = await checkNodeRegistration(ctx, params);
  const value = await stakeValue(ctx, check.stake, check.stakeToken);
  const { receipt } = await writeContract(ctx, {
    contract: "NodePool",
    abi: nodePoolAbi,
    functionName: "registerNode",
    args: [params.modelIds, params.capacity, check.stake],
    value,
  });
  const [registered] = parseEventLogs({ abi: nodePoolAbi, eventName: "NodeRegistered", logs: receipt.logs });
  if (!registered) throw new MissingEventError("NodeRegistered", receipt.transactionHash);
  const activeFrom = registered.args.activeFromEpoch;
  const activeFromBlock = await pool(ctx, "epochStartBlock", [activeFrom]);
  return { transactionHash: receipt.transactionHash, stake: check.stake, activeFrom, activeFromBlock, check };
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
    pool(ctx, "node", [address]),
    pool(ctx, "currentEpoch"),
    pool(ctx, "nodeModels", [address]),
    pool(ctx, "spareCapacity", [address]),
    readContract(ctx, {
      contract: "InferenceMarket",
      abi: inferenceMarketAbi,
      functionName: "claimable",
      args: [address],
    }),
    pool(ctx, "claimable", [address]),
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
