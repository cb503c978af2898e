// A real anvil (the native binary from the npm platform package) on a free port, for the SDK's and the
// subgraph's end-to-end tests.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { contractsDir } from "@zk-vin/chain-kit/devchain";
import {
  type Account,
  type Chain,
  createPublicClient,
  createTestClient,
  createWalletClient,
  defineChain,
  http,
  type PublicClient,
  type TestClient,
  type Transport,
  type WalletClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";

/** anvil's well-known development keys (mnemonic "test test ... junk"); public, for local chains only. */
export const ANVIL_KEYS = [
  "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
  "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
  "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
  "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
  "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a",
  "0x8b3a350cf5c34c9194ca85829a2df0ec3153be0318b5e2d3348e872092edffba",
] as const;

export function anvilBinary(): string {
  const arch = process.arch === "x64" ? "amd64" : process.arch;
  const bin = path.join(
    contractsDir,
    "node_modules",
    "@foundry-rs",
    `anvil-${process.platform}-${arch}`,
    "bin",
    "anvil",
  );
  if (!existsSync(bin)) throw new Error(`anvil not found at ${bin}; run npm run setup`);
  return bin;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port")),
      );
    });
  });
}

export interface Anvil {
  chainId: number;
  rpcUrl: string;
  chain: Chain;
  publicClient: PublicClient;
  testClient: TestClient<"anvil", Transport, Chain>;
  account(index: number): Account;
  wallet(index: number): WalletClient<Transport, Chain, Account>;
  /** Mines `blocks` empty blocks. */
  mine(blocks: number): Promise<void>;
  stop(): Promise<void>;
}

/** Starts anvil with automine on a free port and waits until it answers. */
export async function startAnvil(options: { chainId: number }): Promise<Anvil> {
  const port = await freePort();
  const child: ChildProcess = spawn(
    anvilBinary(),
    ["--port", String(port), "--chain-id", String(options.chainId), "--silent"],
    { stdio: "ignore" },
  );
  const rpcUrl = `http://127.0.0.1:${port}`;
  const chain = defineChain({
    id: options.chainId,
    name: `anvil-${options.chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
  const transport = http(rpcUrl);
  const publicClient = createPublicClient({ chain, transport, cacheTime: 0, pollingInterval: 50 }) as PublicClient;
  for (let i = 0; ; i++) {
    try {
      await publicClient.getChainId();
      break;
    } catch (error) {
      if (i > 200) throw new Error(`anvil on port ${port} did not answer`, { cause: error });
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const testClient = createTestClient({ chain, mode: "anvil", transport, cacheTime: 0 });
  const account = (index: number) => privateKeyToAccount(ANVIL_KEYS[index] ?? ANVIL_KEYS[0]);
  return {
    chainId: options.chainId,
    rpcUrl,
    chain,
    publicClient,
    testClient,
    account,
    wallet: (index) =>
      createWalletClient({ chain, transport, account: account(index), cacheTime: 0, pollingInterval: 50 }),
    mine: (blocks) => testClient.mine({ blocks }),
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}
