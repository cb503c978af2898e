// A local EVM for checking generated verifiers: solc (the official compiler's wasm build from npm)
// compiles a generated Solidity file, anvil runs it, viem deploys and calls. Used by the tests and the
// benchmark; nothing in the proving path depends on it.
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import net from "node:net";
import path from "node:path";
import {
  type Abi,
  type Account,
  type Address,
  type Chain,
  createWalletClient,
  type Hex,
  http,
  type PublicActions,
  publicActions,
  type Transport,
  type WalletClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";

const require = createRequire(import.meta.url);

interface SolcOutput {
  errors?: { severity: string; formattedMessage: string }[];
  contracts: Record<
    string,
    Record<string, { abi: Abi; evm: { bytecode: { object: string }; deployedBytecode: { object: string } } }>
  >;
}

export interface CompiledContract {
  abi: Abi;
  bytecode: Hex;
  runtimeBytes: number;
}

/** Compiles one self-contained Solidity file (EZKL's verifiers import nothing). */
export function compileSolidity(params: { file: string; contract: string }): CompiledContract {
  const solc = require("solc") as { compile: (input: string) => string };
  const name = path.basename(params.file);
  const input = {
    language: "Solidity",
    sources: { [name]: { content: readFileSync(params.file, "utf8") } },
    settings: {
      optimizer: { enabled: true, runs: 200 },
      evmVersion: "cancun",
      outputSelection: { "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"] } },
    },
  };
  const out = JSON.parse(solc.compile(JSON.stringify(input))) as SolcOutput;
  const errors = (out.errors ?? []).filter((e) => e.severity === "error");
  if (errors.length) throw new Error(`solc: ${errors.map((e) => e.formattedMessage).join("\n")}`);
  const c = out.contracts[name]?.[params.contract];
  if (!c) throw new Error(`solc: no contract ${params.contract} in ${params.file}`);
  return { abi: c.abi, bytecode: `0x${c.evm.bytecode.object}`, runtimeBytes: c.evm.deployedBytecode.object.length / 2 };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
}

// anvil's first default account (public test key).
const ANVIL_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80";

export type LocalClient = WalletClient<Transport, Chain, Account> & PublicActions<Transport, Chain>;

export interface LocalChain {
  client: LocalClient;
  rpcUrl: string;
  deploy(contract: CompiledContract): Promise<Address>;
  stop(): void;
}

/** `disableCodeSizeLimit`: lets contracts above EIP-170's 24 KiB deploy (EZKL's aggregate verifiers). */
export async function startLocalChain(options: { disableCodeSizeLimit?: boolean } = {}): Promise<LocalChain> {
  const port = await freePort();
  // The platform binary directly: the npm `anvil` wrapper's PID is not anvil's.
  const bin = path.join(path.dirname(require.resolve("@foundry-rs/anvil-linux-amd64/package.json")), "bin", "anvil");
  const args = ["--port", String(port), "--silent", "--chain-id", String(foundry.id)];
  if (options.disableCodeSizeLimit) args.push("--disable-code-size-limit");
  const anvil: ChildProcess = spawn(bin, args, { stdio: "ignore" });
  const rpcUrl = `http://127.0.0.1:${port}`;
  const client = createWalletClient({
    account: privateKeyToAccount(ANVIL_KEY),
    chain: foundry,
    transport: http(rpcUrl),
  }).extend(publicActions);
  for (let i = 0; ; i++) {
    try {
      await client.getChainId();
      break;
    } catch (err) {
      if (i > 100) {
        anvil.kill();
        throw new Error(`anvil did not start on ${rpcUrl}`, { cause: err });
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return {
    client,
    rpcUrl,
    async deploy(contract) {
      const hash = await client.deployContract({ abi: contract.abi, bytecode: contract.bytecode });
      const receipt = await client.waitForTransactionReceipt({ hash });
      if (!receipt.contractAddress) throw new Error("deployment produced no contract");
      return receipt.contractAddress;
    },
    stop() {
      anvil.kill();
    },
  };
}
