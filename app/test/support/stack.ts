// The whole zk-VIN stack for the relayer's end-to-end tests, all real: a devnet (anvil chains with
// LayerZero's contracts, the hub, spokes, a compiled and registered benchmark model, a staked node),
// Redis (started through scripts/lib/redis.mjs when none answers), the prover's EZKL workers, and
// readers for the example consumers.
import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import path from "node:path";
import { repoRoot } from "@zk-vin/chain-kit/devchain";
import { LocalArtifactStore, type ProverWorkers, quantize, startProverWorkers } from "@zk-vin/prover";
import { parseConfig, type RelayerConfig } from "@zk-vin/relayer";
import { type Address, createWalletClient, decodeEventLog, type Hex, http, keccak256, parseAbi, toHex } from "viem";
import { nonceManager, privateKeyToAccount } from "viem/accounts";
import {
  type Devnet,
  type DevnetChain,
  type DevnetModelOptions,
  devnetAccounts,
  startDevnet,
} from "../../src/index.js";

export const regressionConsumerAbi = parseAbi([
  "function requestValue(bytes32 key, int256[] features) payable returns (uint256 requestId)",
  "function CALLBACK_GAS_LIMIT() view returns (uint32)",
  "event ValueRequested(uint256 indexed requestId, bytes32 indexed key, uint64 sequence, address indexed payer)",
  "event ValueUpdated(bytes32 indexed key, int256 value, uint256 indexed requestId, uint64 sequence)",
]);

export const marketOracleAbi = parseAbi([
  "struct Price { uint256 nodeFee; uint256 royalty; uint256 protocolFee; uint256 total; uint256 callbackFee; uint256 bond; }",
  "function quote(uint256 modelId, uint32 callbackGasLimit) view returns (Price)",
  "event InferenceFulfilled(uint256 indexed requestId, int256[] output)",
]);

export const spokeOracleAbi = parseAbi([
  "function quote(uint256 modelId, int256[] input, uint32 callbackGasLimit) view returns (uint256 total)",
  "event InferenceFulfilled(uint256 indexed requestId, uint256 indexed hubRequestId, int256[] output)",
]);

interface RedisLib {
  ensureRedis(): Promise<{ started: boolean; url: string }>;
}

export async function redisUrl(): Promise<string> {
  const lib = (await import(new URL("../../../scripts/lib/redis.mjs", import.meta.url).href)) as RedisLib;
  return (await lib.ensureRedis()).url;
}

/** The prover's committed benchmark samples: inputs and the model's reference outputs. */
export function benchmarkSamples(model: string): { inputs: number[][]; reference: number[][] } {
  return JSON.parse(readFileSync(path.join(repoRoot, "prover", "models", model, "samples.json"), "utf8")) as {
    inputs: number[][];
    reference: number[][];
  };
}

export interface Stack {
  devnet: Devnet;
  redis: string;
  queueName: string;
  workers: ProverWorkers;
  artifacts: LocalArtifactStore;
  /** The relayer config for this stack (store and ops port as given). */
  relayerConfig(options?: {
    store?: { kind: "memory" } | { kind: "pglite"; dataDir: string };
    httpPort?: number;
    /** Aggregation mode for models registered with the aggregating adapter. */
    aggregate?: { maxProofs?: number; windowMs?: number };
  }): Record<string, unknown>;
  stop(): Promise<void>;
}

/** Devnet + Redis + prover workers (the relayer is started by each test as it needs). */
export async function startStack(params: {
  chainIdBase: number;
  spokes: number;
  models?: DevnetModelOptions[];
  workers?: number;
  /** false: register no node (tests that register one themselves). */
  node?: false;
}): Promise<Stack> {
  const redis = await redisUrl();
  const artifacts = new LocalArtifactStore();
  const devnet = await startDevnet({
    chainIdBase: params.chainIdBase,
    spokes: params.spokes,
    models: params.models ?? [{ model: "linear_regression" }],
    deploymentFile: null,
    artifactStore: artifacts,
    ...(params.node === false ? { node: false as const } : {}),
  });
  const queueName = `zkvin-relayer-test-${randomBytes(4).toString("hex")}`;
  let workers: ProverWorkers;
  try {
    workers = await startProverWorkers({
      connection: redis,
      store: artifacts,
      queueName,
      concurrency: params.workers ?? 1,
      device: "cpu",
    });
  } catch (error) {
    await devnet.stop();
    throw error;
  }
  return {
    devnet,
    redis,
    queueName,
    workers,
    artifacts,
    relayerConfig: (o = {}) =>
      devnet.relayerConfig({
        redisUrl: redis,
        queueName,
        store: o.store ?? { kind: "memory" },
        ...(o.httpPort !== undefined ? { httpPort: o.httpPort } : {}),
        ...(o.aggregate ? { aggregate: o.aggregate } : {}),
        logLevel: "warn",
        artifactStore: artifacts.root,
      }),
    async stop() {
      await workers.close();
      await devnet.stop();
    },
  };
}

export async function parseStackConfig(json: Record<string, unknown>): Promise<RelayerConfig> {
  return parseConfig({ json, source: "test", baseDir: repoRoot });
}

/** Fixed-point input of a benchmark sample row at the model's input scale. */
export function fixedInput(row: number[], scale: number): bigint[] {
  return row.map((x) => quantize(x, scale));
}

const requesters = new Map<Hex, ReturnType<typeof privateKeyToAccount>>();

/** A requester's wallet on `chain` (default the devnet's user); one account object per key, so that
 * concurrent requests from one key get distinct nonces. */
export function requesterWallet(chain: DevnetChain, key: Hex = devnetAccounts.user.key) {
  let account = requesters.get(key);
  if (!account) {
    account = privateKeyToAccount(key, { nonceManager });
    requesters.set(key, account);
  }
  return createWalletClient({
    chain: chain.anvil.chain,
    account,
    transport: http(chain.rpcUrl),
    cacheTime: 0,
    pollingInterval: 50,
  });
}

export interface ValueRequest {
  chain: DevnetChain;
  consumer: Address;
  key: Hex;
  requestId: bigint;
  txHash: Hex;
  sentAt: number;
  blockNumber: bigint;
}

/**
 * Asks a RegressionOracleConsumer for a value on `input`, paying the oracle's quote (the market's exact
 * price for the consumer's callback gas on the hub chain, the spoke's full fee elsewhere).
 */
export async function requestValue(params: {
  chain: DevnetChain;
  modelId: bigint;
  consumer: Address;
  input: bigint[];
  label: string;
  callbackGasLimit?: number;
  key?: Hex;
}): Promise<ValueRequest> {
  const { chain } = params;
  const read = chain.anvil.publicClient;
  let value: bigint;
  if (chain.role === "hub") {
    // The market prices the callback gas the consumer asks for.
    const callbackGas = await read.readContract({
      address: params.consumer,
      abi: regressionConsumerAbi,
      functionName: "CALLBACK_GAS_LIMIT",
    });
    const price = await read.readContract({
      address: chain.contracts.InferenceMarket!,
      abi: marketOracleAbi,
      functionName: "quote",
      args: [params.modelId, callbackGas],
    });
    value = price.total;
  } else {
    value = await read.readContract({
      address: chain.contracts.ZkVinSpoke!,
      abi: spokeOracleAbi,
      functionName: "quote",
      args: [params.modelId, params.input, params.callbackGasLimit ?? 300_000],
    });
  }
  const key = keccak256(toHex(params.label));
  const wallet = requesterWallet(chain, params.key);
  const sentAt = Date.now();
  const txHash = await wallet.writeContract({
    address: params.consumer,
    abi: regressionConsumerAbi,
    functionName: "requestValue",
    args: [key, params.input],
    value,
  });
  const receipt = await read.waitForTransactionReceipt({ hash: txHash });
  if (receipt.status !== "success") throw new Error(`requestValue reverted: ${txHash}`);
  for (const log of receipt.logs) {
    if (log.address.toLowerCase() !== params.consumer.toLowerCase()) continue;
    const event = decodeEventLog({ abi: regressionConsumerAbi, data: log.data, topics: log.topics });
    if (event.eventName === "ValueRequested") {
      return {
        chain,
        consumer: params.consumer,
        key,
        requestId: event.args.requestId,
        txHash,
        sentAt,
        blockNumber: receipt.blockNumber,
      };
    }
  }
  throw new Error(`no ValueRequested in ${txHash}`);
}

/** Every ValueUpdated the consumer emitted, by request id (a list, so duplicates show). */
export async function valueUpdates(
  chain: DevnetChain,
  consumer: Address,
): Promise<Map<bigint, Array<{ value: bigint; blockNumber: bigint }>>> {
  const logs = await chain.anvil.publicClient.getContractEvents({
    address: consumer,
    abi: regressionConsumerAbi,
    eventName: "ValueUpdated",
    fromBlock: 0n,
    strict: true,
  });
  const out = new Map<bigint, Array<{ value: bigint; blockNumber: bigint }>>();
  for (const log of logs) {
    const list = out.get(log.args.requestId) ?? [];
    list.push({ value: log.args.value, blockNumber: log.blockNumber });
    out.set(log.args.requestId, list);
  }
  return out;
}

/** Polls until `check` returns a value (not undefined) or the time is up. */
export async function waitFor<T>(what: string, check: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > until) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
