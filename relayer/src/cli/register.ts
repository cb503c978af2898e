import { InvalidArgumentError } from "commander";
import {
  createPublicClient,
  createWalletClient,
  defineChain,
  formatEther,
  http,
  type PublicClient,
  parseEther,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { ConfigError, type RelayerConfig } from "../config/index.js";
import { minimumStake, RegistrationError, registerNode, validateRegistration } from "../node/register.js";

export interface RegisterOptions {
  models: bigint[];
  capacity: bigint;
  /** Ether (or whole stake-token units); default: the minimum for the capacity. */
  stake?: string;
  dryRun?: boolean;
}

/**
 * `register-node`: checks the registration against the hub named by the config's node section, then (unless
 * a dry run) stakes and registers. Returns the text to print; refusals throw RegistrationError / ConfigError.
 */
export async function runRegisterNode(params: {
  config: RelayerConfig;
  source: string;
  options: RegisterOptions;
}): Promise<string> {
  const { config, options } = params;
  if (!config.node) {
    throw new ConfigError(params.source, [
      { path: "node", message: "register-node needs a node section (hubChain, market)" },
    ]);
  }
  const market = config.node.market;
  const hub = config.chains.find((c) => c.name === config.node!.hubChain)!;
  const chain = defineChain({
    id: hub.chainId,
    name: hub.name,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [hub.rpcUrl] } },
  });
  const client = createPublicClient({ chain, transport: http(hub.rpcUrl) }) as PublicClient;
  const actual = await client.getChainId();
  if (actual !== hub.chainId) {
    throw new ConfigError(params.source, [
      { path: `chains.${hub.name}.chainId`, message: `the RPC serves chain ${actual}` },
    ]);
  }
  const account = privateKeyToAccount(config.operatorKey);
  const stake =
    options.stake === undefined
      ? await minimumStake({ client, market, capacity: options.capacity })
      : parseStake(options.stake);
  const registration = { modelIds: options.models, capacity: options.capacity, stake };
  if (options.dryRun) {
    await validateRegistration({ client, market, operator: account.address, registration });
    return `ok: ${account.address} can register for models ${options.models.join(", ")} with ${options.capacity} units and a stake of ${formatEther(stake)}\n`;
  }
  const wallet = createWalletClient({ chain, account, transport: http(hub.rpcUrl) });
  const result = await registerNode({ client, wallet, market, registration });
  return [
    `registered node ${account.address}`,
    `  models      ${options.models.join(", ")}`,
    `  capacity    ${options.capacity} compute units per epoch`,
    `  stake       ${formatEther(stake)}`,
    `  transaction ${result.txHash}`,
    `  active from epoch ${result.activeFrom} (block ${result.activeFromBlock})`,
    "",
  ].join("\n");
}

export function parseModelIds(value: string): bigint[] {
  const parts = value.split(",").map((p) => p.trim());
  if (parts.length === 0 || parts.some((p) => !/^[1-9][0-9]*$/.test(p))) {
    throw new InvalidArgumentError(`expected comma-separated positive model ids, got "${value}"`);
  }
  return parts.map((p) => BigInt(p));
}

export function parsePositiveBigInt(value: string): bigint {
  if (!/^[1-9][0-9]*$/.test(value)) throw new InvalidArgumentError(`expected a positive integer, got "${value}"`);
  return BigInt(value);
}

function parseStake(value: string): bigint {
  if (!/^[0-9]+(\.[0-9]{1,18})?$/.test(value)) {
    throw new RegistrationError("stake", value, "expected an amount in ether such as 10 or 0.5");
  }
  return parseEther(value);
}
