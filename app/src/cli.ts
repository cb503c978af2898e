#!/usr/bin/env node
// zkvin-deployments:
//   devnet   the local multi-chain zk-VIN left running for development: Redis, the devnet (anvil chains,
//            contracts, a registered model, a staked node; deployments/local.json), the prover's EZKL
//            workers and the relayer (node pipeline + LayerZero carrier); prints where everything is and
//            stops all of it on Ctrl-C (or when a stage fails, naming it).
//   deploy   the hub on one public network and spokes on others, over LayerZero's published endpoints
//            (deployments/layerzero-testnets.json), with only RPC URLs and a key; writes
//            deployments/<network>.json.
//   deploy-starknet-spoke  the Cairo spoke on a Starknet network (Sepolia, mainnet), declared and deployed
//            with only an RPC URL and an account, pointed at the hub chain's StarknetGateway; prints the
//            deployment as JSON (docs/starknet.md has the steps around it).
import { type ChildProcess, spawn } from "node:child_process";
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { LocalArtifactStore, type ProverWorkers, startProverWorkers } from "@zk-vin/prover";
import { Command, InvalidArgumentError } from "commander";
import { freePort } from "./devnet/anvil.js";
import { type Devnet, type DevnetProgress, startDevnet } from "./devnet/devnet.js";
import { DevnetStageError, describeError } from "./devnet/errors.js";
import { BENCHMARK_MODELS, type BenchmarkModelName, type DevnetModelOptions } from "./devnet/models.js";
import { repoRoot } from "./devnet/paths.js";
import { deployStarknetSpoke } from "./devnet/starknet-public.js";
import {
  type DeployProgress,
  deployNetwork,
  type PublicChainTarget,
  readLayerZeroNetworks,
  rpcEnvName,
} from "./public/deploy.js";

interface RedisLib {
  ensureRedis(): Promise<{ started: boolean; url: string }>;
  stopRedis(): boolean;
}

interface UpOptions {
  spokes: number;
  model: DevnetModelOptions[];
  portBase: number;
  chainIdBase: number;
  out: string;
  relayer: boolean;
  workers: number;
}

const stateDir = path.join(repoRoot, ".zkvin", "devnet");
const relayerBin = path.join(repoRoot, "relayer", "bin", "zkvin-relayer.mjs");

/** What `up` started, stopped in reverse order. */
interface Running {
  redis: { lib: RedisLib; started: boolean } | null;
  devnet: Devnet | null;
  workers: ProverWorkers | null;
  relayer: ChildProcess | null;
}

function parseModel(value: string, previous: DevnetModelOptions[] = []): DevnetModelOptions[] {
  const [name, batch] = value.split(":");
  if (!name || !(name in BENCHMARK_MODELS)) {
    throw new InvalidArgumentError(`unknown model "${name}" (known: ${Object.keys(BENCHMARK_MODELS).join(", ")})`);
  }
  const batchSize = batch === undefined ? 1 : Number(batch);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 64) {
    throw new InvalidArgumentError(`batch size of ${name} must be an integer in 1..64, got "${batch}"`);
  }
  return [...previous, { model: name as BenchmarkModelName, batchSize }];
}

function parseInteger(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`expected an integer in ${min}..${max}, got "${value}"`);
    }
    return n;
  };
}

function progress(event: DevnetProgress): void {
  if (event.status === "started") process.stdout.write(`  … ${event.stage}\n`);
  else if (event.status === "done")
    process.stdout.write(`  ✓ ${event.stage} (${((event.ms ?? 0) / 1000).toFixed(1)} s)\n`);
  else process.stdout.write(`  ✗ ${event.stage}: ${event.error}\n`);
}

async function stage<T>(name: string, fn: () => Promise<T>): Promise<T> {
  progress({ stage: name, status: "started" });
  const t0 = Date.now();
  try {
    const result = await fn();
    progress({ stage: name, status: "done", ms: Date.now() - t0 });
    return result;
  } catch (error) {
    progress({ stage: name, status: "failed", error: describeError(error) });
    throw error instanceof DevnetStageError
      ? error
      : new DevnetStageError(name, describeError(error), { cause: error });
  }
}

async function startRelayerProcess(params: {
  config: Record<string, unknown>;
  opsPort: number;
}): Promise<ChildProcess> {
  const configFile = path.join(stateDir, "relayer.json");
  const logFile = path.join(stateDir, "relayer.log");
  rmSync(path.join(stateDir, "relayer-db"), { recursive: true, force: true });
  writeFileSync(configFile, `${JSON.stringify(params.config, null, 2)}\n`);
  const log = openSync(logFile, "w");
  const child = spawn(process.execPath, [relayerBin, "start", "--config", configFile], {
    cwd: repoRoot,
    stdio: ["ignore", log, log],
  });
  closeSync(log);
  const until = Date.now() + 90_000;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(
        `the relayer exited (${child.exitCode}); see ${logFile}:\n${readFileSync(logFile, "utf8").slice(-2000)}`,
      );
    }
    try {
      const res = await fetch(`http://127.0.0.1:${params.opsPort}/health`, { signal: AbortSignal.timeout(1000) });
      if (res.status === 200) return child;
    } catch {
      // not listening yet
    }
    if (Date.now() > until) throw new Error(`the relayer did not report healthy within 90 s; see ${logFile}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function stopAll(running: Running): Promise<void> {
  const relayer = running.relayer;
  if (relayer && relayer.exitCode === null && relayer.signalCode === null) {
    const exited = new Promise((r) => relayer.once("exit", r));
    relayer.kill("SIGTERM");
    const timer = setTimeout(() => relayer.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(timer);
  }
  await running.workers?.close().catch(() => {});
  await running.devnet?.stop().catch(() => {});
  if (running.redis?.started) running.redis.lib.stopRedis();
}

function summary(devnet: Devnet, opts: { out: string; opsPort: number | null; redis: string }): string {
  const lines = ["", "zk-VIN devnet is up", ""];
  for (const c of devnet.chains) {
    lines.push(`  ${c.name.padEnd(15)} ${c.rpcUrl.padEnd(24)} chain ${c.chainId}  EID ${c.eid}`);
  }
  lines.push("", "  contracts:");
  const hubMain = ["InferenceMarket", "ModelRegistry", "NodePool", "ZkVinHubGateway"];
  for (const name of hubMain) lines.push(`    ${devnet.hub.name} ${name.padEnd(22)} ${devnet.hub.contracts[name]}`);
  for (const s of devnet.spokes) lines.push(`    ${s.name} ${"ZkVinSpoke".padEnd(18)} ${s.contracts.ZkVinSpoke}`);
  lines.push("", "  models:");
  for (const m of devnet.models) {
    lines.push(`    #${m.modelId} ${m.name} (batch ${m.batchSize}, artifact ${m.artifactId.slice(0, 12)}…)`);
    for (const [chain, consumer] of Object.entries(m.consumers))
      lines.push(`        consumer on ${chain}: ${consumer}`);
  }
  const a = devnet.accounts;
  lines.push(
    "",
    "  accounts (anvil's public development keys):",
    `    deployer/admin ${a.deployer.address}  ${a.deployer.key}`,
    `    node operator  ${a.operator.address}  ${a.operator.key}`,
    `    user           ${a.user.address}  ${a.user.key}`,
    "",
    `  deployments file  ${path.relative(process.cwd(), opts.out) || opts.out}`,
    `  redis             ${opts.redis}`,
  );
  if (opts.opsPort !== null) {
    lines.push(
      `  relayer           http://127.0.0.1:${opts.opsPort}/health  /metrics  /status`,
      `                    config ${path.relative(process.cwd(), path.join(stateDir, "relayer.json"))}, log ${path.relative(process.cwd(), path.join(stateDir, "relayer.log"))}`,
    );
  }
  lines.push("", "Ctrl-C stops everything.", "");
  return lines.join("\n");
}

async function up(opts: UpOptions): Promise<void> {
  const running: Running = { redis: null, devnet: null, workers: null, relayer: null };
  let stopping = false;
  const shutdown = async (code: number) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write("\nstopping the devnet…\n");
    await stopAll(running);
    process.exit(code);
  };
  process.on("SIGINT", () => void shutdown(0));
  process.on("SIGTERM", () => void shutdown(0));
  mkdirSync(stateDir, { recursive: true });
  try {
    const lib = (await import(new URL("../../scripts/lib/redis.mjs", import.meta.url).href)) as RedisLib;
    const redis = await stage("start redis", () => lib.ensureRedis());
    running.redis = { lib, started: redis.started };
    const artifacts = new LocalArtifactStore();
    running.devnet = await startDevnet({
      spokes: opts.spokes,
      models: opts.model,
      portBase: opts.portBase,
      chainIdBase: opts.chainIdBase,
      deploymentFile: opts.out,
      artifactStore: artifacts,
      onProgress: progress,
    });
    let opsPort: number | null = null;
    if (opts.relayer) {
      running.workers = await stage("start prover workers", () =>
        startProverWorkers({ connection: redis.url, store: artifacts, concurrency: opts.workers, device: "auto" }),
      );
      opsPort = await freePort();
      const config = running.devnet.relayerConfig({
        redisUrl: redis.url,
        store: { kind: "pglite", dataDir: "relayer-db" },
        httpPort: opsPort,
        artifactStore: artifacts.root,
      });
      const port = opsPort;
      running.relayer = await stage("start relayer", () => startRelayerProcess({ config, opsPort: port }));
      const devnet = running.devnet;
      await stage("sync models to spokes", () => devnet.waitForModelSync({ timeoutMs: 60_000 }));
    }
    process.stdout.write(summary(running.devnet, { out: opts.out, opsPort, redis: redis.url }));
    running.relayer?.once("exit", (code, signal) => {
      if (stopping) return;
      process.stderr.write(`the relayer exited (${code ?? signal}); see ${path.join(stateDir, "relayer.log")}\n`);
      void shutdown(1);
    });
  } catch (error) {
    const stageName = error instanceof DevnetStageError ? error.stage : "devnet";
    process.stderr.write(`\ndevnet failed at stage "${stageName}": ${describeError(error)}\n`);
    await shutdown(1);
  }
}

const program = new Command()
  .name("zkvin-deployments")
  .description("zk-VIN deployments: the local devnet, and deploys to public networks")
  .showHelpAfterError();

program
  .command("devnet")
  .description("start chains, contracts, a model, a node, prover workers and the relayer; Ctrl-C stops everything")
  .option("--spokes <n>", "spoke chains besides the hub", parseInteger(0, 8), 1)
  .option(
    "--model <name[:batch]>",
    `benchmark model to register, repeatable (${Object.keys(BENCHMARK_MODELS).join(", ")}); default linear_regression`,
    parseModel,
  )
  .option("--port-base <port>", "RPC port of the hub; spoke n gets base + n", parseInteger(1024, 65_000), 8545)
  .option("--chain-id-base <id>", "chain id of the hub; spoke n gets base + n", parseInteger(1, 2 ** 31), 31_337)
  .option("--out <file>", "where to write the deployments file", path.join(repoRoot, "deployments", "local.json"))
  .option("--no-relayer", "do not start the prover workers and the relayer")
  .option("--workers <n>", "proving processes", parseInteger(1, 64), 1)
  .action(async (opts: Omit<UpOptions, "model"> & { model?: DevnetModelOptions[] }) => {
    await up({ ...opts, model: opts.model ?? [{ model: "linear_regression" }], out: path.resolve(opts.out) });
  });

function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

async function deploy(opts: {
  network: string;
  hub: string;
  spoke: string[];
  rpc: string[];
  keyEnv: string;
  out?: string;
}) {
  const networks = readLayerZeroNetworks();
  const rpcs = new Map<string, string>();
  for (const entry of opts.rpc) {
    const eq = entry.indexOf("=");
    if (eq <= 0) throw new InvalidArgumentError(`--rpc takes name=url, got "${entry}"`);
    rpcs.set(entry.slice(0, eq), entry.slice(eq + 1));
  }
  const target = (name: string): PublicChainTarget => {
    const lz = networks[name];
    if (!lz)
      throw new InvalidArgumentError(
        `unknown network "${name}" (deployments/layerzero-testnets.json has ${Object.keys(networks).join(", ")})`,
      );
    const rpcUrl = rpcs.get(name) ?? process.env[rpcEnvName(name)];
    if (!rpcUrl)
      throw new InvalidArgumentError(`no RPC URL for ${name}: give --rpc ${name}=<url> or set ${rpcEnvName(name)}`);
    return { name, rpcUrl, ...lz };
  };
  const hub = target(opts.hub);
  const spokes = opts.spoke.map(target);
  const key = process.env[opts.keyEnv];
  if (!key || !/^0x[0-9a-fA-F]{64}$/.test(key)) {
    throw new InvalidArgumentError(`set ${opts.keyEnv} to the deployer's private key (0x + 64 hex digits)`);
  }
  const show = (e: DeployProgress) => progress(e);
  const result = await deployNetwork({
    network: opts.network,
    hub,
    spokes,
    privateKey: key as `0x${string}`,
    ...(opts.out ? { deploymentFile: path.resolve(opts.out) } : {}),
    onProgress: show,
  });
  process.stdout.write(`\nwrote ${path.relative(process.cwd(), result.file)}\n`);
  for (const p of result.pending) process.stdout.write(`still to do by governance: ${p}\n`);
}

program
  .command("deploy")
  .description("deploy the hub on one public network and a spoke on each other, connected over LayerZero")
  .requiredOption("--network <name>", "deployment name: writes deployments/<name>.json (e.g. testnet)")
  .requiredOption("--hub <network>", "the hub's network (a name in deployments/layerzero-testnets.json)")
  .option("--spoke <network>", "a spoke network, repeatable", collect, [])
  .option("--rpc <name=url>", "RPC URL of a network, repeatable (default: $RPC_URL_<NAME>)", collect, [])
  .option("--key-env <variable>", "environment variable holding the deployer's private key", "DEPLOYER_KEY")
  .option("--out <file>", "where to write the deployments file (default deployments/<network>.json)")
  .action(deploy);

program
  .command("deploy-starknet-spoke")
  .description("declare and deploy the Cairo spoke on a Starknet network, pointed at the hub's StarknetGateway")
  .requiredOption("--rpc <url>", "the Starknet RPC (0.10) URL")
  .requiredOption("--account <address>", "the Starknet account that declares, deploys and owns the spoke")
  .option("--key-env <variable>", "environment variable holding the account's private key", "STARKNET_PRIVATE_KEY")
  .requiredOption("--gateway <address>", "the StarknetGateway on the hub chain")
  .requiredOption("--treasury <address>", "the Starknet address that receives protocol fees")
  .option("--owner <address>", "the spoke's owner (default: the account)")
  .option("--fee-token <address>", "the fee token (default: STRK)")
  .option(
    "--min-fee <fri>",
    "smallest fee accepted",
    (v: string) => {
      if (!/^[0-9]+$/.test(v)) throw new InvalidArgumentError(`expected an integer amount, got "${v}"`);
      return BigInt(v);
    },
    10n ** 15n,
  )
  .option(
    "--min-ttl <seconds>",
    "shortest deadline (above the network's state-update interval)",
    parseInteger(1, 30 * 86_400),
    12 * 3600,
  )
  .option("--max-ttl <seconds>", "longest deadline", parseInteger(1, 30 * 86_400), 7 * 86_400)
  .option(
    "--reclaim-delay <seconds>",
    "wait after the deadline before a reclaim",
    parseInteger(3600, 30 * 86_400),
    86_400,
  )
  .option("--compiled-class-hash <hash>", "the class's compiled class hash (default: from a local starknet-devnet)")
  .action(
    async (opts: {
      rpc: string;
      account: string;
      keyEnv: string;
      gateway: string;
      treasury: string;
      owner?: string;
      feeToken?: string;
      minFee: bigint;
      minTtl: number;
      maxTtl: number;
      reclaimDelay: number;
      compiledClassHash?: string;
    }) => {
      const key = process.env[opts.keyEnv];
      if (!key || !/^0x[0-9a-fA-F]{1,64}$/.test(key))
        throw new InvalidArgumentError(`set ${opts.keyEnv} to the Starknet account's private key (0x + hex)`);
      const deployed = await deployStarknetSpoke({
        rpcUrl: opts.rpc,
        account: { address: opts.account, privateKey: key },
        l1Gateway: opts.gateway,
        treasury: opts.treasury,
        ...(opts.owner ? { owner: opts.owner } : {}),
        ...(opts.feeToken ? { feeToken: opts.feeToken } : {}),
        limits: { minFee: opts.minFee, minTtl: opts.minTtl, maxTtl: opts.maxTtl, reclaimDelay: opts.reclaimDelay },
        ...(opts.compiledClassHash ? { compiledClassHash: opts.compiledClassHash } : {}),
        onLog: (line) => process.stderr.write(`  ${line}\n`),
      });
      process.stdout.write(
        `${JSON.stringify(deployed, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2)}\n`,
      );
    },
  );

program.parseAsync(process.argv).catch((error: unknown) => {
  process.stderr.write(`zkvin-deployments: ${describeError(error)}\n`);
  process.exit(1);
});
