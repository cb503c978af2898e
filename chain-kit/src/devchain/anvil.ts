import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
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

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../..");
export const contractsDir = path.join(repoRoot, "contracts-evm");

/** anvil's well-known development keys (mnemonic "test test ... junk"). */
export const ANVIL_KEYS = [
  "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
  "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
  "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
  "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
] as const;

/** The native anvil binary inside the npm platform package (the npm `anvil` command is a Node wrapper). */
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
  process: ChildProcess;
  publicClient: PublicClient;
  /** anvil_* methods: mine, snapshot, revert. */
  testClient: TestClient<"anvil", Transport, Chain>;
  wallet(keyIndex?: number): WalletClient<Transport, Chain, Account>;
  /** SIGTERM by default; SIGKILL emulates a crashed node (connections refused at once). */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

/** Starts an anvil on a free port with `chainId` (automine) and waits until it answers. */
export async function startAnvil(options: { chainId: number; blockTime?: number }): Promise<Anvil> {
  const port = await freePort();
  const args = ["--port", String(port), "--chain-id", String(options.chainId), "--silent"];
  if (options.blockTime) args.push("--block-time", String(options.blockTime));
  const child = spawn(anvilBinary(), args, { stdio: "ignore" });
  const rpcUrl = `http://127.0.0.1:${port}`;
  const chain = defineChain({
    id: options.chainId,
    name: `anvil-${options.chainId}`,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
  const publicClient = createPublicClient({ chain, transport: http(rpcUrl), cacheTime: 0, pollingInterval: 50 });
  for (let i = 0; ; i++) {
    try {
      await publicClient.getChainId();
      break;
    } catch (error) {
      if (i > 100) throw new Error(`anvil on port ${port} did not answer`, { cause: error });
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    chainId: options.chainId,
    rpcUrl,
    chain,
    process: child,
    publicClient,
    testClient: createTestClient({ chain, mode: "anvil", transport: http(rpcUrl), cacheTime: 0 }),
    wallet: (keyIndex = 0) =>
      createWalletClient({
        chain,
        account: privateKeyToAccount(ANVIL_KEYS[keyIndex] ?? ANVIL_KEYS[0]),
        transport: http(rpcUrl),
        cacheTime: 0,
        pollingInterval: 50,
      }),
    stop: (signal: NodeJS.Signals = "SIGTERM") =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill(signal);
      }),
  };
}
