// zk-VIN prover CLI: npm run cli -w @zk-vin/prover -- <command> [options]
//   compile  --onnx M.onnx --calibration C.json --name N [--batch-size 4] [--input-visibility hashed] ...
//   worker   [--concurrency 2] [--redis redis://127.0.0.1:6379] [--device auto|cpu|gpu]
//   prove    --artifact <id> --inputs '[[...]]' [--request-ids a,b]
//   device   [--device auto|cpu|gpu]
import { readFile } from "node:fs/promises";
import { Command, Option } from "commander";
import { LocalArtifactStore } from "./artifact-store.js";
import { ProverError } from "./errors.js";
import { compileModel } from "./ezkl/compile.js";
import { type DeviceChoice, ProvingProcess } from "./ezkl/proving-process.js";
import { ProverClient } from "./queue/client.js";
import { DEFAULT_QUEUE } from "./queue/jobs.js";
import { startProverWorkers } from "./queue/workers.js";

const redisDefault = process.env.ZKVIN_REDIS_URL ?? "redis://127.0.0.1:6379";
const deviceOption = () =>
  new Option("--device <device>", "where proofs run").choices(["auto", "cpu", "gpu"]).default("auto");

const program = new Command("zkvin-prover").description("zk-VIN model toolchain and proving service");

program
  .command("compile")
  .description("ONNX model + calibration data -> content-addressed artifacts (keys, VKA, verifier, manifest)")
  .requiredOption("--onnx <file>", "ONNX model with one input [batch_size, F] and one output [batch_size, O]")
  .requiredOption("--calibration <file>", 'JSON {"rows": [[...], ...]}')
  .requiredOption("--name <name>", "model name ([A-Za-z0-9_-]{1,64})")
  .option("--batch-size <n>", "requests proven per proof", (v) => Number.parseInt(v, 10), 1)
  .addOption(new Option("--input-visibility <v>").choices(["public", "hashed"]).default("public"))
  .addOption(new Option("--output-visibility <v>").choices(["public", "hashed"]).default("public"))
  .option("--srs-path <file>", "production SRS (with --srs-sha256); default: the insecure development SRS")
  .option("--srs-sha256 <hex>", "expected sha256 of --srs-path")
  .option("--contract-name <name>", "name of the generated per-model verifier contract")
  .option("--store <dir>", "artifact store root")
  .action(async (o) => {
    const store = new LocalArtifactStore(o.store ? { root: o.store } : {});
    const compiled = await compileModel({
      name: o.name,
      onnxPath: o.onnx,
      calibration: { path: o.calibration },
      batchSize: o.batchSize,
      inputVisibility: o.inputVisibility,
      outputVisibility: o.outputVisibility,
      ...(o.srsPath ? { srs: { path: o.srsPath, sha256: o.srsSha256 ?? "" } } : {}),
      ...(o.contractName ? { contractName: o.contractName } : {}),
      store,
      onLog: (line) => process.stderr.write(`${line}\n`),
    });
    const m = compiled.manifest;
    for (const w of m.warnings ?? []) process.stderr.write(`WARNING: ${w}\n`);
    console.log(
      JSON.stringify(
        {
          artifactId: m.artifactId,
          artifactDir: compiled.artifactDir,
          logrows: m.logrows,
          batchSize: m.batchSize,
          instances: m.instances,
          vkaDigest: m.evm?.vkaDigest,
          srs: m.srs,
        },
        null,
        2,
      ),
    );
  });

program
  .command("worker")
  .description("run proving workers on the Redis queue until SIGINT/SIGTERM (then finish running jobs and stop)")
  .option("--concurrency <n>", "proofs in parallel (one OS process each)", (v) => Number.parseInt(v, 10), 1)
  .option("--redis <url>", "Redis URL", redisDefault)
  .option("--queue <name>", "queue name", DEFAULT_QUEUE)
  .option("--job-timeout-ms <ms>", "limit per attempt", (v) => Number.parseInt(v, 10), 600_000)
  .option("--store <dir>", "artifact store root")
  .addOption(deviceOption())
  .action(async (o) => {
    const workers = await startProverWorkers({
      connection: o.redis,
      queueName: o.queue,
      concurrency: o.concurrency,
      jobTimeoutMs: o.jobTimeoutMs,
      device: o.device as DeviceChoice,
      store: new LocalArtifactStore(o.store ? { root: o.store } : {}),
    });
    const stop = async (signal: string) => {
      console.log(`prover: ${signal}: finishing running jobs`);
      await workers.close();
      process.exit(0);
    };
    process.once("SIGINT", () => void stop("SIGINT"));
    process.once("SIGTERM", () => void stop("SIGTERM"));
  });

program
  .command("prove")
  .description("enqueue one proving job and print its result (needs running workers)")
  .requiredOption("--artifact <id>", "artifact id")
  .requiredOption("--inputs <json|@file>", "rows of floats, as JSON or @file.json")
  .option("--request-ids <ids>", "comma-separated, one per row (default r0,r1,...)")
  .option("--redis <url>", "Redis URL", redisDefault)
  .option("--queue <name>", "queue name", DEFAULT_QUEUE)
  .option("--store <dir>", "artifact store root")
  .action(async (o) => {
    const raw = o.inputs.startsWith("@") ? await readFile(o.inputs.slice(1), "utf8") : o.inputs;
    const inputs = JSON.parse(raw) as number[][];
    const requestIds = o.requestIds ? String(o.requestIds).split(",") : inputs.map((_, i) => `r${i}`);
    const client = new ProverClient({
      connection: o.redis,
      queueName: o.queue,
      store: new LocalArtifactStore(o.store ? { root: o.store } : {}),
    });
    try {
      console.log(JSON.stringify(await client.prove({ artifactId: o.artifact, inputs, requestIds }), null, 2));
    } finally {
      await client.close();
    }
  });

program
  .command("device")
  .description("say where proofs would run, and why")
  .addOption(deviceOption())
  .action(async (o) => {
    const proc = new ProvingProcess({ device: o.device as DeviceChoice });
    const { device } = await proc.ready;
    console.log(JSON.stringify(device, null, 2));
    await proc.close();
  });

program.parseAsync().catch((err: unknown) => {
  if (err instanceof ProverError) {
    console.error(`error ${err.code}${err.field ? ` (${err.field})` : ""}: ${err.message}`);
  } else {
    console.error(err);
  }
  process.exit(1);
});
