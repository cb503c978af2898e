// `npm run demo`: the local multi-chain zk-VIN end to end, on embedded defaults. Shows progress stage by
// stage, ends with a summary, and stops everything it started, also on Ctrl-C (SIGINT), SIGTERM, SIGHUP or
// a failed stage (named, with the log file). Exit codes: 0 done, 1 failed, 2 bad option, 128 + signal number
// when interrupted (130 for Ctrl-C).
//   node --import tsx app/src/demo/cli.ts [--model linear_regression] [--requests 3] [--spokes 1]
//        [--json summary.json] [--keep] [--out deployments/local.json] [--chain-id-base 33000] [--no-starknet]
import { renameSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Command, InvalidArgumentError, Option } from "commander";
import { describeError } from "../devnet/errors.js";
import { repoRoot } from "../devnet/paths.js";
import { DemoInterruptedError, DemoOptionError, DemoStageError } from "./errors.js";
import { RunLog } from "./log.js";
import { descendants, endProcesses } from "./processes.js";
import { formatSeconds, Progress } from "./progress.js";
import { type DemoOptions, runDemo } from "./run.js";
import { DEMO_MODELS, type DemoModelName, demoModel } from "./samples.js";
import { Stoppers } from "./services.js";
import { type DemoSummary, renderSummary } from "./summary.js";

interface CliOptions {
  model: DemoModelName;
  requests: number;
  spokes: number;
  chainIdBase: number;
  out: string;
  json?: string;
  keep: boolean;
  workers: number;
  timeout: number;
  starknet: boolean;
}

function integer(min: number, max: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new InvalidArgumentError(`expected an integer in ${min}..${max}, got "${value}"`);
    }
    return n;
  };
}

/** Writes `value` as JSON to `file` at once (a reader never sees half a file). */
function writeJson(file: string, value: unknown): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(value, (_k, v: unknown) => (typeof v === "bigint" ? v.toString() : v), 2)}\n`);
  renameSync(tmp, file);
}

const relative = (file: string) => path.relative(process.cwd(), file) || file;

async function main(cli: CliOptions): Promise<number> {
  const options: DemoOptions = {
    model: cli.model,
    requests: cli.requests,
    spokes: cli.spokes,
    chainIdBase: cli.chainIdBase,
    deploymentFile: path.resolve(cli.out),
    workers: cli.workers,
    timeoutMs: cli.timeout * 1000,
    starknet: cli.starknet,
  };
  const jsonFile = cli.json ? path.resolve(cli.json) : null;
  const started = Date.now();
  const helpers = new Set(descendants());
  const log = RunLog.create();
  const progress = new Progress({ out: process.stdout, tty: process.stdout.isTTY === true });
  const stoppers = new Stoppers();
  const controller = new AbortController();
  let stopping = false;
  let releaseKeep: (() => void) | null = null;
  let devnetPending: Promise<unknown> | null = null;
  let signals = 0;

  const onSignal = (signal: NodeJS.Signals) => {
    signals++;
    if (releaseKeep) {
      releaseKeep(); // --keep: a signal ends the wait, which is the normal way out
      return;
    }
    if (stopping) {
      if (signals >= 3) process.exit(signalExitCode(signal));
      progress.line(`  (${signal}: already stopping; once more to exit at once)`);
      return;
    }
    controller.abort(new DemoInterruptedError(signal, progress.active()));
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  process.on("SIGHUP", onSignal); // the terminal went away

  progress.line(
    `zk-VIN demo: a hub chain and ${options.spokes} spoke chain(s), model ${options.model}, ` +
      `${options.requests} request(s) from the spoke consumer${options.spokes > 1 ? "s" : ""} and 1 from the hub's` +
      (options.starknet ? ", and 1 from a Cairo consumer on starknet-devnet when it is installed" : ""),
  );
  progress.line(`  services log to ${relative(log.file)}`);
  progress.line();

  let summary: DemoSummary | null = null;
  let failure: unknown = null;
  try {
    summary = await runDemo(options, {
      progress,
      log,
      signal: controller.signal,
      fail: (error) => controller.abort(error),
      stoppers,
      onDevnetPending: (p) => {
        devnetPending = p;
      },
      isStopping: () => stopping,
    });
    for (const line of renderSummary(summary)) progress.line(line);
    if (jsonFile) {
      writeJson(jsonFile, { ok: true, ...summary });
      progress.line(`summary written to ${relative(jsonFile)}`);
    }
    if (cli.keep && !controller.signal.aborted) {
      progress.line(
        `everything is left running (deployments file ${relative(options.deploymentFile)}, GraphQL ${summary.graphqlUrl}); Ctrl-C stops it`,
      );
      await new Promise<void>((resolve) => {
        releaseKeep = resolve;
        controller.signal.addEventListener("abort", () => resolve(), { once: true });
      });
      releaseKeep = null;
      if (controller.signal.aborted) throw controller.signal.reason;
    }
  } catch (error) {
    failure = error;
    if (error instanceof DemoInterruptedError) progress.interrupt();
  }

  // Stop everything, whatever happened: services in reverse order, then any process still descending from
  // this one (the forge or Python process of a stage cut short), then wait for a devnet still coming up.
  stopping = true;
  progress.start("stop everything");
  const known = descendants().filter((pid) => !helpers.has(pid));
  const stopFailures = await stoppers.stopAll({ onStop: (name) => progress.detail("stop everything", name) });
  const leftovers = await endProcesses({ known, spare: helpers });
  for (const p of leftovers) log.write("demo", `ended leftover process ${p.pid}: ${p.command}`);
  if (devnetPending) await Promise.race([devnetPending, new Promise((r) => setTimeout(r, 5000))]);
  for (const f of stopFailures) log.write("demo", `stopping ${f}`);
  progress.done(
    "stop everything",
    [
      stopFailures.length ? `${stopFailures.length} did not stop cleanly (${stopFailures.join("; ")})` : "",
      leftovers.length ? `${leftovers.length} leftover process(es) ended` : "",
    ]
      .filter(Boolean)
      .join(", "),
  );
  progress.close();

  const total = formatSeconds(Date.now() - started);
  const stopped = stopFailures.length
    ? `${stopFailures.length} service(s) did not stop cleanly (${stopFailures.join("; ")})`
    : "everything it started is stopped";
  if (failure === null && summary) {
    process.stdout.write(`\nzk-VIN demo done in ${total}; ${stopped}. Log: ${relative(log.file)}\n`);
    log.close();
    return stopFailures.length ? 1 : 0;
  }
  let code = 1;
  let stages: string[] = [];
  if (failure instanceof DemoInterruptedError) {
    code = signalExitCode(failure.signal);
    stages = failure.stages;
    const names = stages.map((s) => `"${s}"`).join(", ");
    const where = stages.length ? ` during stage${stages.length > 1 ? "s" : ""} ${names}` : "";
    process.stderr.write(
      `\nzk-VIN demo interrupted by ${failure.signal}${where} after ${total}; ${stopped}. Log: ${relative(log.file)}\n`,
    );
  } else {
    stages = [failure instanceof DemoStageError ? failure.stage : "demo"];
    const cause = failure instanceof DemoStageError && failure.cause ? failure.cause : failure;
    process.stderr.write(
      `\nzk-VIN demo failed at stage "${stages[0]}": ${describeError(cause)}\n` +
        `${stopped[0]!.toUpperCase()}${stopped.slice(1)}. Log: ${relative(log.file)}\n`,
    );
  }
  if (jsonFile) {
    writeJson(jsonFile, {
      ok: false,
      stage: stages[0] ?? null,
      stages,
      interrupted: failure instanceof DemoInterruptedError ? failure.signal : null,
      error: describeError(failure),
      stopFailures,
      logFile: log.file,
    });
  }
  log.close();
  return code;
}

/** 128 + the signal's number, as shells report a process ended by it. */
function signalExitCode(signal: NodeJS.Signals): number {
  return 128 + (os.constants.signals[signal] ?? 15);
}

const program = new Command()
  .name("zkvin-demo")
  .description(
    "the local multi-chain zk-VIN end to end: chains, contracts, a model, a node, the prover and relayer, requests from example consumers, results and GraphQL",
  )
  .option(
    "--model <name>",
    `benchmark model to compile, register and ask (${DEMO_MODELS.join(", ")})`,
    (value: string) => {
      try {
        return demoModel(value);
      } catch (error) {
        throw new InvalidArgumentError(error instanceof Error ? error.message : String(error));
      }
    },
    "linear_regression",
  )
  .option("--requests <n>", "requests from the spoke consumer (one more comes from the hub's)", integer(1, 32), 3)
  .option("--spokes <n>", "spoke chains besides the hub", integer(1, 4), 1)
  .option("--json <file>", "also write the summary as JSON")
  .option("--keep", "leave everything running after the summary, until Ctrl-C", false)
  .addOption(
    new Option("--out <file>", "the deployments file to write").default(
      path.join(repoRoot, "deployments", "local.json"),
      "deployments/local.json",
    ),
  )
  .option("--chain-id-base <id>", "chain id of the hub; spoke n gets base + n", integer(1, 2 ** 31), 33_000)
  .option("--workers <n>", "proving processes", integer(1, 16), 1)
  .option("--no-starknet", "leave out starknet-devnet and the Cairo consumer's request")
  .option("--timeout <seconds>", "how long to wait for the callbacks, and for the index", integer(10, 3600), 300)
  .showHelpAfterError("(zkvin-demo --help lists the options)")
  .exitOverride((error) => {
    // --help and --version end here with 0; a bad option or argument with 2.
    process.exit(error.exitCode === 0 ? 0 : 2);
  });

program.parse(process.argv);
main(program.opts<CliOptions>()).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`zkvin-demo: ${describeError(error)}\n`);
    process.exit(error instanceof DemoOptionError ? 2 : 1);
  },
);
