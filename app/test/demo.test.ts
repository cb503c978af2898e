// The demo as a newcomer runs it: the root package.json's `demo` script without its set-up step, as a
// child process, against everything real (anvil chains with LayerZero's contracts, forge deployments,
// EZKL proofs by the prover workers, Redis, the relayer, the local GraphQL endpoint). What it claims is
// checked from the outside: the consumer contracts on chain hold the model's output for each input, the
// GraphQL endpoint (asked directly with the SDK) shows the requests fulfilled, and once it exits no
// process it started is left and its ports are free, also when it is interrupted mid-run. The first run
// has the Starknet row too (where starknet-devnet is installed): the Cairo consumer's stored value, the
// hub's verified output and the spoke's settlement are read from starknet-devnet and the hub directly.
// The others leave Starknet out, one of them by not finding starknet-devnet at all.
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { createGraphQLClient, getEntity, getRequestDetails, listEntities } from "@zk-vin/oracle-sdk";
import { SPOKE_EVENTS } from "@zk-vin/relayer";
import { RpcProvider } from "starknet";
import { createPublicClient, type Hex, http, parseAbi } from "viem";
import { afterAll, describe, expect, it } from "vitest";
import { commandOf, descendants, isAlive } from "../src/demo/processes.js";
import { chainByName, findStarknetDevnet, loadDeployment, portInUse } from "../src/index.js";

const repoRoot = path.resolve(import.meta.dirname, "../..");
const SETUP = "node scripts/setup.mjs && ";
const work = mkdtempSync(path.join(os.tmpdir(), "zkvin-demo-test-"));
const starknetInstalled = (await findStarknetDevnet()) !== null;
if (!starknetInstalled)
  console.warn("starknet-devnet 0.10.1 is not installed: the demo test runs without the Starknet row");
const FELT_PRIME = 2n ** 251n + 17n * 2n ** 192n + 1n;
const signedFelt = (f: string) => (BigInt(f) > FELT_PRIME / 2n ? BigInt(f) - FELT_PRIME : BigInt(f));

const consumerAbi = parseAbi([
  "struct Value { int256 value; uint64 updatedAt; uint64 sequence; uint256 requestId; }",
  "function latest(bytes32 key) view returns (Value)",
  "event ValueRequested(uint256 indexed requestId, bytes32 indexed key, uint64 sequence, address indexed payer)",
]);
const oracleAbi = parseAbi([
  "function resultOf(uint256 requestId) view returns (int256[])",
  "event InferenceFulfilled(uint256 indexed requestId, int256[] output)",
]);

interface DemoRun {
  child: ChildProcess;
  stdout: string;
  stderr: string;
  exited: boolean;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Every process seen descending from the demo while it ran, with its command line. */
  seen: Map<number, string>;
}

/** `npm run demo` minus the set-up: the rest of the script, with `args` appended. */
function startDemo(args: string[], env: Record<string, string> = {}): DemoRun {
  const pkg = JSON.parse(readFileSync(path.join(repoRoot, "package.json"), "utf8")) as {
    scripts: Record<string, string>;
  };
  const script = pkg.scripts.demo ?? "";
  expect(script.startsWith(SETUP)).toBe(true);
  const [cmd, ...rest] = script.slice(SETUP.length).trim().split(/\s+/);
  const child = spawn(cmd === "node" ? process.execPath : cmd!, [...rest, ...args], {
    cwd: repoRoot,
    env: { ...process.env, FORCE_COLOR: "0", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const run: DemoRun = {
    child,
    stdout: "",
    stderr: "",
    exited: false,
    seen: new Map(),
    exit: new Promise((resolve) => child.once("exit", (code, signal) => resolve({ code, signal }))),
  };
  child.stdout?.on("data", (d: Buffer) => {
    run.stdout += d.toString();
  });
  child.stderr?.on("data", (d: Buffer) => {
    run.stderr += d.toString();
  });
  const watch = setInterval(() => {
    if (!child.pid) return;
    // Re-read while alive: a process seen between fork and exec still shows its parent's command line.
    for (const pid of descendants(child.pid)) run.seen.set(pid, commandOf(pid) || run.seen.get(pid) || "");
  }, 200);
  void run.exit.then(() => {
    run.exited = true;
    clearInterval(watch);
  });
  return run;
}

async function until<T>(what: string, fn: () => T | null | undefined | false, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The demo's processes and ports are all gone (a moment's grace for exits to be reaped). */
async function expectNothingLeft(run: DemoRun, ports: number[]): Promise<void> {
  const commands = [...run.seen.values()].join("\n");
  expect(commands).toMatch(/anvil/);
  expect(commands).toMatch(/zkvin-relayer/);
  expect(commands).toMatch(/zkvin_prover worker/);
  await until("the demo's processes to end", () => [...run.seen.keys()].every((pid) => !isAlive(pid)), 5000).catch(
    () => {},
  );
  const alive = [...run.seen].filter(([pid]) => isAlive(pid)).map(([pid, cmd]) => `${pid} ${cmd}`);
  expect(alive).toEqual([]);
  for (const port of ports) expect(await portInUse(port), `port ${port}`).toBe(false);
}

function port(url: string): number {
  return Number(new URL(url).port);
}

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
});

interface Summary {
  ok: boolean;
  model: { name: string; modelId: string; outputScale: number; tolerance: number };
  chains: Array<{ name: string; role: string; chainId: number; eid: number; rpcUrl: string }>;
  graphqlUrl: string;
  relayer: { pid: number; opsUrl: string };
  requests: Array<{
    index: number;
    chain: string;
    consumer: Hex;
    key: Hex;
    requestId: string;
    hubRequestId: string;
    input: number[];
    output: number[];
  }>;
  starknet: {
    ran: boolean;
    reason: string | null;
    rpcUrl?: string;
    contracts?: { spoke: string; consumer: string; gateway: string; messaging: string };
    requests: Array<{
      index: number;
      requestId: string;
      hubRequestId: string;
      sample: number;
      input: number[];
      output: number[];
      outputFixed: string[];
      fee: string;
      split: { node: string; modelOwner: string; protocol: string; refund: string };
      gas: { consume: string; fulfil: string; reply: string };
      latencyMs: number;
    }>;
  };
}

describe("npm run demo", () => {
  it("ends with each consumer holding the model's output for its input and GraphQL showing the requests fulfilled", async () => {
    const json = path.join(work, "summary.json");
    const out = path.join(work, "local.json");
    const run = startDemo(["--json", json, "--out", out, "--chain-id-base", "43100", "--keep"]);
    try {
      await until("the demo's summary", () => existsSync(json) || run.exited, 540_000);
      expect(run.stderr).toBe("");
      const summary = JSON.parse(readFileSync(json, "utf8")) as Summary;
      expect(summary.ok).toBe(true);
      expect(summary.model.name).toBe("linear_regression");
      // Defaults: one spoke, three requests from its consumer and one from the hub's.
      expect(summary.requests.map((r) => r.chain)).toEqual([
        "zkvin-spoke-1",
        "zkvin-spoke-1",
        "zkvin-spoke-1",
        "zkvin-hub",
      ]);

      // What the deployments file says, and what the chains hold, independently of the demo's own checks.
      const deployment = loadDeployment(out);
      expect(deployment.hub.chainId).toBe(43_100);
      expect(deployment.spokes.map((s) => s.chainId)).toEqual([43_101]);
      const model = deployment.models?.find((m) => m.name === "linear_regression");
      expect(model?.modelId).toBe(Number(summary.model.modelId));
      const outputScale = Number((model as { outputScale?: number } | undefined)?.outputScale);
      expect(outputScale).toBe(26);
      const samples = JSON.parse(
        readFileSync(path.join(repoRoot, "prover", "models", "linear_regression", "samples.json"), "utf8"),
      ) as { inputs: number[][]; onnxOutputs: number[][] };
      const gql = createGraphQLClient({ url: summary.graphqlUrl });
      const rows = new Set<number>();
      for (const r of summary.requests) {
        const chain = chainByName(deployment, r.chain);
        const client = createPublicClient({ transport: http(chain.rpcUrl) });
        const consumers = (model as { consumers?: Record<string, string> } | undefined)?.consumers ?? {};
        expect(r.consumer).toBe(consumers[r.chain]);
        const requestId = BigInt(r.requestId);

        // The consumer asked for it and its callback stored the answer to this very request.
        const asked = await client.getContractEvents({
          address: r.consumer,
          abi: consumerAbi,
          eventName: "ValueRequested",
          args: { requestId, key: r.key },
          fromBlock: 0n,
        });
        expect(asked).toHaveLength(1);
        const stored = await client.readContract({
          address: r.consumer,
          abi: consumerAbi,
          functionName: "latest",
          args: [r.key],
        });
        expect(stored.requestId).toBe(requestId);
        const row = samples.inputs.findIndex((input) => input.every((x, i) => x === r.input[i]));
        expect(row).toBeGreaterThanOrEqual(0);
        rows.add(row);
        const value = Number(stored.value) / 2 ** outputScale;
        expect(Math.abs(value - samples.onnxOutputs[row]![0]!)).toBeLessThanOrEqual(5e-3);
        expect(r.output).toEqual([value]);

        // The oracle delivered exactly what the hub verified, and GraphQL says the same.
        const hubChain = deployment.hub;
        const hubClient = createPublicClient({ transport: http(hubChain.rpcUrl) });
        const verified = await hubClient.getContractEvents({
          address: hubChain.contracts.InferenceMarket!,
          abi: oracleAbi,
          eventName: "InferenceFulfilled",
          args: { requestId: BigInt(r.hubRequestId) },
          fromBlock: 0n,
        });
        expect(verified.map((e) => e.args.output)).toEqual([[stored.value]]);
        const hubEntity = await getRequestDetails(gql, r.hubRequestId);
        expect(hubEntity?.status).toBe("FULFILLED");
        expect(hubEntity?.delivery).toBe("DELIVERED");
        expect(hubEntity?.output).toEqual([String(stored.value)]);
        expect(hubEntity?.batch?.transactionHash).toBe(verified[0]?.transactionHash);
        if (r.chain === "zkvin-hub") {
          expect(r.hubRequestId).toBe(r.requestId);
          expect(hubEntity?.remote).toBe(false);
        } else {
          const result = await client.readContract({
            address: chain.contracts.ZkVinSpoke!,
            abi: oracleAbi,
            functionName: "resultOf",
            args: [requestId],
          });
          expect(result).toEqual([stored.value]);
          const spokeEntity = await getEntity(gql, "SpokeRequest", `${chain.eid}-${r.requestId}`);
          expect(spokeEntity?.status).toBe("FULFILLED");
          expect(spokeEntity?.callback).toBe("DELIVERED");
          expect(spokeEntity?.output).toEqual([String(stored.value)]);
          expect(spokeEntity?.hubRequest?.id).toBe(r.hubRequestId);
          expect(hubEntity?.remote).toBe(true);
        }
      }
      expect(rows.size).toBe(4); // four different sample inputs
      const fulfilled = await listEntities(gql, "InferenceRequest", { where: { status: "FULFILLED" } });
      // The four above and the Starknet row's hub request.
      expect(fulfilled).toHaveLength(4 + summary.starknet.requests.length);
      // Time travel over the demo's history (indexed by the WebAssembly mappings): each hub request as it
      // stood at the block that opened it (pending, no output yet), and not there one block earlier.
      for (const r of summary.requests) {
        const at = (await getRequestDetails(gql, r.hubRequestId))?.requestedAtBlock;
        const asOf = (block: number) =>
          gql.request<{ inferenceRequest: { status: string; output: string[] | null } | null }>(
            `{ inferenceRequest(id: "${r.hubRequestId}", block: { number: ${block} }) { status output } }`,
          );
        expect((await asOf(Number(at))).inferenceRequest).toEqual({ status: "PENDING", output: null });
        expect((await asOf(Number(at) - 1)).inferenceRequest).toBeNull();
      }

      // The Starknet row, read from starknet-devnet and the hub themselves.
      const sn = summary.starknet;
      // Installed when the file loaded: the row must be there (a background build may finish in between).
      if (starknetInstalled) expect(sn.ran).toBe(true);
      if (sn.ran) {
        expect(sn.requests).toHaveLength(1);
        const r = sn.requests[0]!;
        expect(r.index).toBe(5);
        const l2 = new RpcProvider({ nodeUrl: sn.rpcUrl! });
        const call = (entrypoint: string, calldata: string[]) =>
          l2.callContract({ contractAddress: sn.contracts!.consumer, entrypoint, calldata });
        expect(BigInt((await call("is_answered", [r.requestId]))[0]!)).toBe(1n);
        const stored = (await call("output_of", [r.requestId])).slice(1).map(signedFelt);
        expect(stored.map(String)).toEqual(r.outputFixed);
        const hubClient = createPublicClient({ transport: http(deployment.hub.rpcUrl) });
        const [verified] = await hubClient.getContractEvents({
          address: deployment.hub.contracts.InferenceMarket!,
          abi: oracleAbi,
          eventName: "InferenceFulfilled",
          args: { requestId: BigInt(r.hubRequestId) },
          fromBlock: 0n,
        });
        expect(verified?.args.output).toEqual(stored);
        const hubEntity = await getRequestDetails(gql, r.hubRequestId);
        expect(hubEntity).toMatchObject({ status: "FULFILLED", remote: true, output: stored.map(String) });
        expect(hubEntity?.batch?.transactionHash).toBe(verified?.transactionHash);
        expect(Math.abs(Number(stored[0]) / 2 ** outputScale - samples.onnxOutputs[r.sample]![0]!)).toBeLessThanOrEqual(
          5e-3,
        );
        expect(r.input).toEqual(samples.inputs[r.sample]);
        // The spoke settled the fee as the hub split it, and delivered once.
        const events = async (selector: string) =>
          (
            await l2.getEvents({
              address: sn.contracts!.spoke,
              from_block: { block_number: 0 },
              to_block: "latest",
              keys: [[selector], [`0x${BigInt(r.requestId).toString(16)}`]],
              chunk_size: 100,
            })
          ).events;
        expect(await events(SPOKE_EVENTS.ResultDelivered)).toHaveLength(1);
        expect(await events(SPOKE_EVENTS.InferenceFulfilled)).toHaveLength(1);
        const { node, modelOwner, protocol, refund } = r.split;
        expect(BigInt(node) + BigInt(modelOwner) + BigInt(protocol) + BigInt(refund)).toBe(BigInt(r.fee));
        for (const g of Object.values(r.gas)) expect(BigInt(g)).toBeGreaterThan(0n);
        expect(run.stdout).toMatch(new RegExp(`\\n\\s+5\\s+#${r.requestId}\\s+#${r.hubRequestId}\\s.*\\syes\\n`));
        expect(run.stdout).toMatch(/✓ prove, verify, call back .* 4\/4 consumer callbacks, 1\/1 Starknet answer/);
      } else {
        expect(sn.reason).toMatch(/not installed|still being built/);
      }

      // Ctrl-C after the summary is the normal way out of --keep.
      const ports = [
        ...summary.chains.map((c) => port(c.rpcUrl)),
        port(summary.graphqlUrl),
        port(summary.relayer.opsUrl),
        ...(sn.rpcUrl ? [port(sn.rpcUrl)] : []),
      ];
      for (const p of ports) expect(await portInUse(p)).toBe(true);
      run.child.kill("SIGINT");
      const exit = await run.exit;
      expect(exit).toEqual({ code: 0, signal: null });
      expect(run.stdout).toMatch(/✓ prove, verify, call back .* 4\/4 consumer callbacks/);
      expect(run.stdout).toMatch(/✓ query GraphQL .* 4 requests fulfilled and delivered/);
      expect(run.stdout).toMatch(/zk-VIN demo done in .*; everything it started is stopped/);
      if (sn.ran) expect([...run.seen.values()].join("\n")).toMatch(/starknet-devnet/);
      await expectNothingLeft(run, ports);
    } finally {
      if (!run.exited) run.child.kill("SIGKILL");
    }
  }, 600_000);

  it("stops everything and names the stage when interrupted mid-run", async () => {
    const json = path.join(work, "interrupted.json");
    const run = startDemo([
      "--json",
      json,
      "--out",
      path.join(work, "interrupted-local.json"),
      "--chain-id-base",
      "43200",
      "--no-starknet",
    ]);
    try {
      await until("the relayer to start", () => /✓ start relayer/.test(run.stdout) || run.exited, 300_000);
      expect(run.exited).toBe(false);
      run.child.kill("SIGINT");
      const exit = await run.exit;
      expect(exit).toEqual({ code: 130, signal: null });
      const named = /zk-VIN demo interrupted by SIGINT during stages? "([^"]+)"/.exec(run.stderr);
      expect(named, run.stderr).not.toBeNull();
      const stage = named![1]!;
      expect(run.stdout).toContain(`■ ${stage}`);
      const report = JSON.parse(readFileSync(json, "utf8")) as { ok: boolean; interrupted: string; stages: string[] };
      expect(report).toMatchObject({ ok: false, interrupted: "SIGINT", stage, stopFailures: [] });
      expect(report.stages).toContain(stage);
      expect(run.stdout).toMatch(/✓ stop everything/);
      const ports = [...run.stdout.matchAll(/http:\/\/127\.0\.0\.1:(\d+)/g)].map((m) => Number(m[1]));
      expect(ports.length).toBeGreaterThanOrEqual(3); // both chains and the relayer
      await expectNothingLeft(run, [...new Set(ports)]);
    } finally {
      if (!run.exited) run.child.kill("SIGKILL");
    }
  }, 360_000);

  it("exits 0 by itself once the requests are answered, says so when starknet-devnet is missing, and leaves nothing running", async () => {
    const json = path.join(work, "plain.json");
    // A machine without starknet-devnet: no cargo bin folder, nothing on PATH that has it.
    const noCargo = mkdtempSync(path.join(work, "no-cargo-"));
    const pathWithout = (process.env.PATH ?? "")
      .split(path.delimiter)
      .filter((dir) => !existsSync(path.join(dir, "starknet-devnet")))
      .join(path.delimiter);
    const run = startDemo(["--json", json, "--out", path.join(work, "plain-local.json"), "--chain-id-base", "43300"], {
      CARGO_HOME: noCargo,
      PATH: pathWithout,
      ZKVIN_STARKNET_DEVNET: "",
    });
    try {
      const exit = await run.exit;
      expect(exit, run.stderr).toEqual({ code: 0, signal: null });
      expect(run.stderr).toBe("");
      const summary = JSON.parse(readFileSync(json, "utf8")) as Summary;
      expect(summary.ok).toBe(true);
      expect(summary.requests).toHaveLength(4);
      // The summary table: every request with its output, and the GraphQL answer for it.
      for (const r of summary.requests) {
        expect(run.stdout).toMatch(
          new RegExp(`\\n\\s+${r.index}\\s+${r.chain}\\s+#${r.requestId}\\s+#${r.hubRequestId}\\s`),
        );
      }
      expect(run.stdout.match(/FULFILLED {2}DELIVERED/g)).toHaveLength(4);
      expect(summary.starknet).toMatchObject({ ran: false, requests: [] });
      expect(summary.starknet.reason).toMatch(/not installed|still being built/);
      expect(run.stdout).toMatch(
        /Starknet: starknet-devnet 0\.10\.1 is (not installed|still being built).*this run goes without the Starknet row/,
      );
      expect([...run.seen.values()].join("\n")).not.toMatch(/starknet-devnet/);
      const ports = [
        ...summary.chains.map((c) => port(c.rpcUrl)),
        port(summary.graphqlUrl),
        port(summary.relayer.opsUrl),
      ];
      await expectNothingLeft(run, ports);
    } finally {
      if (!run.exited) run.child.kill("SIGKILL");
    }
  }, 360_000);

  it("fails naming the stage when the relayer dies under it, and stops the rest", async () => {
    const json = path.join(work, "relayer-died.json");
    const run = startDemo([
      "--json",
      json,
      "--out",
      path.join(work, "died-local.json"),
      "--chain-id-base",
      "43400",
      "--no-starknet",
    ]);
    try {
      const started = await until(
        "the relayer to start",
        () => /✓ start relayer\s+\S+ s\s+pid (\d+)/.exec(run.stdout) ?? (run.exited && "exited"),
        300_000,
      );
      expect(started).not.toBe("exited");
      const pid = Number((started as RegExpExecArray)[1]);
      expect(run.seen.get(pid)).toMatch(/zkvin-relayer/);
      process.kill(pid, "SIGKILL");
      const exit = await run.exit;
      expect(exit).toEqual({ code: 1, signal: null });
      const failed = /zk-VIN demo failed at stage "([^"]+)": .*the relayer exited \(SIGKILL\)/.exec(run.stderr);
      expect(failed, run.stderr).not.toBeNull();
      expect(run.stdout).toContain(`✗ ${failed![1]}`);
      const report = JSON.parse(readFileSync(json, "utf8")) as { ok: boolean; stage: string; logFile: string };
      expect(report).toMatchObject({ ok: false, stage: failed![1], stages: [failed![1]], stopFailures: [] });
      expect(run.stderr).toContain(path.relative(repoRoot, report.logFile));
      const ports = [...run.stdout.matchAll(/http:\/\/127\.0\.0\.1:(\d+)/g)].map((m) => Number(m[1]));
      await expectNothingLeft(run, [...new Set(ports)]);
    } finally {
      if (!run.exited) run.child.kill("SIGKILL");
    }
  }, 360_000);

  it("refuses bad options before starting anything", async () => {
    for (const [args, message] of [
      [["--model", "mlp"], /model "mlp" has no example consumer/],
      [["--model", "resnet"], /unknown model "resnet"/],
      [["--requests", "0"], /expected an integer in 1\.\.32, got "0"/],
    ] as const) {
      const run = startDemo([...args]);
      const exit = await run.exit;
      expect(exit.code).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(run.stdout).toBe("");
      expect(run.seen.size).toBe(0);
    }
  }, 60_000);

  it("names the first stage when Redis cannot be had", async () => {
    const json = path.join(work, "no-redis.json");
    // A non-local Redis URL that does not answer: the project's Redis helper refuses to start one.
    const run = startDemo(["--json", json], { ZKVIN_REDIS_URL: "redis://192.0.2.1:6379" });
    const exit = await run.exit;
    expect(exit.code).toBe(1);
    expect(run.stderr).toMatch(/zk-VIN demo failed at stage "start redis": .*192\.0\.2\.1/);
    expect(JSON.parse(readFileSync(json, "utf8"))).toMatchObject({ ok: false, stage: "start redis" });
  }, 60_000);
});
