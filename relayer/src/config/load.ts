import { readFile } from "node:fs/promises";
import path from "node:path";
import type { StoreConfig } from "@zk-vin/chain-kit";
import { describeError, RelayerError } from "@zk-vin/chain-kit";
import type { Address, Hex } from "viem";
import type { ZodIssue } from "zod";
import { readLayerZeroStackFile } from "../layerzero/stackFile.js";
import { resolveStarknetConfig, type StarknetConfig } from "../starknet/config.js";
import { configSchema, type LayerZeroStackInput, type ParsedConfig } from "./schema.js";

export interface ChainConfig {
  name: string;
  chainId: number;
  rpcUrl: string;
  confirmations: number;
  startBlock: bigint;
  pollIntervalMs: number;
  maxBlockRange: number;
  reorgWindow: number;
}

export interface LocalLayerZeroStackConfig {
  eid: number;
  endpoint: Address;
  receiveUln302: Address;
  dvn: Address;
  executor: Address;
}

export type LayerZeroConfig =
  | { mode: "external" }
  | {
      mode: "local";
      signerKey: Hex;
      concurrency: number;
      maxAttempts: number;
      pollIntervalMs: number;
      /** By chain name. */
      chains: Record<string, LocalLayerZeroStackConfig>;
    };

/** The node pipeline's settings, resolved. */
export interface NodeConfig {
  hubChain: string;
  market: Address;
  redis: string;
  queueName: string;
  /** Absolute path, or null for the prover's default store. */
  artifactStore: string | null;
  batchWindowMs: number;
  maxInFlight: number;
  submitConcurrency: number;
  maxAttempts: number;
  pollIntervalMs: number;
  expireMissed: boolean;
  /** Artifact ids by model id (overrides of the registry's artifact URIs). */
  models: Map<bigint, string>;
  /** Aggregation mode, or null (off). */
  aggregate: { adapter: Address; maxProofs: number; windowMs: number } | null;
}

/** The validated configuration with secrets and stack files resolved. */
export interface RelayerConfig {
  operatorKey: Hex;
  chains: ChainConfig[];
  store: StoreConfig;
  http: { host: string; port: number } | null;
  log: { level: "fatal" | "error" | "warn" | "info" | "debug" | "trace" | "silent" };
  layerzero: LayerZeroConfig;
  node: NodeConfig | null;
  /** The Starknet lane, when configured. */
  starknet: StarknetConfig | null;
}

export interface ConfigIssue {
  /** Dotted path of the offending field, e.g. `chains[1].rpcUrl`. */
  path: string;
  message: string;
}

/** The configuration is unusable; `issues` names every offending field. */
export class ConfigError extends RelayerError {
  override readonly name = "ConfigError";
  constructor(
    readonly source: string,
    readonly issues: ConfigIssue[],
    options?: { cause?: unknown },
  ) {
    super(`invalid relayer config (${source}):\n${issues.map((i) => `  ${i.path}: ${i.message}`).join("\n")}`, options);
  }
}

/** Reads, validates and resolves the JSON config at `file` (relative paths inside are relative to it). */
export async function loadConfig(params: { file: string; env?: NodeJS.ProcessEnv }): Promise<RelayerConfig> {
  let text: string;
  try {
    text = await readFile(params.file, "utf8");
  } catch (error) {
    throw new ConfigError(params.file, [{ path: "(file)", message: describeError(error) }], { cause: error });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(params.file, [{ path: "(file)", message: `not valid JSON: ${describeError(error)}` }], {
      cause: error,
    });
  }
  return parseConfig({ json, source: params.file, baseDir: path.dirname(path.resolve(params.file)), env: params.env });
}

/** Validates and resolves an already parsed config object. */
export async function parseConfig(params: {
  json: unknown;
  source: string;
  baseDir: string;
  env?: NodeJS.ProcessEnv;
}): Promise<RelayerConfig> {
  const parsed = configSchema.safeParse(params.json);
  if (!parsed.success) throw new ConfigError(params.source, parsed.error.issues.flatMap(toIssues));
  const c = parsed.data;
  const env = params.env ?? process.env;
  const issues: ConfigIssue[] = [];

  const operatorKey = resolveSecret(c.operatorKey, "operatorKey", env, issues);
  let layerzero: LayerZeroConfig = { mode: "external" };
  if (c.layerzero.mode === "local") {
    const signerKey = c.layerzero.signerKey
      ? resolveSecret(c.layerzero.signerKey, "layerzero.signerKey", env, issues)
      : operatorKey;
    const chains: Record<string, LocalLayerZeroStackConfig> = {};
    for (const [name, stack] of Object.entries(c.layerzero.chains)) {
      const resolved = await resolveStack({ name, stack, config: c, baseDir: params.baseDir, issues });
      if (resolved) chains[name] = resolved;
    }
    const eids = new Map<number, string>();
    for (const [name, stack] of Object.entries(chains)) {
      const other = eids.get(stack.eid);
      if (other) issues.push({ path: `layerzero.chains.${name}`, message: `EID ${stack.eid} is also ${other}'s` });
      eids.set(stack.eid, name);
    }
    if (signerKey) layerzero = { ...c.layerzero, signerKey, chains };
  }
  const starknet = c.starknet ? resolveStarknetConfig(c.starknet, env, issues) : null;
  // Every resolution problem is collected first, so one run names them all.
  if (issues.length > 0 || !operatorKey) throw new ConfigError(params.source, issues);

  const store: StoreConfig =
    c.store.kind === "pglite" ? { kind: "pglite", dataDir: path.resolve(params.baseDir, c.store.dataDir) } : c.store;
  return {
    operatorKey,
    chains: c.chains.map((chain) => ({ ...chain, startBlock: BigInt(chain.startBlock) })),
    store,
    http: c.http ?? null,
    log: c.log,
    layerzero,
    node: c.node
      ? {
          hubChain: c.node.hubChain,
          market: c.node.market as Address,
          redis: c.node.redis,
          queueName: c.node.queueName,
          artifactStore: c.node.artifactStore ? path.resolve(params.baseDir, c.node.artifactStore) : null,
          batchWindowMs: c.node.batchWindowMs,
          maxInFlight: c.node.maxInFlight,
          submitConcurrency: c.node.submitConcurrency,
          maxAttempts: c.node.maxAttempts,
          pollIntervalMs: c.node.pollIntervalMs,
          expireMissed: c.node.expireMissed,
          models: new Map((c.node.models ?? []).map((m) => [BigInt(m.modelId), m.artifactId])),
          aggregate: c.node.aggregate
            ? {
                adapter: c.node.aggregate.adapter as Address,
                maxProofs: c.node.aggregate.maxProofs,
                windowMs: c.node.aggregate.windowMs,
              }
            : null,
        }
      : null,
    starknet,
  };
}

function resolveSecret(
  value: ParsedConfig["operatorKey"],
  field: string,
  env: NodeJS.ProcessEnv,
  issues: ConfigIssue[],
): Hex | null {
  if (typeof value === "string") return value as Hex;
  const raw = env[value.env];
  if (raw === undefined || raw === "") {
    issues.push({ path: field, message: `environment variable ${value.env} is not set` });
    return null;
  }
  if (!/^0x[0-9a-fA-F]{64}$/.test(raw)) {
    issues.push({ path: field, message: `environment variable ${value.env} is not a 0x-prefixed 32-byte hex key` });
    return null;
  }
  return raw as Hex;
}

async function resolveStack(params: {
  name: string;
  stack: LayerZeroStackInput;
  config: ParsedConfig;
  baseDir: string;
  issues: ConfigIssue[];
}): Promise<LocalLayerZeroStackConfig | null> {
  const { name, stack, issues } = params;
  if ("eid" in stack) return stack;
  const file = path.resolve(params.baseDir, stack.stackFile);
  try {
    const s = await readLayerZeroStackFile(file);
    const chain = params.config.chains.find((c) => c.name === name);
    if (chain && chain.chainId !== s.chainId) {
      issues.push({
        path: `layerzero.chains.${name}.stackFile`,
        message: `${file} describes chain ${s.chainId}, but chain "${name}" is ${chain.chainId}`,
      });
      return null;
    }
    return { eid: s.eid, endpoint: s.endpoint, receiveUln302: s.receiveUln302, dvn: s.dvn, executor: s.executor };
  } catch (error) {
    issues.push({ path: `layerzero.chains.${name}.stackFile`, message: describeError(error) });
    return null;
  }
}

/**
 * Zod reports a failed union as one "Invalid input"; the branch that came closest (fewest issues)
 * says what is actually wrong, so its issues are reported instead.
 */
function toIssues(issue: ZodIssue): ConfigIssue[] {
  if (issue.code === "invalid_union" && issue.unionErrors.length > 0) {
    const closest = [...issue.unionErrors].sort((x, y) => x.issues.length - y.issues.length)[0]!;
    return closest.issues.flatMap(toIssues);
  }
  const p = issue.path
    .map((part, i) => (typeof part === "number" ? `[${part}]` : i === 0 ? part : `.${part}`))
    .join("");
  return [{ path: p || "(root)", message: issue.message }];
}
