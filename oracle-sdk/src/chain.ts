// One chain of a deployment as the SDK talks to it: its configuration, a viem public client, and a
// wallet client when an account was given (the SDK's own http clients, or a dApp's clients: see
// contextFromClients); plus the read/write helpers that turn reverts into ContractRevertError with the
// decoded custom error.
import {
  type Abi,
  type Account,
  type Address,
  BaseError,
  type Chain,
  type Client,
  type ContractFunctionArgs,
  type ContractFunctionName,
  type ContractFunctionReturnType,
  ContractFunctionRevertedError,
  createPublicClient,
  createWalletClient,
  custom,
  defineChain,
  type Hash,
  http,
  type PublicClient,
  type ReadContractParameters,
  type ReadContractReturnType,
  type TransactionReceipt,
  type Transport,
  type WalletClient,
} from "viem";
import type { Deployment } from "./deployment.js";
import { ConfigError, ContractRevertError, UnknownChainError, WalletRequiredError } from "./errors.js";

export interface ChainConfig {
  name: string;
  role: "hub" | "spoke";
  chainId: number;
  /** LayerZero endpoint id. */
  eid: number;
  /** From `rpcUrls` or the deployment; not needed when the context wraps a dApp's own clients. */
  rpcUrl?: string;
  startBlock: bigint;
  contracts: Readonly<Record<string, Address>>;
}

export interface ChainContext {
  config: ChainConfig;
  chain: Chain;
  publicClient: PublicClient;
  walletClient: WalletClient<Transport, Chain, Account> | null;
}

/** The chain named `name` (default: the hub) with its RPC URL from `rpcUrls` or the deployment. */
export function chainConfig(params: {
  deployment: Deployment;
  name?: string;
  rpcUrls?: Readonly<Record<string, string>>;
}): ChainConfig {
  const { deployment } = params;
  const all = [deployment.hub, ...deployment.spokes];
  const c = params.name === undefined ? deployment.hub : all.find((x) => x.name === params.name);
  if (!c)
    throw new UnknownChainError(
      params.name ?? "",
      all.map((x) => x.name),
    );
  return {
    name: c.name,
    role: c === deployment.hub ? "hub" : "spoke",
    chainId: c.chainId,
    eid: c.eid,
    rpcUrl: params.rpcUrls?.[c.name] ?? c.rpcUrl,
    startBlock: BigInt(c.startBlock),
    contracts: c.contracts as Record<string, Address>,
  };
}

function chainOf(config: ChainConfig): Chain {
  return defineChain({
    id: config.chainId,
    name: config.name,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: config.rpcUrl ? [config.rpcUrl] : [] } },
  });
}

/** A context with the SDK's own http clients on the chain's RPC URL (`account` signs, when given). */
export function createChainContext(params: {
  config: ChainConfig;
  account?: Account;
  pollingIntervalMs?: number;
}): ChainContext {
  const { config } = params;
  if (!config.rpcUrl) {
    throw new ConfigError(`rpcUrls.${config.name}`, config.rpcUrl, "no RPC URL for this chain (pass rpcUrls)");
  }
  const chain = chainOf(config);
  const transport = http(config.rpcUrl);
  const pollingInterval = params.pollingIntervalMs ?? 1000;
  return {
    config,
    chain,
    publicClient: createPublicClient({ chain, transport, pollingInterval, cacheTime: 0 }) as PublicClient,
    walletClient: params.account
      ? createWalletClient({ chain, transport, account: params.account, pollingInterval, cacheTime: 0 })
      : null,
  };
}

/** The deployment's chain a client is on: `name` when given, else the one with the client's chain id, else the hub. */
export function chainConfigForClient(params: {
  deployment: Deployment;
  name?: string;
  client: Pick<Client, "chain">;
}): ChainConfig {
  const { deployment, client } = params;
  if (params.name !== undefined) return chainConfig({ deployment, name: params.name });
  const id = client.chain?.id;
  if (id === undefined) return chainConfig({ deployment });
  const all = [deployment.hub, ...deployment.spokes];
  const match = all.find((c) => c.chainId === id);
  if (!match) {
    throw new ConfigError(
      "client.chain.id",
      id,
      `no chain of the deployment has this id (${all.map((c) => `${c.name}: ${c.chainId}`).join(", ")}); pass chain`,
    );
  }
  return chainConfig({ deployment, name: match.name });
}

/**
 * A context over a dApp's own viem clients: every RPC call goes through their transports (an injected
 * wallet, a fallback transport, ...), and the wallet client's account signs, whatever its kind (local, or
 * JSON-RPC: the wallet signs). Reads use `publicClient`, or the wallet client's transport when none.
 */
export function contextFromClients(params: {
  config: ChainConfig;
  publicClient?: Client<Transport, Chain | undefined>;
  walletClient?: Client<Transport, Chain | undefined, Account>;
}): ChainContext {
  const { config } = params;
  const reader = params.publicClient ?? params.walletClient;
  if (!reader) throw new ConfigError("publicClient", undefined, "pass a public client or a wallet client");
  const chain = chainOf(config);
  const publicClient = createPublicClient({
    chain,
    transport: custom({ request: reader.request }),
    pollingInterval: reader.pollingInterval,
    cacheTime: 0,
  }) as PublicClient;
  const w = params.walletClient;
  return {
    config,
    chain,
    publicClient,
    walletClient: w
      ? createWalletClient({
          chain,
          account: w.account,
          transport: custom({ request: w.request }),
          pollingInterval: w.pollingInterval,
          cacheTime: 0,
        })
      : null,
  };
}

export function contractOf(ctx: ChainContext, name: string): Address {
  const a = ctx.config.contracts[name];
  if (!a) {
    throw new ConfigError(
      `${ctx.config.name}.contracts.${name}`,
      a,
      `not deployed on ${ctx.config.name} (contracts: ${Object.keys(ctx.config.contracts).join(", ")})`,
    );
  }
  return a;
}

export function requireWallet(ctx: ChainContext, action: string): WalletClient<Transport, Chain, Account> {
  if (!ctx.walletClient) throw new WalletRequiredError(action);
  return ctx.walletClient;
}

/** A revert as ContractRevertError (custom error decoded when the ABI knows it); other errors as they are. */
export function asRevert(error: unknown, contract: string, functionName: string): unknown {
  if (!(error instanceof BaseError)) return error;
  const reverted = error.walk((e) => e instanceof ContractFunctionRevertedError);
  if (!(reverted instanceof ContractFunctionRevertedError)) return error;
  return new ContractRevertError(contract, functionName, reverted.data?.errorName ?? null, reverted.data?.args ?? [], {
    cause: error,
  });
}

/**
 * A contract read typed from the `as const` ABI: the function name, its arguments and the result all come
 * from the ABI (no type argument to trust). A revert is a ContractRevertError with the decoded error.
 */
export async function readContract<
  const abi extends Abi,
  functionName extends ContractFunctionName<abi, "pure" | "view">,
  const args extends ContractFunctionArgs<abi, "pure" | "view", functionName>,
>(
  ctx: ChainContext,
  call: { contract: string; address?: Address; abi: abi; functionName: functionName; args?: args },
): Promise<ReadContractReturnType<abi, functionName, args>> {
  const parameters = {
    address: call.address ?? contractOf(ctx, call.contract),
    abi: call.abi,
    functionName: call.functionName,
    args: call.args,
  } as ReadContractParameters<abi, functionName, args>;
  try {
    return await ctx.publicClient.readContract(parameters);
  } catch (error) {
    throw asRevert(error, call.contract, call.functionName);
  }
}

export interface WriteResult<T> {
  receipt: TransactionReceipt;
  /** The function's return value, from the simulation against the state the transaction was sent on. */
  result: T;
}

/**
 * Simulates the call (so a revert surfaces as its custom error before anything is signed), sends it, and
 * waits for the receipt; a mined revert is reported the same way.
 */
export async function writeContract<
  const abi extends Abi,
  functionName extends ContractFunctionName<abi, "nonpayable" | "payable">,
  const args extends ContractFunctionArgs<abi, "nonpayable" | "payable", functionName>,
>(
  ctx: ChainContext,
  call: {
    contract: string;
    abi: abi;
    functionName: functionName;
    args?: args;
    value?: bigint;
    address?: Address;
  },
): Promise<WriteResult<ContractFunctionReturnType<abi, "nonpayable" | "payable", functionName, args>>> {
  type Result = ContractFunctionReturnType<abi, "nonpayable" | "payable", functionName, args>;
  const wallet = requireWallet(ctx, `${call.contract}.${call.functionName}`);
  const address = call.address ?? contractOf(ctx, call.contract);
  let hash: Hash;
  let result: Result;
  try {
    // The call's types were checked against the ABI above; viem's generic parameters take it as a plain Abi.
    const simulated = await ctx.publicClient.simulateContract({
      account: wallet.account,
      address,
      abi: call.abi as Abi,
      functionName: call.functionName as string,
      args: (call.args ?? []) as readonly unknown[],
      value: call.value,
    });
    result = simulated.result as Result;
    hash = await wallet.writeContract(simulated.request);
  } catch (error) {
    throw asRevert(error, call.contract, call.functionName);
  }
  const receipt = await ctx.publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") {
    throw new ContractRevertError(call.contract, call.functionName, null, [], {
      cause: new Error(`transaction ${hash} reverted in block ${receipt.blockNumber}`),
    });
  }
  return { receipt, result };
}
