// The operator's node registration, as `register-node` runs it. The protocol operation (its checks, the
// ERC-20 approval, the transaction) is the SDK's `checkNodeRegistration` / `registerNode`; this module
// gives it the hub the relayer's config names (the market, whose pool and registry it reads) and turns
// the SDK's refusals into RegistrationError, which the CLI prints with the offending field.
import { RelayerError } from "@zk-vin/chain-kit";
import {
  type ChainContext,
  ContractRevertError,
  checkNodeRegistration,
  contextFromClients,
  NodeRegistrationError,
  requiredStake,
  registerNode as sdkRegisterNode,
} from "@zk-vin/oracle-sdk";
import type { Account, Address, Chain, Hex, PublicClient, Transport, WalletClient } from "viem";
import { marketAbi } from "./abi.js";

/** What `register-node` asks the node pool for. */
export interface NodeRegistration {
  modelIds: bigint[];
  /** Compute units per epoch. */
  capacity: bigint;
  /** Stake in the pool's stake token (wei of the native token when it has none). */
  stake: bigint;
}

/**
 * The registration cannot succeed; `field` names the offending input (models[1], stake, operator...).
 * The SDK's NodeRegistrationError (or the node pool's decoded revert) is the `cause`.
 */
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

/** What the pool says about a valid registration. */
export interface RegistrationCheck {
  pool: Address;
  stakeToken: Address | null;
  minimumStake: bigint;
}

/** The SDK's view of the hub behind `market`: the market, its node pool and its model registry. */
async function hubContext(params: {
  client: PublicClient;
  market: Address;
  wallet?: WalletClient<Transport, Chain, Account>;
}): Promise<ChainContext> {
  const { client, market } = params;
  const [pool, registry, chainId] = await Promise.all([
    client.readContract({ address: market, abi: marketAbi, functionName: "pool" }),
    client.readContract({ address: market, abi: marketAbi, functionName: "registry" }),
    client.chain ? Promise.resolve(client.chain.id) : client.getChainId(),
  ]);
  return contextFromClients({
    config: {
      name: client.chain?.name ?? `chain ${chainId}`,
      role: "hub",
      chainId,
      // Registration sends no LayerZero message and reads no logs: neither the EID nor a start block is used.
      eid: 0,
      startBlock: 0n,
      contracts: { InferenceMarket: market, NodePool: pool, ModelRegistry: registry },
    },
    publicClient: client,
    ...(params.wallet ? { walletClient: params.wallet } : {}),
  });
}

/** The SDK's refusal as the CLI's RegistrationError (field and value kept); other errors as they are. */
function asRegistrationError(error: unknown, r: NodeRegistration): unknown {
  if (error instanceof NodeRegistrationError) {
    return new RegistrationError(error.field, error.value, error.reason, { cause: error });
  }
  if (error instanceof ContractRevertError) {
    const detail = error.errorName ? `${error.errorName}(${error.args.map(String).join(", ")})` : "reverted";
    if (error.contract === "stake token") {
      return new RegistrationError("stake", r.stake, `approving the stake token failed: ${detail}`, { cause: error });
    }
    return new RegistrationError("registration", r, `the node pool refuses it: ${detail}`, { cause: error });
  }
  return error;
}

/**
 * Checks a registration against the hub before anything is sent (the SDK's `checkNodeRegistration`):
 * models exist and take requests, the capacity holds one inference of each, the operator is not
 * registered yet, the stake covers the capacity, and the operator can pay. Every problem is a
 * RegistrationError naming its field.
 */
export async function validateRegistration(params: {
  client: PublicClient;
  market: Address;
  operator: Address;
  registration: NodeRegistration;
}): Promise<RegistrationCheck> {
  const { registration: r } = params;
  const ctx = await hubContext(params);
  try {
    const check = await checkNodeRegistration(ctx, { ...r, operator: params.operator });
    return { pool: check.pool, stakeToken: check.stakeToken, minimumStake: check.minimumStake };
  } catch (error) {
    throw asRegistrationError(error, r);
  }
}

/**
 * Registers the operator as a node through the SDK's `registerNode` (which checks the registration first
 * and approves an ERC-20 stake when the pool takes one). Returns the registration transaction and the
 * epoch the node starts working in.
 */
export async function registerNode(params: {
  client: PublicClient;
  wallet: WalletClient<Transport, Chain, Account>;
  market: Address;
  registration: NodeRegistration;
}): Promise<{ txHash: Hex; activeFrom: number; activeFromBlock: bigint; check: RegistrationCheck }> {
  const { registration: r } = params;
  const ctx = await hubContext(params);
  try {
    const result = await sdkRegisterNode(ctx, r);
    const { pool, stakeToken, minimumStake } = result.check;
    return {
      txHash: result.transactionHash,
      activeFrom: result.activeFrom,
      activeFromBlock: result.activeFromBlock,
      check: { pool, stakeToken, minimumStake },
    };
  } catch (error) {
    throw asRegistrationError(error, r);
  }
}

/** The least stake the pool requires for `capacity` compute units (the SDK's `requiredStake`). */
export async function minimumStake(params: {
  client: PublicClient;
  market: Address;
  capacity: bigint;
}): Promise<bigint> {
  return requiredStake(await hubContext(params), { capacity: params.capacity });
}
