// The stage modules' transaction helpers: a wallet on a devnet chain, and a send that waits for the receipt
// and names the call when it reverts.
import type { Account, Chain, Hex, Transport, WalletClient } from "viem";
import { createWalletClient, http } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { AnvilChain } from "./anvil.js";
import { DevnetStageError } from "./errors.js";

export type Wallet = WalletClient<Transport, Chain, Account>;

export function wallet(chain: AnvilChain, key: Hex): Wallet {
  return createWalletClient({
    chain: chain.chain,
    account: privateKeyToAccount(key),
    transport: http(chain.rpcUrl),
    cacheTime: 0,
    pollingInterval: 50,
  });
}

/** Sends a contract call and waits for its receipt; a revert becomes an error naming the call. */
export async function send(
  chain: AnvilChain,
  what: string,
  write: () => Promise<Hex>,
): Promise<Awaited<ReturnType<AnvilChain["publicClient"]["waitForTransactionReceipt"]>>> {
  const hash = await write();
  const receipt = await chain.publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new DevnetStageError(what, `transaction ${hash} reverted`, { value: hash });
  return receipt;
}
