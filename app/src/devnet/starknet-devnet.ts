// starknet-devnet 0.10.1 as a child process: a local Starknet with fixed accounts (`--seed`), its
// JSON-RPC (Starknet RPC 0.10 at /rpc) and its devnet_* methods (postman, snapshots, state diffs). The
// binary is installed by the set-up (scripts/lib/starknet-devnet.mjs, a background cargo build).
import { type ChildProcess, spawn } from "node:child_process";
import { freePort } from "./anvil.js";
import { DevnetSetupError } from "./errors.js";

/** Thrown when no starknet-devnet 0.10.1 is installed (and none is being built). */
export class StarknetDevnetMissingError extends Error {
  override readonly name = "StarknetDevnetMissingError";
}

/** A JSON-RPC error answered by starknet-devnet. */
export class StarknetDevnetRpcError extends Error {
  override readonly name = "StarknetDevnetRpcError";
  constructor(
    readonly method: string,
    readonly error: unknown,
  ) {
    super(`starknet-devnet ${method}: ${JSON.stringify(error)}`);
  }
}

export interface StarknetDevAccount {
  address: string;
  privateKey: string;
  publicKey: string;
}

export interface StarknetDevnetProcess {
  /** http://127.0.0.1:PORT */
  url: string;
  /** The Starknet JSON-RPC endpoint (url + /rpc). */
  rpcUrl: string;
  port: number;
  /** The predeployed accounts (fixed by the seed), each with STRK and ETH. */
  accounts: StarknetDevAccount[];
  /** Calls a JSON-RPC method (devnet_* or starknet_*). */
  rpc<T>(method: string, params?: unknown): Promise<T>;
  stop(): Promise<void>;
}

interface LibModule {
  findStarknetDevnet(): string | null;
  installInProgress(): number | null;
  starknetDevnetInstallLog: string;
  waitForStarknetDevnet(options?: { timeoutMs?: number; onWait?: (line: string) => void }): Promise<string | null>;
}

async function lib(): Promise<LibModule> {
  return (await import(new URL("../../../scripts/lib/starknet-devnet.mjs", import.meta.url).href)) as LibModule;
}

/** The installed starknet-devnet 0.10.1, or null (none, and no build running). */
export async function findStarknetDevnet(): Promise<string | null> {
  return (await lib()).findStarknetDevnet();
}

/**
 * Whether starknet-devnet 0.10.1 can be run now: installed (its path), being built by the set-up in the
 * background (the build's pid and log), or missing (no binary and no build).
 */
export type StarknetDevnetState =
  | { kind: "installed"; bin: string }
  | { kind: "building"; pid: number; log: string }
  | { kind: "missing" };

export async function starknetDevnetState(): Promise<StarknetDevnetState> {
  const l = await lib();
  const bin = l.findStarknetDevnet();
  if (bin) return { kind: "installed", bin };
  const pid = l.installInProgress();
  return pid ? { kind: "building", pid, log: l.starknetDevnetInstallLog } : { kind: "missing" };
}

/** The binary once a background build finished (null: there is none). */
export async function waitForStarknetDevnet(options?: {
  timeoutMs?: number;
  onWait?: (line: string) => void;
}): Promise<string | null> {
  return (await lib()).waitForStarknetDevnet(options);
}

async function call<T>(rpcUrl: string, method: string, params: unknown): Promise<T> {
  const res = await fetch(rpcUrl, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method, ...(params === undefined ? {} : { params }) }),
  });
  const text = await res.text();
  let body: { result?: T; error?: unknown };
  try {
    body = JSON.parse(text) as typeof body;
  } catch {
    throw new StarknetDevnetRpcError(method, `HTTP ${res.status}: ${text.slice(0, 300)}`);
  }
  if (body.error !== undefined) throw new StarknetDevnetRpcError(method, body.error);
  return body.result as T;
}

/**
 * Starts starknet-devnet on a free port (or `port`) with `seed` (fixed accounts) and resolves once it
 * answers. `bin` defaults to the installed 0.10.1 (StarknetDevnetMissingError when there is none).
 */
export async function startStarknetDevnet(
  params: { seed?: number; port?: number; bin?: string; accounts?: number } = {},
): Promise<StarknetDevnetProcess> {
  const bin = params.bin ?? (await waitForStarknetDevnet());
  if (!bin) {
    throw new StarknetDevnetMissingError(
      "starknet-devnet 0.10.1 is not installed: run `npm run setup` (it builds it with cargo, 45-100 minutes)",
    );
  }
  const port = params.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const rpcUrl = `${url}/rpc`;
  const child: ChildProcess = spawn(
    bin,
    ["--seed", String(params.seed ?? 0), "--port", String(port), "--accounts", String(params.accounts ?? 4)],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  const collect = (d: Buffer) => {
    output = (output + d.toString()).slice(-8000);
  };
  child.stdout?.on("data", collect);
  child.stderr?.on("data", collect);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const killer = setTimeout(() => child.kill("SIGKILL"), 5000);
    await exited;
    clearTimeout(killer);
  };
  const until = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new DevnetSetupError(`starknet-devnet exited (${child.exitCode}) at start:\n${output}`, { value: port });
    }
    try {
      const res = await fetch(`${url}/is_alive`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > until) {
      await stop();
      throw new DevnetSetupError(`starknet-devnet did not answer on ${url} within 60 s:\n${output}`, { value: port });
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  try {
    const listed = await call<Array<{ address: string; private_key: string; public_key: string }>>(
      rpcUrl,
      "devnet_getPredeployedAccounts",
      {},
    );
    return {
      url,
      rpcUrl,
      port,
      accounts: listed.map((a) => ({ address: a.address, privateKey: a.private_key, publicKey: a.public_key })),
      rpc: <T>(method: string, p?: unknown) => call<T>(rpcUrl, method, p),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
