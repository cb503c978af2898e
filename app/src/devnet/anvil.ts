// Local chains: one anvil (the native binary) per chain, on a free port with its own chain id. Every
// process started here is remembered and killed when this Node process exits, so a crashed test or CLI
// leaves no chain behind; `stop` ends exactly the process it started.
import { type ChildProcess, spawn } from "node:child_process";
import net from "node:net";
import {
  type Chain,
  createPublicClient,
  createTestClient,
  defineChain,
  http,
  type PublicClient,
  type TestClient,
  type Transport,
} from "viem";
import { DevnetSetupError } from "./errors.js";
import { foundryBinary } from "./paths.js";

export interface AnvilChain {
  chainId: number;
  port: number;
  rpcUrl: string;
  chain: Chain;
  pid: number;
  publicClient: PublicClient;
  /** anvil_* methods (mine, snapshot, set balance). */
  testClient: TestClient<"anvil", Transport, Chain>;
  /** Ends this anvil (SIGTERM, then SIGKILL after a grace period) and waits for it to exit. */
  stop(): Promise<void>;
}

const started = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // 'exit' handlers must be synchronous: a kill is.
  process.on("exit", () => {
    for (const child of started) child.kill("SIGKILL");
  });
}

/** A TCP port nobody listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port assigned")),
      );
    });
  });
}

/** Whether something already listens on `port` (127.0.0.1). */
export function portInUse(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: "127.0.0.1", port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => resolve(false));
  });
}

export function localChain(chainId: number, rpcUrl: string, name = `anvil-${chainId}`): Chain {
  return defineChain({
    id: chainId,
    name,
    nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
    rpcUrls: { default: { http: [rpcUrl] } },
  });
}

/**
 * Starts anvil with `chainId` on `port` (a free one when omitted), automining, and resolves once it
 * answers with that chain id.
 */
export async function startAnvil(params: { chainId: number; port?: number; blockTime?: number }): Promise<AnvilChain> {
  const port = params.port ?? (await freePort());
  if (params.port !== undefined && (await portInUse(port))) {
    throw new DevnetSetupError(`port ${port} is already in use (another devnet or node?)`, { value: port });
  }
  // Forge broadcasts a script's transactions together; with the default 30M block gas limit anvil's
  // automine can leave the ones that did not fit pending until the next transaction arrives, which never
  // comes while forge waits for their receipts. A limit no deploy script reaches avoids it.
  const args = ["--port", String(port), "--chain-id", String(params.chainId), "--gas-limit", "1000000000", "--silent"];
  if (params.blockTime) args.push("--block-time", String(params.blockTime));
  installExitHook();
  const child = spawn(foundryBinary("anvil"), args, { stdio: ["ignore", "ignore", "pipe"] });
  started.add(child);
  let stderr = "";
  child.stderr?.on("data", (d: Buffer) => {
    stderr = (stderr + d.toString()).slice(-2000);
  });
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  void exited.then(() => started.delete(child));
  const rpcUrl = `http://127.0.0.1:${port}`;
  const chain = localChain(params.chainId, rpcUrl);
  const transport = http(rpcUrl, { retryCount: 0 });
  const publicClient = createPublicClient({ chain, transport, cacheTime: 0, pollingInterval: 50 }) as PublicClient;
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), 3000);
    await exited;
    clearTimeout(timer);
  };
  for (let i = 0; ; i++) {
    if (child.exitCode !== null) {
      throw new DevnetSetupError(`anvil on port ${port} exited (${child.exitCode}): ${stderr.trim()}`, { value: port });
    }
    try {
      const id = await publicClient.getChainId();
      if (id !== params.chainId) {
        await stop();
        throw new DevnetSetupError(`port ${port} answers as chain ${id}, not ${params.chainId}`, { value: port });
      }
      break;
    } catch (error) {
      if (error instanceof DevnetSetupError) throw error;
      if (i > 600) {
        await stop();
        throw new DevnetSetupError(`anvil on port ${port} did not answer within 30 s`, { value: port, cause: error });
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    chainId: params.chainId,
    port,
    rpcUrl,
    chain,
    pid: child.pid ?? -1,
    publicClient,
    testClient: createTestClient({ chain, mode: "anvil", transport, cacheTime: 0 }),
    stop,
  };
}
