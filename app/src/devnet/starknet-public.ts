// The Cairo spoke on a public Starknet network (Starknet Sepolia, mainnet): declare the class and deploy it
// with nothing but an RPC URL and an account, as starknet.js does against any Starknet RPC 0.10 node. The
// compiled class hash a declare must name comes from a local starknet-devnet 0.10.1 (decision 0033: the
// network refuses a declare whose hash differs from its own compiler's, so a mismatch is refused, never
// accepted wrongly), or is given. The hub-side steps (DeployStarknetGateway, setSpoke, payees) are forge
// scripts and calls on the hub chain: see docs/starknet.md.
import { Account, CallData, cairo, RpcProvider } from "starknet";
import { type Address, getAddress, isAddress } from "viem";
import { DevnetSetupError, DevnetStageError, describeError } from "./errors.js";
import { buildCairoContracts, declareClass, devnetCompiledClassHashes, loadSierra } from "./starknet-classes.js";
import { startStarknetDevnet } from "./starknet-devnet.js";

/** STRK's address on every public Starknet network (and starknet-devnet). */
export const STRK_TOKEN = "0x04718f5a0fc34cc1af16a1cdee98ffb20c31f5cd61d6ab07201858f4287c938d";
/** The spoke's own bounds (contracts-cairo/src/spoke.cairo): max_ttl <= 30 days, 1 h <= reclaim_delay <= 30 days. */
const MAX_TTL_CAP = 30 * 86_400;
const MIN_RECLAIM_DELAY = 3600;
const MAX_RECLAIM_DELAY = 30 * 86_400;
const FELT_MAX = 2n ** 251n + 17n * 2n ** 192n;

export interface StarknetSpokeLimits {
  /** Smallest fee accepted, in the fee token's smallest unit. */
  minFee: bigint;
  /** Deadline bounds, seconds from the request (on a public network well above the state-update interval). */
  minTtl: number;
  maxTtl: number;
  /** How long after its deadline an unanswered request may be reclaimed. */
  reclaimDelay: number;
}

export interface StarknetSpokeDeployment {
  chainId: string;
  spoke: string;
  classHash: string;
  compiledClassHash: string;
  /** null when the class was already declared on the network. */
  declareTransaction: string | null;
  deployTransaction: string;
  /** The L2 block the spoke was deployed in (the relayer's `starknet.startBlock`). */
  startBlock: number;
  l1Gateway: Address;
  owner: string;
  treasury: string;
  feeToken: string;
  limits: StarknetSpokeLimits;
}

function felt(name: string, value: string): string {
  let v: bigint;
  try {
    v = BigInt(value);
  } catch {
    throw new DevnetSetupError(`${name} is not a Starknet address: ${value}`, { value });
  }
  if (v <= 0n || v > FELT_MAX) throw new DevnetSetupError(`${name} is not a Starknet address: ${value}`, { value });
  return `0x${v.toString(16)}`;
}

/** Checks the limits as the spoke's constructor does, so a bad value is named before anything is sent. */
export function checkSpokeLimits(l: StarknetSpokeLimits): void {
  const int = (name: string, v: number) => {
    if (!Number.isSafeInteger(v) || v <= 0)
      throw new DevnetSetupError(`${name} must be a positive integer, got ${v}`, { value: v });
  };
  if (l.minFee <= 0n || l.minFee >= 2n ** 256n)
    throw new DevnetSetupError(`minFee must be in 1..2^256-1, got ${l.minFee}`, { value: l.minFee });
  int("minTtl", l.minTtl);
  int("maxTtl", l.maxTtl);
  int("reclaimDelay", l.reclaimDelay);
  if (l.minTtl > l.maxTtl)
    throw new DevnetSetupError(`minTtl ${l.minTtl} is above maxTtl ${l.maxTtl}`, { value: l.minTtl });
  if (l.maxTtl > MAX_TTL_CAP)
    throw new DevnetSetupError(`maxTtl ${l.maxTtl} is above the spoke's cap of 30 days`, { value: l.maxTtl });
  if (l.reclaimDelay < MIN_RECLAIM_DELAY || l.reclaimDelay > MAX_RECLAIM_DELAY)
    throw new DevnetSetupError(`reclaimDelay ${l.reclaimDelay} is outside the spoke's 1 h..30 days`, {
      value: l.reclaimDelay,
    });
}

/**
 * The compiled class hash of the spoke's Sierra as starknet-devnet 0.10.1 computes it: a devnet is started
 * for it and stopped again (StarknetDevnetMissingError when none is installed: pass `compiledClassHash`).
 */
export async function localCompiledClassHash(onLog?: (line: string) => void): Promise<string> {
  await buildCairoContracts(["ZkVinStarknetSpoke"], onLog);
  const devnet = await startStarknetDevnet({ accounts: 1 });
  try {
    const [hash] = await devnetCompiledClassHashes(devnet, [loadSierra("ZkVinStarknetSpoke")]);
    return hash!;
  } finally {
    await devnet.stop();
  }
}

/**
 * Declares (unless declared) and deploys the Cairo spoke on the Starknet network at `rpcUrl` from
 * `account`, pointed at the hub chain's StarknetGateway `l1Gateway`. Everything is checked before the
 * first transaction: the addresses, the limits, that the RPC answers and the account is deployed.
 * Errors: DevnetSetupError (bad input, `value` the offending one), DevnetStageError (a step failed on chain).
 */
export async function deployStarknetSpoke(params: {
  rpcUrl: string;
  account: { address: string; privateKey: string };
  l1Gateway: string;
  treasury: string;
  /** Default: the account. */
  owner?: string;
  /** Default: STRK. */
  feeToken?: string;
  limits: StarknetSpokeLimits;
  /** Default: from a local starknet-devnet (localCompiledClassHash). */
  compiledClassHash?: string;
  onLog?: (line: string) => void;
}): Promise<StarknetSpokeDeployment> {
  const log = params.onLog ?? (() => {});
  if (!isAddress(params.l1Gateway, { strict: false }) || BigInt(params.l1Gateway) === 0n)
    throw new DevnetSetupError(`l1Gateway is not an EVM address: ${params.l1Gateway}`, { value: params.l1Gateway });
  const l1Gateway = getAddress(params.l1Gateway);
  const accountAddress = felt("account.address", params.account.address);
  const owner = felt("owner", params.owner ?? accountAddress);
  const treasury = felt("treasury", params.treasury);
  const feeToken = felt("feeToken", params.feeToken ?? STRK_TOKEN);
  checkSpokeLimits(params.limits);

  const step = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof DevnetSetupError || error instanceof DevnetStageError) throw error;
      throw new DevnetStageError(name, describeError(error), { cause: error });
    }
  };
  const provider = new RpcProvider({ nodeUrl: params.rpcUrl });
  const chainId = await step("reach the Starknet RPC", () => provider.getChainId());
  const nonce = await step("read the account", () => provider.getNonceForAddress(accountAddress)).catch(
    (error: unknown) => {
      throw new DevnetSetupError(`account ${accountAddress} is not deployed on ${chainId}: ${describeError(error)}`, {
        value: accountAddress,
        cause: error,
      });
    },
  );
  log(`starknet ${chainId}: account ${accountAddress} (nonce ${BigInt(nonce)})`);
  const account = new Account({ provider, address: accountAddress, signer: params.account.privateKey });

  await buildCairoContracts(["ZkVinStarknetSpoke"], log);
  const sierra = loadSierra("ZkVinStarknetSpoke");
  const compiledClassHash =
    params.compiledClassHash ?? (await step("compiled class hash", () => localCompiledClassHash(log)));
  const declared = await step("declare ZkVinStarknetSpoke", () =>
    declareClass({ account, sierra, compiledClassHash, retryIntervalMs: 2000 }),
  );
  log(`declared ${declared.classHash}${declared.transactionHash ? ` in ${declared.transactionHash}` : " (already)"}`);

  const calldata = new CallData(sierra.abi).compile("constructor", {
    owner,
    fee_token: feeToken,
    l1_gateway: l1Gateway,
    treasury,
    limits: {
      min_fee: cairo.uint256(params.limits.minFee),
      min_ttl: params.limits.minTtl,
      max_ttl: params.limits.maxTtl,
      reclaim_delay: params.limits.reclaimDelay,
    },
  });
  const deployed = await step("deploy ZkVinStarknetSpoke", async () => {
    const sent = await account.deployContract({ classHash: declared.classHash, constructorCalldata: calldata });
    const receipt = await provider.waitForTransaction(sent.transaction_hash);
    if (!receipt.isSuccess()) throw new Error(`deploy ${sent.transaction_hash} did not succeed`);
    const block = (receipt.value as { block_number?: number }).block_number;
    return { ...sent, block: block ?? (await provider.getBlockNumber()) };
  });
  log(`spoke ${deployed.contract_address} in block ${deployed.block}`);
  return {
    chainId,
    spoke: deployed.contract_address,
    classHash: declared.classHash,
    compiledClassHash,
    declareTransaction: declared.transactionHash,
    deployTransaction: deployed.transaction_hash,
    startBlock: deployed.block,
    l1Gateway,
    owner,
    treasury,
    feeToken,
    limits: params.limits,
  };
}
