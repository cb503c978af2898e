// zk-VIN on public networks: the hub on one chain, spokes on others, over LayerZero's published endpoints
// (deployments/layerzero-testnets.json). Runs contracts-evm's deploy scripts in order — DeployHub,
// DeployHubGateway, DeploySpoke per spoke, ConnectSpoke per spoke — with nothing but RPC URLs and a key,
// checks each RPC and endpoint first, and writes deployments/<network>.json.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { type Address, createPublicClient, getAddress, type Hex, http, isAddress, parseAbi } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { type Deployment, parseDeployment } from "../deployment.js";
import { DevnetError, DevnetSetupError, DevnetStageError, describeError } from "../devnet/errors.js";
import { runScript } from "../devnet/forge.js";
import { contractsDir, deploymentsDir } from "../devnet/paths.js";

/** LayerZero V2 on a public network, as deployments/layerzero-testnets.json records it. */
export interface LayerZeroNetwork {
  chainId: number;
  eid: number;
  endpoint: Address;
  sendUln302?: Address;
  receiveUln302?: Address;
  executor?: Address;
  dvn?: Address;
}

/** One chain to deploy to: its name (as The Graph knows it) and an RPC URL. */
export interface PublicChainTarget extends LayerZeroNetwork {
  name: string;
  rpcUrl: string;
}

export interface DeployProgress {
  stage: string;
  status: "started" | "done" | "failed";
  ms?: number;
  error?: string;
}

export const LAYERZERO_TESTNETS_FILE = path.join(deploymentsDir, "layerzero-testnets.json");

/** The SRS DeployHub binds the hub to when HUB_SRS_JSON is unset (relative to contracts-evm/). */
export const DEV_SRS_PATH = "../prover/fixtures/srs.json";

/**
 * The hub would be bound to the development SRS (`"kind": "dev-insecure"`: its secret is public, anyone can
 * forge proofs) on a chain that is not a local one. `value` is the chain id.
 */
export class DevSrsOnPublicChainError extends DevnetError {
  override readonly name = "DevSrsOnPublicChainError";
  constructor(
    readonly chainId: number,
    readonly srsPath: string,
  ) {
    super(
      `chain ${chainId} is not a local chain, and ${srsPath} is the development SRS (its secret is public): ` +
        "set HUB_SRS_JSON to the SRS of a powers-of-tau ceremony",
      { value: chainId },
    );
  }
}

/**
 * Chain ids of local development chains: anvil's and hardhat's 31337, ganache's 1337, and the devnet's and
 * the demo's chains (base 31337 and 33000, spoke n on base + n, at most 8 spokes). The same list as
 * contracts-evm's DeployHub.isLocalChain.
 */
export function isLocalChain(chainId: number): boolean {
  return chainId === 1337 || (chainId >= 31_337 && chainId <= 31_345) || (chainId >= 33_000 && chainId <= 33_008);
}

/**
 * Refuses (DevSrsOnPublicChainError) to deploy a hub on `chainId` with the SRS at `srsPath` (as DeployHub
 * reads HUB_SRS_JSON: relative to contracts-evm/) when that is the development SRS and the chain is not local.
 */
export function checkHubSrs(chainId: number, srsPath: string = process.env.HUB_SRS_JSON ?? DEV_SRS_PATH): void {
  const file = path.resolve(contractsDir, srsPath);
  let kind: unknown;
  try {
    kind = (JSON.parse(readFileSync(file, "utf8")) as { kind?: unknown }).kind;
  } catch (error) {
    throw new DevnetSetupError(`cannot read the hub's SRS at ${file}: ${describeError(error)}`, {
      value: srsPath,
      cause: error,
    });
  }
  if (kind === "dev-insecure" && !isLocalChain(chainId)) throw new DevSrsOnPublicChainError(chainId, srsPath);
}

/** The environment variable the CLI reads a network's RPC URL from: RPC_URL_ARBITRUM_SEPOLIA for arbitrum-sepolia. */
export function rpcEnvName(network: string): string {
  return `RPC_URL_${network.toUpperCase().replace(/-/g, "_")}`;
}

const endpointAbi = parseAbi(["function eid() view returns (uint32)"]);

/** The networks of deployments/layerzero-testnets.json (or another file of that shape), by name. */
export function readLayerZeroNetworks(file = LAYERZERO_TESTNETS_FILE): Record<string, LayerZeroNetwork> {
  const json = JSON.parse(readFileSync(file, "utf8")) as { networks?: Record<string, Record<string, unknown>> };
  const out: Record<string, LayerZeroNetwork> = {};
  for (const [name, n] of Object.entries(json.networks ?? {})) {
    const address = (field: string) => {
      const v = n[field];
      if (v === undefined) return undefined;
      if (typeof v !== "string" || !isAddress(v, { strict: false })) {
        throw new DevnetSetupError(`${file}: networks.${name}.${field} is not an address`, { value: v });
      }
      return getAddress(v);
    };
    const int = (field: string) => {
      const v = n[field];
      if (typeof v !== "number" || !Number.isSafeInteger(v) || v <= 0) {
        throw new DevnetSetupError(`${file}: networks.${name}.${field} must be a positive integer`, { value: v });
      }
      return v;
    };
    const endpoint = address("endpoint");
    if (!endpoint) throw new DevnetSetupError(`${file}: networks.${name}.endpoint is missing`, { value: name });
    out[name] = {
      chainId: int("chainId"),
      eid: int("eid"),
      endpoint,
      ...(address("sendUln302") ? { sendUln302: address("sendUln302")! } : {}),
      ...(address("receiveUln302") ? { receiveUln302: address("receiveUln302")! } : {}),
      ...(address("executor") ? { executor: address("executor")! } : {}),
      ...(address("dvn") ? { dvn: address("dvn")! } : {}),
    };
  }
  return out;
}

/** Checks that the RPC serves the expected chain and that LayerZero's endpoint there has the expected EID. */
async function checkTarget(target: PublicChainTarget): Promise<void> {
  const client = createPublicClient({ transport: http(target.rpcUrl, { retryCount: 2, timeout: 20_000 }) });
  const chainId = await client.getChainId();
  if (chainId !== target.chainId) {
    throw new DevnetSetupError(`${target.name}: ${target.rpcUrl} serves chain ${chainId}, not ${target.chainId}`, {
      value: target.rpcUrl,
    });
  }
  const code = await client.getCode({ address: target.endpoint });
  if (!code || code === "0x") {
    throw new DevnetSetupError(`${target.name}: no contract at the LayerZero endpoint ${target.endpoint}`, {
      value: target.endpoint,
    });
  }
  const eid = await client.readContract({ address: target.endpoint, abi: endpointAbi, functionName: "eid" });
  if (eid !== target.eid) {
    throw new DevnetSetupError(`${target.name}: the endpoint's EID is ${eid}, not ${target.eid}`, { value: eid });
  }
}

function readJson(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(file, "utf8")) as Record<string, unknown>;
}

function field<T>(json: Record<string, unknown>, name: string, file: string): T {
  const v = json[name];
  if (v === undefined) throw new DevnetStageError("read deploy output", `${file} has no "${name}"`, { value: file });
  return v as T;
}

/**
 * Deploys the hub on `hub` and a spoke on each of `spokes`, connects them, and writes the deployments file.
 * Every contract-level setting comes from the scripts' environment variables (HUB_*, GATEWAY_*, SPOKE_*:
 * see contracts-evm/README.md); this adds only the addresses each step needs from the previous ones.
 */
export async function deployNetwork(params: {
  network: string;
  hub: PublicChainTarget;
  spokes: PublicChainTarget[];
  privateKey: Hex;
  /** Default deployments/<network>.json. */
  deploymentFile?: string;
  /** Per forge script (default 60 minutes: public chains mine one block per transaction). */
  scriptTimeoutMs?: number;
  onProgress?: (event: DeployProgress) => void;
}): Promise<{ deployment: Deployment; file: string; pending: string[] }> {
  const { hub, spokes } = params;
  if (!/^[a-z0-9][a-z0-9-]*$/.test(params.network)) {
    throw new DevnetSetupError(`network name "${params.network}" must be lowercase letters, digits and dashes`, {
      value: params.network,
    });
  }
  // Before anything is sent: a hub on a public chain must not trust the development SRS.
  checkHubSrs(hub.chainId);
  const names = [hub, ...spokes].map((c) => c.name);
  if (new Set(names).size !== names.length)
    throw new DevnetSetupError(`a chain is named twice: ${names.join(", ")}`, { value: names });
  const deployer = privateKeyToAccount(params.privateKey).address;
  const work = path.join(deploymentsDir, ".deploy", `${params.network}-${Date.now()}`);
  mkdirSync(work, { recursive: true });
  const timeoutMs = params.scriptTimeoutMs ?? 60 * 60_000;
  const stage = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const t0 = Date.now();
    params.onProgress?.({ stage: name, status: "started" });
    try {
      const result = await fn();
      params.onProgress?.({ stage: name, status: "done", ms: Date.now() - t0 });
      return result;
    } catch (error) {
      params.onProgress?.({ stage: name, status: "failed", ms: Date.now() - t0, error: describeError(error) });
      // The scripts' outputs so far stay behind for whoever finishes by hand.
      const reason =
        error instanceof DevnetStageError ? error.message.slice(error.stage.length + 2) : describeError(error);
      throw new DevnetStageError(name, `${reason} (script outputs so far: ${work})`, { cause: error });
    }
  };
  const script = (name: string, target: PublicChainTarget, file: string, env: Record<string, string>) =>
    runScript({ stage: name, script: file, rpcUrl: target.rpcUrl, privateKey: params.privateKey, env, timeoutMs });

  await stage("check RPCs and endpoints", () => Promise.all([hub, ...spokes].map(checkTarget)));

  const hubOut = path.join(work, "hub.json");
  await stage(`deploy hub on ${hub.name}`, () =>
    script("deploy hub", hub, "script/DeployHub.s.sol", { HUB_DEPLOYMENT_OUT: hubOut }),
  );
  const hubJson = readJson(hubOut);
  const market = getAddress(field<string>(hubJson, "inferenceMarket", hubOut));

  const gatewayOut = path.join(work, "gateway.json");
  await stage(`deploy gateway on ${hub.name}`, () =>
    script("deploy gateway", hub, "script/DeployHubGateway.s.sol", {
      LZ_ENDPOINT: hub.endpoint,
      HUB_MARKET: market,
      GATEWAY_DEPLOYMENT_OUT: gatewayOut,
    }),
  );
  const gatewayJson = readJson(gatewayOut);
  const gateway = getAddress(field<Record<string, string>>(gatewayJson, "contracts", gatewayOut).ZkVinHubGateway!);
  // Steps only governance can take (when the deployer handed the hub's roles to HUB_ADMIN).
  const pending: string[] = [];
  if (gatewayJson.roleGranted === false) {
    pending.push(
      `the market's admin must grant REMOTE_GATEWAY_ROLE to the gateway ${gateway} (${deployer} is not the market's admin)`,
    );
  }

  const spokeJsons: Array<Record<string, unknown>> = [];
  for (const [i, spoke] of spokes.entries()) {
    const out = path.join(work, `spoke-${i + 1}.json`);
    await stage(`deploy spoke on ${spoke.name}`, () =>
      script("deploy spoke", spoke, "script/DeploySpoke.s.sol", {
        LZ_ENDPOINT: spoke.endpoint,
        HUB_EID: String(hub.eid),
        HUB_GATEWAY: gateway,
        SPOKE_DEPLOYMENT_OUT: out,
      }),
    );
    const json = readJson(out);
    spokeJsons.push(json);
    const address = getAddress(field<Record<string, string>>(json, "contracts", out).ZkVinSpoke!);
    await stage(`connect ${spoke.name} on ${hub.name}`, () =>
      script("connect spoke", hub, "script/crosschain/ConnectSpoke.s.sol", {
        HUB_GATEWAY: gateway,
        SPOKE_EID: String(spoke.eid),
        SPOKE_ADDRESS: address,
      }),
    );
  }

  const lz = (t: PublicChainTarget) => ({
    endpoint: t.endpoint,
    ...(t.sendUln302 ? { sendUln302: t.sendUln302 } : {}),
    ...(t.receiveUln302 ? { receiveUln302: t.receiveUln302 } : {}),
    ...(t.executor ? { executor: t.executor } : {}),
    ...(t.dvn ? { dvn: t.dvn } : {}),
  });
  const startBlock = (json: Record<string, unknown>) => Number(json.startBlock ?? json.blockNumber ?? 0);
  const deployment = parseDeployment(
    {
      network: params.network,
      hub: {
        name: hub.name,
        chainId: hub.chainId,
        eid: hub.eid,
        startBlock: startBlock(hubJson),
        layerZero: lz(hub),
        contracts: {
          ModelRegistry: getAddress(field<string>(hubJson, "modelRegistry", hubOut)),
          NodePool: getAddress(field<string>(hubJson, "nodePool", hubOut)),
          InferenceMarket: market,
          Halo2VerifierReusable: getAddress(field<string>(hubJson, "halo2VerifierReusable", hubOut)),
          EzklVkaVerifierAdapter: getAddress(field<string>(hubJson, "ezklVkaAdapter", hubOut)),
          ApprovedCodeVerifierAdapter: getAddress(field<string>(hubJson, "approvedCodeAdapter", hubOut)),
          Halo2VerifierReusableDeferred: getAddress(field<string>(hubJson, "halo2VerifierReusableDeferred", hubOut)),
          EzklAggregatingVerifierAdapter: getAddress(field<string>(hubJson, "ezklAggregatingAdapter", hubOut)),
          ZkVinHubGateway: gateway,
        },
      },
      spokes: spokes.map((s, i) => ({
        name: s.name,
        chainId: s.chainId,
        eid: s.eid,
        startBlock: startBlock(spokeJsons[i]!),
        layerZero: lz(s),
        contracts: { ZkVinSpoke: getAddress((spokeJsons[i]!.contracts as Record<string, string>).ZkVinSpoke!) },
      })),
    },
    params.network,
  );
  const file = params.deploymentFile ?? path.join(deploymentsDir, `${params.network}.json`);
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(deployment, null, 2)}\n`);
  rmSync(work, { recursive: true, force: true });
  return { deployment, file, pending };
}
