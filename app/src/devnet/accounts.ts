// The devnet's accounts: anvil's well-known development keys (mnemonic "test test ... junk"), each with
// 10,000 ETH on every local chain. Public knowledge: never use them anywhere but a local chain.
import type { Address, Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";

export const DEV_KEYS = [
  "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
  "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
  "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
  "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
  "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
  "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
] as const satisfies readonly Hex[];

export interface DevAccount {
  key: Hex;
  address: Address;
}

function account(index: number): DevAccount {
  const key = DEV_KEYS[index]!;
  return { key, address: privateKeyToAccount(key).address };
}

/** Who does what on a devnet. */
export interface DevnetAccounts {
  /** Deploys everything, holds every admin role, owns the LayerZero stacks, the OApps and the models. */
  deployer: DevAccount;
  /** The node operator: stakes on the hub, proves and fulfils, and (as the relayer) is each chain's DVN
   * signer and DVN/executor admin. */
  operator: DevAccount;
  /** A requester for tests and the demo. */
  user: DevAccount;
}

export const devnetAccounts: DevnetAccounts = { deployer: account(0), operator: account(1), user: account(2) };

/** Development key number `index` (0..5). */
export function devAccount(index: number): DevAccount {
  if (!Number.isInteger(index) || index < 0 || index >= DEV_KEYS.length) {
    throw new RangeError(`development key index must be 0..${DEV_KEYS.length - 1}, got ${index}`);
  }
  return account(index);
}
