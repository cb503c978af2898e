// The local multi-chain zk-VIN: N anvil chains with LayerZero V2's real contracts, the hub (registry,
// node pool, market, EZKL verifier and adapters, LayerZero gateway) on the first, a ZkVinSpoke on each
// other, peers both ways, benchmark models compiled and registered, the operator's node staked and
// active, example consumers on every chain, and deployments/local.json describing all of it. Carrying
// LayerZero packets (including the MODEL messages that tell each spoke a model's price) is the relayer's
// job: see `relayerConfig` and `waitForModelSync`.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import {
  zkVinHubGatewayAbi as gatewayAbi,
  inferenceMarketAbi as marketAbi,
  modelRegistryAbi,
  nodePoolAbi,
  zkVinSpokeAbi as spokeAbi,
  ezklVkaVerifierAdapterAbi as vkaAdapterAbi,
} from "@zk-vin/oracle-sdk/abi";
import type { LocalArtifactStore } from "@zk-vin/prover";
import {
  type Account,
  type Address,
  type Chain,
  createWalletClient,
  type Hex,
  http,
  parseEventLogs,
  type Transport,
  type WalletClient,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { type DeployedChain, type Deployment, parseDeployment } from "../deployment.js";
import { type DevnetAccounts, devnetAccounts } from "./accounts.js";
import { type AnvilChain, startAnvil } from "./anvil.js";
import { DevnetSetupError, DevnetStageError, describeError } from "./errors.js";
import { buildContracts, runScript } from "./forge.js";
import {
  artifactUri,
  type CompiledDevnetModel,
  compileDevnetModel,
  type DevnetModelOptions,
  modelSpec,
} from "./models.js";
import { deploymentsDir, devnetWorkRoot } from "./paths.js";
import { type DevnetRelayerOptions, devnetRelayerConfig } from "./relayer-config.js";

/** Local EIDs are 50000 + n in devnet order (docs/decisions/0040-local-layerzero-network.md). */
export const LOCAL_EID_BASE = 50_000;
export const DEFAULT_DEPLOYMENT_FILE = path.join(deploymentsDir, "local.json");

export interface DevnetOptions {
  /** Spoke chains besides the hub (default 1). */
  spokes?: number;
  /** Models to compile and register (default: linear regression, batch 1). */
  models?: DevnetModelOptions[];
  /** The hub's chain id; spoke n gets base + n (default 31337). Parallel devnets need distinct bases. */
  chainIdBase?: number;
  /** The hub's RPC port; spoke n gets base + n. Default: free ports. */
  portBase?: number;
  /** Where to write the deployments file; null: write none (default deployments/local.json). */
  deploymentFile?: string | null;
  /** The operator's node: compute units per epoch (default 10,000) and stake (default the minimum). */
  node?: { capacity?: number; stake?: bigint } | false;
  /** Blocks a node has to fulfil an assignment (default 600: local blocks come from every transaction). */
  fulfilmentWindowBlocks?: number;
  /** Epoch length in blocks (default 20). */
  epochBlocks?: number;
  /** Gas the example consumers ask for their callbacks (default 300,000). */
  callbackGasLimit?: number;
  /** Where compiled models live (default: the prover's local store). */
  artifactStore?: LocalArtifactStore;
  /** Told when each stage starts and ends. */
  onProgress?: (event: DevnetProgress) => void;
  /** Lines of detail (compiler output, timings). */
  onLog?: (line: string) => void;
}

export interface DevnetProgress {
  stage: string;
  status: "started" | "done" | "failed";
  /** Milliseconds the stage took (done/failed). */
  ms?: number;
  error?: string;
}

/** One chain of a running devnet. */
export interface DevnetChain {
  /** zkvin-hub, zkvin-spoke-1, ... */
  name: string;
  role: "hub" | "spoke";
  chainId: number;
  eid: number;
  rpcUrl: string;
  anvil: AnvilChain;
  startBlock: number;
  layerZero: LocalLayerZeroAddresses;
  contracts: Record<string, Address>;
}

export interface LocalLayerZeroAddresses {
  endpoint: Address;
  sendUln302: Address;
  receiveUln302: Address;
  priceFeed: Address;
  executor: Address;
  executorFeeLib: Address;
  dvn: Address;
  dvnFeeLib: Address;
}

/** A model registered on the devnet's hub. */
export interface DevnetModel extends CompiledDevnetModel {
  modelId: bigint;
  /** The example consumer of this model per chain name (absent for consumer "none"). */
  consumers: Record<string, Address>;
}

export interface Devnet {
  readonly hub: DevnetChain;
  readonly spokes: DevnetChain[];
  readonly chains: DevnetChain[];
  readonly models: DevnetModel[];
  readonly accounts: DevnetAccounts;
  readonly deployment: Deployment;
  /** The deployments file written, or null. */
  readonly deploymentFile: string | null;
  /** The model called `name` (e.g. "linear_regression", "linear_regression_b4"). */
  model(name: string): DevnetModel;
  /** The relayer's config for this devnet (relayer/README.md): every chain, local LayerZero, the node. */
  relayerConfig(options: DevnetRelayerOptions): Record<string, unknown>;
  /** Waits until every spoke knows every model (the relayer carries the MODEL messages). */
  waitForModelSync(params?: { timeoutMs?: number }): Promise<void>;
  /** Stops every anvil this devnet started and removes its scratch files. */
  stop(): Promise<void>;
}

interface ChainFile {
  chainId: number;
  eid: number;
  layerZero: LocalLayerZeroAddresses;
  contracts: Record<string, Address>;
}

type Wallet = WalletClient<Transport, Chain, Account>;

/** Brings a devnet up; on failure stops whatever it started and throws DevnetStageError naming the stage. */
export async function startDevnet(options: DevnetOptions = {}): Promise<Devnet> {
  const settings = resolveOptions(options);
  const workDir = path.join(devnetWorkRoot, `${process.pid}-${Date.now()}-${settings.chainIdBase}`);
  mkdirSync(workDir, { recursive: true });
  const anvils: AnvilChain[] = [];
  const cleanup = async () => {
    await Promise.all(anvils.map((a) => a.stop()));
    rmSync(workDir, { recursive: true, force: true });
  };
  const stage = stageRunner(options);
  try {
    const started = await stage("start chains", async () => {
      // Every start is awaited before a failure is reported, so that cleanup sees each anvil that did come
      // up (with Promise.all a slower one would start after cleanup and be left running).
      const results = await Promise.allSettled(
        Array.from({ length: settings.spokes + 1 }, (_, i) =>
          startAnvil({
            chainId: settings.chainIdBase + i,
            ...(settings.portBase !== undefined ? { port: settings.portBase + i } : {}),
          }).then((a) => {
            anvils.push(a);
            return a;
          }),
        ),
      );
      const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
      if (failed) throw failed.reason;
      return anvils.slice();
    });
    const ordered = [...started].sort((x, y) => x.chainId - y.chainId);
    // Compiling models (Python) and contracts (forge) are the long stages; they overlap.
    const compiling = stage("compile models", () =>
      Promise.all(
        settings.models.map((m) =>
          compileDevnetModel({
            options: m,
            ...(options.artifactStore ? { store: options.artifactStore } : {}),
            ...(options.onLog ? { onLog: options.onLog } : {}),
          }),
        ),
      ),
    );
    compiling.catch(() => {}); // awaited below; a rejection must not go unhandled meanwhile
    await stage("build contracts", () => buildContracts(options.onLog));
    const chains = await stage("deploy chains", () => deployChains({ anvils: ordered, settings, workDir }));
    await stage("connect chains", () => connectChains({ chains, workDir }));
    const compiled = await compiling;
    const hub = chains[0]!;
    const spokes = chains.slice(1);
    const registered = await stage("register models", () => registerModels({ hub, compiled, settings }));
    if (settings.node) {
      const node = settings.node;
      await stage("stake node", () => registerNode({ hub, modelIds: registered.map((m) => m.modelId), node }));
    }
    const models = await stage("deploy consumers", () =>
      deployConsumers({ chains, models: registered, settings, workDir }),
    );
    await stage("send model syncs", () => sendModelSyncs({ hub, spokes, models }));
    if (settings.node) await stage("wait for node epoch", () => waitForNodeEpoch(hub));
    const deployment = buildDeployment({ hub, spokes, models });
    if (settings.deploymentFile) {
      const file = settings.deploymentFile;
      await stage("write deployments file", async () => {
        mkdirSync(path.dirname(file), { recursive: true });
        writeFileSync(file, `${JSON.stringify(deployment, null, 2)}\n`);
      });
    }
    return {
      hub,
      spokes,
      chains,
      models,
      accounts: devnetAccounts,
      deployment,
      deploymentFile: settings.deploymentFile,
      model(name) {
        const found = models.find((m) => m.name === name);
        if (!found) {
          throw new DevnetSetupError(
            `no model "${name}" on this devnet (models: ${models.map((m) => m.name).join(", ")})`,
            {
              value: name,
            },
          );
        }
        return found;
      },
      relayerConfig: (relayerOptions) =>
        devnetRelayerConfig({ hub, spokes, accounts: devnetAccounts, options: relayerOptions }),
      waitForModelSync: (params) => waitForModelSync({ spokes, models, timeoutMs: params?.timeoutMs ?? 60_000 }),
      stop: cleanup,
    };
  } catch (error) {
    await cleanup().catch(() => {});
    throw error;
  }
}

interface ResolvedOptions {
  spokes: number;
  models: DevnetModelOptions[];
  chainIdBase: number;
  portBase: number | undefined;
  deploymentFile: string | null;
  node: { capacity: number; stake: bigint | undefined } | false;
  fulfilmentWindowBlocks: number;
  epochBlocks: number;
  callbackGasLimit: number;
}

function resolveOptions(o: DevnetOptions): ResolvedOptions {
  const int = (name: string, value: number, min: number, max: number) => {
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new DevnetSetupError(`${name} must be an integer in ${min}..${max}, got ${value}`, { value });
    }
    return value;
  };
  const models = o.models ?? [{ model: "linear_regression" }];
  if (models.length === 0) throw new DevnetSetupError("models must name at least one model", { value: models });
  return {
    spokes: int("spokes", o.spokes ?? 1, 0, 8),
    models,
    chainIdBase: int("chainIdBase", o.chainIdBase ?? 31_337, 1, 2 ** 31),
    portBase: o.portBase === undefined ? undefined : int("portBase", o.portBase, 1024, 65_000),
    deploymentFile: o.deploymentFile === undefined ? DEFAULT_DEPLOYMENT_FILE : o.deploymentFile,
    node:
      o.node === false
        ? false
        : { capacity: int("node.capacity", o.node?.capacity ?? 10_000, 1, 2 ** 48), stake: o.node?.stake },
    fulfilmentWindowBlocks: int("fulfilmentWindowBlocks", o.fulfilmentWindowBlocks ?? 600, 2, 100_000),
    epochBlocks: int("epochBlocks", o.epochBlocks ?? 20, 1, 100_000),
    callbackGasLimit: int("callbackGasLimit", o.callbackGasLimit ?? 300_000, 21_000, 2_000_000),
  };
}

function stageRunner(options: DevnetOptions) {
  return async <T>(stage: string, fn: () => Promise<T>): Promise<T> => {
    const t0 = Date.now();
    options.onProgress?.({ stage, status: "started" });
    try {
      const result = await fn();
      options.onProgress?.({ stage, status: "done", ms: Date.now() - t0 });
      return result;
    } catch (error) {
      options.onProgress?.({ stage, status: "failed", ms: Date.now() - t0, error: describeError(error) });
      if (error instanceof DevnetStageError) throw error;
      const value = error instanceof DevnetSetupError ? error.value : undefined;
      throw new DevnetStageError(stage, error instanceof Error ? error.message : String(error), {
        cause: error,
        value,
      });
    }
  };
}

function wallet(chain: AnvilChain, key: Hex): Wallet {
  return createWalletClient({
    chain: chain.chain,
    account: privateKeyToAccount(key),
    transport: http(chain.rpcUrl),
    cacheTime: 0,
    pollingInterval: 50,
  });
}

/** Sends a contract call and waits for its receipt; a revert becomes an error naming the call. */
async function send(
  chain: AnvilChain,
  what: string,
  write: () => Promise<Hex>,
): Promise<Awaited<ReturnType<AnvilChain["publicClient"]["waitForTransactionReceipt"]>>> {
  const hash = await write();
  const receipt = await chain.publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new DevnetStageError(what, `transaction ${hash} reverted`, { value: hash });
  return receipt;
}

async function deployChains(params: {
  anvils: AnvilChain[];
  settings: ResolvedOptions;
  workDir: string;
}): Promise<DevnetChain[]> {
  const { anvils, settings, workDir } = params;
  const { deployer, operator } = devnetAccounts;
  const hubEid = LOCAL_EID_BASE + 1;
  const chains: DevnetChain[] = [];
  for (const [i, anvil] of anvils.entries()) {
    const isHub = i === 0;
    const eid = LOCAL_EID_BASE + 1 + i;
    const file = path.join(workDir, `chain-${eid}.json`);
    const startBlock = Number(await anvil.publicClient.getBlockNumber()) + 1;
    const env: Record<string, string> = {
      DEVNET_EID: String(eid),
      DEVNET_OPERATOR: operator.address,
      DEVNET_OUT: file,
    };
    if (isHub) {
      env.HUB_EPOCH_BLOCKS = String(settings.epochBlocks);
      env.HUB_FULFILMENT_WINDOW_BLOCKS = String(settings.fulfilmentWindowBlocks);
    } else {
      env.DEVNET_HUB_EID = String(hubEid);
    }
    await runScript({
      stage: isHub ? "deploy hub chain" : `deploy spoke chain ${i}`,
      script: isHub ? "script/local/DeployLocalHubChain.s.sol" : "script/local/DeployLocalSpokeChain.s.sol",
      rpcUrl: anvil.rpcUrl,
      privateKey: deployer.key,
      env,
    });
    const written = JSON.parse(readFileSync(file, "utf8")) as ChainFile;
    if (written.chainId !== anvil.chainId || written.eid !== eid) {
      throw new DevnetStageError("deploy chains", `${file} describes chain ${written.chainId} / EID ${written.eid}`, {
        value: file,
      });
    }
    chains.push({
      name: isHub ? "zkvin-hub" : `zkvin-spoke-${i}`,
      role: isHub ? "hub" : "spoke",
      chainId: anvil.chainId,
      eid,
      rpcUrl: anvil.rpcUrl,
      anvil,
      startBlock,
      layerZero: written.layerZero,
      contracts: written.contracts,
    });
  }
  return chains;
}

async function connectChains(params: { chains: DevnetChain[]; workDir: string }): Promise<void> {
  const [hub, ...spokes] = params.chains;
  if (!hub || spokes.length === 0) return;
  const gateway = hub.contracts.ZkVinHubGateway!;
  const jobs: Array<{ chain: DevnetChain; oapp: string; eids: number[]; peers: Address[] }> = [
    {
      chain: hub,
      oapp: "ZkVinHubGateway",
      eids: spokes.map((s) => s.eid),
      peers: spokes.map((s) => s.contracts.ZkVinSpoke!),
    },
    ...spokes.map((s) => ({ chain: s, oapp: "ZkVinSpoke", eids: [hub.eid], peers: [gateway] })),
  ];
  for (const job of jobs) {
    await runScript({
      stage: `connect ${job.chain.name}`,
      script: "script/local/ConnectLocalChain.s.sol",
      rpcUrl: job.chain.rpcUrl,
      privateKey: devnetAccounts.deployer.key,
      env: {
        DEVNET_CHAIN_FILE: path.join(params.workDir, `chain-${job.chain.eid}.json`),
        DEVNET_OAPP: job.oapp,
        DEVNET_REMOTE_EIDS: job.eids.join(","),
        DEVNET_REMOTE_PEERS: job.peers.join(","),
      },
    });
  }
}

async function registerModels(params: {
  hub: DevnetChain;
  compiled: CompiledDevnetModel[];
  settings: ResolvedOptions;
}): Promise<Array<CompiledDevnetModel & { modelId: bigint }>> {
  const { hub } = params;
  const names = new Set<string>();
  for (const m of params.compiled) {
    if (names.has(m.name)) throw new DevnetSetupError(`model ${m.name} is listed twice`, { value: m.name });
    names.add(m.name);
  }
  const deployer = wallet(hub.anvil, devnetAccounts.deployer.key);
  const registry = hub.contracts.ModelRegistry!;
  const adapter = hub.contracts.EzklVkaVerifierAdapter!;
  const fee = await hub.anvil.publicClient.readContract({
    address: registry,
    abi: modelRegistryAbi,
    functionName: "registrationFee",
  });
  const out: Array<CompiledDevnetModel & { modelId: bigint }> = [];
  for (const [i, model] of params.compiled.entries()) {
    const royalty = params.settings.models[i]?.royalty ?? 100_000_000_000_000n;
    await send(hub.anvil, `register VKA of ${model.name}`, () =>
      deployer.writeContract({
        address: adapter,
        abi: vkaAdapterAbi,
        functionName: "registerVka",
        args: [model.vkaWords],
      }),
    );
    const aggregating = params.settings.models[i]?.verifier === "aggregating";
    const verifier = aggregating ? hub.contracts.EzklAggregatingVerifierAdapter! : adapter;
    const spec = modelSpec({ model, adapter: verifier, royalty });
    // With approval required (as on public networks) a VKA verifies nothing until governance approves it;
    // the devnet's deployer is that governance.
    const approvalRequired = await hub.anvil.publicClient.readContract({
      address: adapter,
      abi: vkaAdapterAbi,
      functionName: "approvalRequired",
    });
    if (approvalRequired) {
      await send(hub.anvil, `approve VKA of ${model.name}`, () =>
        deployer.writeContract({
          address: adapter,
          abi: vkaAdapterAbi,
          functionName: "approveVka",
          args: [spec.verifierKey],
        }),
      );
    }
    const receipt = await send(hub.anvil, `register model ${model.name}`, () =>
      deployer.writeContract({
        address: registry,
        abi: modelRegistryAbi,
        functionName: "registerModel",
        args: [spec],
        value: fee,
      }),
    );
    const [event] = parseEventLogs({ abi: modelRegistryAbi, eventName: "ModelRegistered", logs: receipt.logs });
    if (!event) throw new DevnetStageError("register models", `no ModelRegistered event for ${model.name}`);
    const modelId = event.args.modelId;
    // With model approval required (as on public networks) the registration is only a proposal: it takes
    // no requests until MODEL_APPROVER_ROLE approves the exact spec (owner, key, layout, bounds, ...). The
    // devnet's deployer is that governance; it approves the digest of the spec it just built, not the
    // proposal's own word for it.
    const [proposed] = parseEventLogs({ abi: modelRegistryAbi, eventName: "ModelProposed", logs: receipt.logs });
    if (proposed) {
      const digest = await hub.anvil.publicClient.readContract({
        address: registry,
        abi: modelRegistryAbi,
        functionName: "specDigest",
        args: [deployer.account.address, spec],
      });
      await send(hub.anvil, `approve model ${model.name}`, () =>
        deployer.writeContract({
          address: registry,
          abi: modelRegistryAbi,
          functionName: "approveModel",
          args: [modelId, digest],
        }),
      );
    }
    out.push({ ...model, modelId });
  }
  return out;
}

async function registerNode(params: {
  hub: DevnetChain;
  modelIds: bigint[];
  node: { capacity: number; stake: bigint | undefined };
}): Promise<void> {
  const { hub, node } = params;
  const pool = hub.contracts.NodePool!;
  const poolParams = await hub.anvil.publicClient.readContract({
    address: pool,
    abi: nodePoolAbi,
    functionName: "params",
  });
  const minimum = poolParams.minStakePerComputeUnit * BigInt(node.capacity);
  const stake = node.stake ?? minimum;
  if (stake < minimum) {
    throw new DevnetSetupError(
      `node stake ${stake} is below the minimum ${minimum} for ${node.capacity} compute units`,
      {
        value: stake,
      },
    );
  }
  const operator = wallet(hub.anvil, devnetAccounts.operator.key);
  await send(hub.anvil, "register node", () =>
    operator.writeContract({
      address: pool,
      abi: nodePoolAbi,
      functionName: "registerNode",
      args: [params.modelIds, BigInt(node.capacity), stake],
      value: stake,
    }),
  );
}

/** Mines blocks until the operator's node is active (nodes start with the epoch after registration). */
async function waitForNodeEpoch(hub: DevnetChain): Promise<void> {
  const read = hub.anvil.publicClient;
  const pool = hub.contracts.NodePool!;
  const info = await read.readContract({
    address: pool,
    abi: nodePoolAbi,
    functionName: "node",
    args: [devnetAccounts.operator.address],
  });
  const activeFromBlock = await read.readContract({
    address: pool,
    abi: nodePoolAbi,
    functionName: "epochStartBlock",
    args: [info.activeFrom],
  });
  const head = await read.getBlockNumber();
  if (activeFromBlock > head) await hub.anvil.testClient.mine({ blocks: Number(activeFromBlock - head) });
  const epoch = await read.readContract({ address: pool, abi: nodePoolAbi, functionName: "currentEpoch" });
  if (epoch < info.activeFrom) {
    throw new DevnetStageError(
      "wait for node epoch",
      `epoch ${epoch} after mining; the node starts at ${info.activeFrom}`,
    );
  }
}

async function deployConsumers(params: {
  chains: DevnetChain[];
  models: Array<CompiledDevnetModel & { modelId: bigint }>;
  settings: ResolvedOptions;
  workDir: string;
}): Promise<DevnetModel[]> {
  const models: DevnetModel[] = params.models.map((m) => ({ ...m, consumers: {} }));
  const regression = models.filter((m) => m.consumer === "regression");
  const classifier = models.filter((m) => m.consumer === "classifier");
  if (regression.length + classifier.length === 0) return models;
  const scale = (m: DevnetModel) => String(m.manifest.outputs[0]!.scale);
  for (const chain of params.chains) {
    const file = path.join(params.workDir, `consumers-${chain.eid}.json`);
    const env: Record<string, string> = {
      DEVNET_ORACLE: chain.role === "hub" ? chain.contracts.InferenceMarket! : chain.contracts.ZkVinSpoke!,
      DEVNET_ORACLE_IS_MARKET: String(chain.role === "hub"),
      DEVNET_CALLBACK_GAS: String(params.settings.callbackGasLimit),
      DEVNET_OUT: file,
    };
    if (regression.length > 0) {
      env.DEVNET_REGRESSION_MODELS = regression.map((m) => m.modelId).join(",");
      env.DEVNET_REGRESSION_SCALES = regression.map(scale).join(",");
    }
    if (classifier.length > 0) {
      env.DEVNET_CLASSIFIER_MODELS = classifier.map((m) => m.modelId).join(",");
      env.DEVNET_CLASSIFIER_SCALES = classifier.map(scale).join(",");
    }
    await runScript({
      stage: `deploy consumers on ${chain.name}`,
      script: "script/local/DeployLocalConsumers.s.sol",
      rpcUrl: chain.rpcUrl,
      privateKey: devnetAccounts.deployer.key,
      env,
    });
    const written = JSON.parse(readFileSync(file, "utf8")) as { regression: Address[]; classifier: Address[] };
    regression.forEach((m, i) => {
      const address = written.regression[i]!;
      m.consumers[chain.name] = address;
      chain.contracts[`RegressionOracleConsumer.${m.name}`] = address;
    });
    classifier.forEach((m, i) => {
      const address = written.classifier[i]!;
      m.consumers[chain.name] = address;
      chain.contracts[`ClassifierGate.${m.name}`] = address;
    });
  }
  return models;
}

/** Asks the gateway to send every model's terms to every spoke (paid by the deployer). */
async function sendModelSyncs(params: {
  hub: DevnetChain;
  spokes: DevnetChain[];
  models: DevnetModel[];
}): Promise<void> {
  const { hub } = params;
  const gateway = hub.contracts.ZkVinHubGateway!;
  const deployer = wallet(hub.anvil, devnetAccounts.deployer.key);
  for (const spoke of params.spokes) {
    for (const model of params.models) {
      const fee = await hub.anvil.publicClient.readContract({
        address: gateway,
        abi: gatewayAbi,
        functionName: "quoteSyncModel",
        args: [spoke.eid, model.modelId],
      });
      await send(hub.anvil, `sync ${model.name} to ${spoke.name}`, () =>
        deployer.writeContract({
          address: gateway,
          abi: gatewayAbi,
          functionName: "syncModel",
          args: [spoke.eid, model.modelId],
          value: fee,
        }),
      );
    }
  }
}

async function waitForModelSync(params: { spokes: DevnetChain[]; models: DevnetModel[]; timeoutMs: number }) {
  const until = Date.now() + params.timeoutMs;
  for (const spoke of params.spokes) {
    for (const model of params.models) {
      for (;;) {
        const info = await spoke.anvil.publicClient.readContract({
          address: spoke.contracts.ZkVinSpoke!,
          abi: spokeAbi,
          functionName: "model",
          args: [model.modelId],
        });
        if (info.syncNonce > 0n) break;
        if (Date.now() > until) {
          throw new DevnetStageError(
            "wait for model sync",
            `${spoke.name} still does not know model ${model.name} (#${model.modelId}) after ${params.timeoutMs} ms: is a relayer carrying LayerZero packets?`,
            { value: model.modelId },
          );
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }
}

function deployedChain(c: DevnetChain): DeployedChain {
  return {
    name: c.name,
    chainId: c.chainId,
    eid: c.eid,
    rpcUrl: c.rpcUrl,
    startBlock: c.startBlock,
    layerZero: { ...c.layerZero },
    contracts: { ...c.contracts },
  };
}

function buildDeployment(params: { hub: DevnetChain; spokes: DevnetChain[]; models: DevnetModel[] }): Deployment {
  return parseDeployment(
    {
      network: "local",
      hub: deployedChain(params.hub),
      spokes: params.spokes.map(deployedChain),
      models: params.models.map((m) => ({
        modelId: Number(m.modelId),
        name: m.name,
        artifactUri: artifactUri(m.artifactId),
        artifactId: m.artifactId,
        benchmark: m.model,
        batchSize: m.batchSize,
        consumer: m.consumer,
        inputScale: m.manifest.inputs[0]!.scale,
        outputScale: m.manifest.outputs[0]!.scale,
        consumers: m.consumers,
      })),
    },
    "devnet",
  );
}

/** The market's parameters (for callers that need the fulfilment window). */
export async function readMarketParams(hub: DevnetChain) {
  return hub.anvil.publicClient.readContract({
    address: hub.contracts.InferenceMarket!,
    abi: marketAbi,
    functionName: "params",
  });
}
