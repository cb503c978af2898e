// The demo, stage by stage: Redis, the devnet (chains, contracts, model, node, consumers, deployments
// file), the prover workers, the relayer, the local GraphQL endpoint; then requests from the example
// consumers, their proofs verified on the hub and callbacks delivered, the results read back from the
// chains and from GraphQL. Everything started is registered with `stoppers` as it starts, so the caller
// can stop it whatever happens; the run itself never stops services.
import { randomBytes } from "node:crypto";
import path from "node:path";
import { createGraphQLClient, createZkVinClient, encodeInput } from "@zk-vin/oracle-sdk";
import { LocalArtifactStore, type ProverWorkers, startProverWorkers } from "@zk-vin/prover";
import { type LocalSubgraph, startLocalSubgraph } from "@zk-vin/subgraph";
import { privateKeyToAccount } from "viem/accounts";
import { devnetAccounts } from "../devnet/accounts.js";
import { type Devnet, type DevnetChain, type DevnetProgress, startDevnet } from "../devnet/devnet.js";
import { DevnetStageError, describeError } from "../devnet/errors.js";
import type { StarknetDevnet } from "../devnet/starknet.js";
import { starknetDevnetState } from "../devnet/starknet-devnet.js";
import { DemoError, DemoInterruptedError, DemoStageError } from "./errors.js";
import { checkAnswer, type GraphQLAnswer, queryRequests } from "./graphql.js";
import type { RunLog } from "./log.js";
import { checkRequest, type MeasuredRequest, measureRequest, provingTimes } from "./measure.js";
import type { Progress } from "./progress.js";
import { CallbackWatcher, planRequests, type SentRequest, sendRequest, waitForCallbacks } from "./requests.js";
import { type DemoModelName, readSamples } from "./samples.js";
import { type RelayerProcess, removeQueue, type Stoppers, startRedis, startRelayer } from "./services.js";
import {
  askStarknet,
  checkStarknetRequest,
  measureStarknetRequest,
  type StarknetAsked,
  type StarknetMeasured,
  type StarknetSummary,
  starknetPlan,
  startDemoStarknet,
  summariseStarknet,
  waitForStarknetAnswer,
} from "./starknet.js";
import { buildSummary, type DemoSummary } from "./summary.js";

export interface DemoOptions {
  model: DemoModelName;
  /** Requests from the spoke consumers; one more comes from the hub's. */
  requests: number;
  spokes: number;
  chainIdBase: number;
  deploymentFile: string;
  /** Proving processes. */
  workers: number;
  /** How long to wait for all callbacks, and again for the index to show them. */
  timeoutMs: number;
  /** Run the Starknet row when starknet-devnet is installed (`--no-starknet`: false). */
  starknet: boolean;
}

export interface DemoContext {
  progress: Progress;
  log: RunLog;
  /** Aborted with a DemoInterruptedError (signal) or a DemoError (a service died). */
  signal: AbortSignal;
  /** Aborts the run with `error` (used when a service dies under it). */
  fail(error: DemoError): void;
  stoppers: Stoppers;
  /** Told of a devnet still coming up when the run was cut short, so the caller can wait for its cleanup. */
  onDevnetPending?(pending: Promise<unknown>): void;
  /** Set once the caller is stopping services on purpose (a service ending then is no failure). */
  isStopping(): boolean;
}

/** Resolves with `promise`, or rejects as soon as `signal` aborts (the work itself is not cancelled). */
function abortable<T>(promise: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener("abort", onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener("abort", onAbort);
        reject(e);
      },
    );
  });
}

class StageRunner {
  readonly timings: Array<{ stage: string; ms: number }> = [];
  constructor(private readonly ctx: DemoContext) {}

  /** Runs one stage: shown while it runs, timed, and its failure named after it. */
  async run<T>(stage: string, fn: () => Promise<T>, detail?: (result: T) => string): Promise<T> {
    const { progress, signal } = this.ctx;
    if (signal.aborted) throw signal.reason;
    progress.start(stage);
    const t0 = Date.now();
    try {
      const result = await abortable(fn(), signal);
      this.timings.push({ stage, ms: Date.now() - t0 });
      progress.done(stage, detail?.(result) ?? "");
      return result;
    } catch (error) {
      if (signal.aborted && signal.reason instanceof DemoInterruptedError) throw signal.reason;
      const cause = signal.aborted ? signal.reason : error;
      progress.fail(stage, describeError(cause));
      throw cause instanceof DemoStageError ? cause : new DemoStageError(stage, describeError(cause), { cause });
    }
  }

  /** The devnet's own stages, shown as they happen (they overlap: models compile while forge builds). */
  devnetProgress = (event: DevnetProgress): void => {
    const { progress, signal } = this.ctx;
    // Once the run is cut short, the devnet's stages end because their processes were stopped: not news.
    if (signal.aborted) return;
    if (event.status === "started") progress.start(event.stage);
    else if (event.status === "done") {
      this.timings.push({ stage: event.stage, ms: event.ms ?? 0 });
      progress.done(event.stage);
    } else progress.fail(event.stage, event.error ?? "failed");
  };
}

async function bringUpDevnet(params: {
  options: DemoOptions;
  ctx: DemoContext;
  runner: StageRunner;
  artifacts: LocalArtifactStore;
}): Promise<Devnet> {
  const { options, ctx } = params;
  const starting = startDevnet({
    spokes: options.spokes,
    models: [{ model: options.model }],
    chainIdBase: options.chainIdBase,
    deploymentFile: options.deploymentFile,
    artifactStore: params.artifacts,
    onProgress: params.runner.devnetProgress,
    onLog: (line) => ctx.log.write("devnet", line),
  });
  try {
    const devnet = await abortable(starting, ctx.signal);
    ctx.stoppers.add("chains", () => devnet.stop());
    return devnet;
  } catch (error) {
    if (ctx.signal.aborted) {
      // startDevnet cannot be cancelled: once it settles, stop what it brought up.
      const pending = starting.then(
        (d) => d.stop(),
        () => {},
      );
      ctx.onDevnetPending?.(pending);
      throw ctx.signal.reason;
    }
    if (error instanceof DevnetStageError) throw new DemoStageError(error.stage, error.message, { cause: error });
    throw new DemoStageError("devnet", describeError(error), { cause: error });
  }
}

export async function runDemo(options: DemoOptions, ctx: DemoContext): Promise<DemoSummary> {
  const runner = new StageRunner(ctx);
  const stage = runner.run.bind(runner);
  const samples = readSamples(options.model);
  const { log, stoppers } = ctx;

  const redis = await stage(
    "start redis",
    startRedis,
    (r) => `${r.url} (${r.started ? "started here" : "already running"})`,
  );
  stoppers.add("redis", () => redis.stop());

  const artifacts = new LocalArtifactStore();
  // The Starknet side starts with the devnet: starknet-devnet and the Cairo classes need nothing from the
  // hub; the rest waits for it (and stops itself if the devnet does not come up).
  const plan = starknetPlan({ wanted: options.starknet, state: await starknetDevnetState() });
  let sn: StarknetDevnet | null = null;
  stoppers.add("starknet-devnet", () => sn?.stop());
  let hubReady: { resolve(hub: DevnetChain): void; reject(error: Error): void } | null = null;
  const hub = new Promise<DevnetChain>((resolve, reject) => {
    hubReady = { resolve, reject };
  });
  hub.catch(() => {});
  const starknetStart: Promise<StarknetDevnet | null> = plan.run
    ? stage(
        "start starknet",
        async () => {
          const started = await startDemoStarknet({ hub, onLog: (line) => log.write("starknet", line) });
          // Cut short while it came up: the stoppers may have run already, so stop it here.
          if (ctx.signal.aborted || ctx.isStopping()) {
            await started.stop();
            throw ctx.signal.reason ?? new DemoError("stopped while starknet-devnet came up");
          }
          sn = started;
          return started;
        },
        (s) => `${s.process.rpcUrl}, spoke ${s.contracts.spoke.slice(0, 10)}…, StarknetGateway ${s.hub.gateway}`,
      )
    : Promise.resolve(null);
  starknetStart.catch(() => {}); // awaited with the relayer's start; a failure must not go unhandled meanwhile
  const devnet = await bringUpDevnet({ options, ctx, runner, artifacts }).catch((error: unknown) => {
    hubReady?.reject(new DemoError("the devnet did not come up"));
    throw error;
  });
  hubReady!.resolve(devnet.hub);
  ctx.progress.line(
    `    ${devnet.chains.map((c) => `${c.name} ${c.rpcUrl} (chain ${c.chainId}, EID ${c.eid})`).join(" · ")}`,
  );
  if (!plan.run) ctx.progress.line(`    Starknet: ${plan.reason}`);

  // Stopped in the reverse order of this list whichever start finished first: the endpoint, the relayer,
  // then the workers it feeds, then the queue they share.
  const queueName = `zkvin-demo-${randomBytes(4).toString("hex")}`;
  let workers: ProverWorkers | null = null;
  let relayer: RelayerProcess | null = null;
  let subgraph: LocalSubgraph | null = null;
  stoppers.add("proving queue", () => removeQueue({ redisUrl: redis.url, queueName }));
  stoppers.add("prover workers", () => workers?.close());
  stoppers.add("relayer", () => relayer?.stop());
  stoppers.add("GraphQL endpoint", () => subgraph?.close());
  // The relayer carries the Starknet side's messages: it starts once that is up; the workers and the
  // endpoint start meanwhile.
  // The three are independent (the relayer's jobs wait in Redis for the workers): they start together,
  // and all settle before a failure of one is reported, so that each started one can be stopped.
  const starts = await Promise.allSettled([
    stage(
      "start prover workers",
      async () => {
        workers = await startProverWorkers({
          connection: redis.url,
          store: artifacts,
          queueName,
          concurrency: options.workers,
          device: "auto",
          log: (line) => log.write("prover", line),
        });
        return workers;
      },
      (w) => `${options.workers} proving process(es), ${w.device.used}: ${w.device.reason}`,
    ),
    starknetStart.then((started) =>
      stage(
        "start relayer",
        async () => {
          relayer = await startRelayer({
            devnet,
            redisUrl: redis.url,
            queueName,
            artifactStore: artifacts.root,
            log,
            ...(started ? { starknet: started.relayerConfig() } : {}),
          });
          void relayer.exited.then((how) => {
            if (!ctx.isStopping())
              ctx.fail(new DemoError(`the relayer exited (${how}); see ${log.file}`, { value: how }));
          });
          return relayer;
        },
        (r) => `pid ${r.pid}, ${r.opsUrl}/status`,
      ),
    ),
    stage(
      "start GraphQL endpoint",
      async () => {
        subgraph = await startLocalSubgraph({
          deployment: devnet.deployment,
          database: { kind: "memory" },
          confirmations: 0,
          pollIntervalMs: 100,
          logger: log.logger("subgraph"),
        });
        return subgraph;
      },
      (s) => s.endpoint.url,
    ),
  ]);
  const failed = starts.find((r) => r.status === "rejected");
  if (failed) throw failed.reason;
  const [, relayerStart, subgraphStart] = starts;
  if (relayerStart.status !== "fulfilled" || subgraphStart.status !== "fulfilled")
    throw new DemoError("a start settled without its result");
  const relayerInfo = relayerStart.value;
  const { endpoint } = subgraphStart.value;

  await stage("sync model to spokes", () => devnet.waitForModelSync({ timeoutMs: 60_000 }));

  const model = devnet.model(options.model);
  const account = privateKeyToAccount(devnetAccounts.user.key);
  const sdk = createZkVinClient({ deployment: devnet.deployment, account, pollingIntervalMs: 100 });
  const watchers = new Map<string, CallbackWatcher>();
  let asked: StarknetAsked | null = null;
  const sent = await stage(
    "send requests",
    async () => {
      const { layout } = await sdk.getModel({ modelId: model.modelId });
      const planned = planRequests({
        hub: devnet.hub,
        spokes: devnet.spokes,
        model,
        layout,
        samples,
        spokeRequests: options.requests,
      });
      for (const chain of devnet.chains) {
        const watcher = new CallbackWatcher({
          chain,
          consumer: model.consumers[chain.name]!,
          oracle: (chain.role === "hub" ? chain.contracts.InferenceMarket : chain.contracts.ZkVinSpoke)!,
          fromBlock: (await chain.anvil.publicClient.getBlockNumber()) + 1n,
        });
        watcher.start();
        watchers.set(chain.name, watcher);
      }
      const out: SentRequest[] = [];
      for (const p of planned) out.push(await sendRequest({ planned: p, sdk, account, modelId: model.modelId }));
      if (sn) {
        // The Cairo consumer asks too, with the next sample row.
        const sample = planned.length % samples.inputs.length;
        asked = await askStarknet({
          sn,
          model,
          index: planned.length + 1,
          sample,
          input: samples.inputs[sample]!,
          inputFixed: encodeInput({ values: samples.inputs[sample]!, layout }),
          expected: samples.expected[sample]!,
        });
      }
      return out;
    },
    (s) =>
      [...devnet.spokes, devnet.hub]
        .map((c) => [c.name, s.filter((r) => r.chain.name === c.name).length] as const)
        .filter(([, n]) => n > 0)
        .map(([name, n]) => `${n} from the consumer on ${name}`)
        .concat(asked ? ["1 from the Cairo consumer on starknet-devnet"] : [])
        .join(", "),
  );

  const t0 = Date.now();
  const snAsked = asked as StarknetAsked | null;
  const [callbacks, snAnswer] = await stage(
    "prove, verify, call back",
    () =>
      Promise.all([
        waitForCallbacks({
          sent,
          watchers,
          timeoutMs: options.timeoutMs,
          signal: ctx.signal,
          onProgress: (done, total) => ctx.progress.detail("prove, verify, call back", `${done}/${total} callbacks`),
        }),
        sn && snAsked
          ? waitForStarknetAnswer({ sn, asked: snAsked, timeoutMs: options.timeoutMs, signal: ctx.signal })
          : null,
      ]),
    ([c, a]) =>
      `${c.size}/${sent.length} consumer callbacks${a ? ", 1/1 Starknet answer" : ""} in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
  ).finally(() => {
    for (const w of watchers.values()) w.stop();
  });

  const outputScale = model.manifest.outputs[0]!.scale;
  let snMeasured: StarknetMeasured | null = null;
  const measured = await stage(
    "read results on chain",
    async () => {
      const proving = await provingTimes({ redisUrl: redis.url, queueName });
      if (sn && snAsked && snAnswer) {
        snMeasured = await measureStarknetRequest({
          sn,
          hub: devnet.hub,
          asked: snAsked,
          answer: snAnswer,
          outputScale,
          proving,
        });
        checkStarknetRequest(snMeasured, samples.tolerance);
      }
      const out: MeasuredRequest[] = [];
      for (const r of sent) {
        const m = await measureRequest({
          request: r,
          callback: callbacks.get(r.index)!,
          hub: devnet.hub,
          sdk,
          outputScale,
          proving,
        });
        checkRequest(m, samples.tolerance);
        out.push(m);
      }
      return out;
    },
    (m) =>
      `${m.length + (snMeasured ? 1 : 0)} stored values equal the verified outputs and the model's (±${samples.tolerance})`,
  );
  const snStarted = sn as StarknetDevnet | null;
  const starknet: StarknetSummary =
    snStarted && snMeasured
      ? summariseStarknet(snStarted, [snMeasured])
      : { ran: false, reason: plan.run ? "not run" : plan.reason, requests: [] };

  const gql = createGraphQLClient({ url: endpoint.url });
  const answers: GraphQLAnswer[] = await stage(
    "query GraphQL",
    async () => {
      const out = await queryRequests({
        gql,
        requests: measured,
        timeoutMs: options.timeoutMs,
        signal: ctx.signal,
        onProgress: (done, total) => ctx.progress.detail("query GraphQL", `${done}/${total} indexed`),
      });
      for (const [i, m] of measured.entries()) checkAnswer(m, out[i]!);
      return out;
    },
    (a) => `${a.length} requests fulfilled and delivered`,
  );

  return buildSummary({
    base: {
      model: {
        name: model.name,
        modelId: String(model.modelId),
        artifactId: model.artifactId,
        description: samples.description,
        batchSize: model.batchSize,
        inputScale: model.manifest.inputs[0]!.scale,
        outputScale,
        tolerance: samples.tolerance,
      },
      chains: devnet.chains.map((c) => ({
        name: c.name,
        role: c.role,
        chainId: c.chainId,
        eid: c.eid,
        rpcUrl: c.rpcUrl,
      })),
      deploymentFile: path.resolve(options.deploymentFile),
      graphqlUrl: endpoint.url,
      relayer: { pid: relayerInfo.pid, opsUrl: relayerInfo.opsUrl, configFile: relayerInfo.configFile },
      logFile: log.file,
    },
    measured,
    starknet,
    answers,
    stages: runner.timings,
  });
}
