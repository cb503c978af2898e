import { RelayerError } from "@zk-vin/chain-kit";
import type { Account, Address, Chain, Hex, PublicClient, Transport, WalletClient } from "viem";
import { erc20Abi } from "viem";
import { marketAbi, modelRegistryAbi, nodePoolAbi } from "./abi.js";
import { revertReason } from "./fulfilment.js";

/** What `register-node` asks the node pool for. */
export interface NodeRegistration {
  modelIds: bigint[];
  /** Compute units per epoch. */
  capacity: bigint;
  /** Stake in the pool's stake token (wei of the native token when it has none). */
  stake: bigint;
}

/** The registration cannot succeed; `field` names the offending input (models[1], stake, operator...). */
export class RegistrationError extends RelayerError {
  override readonly name = "RegistrationError";
  constructor(
    readonly field: string,
    readonly value: unknown,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`${field}: ${reason}`, options);
  }
}

const ZERO = "0x0000000000000000000000000000000000000000";
/** Native balance kept aside for the registration's own gas (and an approval). */
const GAS_RESERVE = 10n ** 16n;

/** What the pool says about a valid registration. */
export interface RegistrationCheck {
  pool: Address;
  stakeToken: Address | null;
  minimumStake: bigint;
}

/**
 * Checks a registration against the hub before anything is sent: models exist and take requests, the
 * capacity holds one inference of each, the operator is not registered yet, the stake covers the capacity,
 * and the operator can pay. Every problem
 * is a RegistrationError naming its field.
 */
export async function validateRegistration(params: {
  client: PublicClient;
  market: Address;
  operator: Address;
  registration: NodeRegistration;
}): Promise<RegistrationCheck> {
  const { client, market, operator, registration: r } = params;
  if (r.modelIds.length === 0) throw new RegistrationError("models", r.modelIds, "name at least one model id");
  const seen = new Set<bigint>();
  r.modelIds.forEach((id, i) => {
    if (id <= 0n) throw new RegistrationError(`models[${i}]`, id, "model ids start at 1");
    if (seen.has(id)) throw new RegistrationError(`models[${i}]`, id, `model ${id} is listed twice`);
    seen.add(id);
  });
  if (r.capacity <= 0n || r.capacity >= 2n ** 64n) {
    throw new RegistrationError("capacity", r.capacity, "must be a positive number of compute units below 2^64");
  }
  const [pool, registry] = await Promise.all([
    client.readContract({ address: market, abi: marketAbi, functionName: "pool" }),
    client.readContract({ address: market, abi: marketAbi, functionName: "registry" }),
  ]);
  const [info, poolParams, stakeToken] = await Promise.all([
    client.readContract({ address: pool, abi: nodePoolAbi, functionName: "node", args: [operator] }),
    client.readContract({ address: pool, abi: nodePoolAbi, functionName: "params" }),
    client.readContract({ address: pool, abi: nodePoolAbi, functionName: "stakeToken" }),
  ]);
  if (info.capacity > 0n) {
    throw new RegistrationError("operator", operator, `already a registered node (capacity ${info.capacity})`);
  }
  if (r.modelIds.length > poolParams.maxModelsPerNode) {
    throw new RegistrationError("models", r.modelIds.length, `at most ${poolParams.maxModelsPerNode} models per node`);
  }
  for (const [i, id] of r.modelIds.entries()) {
    const exists = await client.readContract({
      address: registry,
      abi: modelRegistryAbi,
      functionName: "exists",
      args: [id],
    });
    if (!exists) throw new RegistrationError(`models[${i}]`, id, `model ${id} is not registered`);
    const m = await client.readContract({
      address: registry,
      abi: modelRegistryAbi,
      functionName: "model",
      args: [id],
    });
    if (m.deprecated) throw new RegistrationError(`models[${i}]`, id, `model ${id} is deprecated`);
    if (r.capacity < BigInt(m.computeUnits)) {
      throw new RegistrationError(
        "capacity",
        r.capacity,
        `model ${id} costs ${m.computeUnits} compute units per inference; the capacity must hold at least one`,
      );
    }
  }
  const minimumStake = poolParams.minStakePerComputeUnit * r.capacity;
  if (r.stake < minimumStake) {
    throw new RegistrationError(
      "stake",
      r.stake,
      `${r.capacity} compute units need at least ${minimumStake} (${poolParams.minStakePerComputeUnit} per unit)`,
    );
  }
  const native = await client.getBalance({ address: operator });
  const token = stakeToken === ZERO ? null : stakeToken;
  if (token === null) {
    if (native < r.stake + GAS_RESERVE) {
      throw new RegistrationError(
        "stake",
        r.stake,
        `the operator ${operator} holds ${native} wei, not enough for the stake and gas`,
      );
    }
  } else {
    const balance = await client.readContract({
      address: token,
      abi: erc20Abi,
      functionName: "balanceOf",
      args: [operator],
    });
    if (balance < r.stake) {
      throw new RegistrationError("stake", r.stake, `the operator holds ${balance} of stake token ${token}`);
    }
    if (native < GAS_RESERVE)
      throw new RegistrationError("operator", operator, "holds too little native token for gas");
  }
  return { pool, stakeToken: token, minimumStake };
}

/**
 * Registers the operator as a node (after `validateRegistration`): approves an ERC-20 stake first when
 * the pool takes one. Returns the registration transaction and the epoch the node starts working in.
 */
export async function registerNode(params: {
  client: PublicClient;
  wallet: WalletClient<Transport, Chain, Account>;
  market: Address;
  registration: NodeRegistration;
}): Promise<{ txHash: Hex; activeFrom: number; activeFromBlock: bigint; check: RegistrationCheck }> {
  const { client, wallet, market, registration: r } = params;
  const operator = wallet.account.address;
  const check = await validateRegistration({ client, market, operator, registration: r });
  if (check.stakeToken) {
    const allowance = await client.readContract({
      address: check.stakeToken,
      abi: erc20Abi,
      functionName: "allowance",
      args: [operator, check.pool],
    });
    if (allowance < r.stake) {
      const approve = await wallet.writeContract({
        address: check.stakeToken,
        abi: erc20Abi,
        functionName: "approve",
        args: [check.pool, r.stake],
      });
      const receipt = await client.waitForTransactionReceipt({ hash: approve });
      if (receipt.status !== "success") throw new RegistrationError("stake", r.stake, `approval ${approve} reverted`);
    }
  }
  const args = [r.modelIds, r.capacity, r.stake] as const;
  const value = check.stakeToken ? 0n : r.stake;
  try {
    await client.simulateContract({
      account: operator,
      address: check.pool,
      abi: nodePoolAbi,
      functionName: "registerNode",
      args,
      value,
    });
  } catch (error) {
    throw new RegistrationError("registration", r, `the node pool refuses it: ${revertReason(error)}`, {
      cause: error,
    });
  }
  const txHash = await wallet.writeContract({
    address: check.pool,
    abi: nodePoolAbi,
    functionName: "registerNode",
    args,
    value,
  });
  const receipt = await client.waitForTransactionReceipt({ hash: txHash });
  if (receipt.status !== "success") throw new RegistrationError("registration", r, `transaction ${txHash} reverted`);
  const info = await client.readContract({
    address: check.pool,
    abi: nodePoolAbi,
    functionName: "node",
    args: [operator],
  });
  const activeFromBlock = await client.readContract({
    address: check.pool,
    abi: nodePoolAbi,
    functionName: "epochStartBlock",
    args: [info.activeFrom],
  });
  return { txHash, activeFrom: info.activeFrom, activeFromBlock, check };
}

/** The least stake the pool requires for `capacity` compute units. */
export async function minimumStake(params: {
  client: PublicClient;
  market: Address;
  capacity: bigint;
}): Promise<bigint> {
  const pool = await params.client.readContract({ address: params.market, abi: marketAbi, functionName: "pool" });
  const poolParams = await params.client.readContract({ address: pool, abi: nodePoolAbi, functionName: "params" });
  return poolParams.minStakePerComputeUnit * params.capacity;
}
