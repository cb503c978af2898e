// sendRecorded / settleRecorded against a real anvil: the hash is recorded before the node sees the
// transaction, a recorded transaction is judged by its receipt (or found pending, or unknown), and a
// failed record or refused broadcast leaves no nonce gap.
import { createWalletClient, http, keccak256, parseEther, TransactionNotFoundError } from "viem";
import { nonceManager, privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ANVIL_KEYS, type Anvil, startAnvil } from "../src/devchain/anvil.js";
import { sendRecorded, settleRecorded } from "../src/tx/recorded.js";

const TO = "0x000000000000000000000000000000000000dEaD" as const;

describe("sendRecorded and settleRecorded", () => {
  let anvil: Anvil;
  beforeAll(async () => {
    anvil = await startAnvil({ chainId: 31_390 });
  });
  afterAll(() => anvil?.stop());

  it("records the hash before the node knows the transaction, then returns its receipt", async () => {
    const walletClient = anvil.wallet(1);
    const recorded: Array<{ hash: string; knownToNode: boolean }> = [];
    const { hash, receipt } = await sendRecorded({
      publicClient: anvil.publicClient,
      walletClient,
      request: { to: TO, data: "0x", value: 1n, gas: 21_000n },
      record: async (h) => {
        const known = await anvil.publicClient.getTransaction({ hash: h }).then(
          () => true,
          (e: unknown) => (e instanceof TransactionNotFoundError ? false : Promise.reject(e)),
        );
        recorded.push({ hash: h, knownToNode: known });
      },
      receiptTimeoutMs: 10_000,
    });
    expect(recorded).toEqual([{ hash, knownToNode: false }]);
    expect(receipt.status).toBe("success");
    expect(receipt.transactionHash).toBe(hash);
    const settled = await settleRecorded(anvil.publicClient, hash);
    expect(settled.state).toBe("mined");
    expect(settled.state === "mined" && settled.receipt.transactionHash).toBe(hash);
  });

  it("finds a broadcast transaction pending until it is mined, and a never-broadcast one unknown", async () => {
    const walletClient = anvil.wallet(2);
    await anvil.testClient.setAutomine(false);
    try {
      const request = await walletClient.prepareTransactionRequest({ to: TO, value: 1n, gas: 21_000n });
      const serializedTransaction = await walletClient.signTransaction(request);
      const hash = await anvil.publicClient.sendRawTransaction({ serializedTransaction });
      expect(await settleRecorded(anvil.publicClient, hash)).toEqual({ state: "pending" });
      await anvil.testClient.mine({ blocks: 1 });
      const mined = await settleRecorded(anvil.publicClient, hash);
      expect(mined.state === "mined" && mined.receipt.status).toBe("success");
    } finally {
      await anvil.testClient.setAutomine(true);
    }
    // Signed with a nonce far ahead and never sent: nothing on chain knows it.
    const request = await walletClient.prepareTransactionRequest({ to: TO, value: 1n, gas: 21_000n, nonce: 1_000 });
    const neverSent = keccak256(await walletClient.signTransaction(request));
    expect(await settleRecorded(anvil.publicClient, neverSent)).toEqual({ state: "unknown" });
  });

  it("leaves no nonce gap when the record fails or the node refuses the broadcast", async () => {
    const account = privateKeyToAccount(ANVIL_KEYS[3]!, { nonceManager });
    const walletClient = createWalletClient({ chain: anvil.chain, account, transport: http(anvil.rpcUrl) });
    const before = await anvil.publicClient.getTransactionCount({ address: account.address });
    const failedRecord = sendRecorded({
      publicClient: anvil.publicClient,
      walletClient,
      request: { to: TO, data: "0x", value: 1n, gas: 21_000n },
      record: async () => {
        throw new Error("store unavailable");
      },
      receiptTimeoutMs: 10_000,
    });
    await expect(failedRecord).rejects.toThrow("store unavailable");
    const refused = sendRecorded({
      publicClient: anvil.publicClient,
      walletClient,
      // More than the account holds: the node refuses it at broadcast.
      request: { to: TO, data: "0x", value: parseEther("100000000"), gas: 21_000n },
      record: async () => {},
      receiptTimeoutMs: 10_000,
    });
    await expect(refused).rejects.toThrow();
    const next = await sendRecorded({
      publicClient: anvil.publicClient,
      walletClient,
      request: { to: TO, data: "0x", value: 1n, gas: 21_000n },
      record: async () => {},
      receiptTimeoutMs: 10_000,
    });
    expect(next.receipt.status).toBe("success");
    const tx = await anvil.publicClient.getTransaction({ hash: next.hash });
    expect(tx.nonce).toBe(before);
  });
});
