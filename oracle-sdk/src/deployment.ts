// The deployments file format (deployments/schema.json): its types and a parser that validates a parsed
// JSON value against it. Pure (no file access, no dependencies), so it runs in a browser; reading a file
// is `loadDeployment` in the node-only entry (`@zk-vin/oracle-sdk/node`).
import type { Address } from "viem";
import { ZkVinError } from "./errors.js";

export interface LayerZeroDeployment {
  endpoint: Address;
  sendUln302?: Address;
  receiveUln302?: Address;
  executor?: Address;
  dvn?: Address;
  priceFeed?: Address;
  executorFeeLib?: Address;
  dvnFeeLib?: Address;
}

export interface DeployedChain {
  /** Network name as The Graph knows it (sepolia, ...) or a local name (zkvin-hub, zkvin-spoke-1). */
  name: string;
  chainId: number;
  /** LayerZero endpoint id. */
  eid: number;
  /** Only for local networks; public networks take RPC URLs from the user's configuration. */
  rpcUrl?: string;
  /** Block of the first zk-VIN deployment transaction on this chain. */
  startBlock: number;
  layerZero?: LayerZeroDeployment;
  /** Contract name -> address. */
  contracts: Record<string, Address>;
}

export interface DeployedModel {
  modelId: number;
  name: string;
  artifactUri?: string;
  [key: string]: unknown;
}

export interface Deployment {
  network: string;
  hub: DeployedChain;
  spokes: DeployedChain[];
  models?: DeployedModel[];
  starknet?: Record<string, unknown>;
}

/** A deployments file (or object) is missing, not JSON, or not shaped as deployments/schema.json says. */
export class DeploymentFileError extends ZkVinError {
  override readonly name = "DeploymentFileError";
  constructor(
    /** The file, or what the object was called (`source`). */
    readonly path: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${path}: ${message}`, options);
  }
}

class Invalid extends Error {
  constructor(
    readonly at: string,
    reason: string,
  ) {
    super(reason);
  }
}

type Obj = Record<string, unknown>;

function object(v: unknown, at: string): Obj {
  if (typeof v !== "object" || v === null || Array.isArray(v)) throw new Invalid(at, "expected an object");
  return v as Obj;
}

function strict(o: Obj, at: string, keys: readonly string[]): void {
  const extra = Object.keys(o).filter((k) => !keys.includes(k));
  if (extra.length > 0)
    throw new Invalid(at, `unrecognized key(s) in object: ${extra.map((k) => `'${k}'`).join(", ")}`);
}

const join = (at: string, key: string | number) => (at ? `${at}.${key}` : String(key));

function string(o: Obj, key: string, at: string, opts: { optional?: boolean; nonEmpty?: boolean } = {}) {
  const v = o[key];
  if (v === undefined && opts.optional) return undefined;
  if (typeof v !== "string") throw new Invalid(join(at, key), "expected a string");
  if (opts.nonEmpty && v.length === 0) throw new Invalid(join(at, key), "expected a non-empty string");
  return v;
}

function integer(o: Obj, key: string, at: string, min: number): number {
  const v = o[key];
  if (typeof v !== "number" || !Number.isInteger(v)) throw new Invalid(join(at, key), "expected an integer");
  if (v < min) throw new Invalid(join(at, key), `expected an integer >= ${min}`);
  return v;
}

const ADDRESS = /^0x[0-9a-fA-F]{40}$/;

function address(v: unknown, at: string): Address {
  if (typeof v !== "string" || !ADDRESS.test(v)) throw new Invalid(at, "expected a 0x-prefixed 20-byte address");
  return v as Address;
}

function url(v: string, at: string): string {
  try {
    new URL(v);
  } catch {
    throw new Invalid(at, "expected a URL");
  }
  return v;
}

const LZ_KEYS = [
  "endpoint",
  "sendUln302",
  "receiveUln302",
  "executor",
  "dvn",
  "priceFeed",
  "executorFeeLib",
  "dvnFeeLib",
] as const;

function layerZero(v: unknown, at: string): LayerZeroDeployment {
  const o = object(v, at);
  strict(o, at, LZ_KEYS);
  const out: LayerZeroDeployment = { endpoint: address(o.endpoint, join(at, "endpoint")) };
  for (const k of LZ_KEYS.slice(1)) if (o[k] !== undefined) out[k] = address(o[k], join(at, k));
  return out;
}

const CHAIN_KEYS = ["name", "chainId", "eid", "rpcUrl", "startBlock", "layerZero", "contracts"];

function chain(v: unknown, at: string): DeployedChain {
  const o = object(v, at);
  strict(o, at, CHAIN_KEYS);
  const name = string(o, "name", at, { nonEmpty: true }) as string;
  const chainId = integer(o, "chainId", at, 1);
  const eid = integer(o, "eid", at, 1);
  const rpcUrl = string(o, "rpcUrl", at, { optional: true });
  const startBlock = integer(o, "startBlock", at, 0);
  const contracts: Record<string, Address> = {};
  const c = object(o.contracts, join(at, "contracts"));
  for (const [k, a] of Object.entries(c)) contracts[k] = address(a, join(join(at, "contracts"), k));
  const out: DeployedChain = { name, chainId, eid, startBlock, contracts };
  if (rpcUrl !== undefined) out.rpcUrl = url(rpcUrl, join(at, "rpcUrl"));
  if (o.layerZero !== undefined) out.layerZero = layerZero(o.layerZero, join(at, "layerZero"));
  return out;
}

function model(v: unknown, at: string): DeployedModel {
  const o = object(v, at);
  const modelId = integer(o, "modelId", at, 1);
  const name = string(o, "name", at) as string;
  const artifactUri = string(o, "artifactUri", at, { optional: true });
  return { ...o, modelId, name, ...(artifactUri === undefined ? {} : { artifactUri }) };
}

function array(v: unknown, at: string): unknown[] {
  if (!Array.isArray(v)) throw new Invalid(at, "expected an array");
  return v;
}

/**
 * Validates a parsed JSON value against the deployments schema and returns a fresh copy typed as a
 * Deployment; `source` names it in errors (DeploymentFileError, naming the offending field).
 */
export function parseDeployment(value: unknown, source = "<deployment>"): Deployment {
  try {
    const o = object(value, "");
    strict(o, "", ["network", "hub", "spokes", "models", "starknet"]);
    const out: Deployment = {
      network: string(o, "network", "", { nonEmpty: true }) as string,
      hub: chain(o.hub, "hub"),
      spokes: array(o.spokes, "spokes").map((s, i) => chain(s, `spokes.${i}`)),
    };
    if (o.models !== undefined) out.models = array(o.models, "models").map((m, i) => model(m, `models.${i}`));
    if (o.starknet !== undefined) out.starknet = { ...object(o.starknet, "starknet") };
    return out;
  } catch (error) {
    if (!(error instanceof Invalid)) throw error;
    throw new DeploymentFileError(source, `invalid at ${error.at || "(root)"}: ${error.message}`, { cause: error });
  }
}

/** The chain named `name` (the hub or a spoke), or an error listing the names there are. */
export function chainByName(d: Deployment, name: string): DeployedChain {
  const found = [d.hub, ...d.spokes].find((c) => c.name === name);
  if (!found) {
    const names = [d.hub, ...d.spokes].map((c) => c.name).join(", ");
    throw new DeploymentFileError(d.network, `no chain named ${JSON.stringify(name)} (chains: ${names})`);
  }
  return found;
}

/** The address of contract `contract` on `chain`, or an error naming both. */
export function contractAddress(c: DeployedChain, contract: string): Address {
  const a = c.contracts[contract];
  if (!a)
    throw new DeploymentFileError(
      c.name,
      `no ${contract} deployed (contracts: ${Object.keys(c.contracts).join(", ")})`,
    );
  return a;
}
