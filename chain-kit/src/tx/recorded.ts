// The crash-safe way the services send a transaction whose effect must happen once: sign it, record its
// hash (write-ahead), then broadcast and wait for the receipt. After a crash the recorded hash is looked
// up (settleRecorded) instead of signing again, so a transaction that did reach the chain is judged by its
// receipt and never sent twice; one that never left (or was dropped) is forgotten and the caller decides
// anew from the chain's state.
import {
  type Account,
  type Address,
  type Chain,
  type Hex,
  keccak256,
  type PublicClient,
  TransactionNotFoundError,
  type TransactionReceipt,
  TransactionReceiptNotFoundError,
  type Transport,
  type WalletClient,
} from "viem";

/** What a recorded transaction carries (its nonce, fees and chain come from the wallet client). */
export interface RecordedTxRequest {
  to: Address;
  data: Hex;
  value?: bigint;
  /** Gas limit; set by the caller, which knows how much margin its call needs. */
  gas: bigint;
}

export interface SendRecordedOptions {
  publicClient: PublicClient;
  walletClient: WalletClient<Transport, Chain, Account>;
  request: RecordedTxRequest;
  /**
   * Persists the hash before the transaction is broadcast (write-ahead). When it throws, nothing was
   * broadcast; the signed transaction is discarded.
   */
  record(hash: Hex): Promise<void>;
  /** How long to wait for the receipt. */
  receiptTimeoutMs: number;
}

/**
 * Signs `request`, records its hash, broadcasts it and waits for its receipt (whatever its status: the
 * caller judges it). When the record fails or the node refuses the broadcast, the wallet's nonce manager
 * is reset (so the next transaction takes the unused nonce instead of leaving a gap) and the error thrown.
 */
export async function sendRecorded(options: SendRecordedOptions): Promise<{ hash: Hex; receipt: TransactionReceipt }> {
  const { publicClient, walletClient, request } = options;
  const prepared = await walletClient.prepareTransactionRequest({
    account: walletClient.account,
    chain: walletClient.chain,
    ...request,
  });
  const serializedTransaction = await walletClient.signTransaction(prepared);
  const hash = keccak256(serializedTransaction);
  try {
    await options.record(hash);
    await publicClient.sendRawTransaction({ serializedTransaction });
  } catch (error) {
    // The nonce the transaction took stays unused: the next transaction must take it, not leave a gap.
    walletClient.account.nonceManager?.reset({ address: walletClient.account.address, chainId: walletClient.chain.id });
    throw error;
  }
  const receipt = await publicClient.waitForTransactionReceipt({ hash, timeout: options.receiptTimeoutMs });
  return { hash, receipt };
}

/** Where a recorded transaction stands. */
export type RecordedTxState =
  | { state: "mined"; receipt: TransactionReceipt }
  /** The node knows it but it is not in a block yet: wait, never send another. */
  | { state: "pending" }
  /** Signed but never broadcast, or dropped: it will not be mined; the record can be cleared. */
  | { state: "unknown" };

/** Looks a recorded hash up: its receipt, still pending, or unknown to the chain. */
export async function settleRecorded(publicClient: PublicClient, hash: Hex): Promise<RecordedTxState> {
  try {
    return { state: "mined", receipt: await publicClient.getTransactionReceipt({ hash }) };
  } catch (error) {
    if (!(error instanceof TransactionReceiptNotFoundError)) throw error;
  }
  try {
    await publicClient.getTransaction({ hash });
    return { state: "pending" };
  } catch (error) {
    if (!(error instanceof TransactionNotFoundError)) throw error;
  }
  return { state: "unknown" };
}
