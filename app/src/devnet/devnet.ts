// The local multi-chain zk-VIN: N anvil chains with LayerZero V2's real contracts, the hub (registry,
// node pool, market, EZKL verifier and adapters, LayerZero gateway) on the first, a ZkVinSpoke on each
// other, peers both ways, benchmark models compiled and registered, the operator's node staked and
// active, example consumers on every chain, and deployments/local.json describing all of it. Carrying
// LayerZero packets (including the MODEL messages that tell each spoke a model's price) is the relayer's
// job: see `relayerConfig` and `waitForModelSync`.
//
// The stages live in their own modules: chains.ts (deployment and LayerZero wiring), hub.ts (models, the
// node), spokes.ts (consumers, model syncs) and deployment-file.ts (deployments/local.json); this module
// resolves the options and runs the stages in order, stopping whatever it started when one fails.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { NodeRegistrationError } from "@zk-vin/oracle-sdk";
import type { LocalArtifactStore } from "@zk-vin/prover";
import type { Deployment } from "../deployment.js";
import { type DevnetAccounts, devnetAccounts } from "./accounts.js";
import { type AnvilChain, startAnvil } from "./anvil.js";
import { connectChains, deployChains } from "./chains.js";
import { buildDeployment } from "./deployment-file.js";
import { DevnetSetupError, DevnetStageError, describeError } from "./errors.js";
import { buildContracts } from "./forge.js";
import { registerModels, registerNode, waitForNodeEpoch } from "./hub.js";
import { compileDevnetModel, type DevnetModelOptions } from "./models.js";
import { deploymentsDir, devnetWorkRoot } from "./paths.js";
import { type DevnetRelayerOptions, devnetRelayerConfig } from "./relayer-config.js";
import { deployConsumers, sendModelSyncs, waitForModelSync } from "./spokes.js";
import type { DevnetChain, DevnetModel } from "./types.js";

export { LOCAL_EID_BASE } from "./chains.js";
export { readMarketParams } from "./hub.js";
export type { DevnetChain, DevnetModel, LocalLayerZeroAddresses } from "./types.js";

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
    const chains = await stage("deploy chains", () =>
      deployChains({
        anvils: ordered,
        hub: { epochBlocks: settings.epochBlocks, fulfilmentWindowBlocks: settings.fulfilmentWindowBlocks },
        workDir,
      }),
    );
    await stage("connect chains", () => connectChains({ chains, workDir }));
    const compiled = await compiling;
    const hub = chains[0]!;
    const spokes = chains.slice(1);
    const registered = await stage("register models", () =>
      registerModels({ hub, compiled, options: settings.models }),
    );
    if (settings.node) {
      const node = settings.node;
      await stage("stake node", () => registerNode({ hub, modelIds: registered.map((m) => m.modelId), node }));
    }
    const models = await stage("deploy consumers", () =>
      deployConsumers({ chains, models: registered, callbackGasLimit: settings.callbackGasLimit, workDir }),
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
      // The offending value travels with the stage error: the devnet's own, or the SDK's for a node
      // registration it refuses (e.g. the stake below the pool's minimum).
      const value =
        error instanceof DevnetSetupError || error instanceof NodeRegistrationError ? error.value : undefined;
      throw new DevnetStageError(stage, error instanceof Error ? error.message : String(error), {
        cause: error,
        value,
      });
    }
  };
}
