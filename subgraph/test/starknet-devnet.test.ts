// The Starknet event watcher against a real starknet-devnet 0.10.1 (skipped where it is not installed):
// STRK's Transfer events, read through real starknet_getEvents pages (one event per page, so the range
// needs every continuation token the node hands out), then the next range from the cursor, the remembered
// block hashes being the chain's. Reorgs are covered by starknet.test.ts against a scripted chain:
// starknet-devnet's block hashes do not commit to a block's contents (its hash computation differs from
// Starknet's, starknet-io/starknet-devnet#21), and a block devnet_abortBlocks replaced at the same number
// came back with the aborted block's hash, so no hash-based watcher can see that reorg there.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer } from "node:net";
import os from "node:os";
import path from "node:path";
import { openStore, type RewindEvent, type Store } from "@zk-vin/chain-kit";
import { Account, CallData, cairo, hash, RpcProvider, config as starknetConfig } from "starknet";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rpcStarknetReader, type StarknetEventBatch, StarknetEventWatcher } from "../src/indexer/starknet-watcher.js";
import { feltHex } from "../src/runtime/wasm/starknet.js";

starknetConfig.set("logLevel", "ERROR");

const BIN = process.env.STARKNET_DEVNET_BIN ?? path.join(os.homedir(), ".cargo", "bin", "starknet-devnet");
const STRK = "0x04718f5a0fc34cc1af16a1cdee98ffb20c31f5cd61d6ab07201858f4287c938d";
const TRANSFER = hash.getSelectorFromName("Transfer");

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

describe.skipIf(!existsSync(BIN))("the Starknet event watcher on starknet-devnet", () => {
  let child: ChildProcess;
  let url: string;
  let provider: RpcProvider;
  let sender: Account;
  let recipient: string;
  let store: Store;

  const rpc = async <T>(method: string, params: unknown): Promise<T> => {
    const res = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, params }),
    });
    const body = (await res.json()) as { result?: T; error?: unknown };
    if (body.error !== undefined) throw new Error(`${method}: ${JSON.stringify(body.error)}`);
    return body.result as T;
  };

  /** A STRK transfer of `amount` in a block of its own; returns its block number. */
  const transfer = async (amount: bigint): Promise<number> => {
    const { transaction_hash } = await sender.execute({
      contractAddress: STRK,
      entrypoint: "transfer",
      calldata: CallData.compile({ recipient, amount: cairo.uint256(amount) }),
    });
    const receipt = (await provider.waitForTransaction(transaction_hash, { retryInterval: 100 })) as {
      value?: { block_number?: number };
    };
    const n = receipt.value?.block_number;
    if (n === undefined) throw new Error(`transfer ${transaction_hash} has no block`);
    return n;
  };

  /** What the node says directly: the amounts of STRK Transfers to `recipient`, by block. */
  const transfersTo = (batches: StarknetEventBatch[]) =>
    batches
      .flatMap((b) => b.events)
      // OpenZeppelin's ERC20 Transfer: keys selector, from, to; data amount (low, high).
      .filter((e) => BigInt(e.keys[2] ?? -1) === BigInt(recipient))
      .map((e) => [Number(e.blockNumber), BigInt(e.data[0] as string)]);

  beforeAll(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}/rpc`;
    child = spawn(BIN, ["--seed", "0", "--port", String(port), "--accounts", "2"], {
      stdio: "ignore",
    });
    const until = Date.now() + 60_000;
    for (;;) {
      try {
        if ((await fetch(`http://127.0.0.1:${port}/is_alive`)).ok) break;
      } catch {
        // not listening yet
      }
      if (Date.now() > until) throw new Error("starknet-devnet did not start within 60 s");
      await new Promise((r) => setTimeout(r, 100));
    }
    provider = new RpcProvider({ nodeUrl: url });
    const accounts = await rpc<Array<{ address: string; private_key: string }>>("devnet_getPredeployedAccounts", {});
    const [a, b] = accounts;
    if (!a || !b) throw new Error("expected two predeployed accounts");
    sender = new Account({ provider, address: a.address, signer: a.private_key });
    recipient = b.address;
    store = await openStore({ kind: "memory" });
  }, 90_000);

  afterAll(async () => {
    if (child && child.exitCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await exited;
    }
  });

  it("reads every page of a range through the node's continuation tokens, then goes on from its cursor", async () => {
    const blocks = [await transfer(1n), await transfer(2n), await transfer(3n)];
    const batches: StarknetEventBatch[] = [];
    const rewinds: RewindEvent[] = [];
    const watcher = new StarknetEventWatcher({
      reader: rpcStarknetReader(provider),
      store,
      chainId: 0x534e,
      stream: "subgraph:starknet-devnet",
      address: STRK,
      selectors: [TRANSFER],
      startBlock: 0,
      confirmations: 0,
      maxBlockRange: 1000,
      chunkSize: 1,
      pollIntervalMs: 50,
      reorgWindow: 64,
      onEvents: async (b) => {
        batches.push(b);
      },
      onRewind: async (e) => {
        rewinds.push(e);
      },
    });
    const first = await watcher.pollOnce();
    // Each transfer pays its fee in STRK too: every Transfer of the node's own listing, one page each.
    const all = await provider.getEvents({
      address: STRK,
      from_block: { block_number: 0 },
      to_block: { block_number: blocks[2] as number },
      keys: [[TRANSFER]],
      chunk_size: 1000,
    });
    expect(first.processed?.events).toBe(all.events.length);
    expect(first.processed?.pages).toBe(all.events.length);
    expect(batches[0]?.events.map((e) => feltHex(e.transactionHash))).toEqual(
      all.events.map((e) => feltHex(e.transaction_hash)),
    );
    expect(transfersTo(batches)).toEqual([
      [blocks[0], 1n],
      [blocks[1], 2n],
      [blocks[2], 3n],
    ]);

    // Later blocks continue from the cursor; the remembered hashes are the chain's.
    const more = await transfer(4n);
    batches.length = 0;
    const second = await watcher.pollOnce();
    expect(second.processed?.fromBlock).toBe(BigInt((blocks[2] as number) + 1));
    expect(transfersTo(batches)).toEqual([[more, 4n]]);
    const tail = await store.getTail({ chainId: 0x534e, stream: "subgraph:starknet-devnet" });
    for (const b of tail) {
      const onChain = (await provider.getBlockWithTxHashes(Number(b.number))) as { block_hash: string };
      expect(b.hash).toBe(feltHex(onChain.block_hash));
    }
    expect(tail[0]?.number).toBe(BigInt(more));
    expect(rewinds).toEqual([]);
    expect((await watcher.pollOnce()).processed).toBeNull();
  }, 120_000);
});
