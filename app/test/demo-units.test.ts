// The demo's parts that do not need a network: the progress display (terminal and plain), the stop order,
// the sweep of leftover processes (real child processes), the run log, the benchmark samples, the result
// checks (EVM and Starknet rows), whether the Starknet row runs, and the summary tables. The whole demo
// runs in demo.test.ts.
import { spawn } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { DemoOptionError, DemoResultError } from "../src/demo/errors.js";
import { RunLog } from "../src/demo/log.js";
import { checkRequest, type MeasuredRequest } from "../src/demo/measure.js";
import { commandOf, descendants, endProcesses, isAlive } from "../src/demo/processes.js";
import { Progress } from "../src/demo/progress.js";
import { DEMO_MODELS, demoModel, OUTPUT_TOLERANCE, parseSamples, readSamples } from "../src/demo/samples.js";
import { Stoppers } from "../src/demo/services.js";
import {
  checkStarknetRequest,
  STARKNET_DEMO_FEE,
  type StarknetMeasured,
  starknetPlan,
  summariseStarknet,
} from "../src/demo/starknet.js";
import { renderStarknet, table, units } from "../src/demo/summary.js";
import type { StarknetDevnet } from "../src/devnet/starknet.js";

const work = mkdtempSync(path.join(os.tmpdir(), "zkvin-demo-units-"));
afterAll(() => rmSync(work, { recursive: true, force: true }));

class Capture extends Writable {
  text = "";
  columns = 60;
  override _write(chunk: Buffer, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(fn: () => boolean, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!fn()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await sleep(20);
  }
}

describe("progress display", () => {
  it("writes one line per finished stage off a terminal, and nothing while stages run", async () => {
    const out = new Capture();
    const p = new Progress({ out, tty: false });
    p.start("start chains");
    p.start("build contracts");
    p.detail("build contracts", "12 files");
    expect(p.active()).toEqual(["start chains", "build contracts"]);
    await sleep(20);
    expect(out.text).toBe("");
    p.done("start chains", "2 chains");
    p.fail("build contracts", "forge failed");
    p.start("send requests");
    p.interrupt();
    p.close();
    const lines = out.text.trimEnd().split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^ {2}✓ start chains +\d+\.\d s {2}2 chains$/);
    expect(lines[1]).toMatch(/^ {2}✗ build contracts +\d+\.\d s {2}forge failed$/);
    expect(lines[2]).toMatch(/^ {2}■ send requests +\d+\.\d s {2}interrupted$/);
    expect(p.active()).toEqual([]);
  });

  it("draws a spinner line with every running stage on a terminal, cut to its width", async () => {
    const out = new Capture();
    const p = new Progress({ out, tty: true, frameMs: 10 });
    p.start("prove, verify, call back");
    p.detail("prove, verify, call back", "2/4 callbacks");
    p.start("another stage with a long name that does not fit");
    await sleep(60);
    p.done("prove, verify, call back");
    p.close();
    expect(out.text.startsWith("\x1b[?25l")).toBe(true); // cursor hidden while drawing
    expect(out.text.endsWith("\x1b[?25h")).toBe(true); // and shown again
    const frames = out.text.split("\r\x1b[2K").filter((f) => /[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏]/.test(f));
    expect(frames.length).toBeGreaterThan(1);
    expect(frames.some((f) => f.includes("2/4 callbacks"))).toBe(true);
    for (const f of frames) expect(f.split("\n")[0]!.length).toBeLessThanOrEqual(out.columns - 1);
    expect(out.text).toMatch(/ {2}✓ prove, verify, call back +\d+\.\d s\n/);
  });
});

describe("stopping", () => {
  it("stops in reverse order, reports a failure or a hang, and still stops the rest", async () => {
    const order: string[] = [];
    const s = new Stoppers();
    s.add("redis", () => {
      order.push("redis");
    });
    s.add("chains", async () => {
      order.push("chains");
      throw new Error("anvil did not answer");
    });
    s.add("relayer", () => new Promise(() => order.push("relayer"))); // never settles
    s.add("endpoint", () => {
      order.push("endpoint");
    });
    const failures = await s.stopAll({ timeoutMs: 100 });
    expect(order).toEqual(["endpoint", "relayer", "chains", "redis"]);
    expect(failures).toEqual(["relayer: did not stop within 0.1 s", "chains: anvil did not answer"]);
    expect(await s.stopAll()).toEqual([]); // each is stopped once
  });

  it("ends leftover descendants, a recorded orphan too, and spares the helpers it is told to", async () => {
    // root: sh with a direct child (the helper to spare) and an inner sh whose own child becomes an orphan.
    const root = spawn("sh", ["-c", "sleep 60 & echo $!; sh -c 'sleep 60 & echo $!; wait' & wait"], {
      stdio: ["ignore", "pipe", "ignore"],
    });
    let printed = "";
    const [helper, orphan] = await new Promise<number[]>((resolve) =>
      root.stdout.on("data", (d: Buffer) => {
        printed += d.toString();
        const pids = printed.trim().split(/\s+/).map(Number);
        if (pids.length === 2) resolve(pids);
      }),
    );
    try {
      const known = descendants(root.pid);
      expect(known).toEqual(expect.arrayContaining([helper, orphan]));
      expect(descendants()).toEqual(expect.arrayContaining([root.pid, helper, orphan]));
      expect(commandOf(orphan!)).toBe("sleep 60");
      const inner = known.find((pid) => pid !== helper && pid !== orphan)!;
      expect(commandOf(inner)).toMatch(/^sh -c/);
      // The orphan's parent ends first: it is nobody's descendant any more, only `known` still names it.
      process.kill(inner, "SIGKILL");
      await until(() => !descendants(root.pid).includes(inner));
      expect(descendants(root.pid)).not.toContain(orphan);
      const ended = await endProcesses({ root: root.pid, known, spare: new Set([helper!]), graceMs: 2000 });
      expect(ended).toEqual([{ pid: orphan, command: "sleep 60" }]);
      expect(isAlive(orphan!)).toBe(false);
      expect(isAlive(helper!)).toBe(true);
      process.kill(helper!, "SIGKILL");
      await until(() => !isAlive(helper!));
      expect(descendants(root.pid)).toEqual([]);
      expect(await endProcesses({ root: root.pid })).toEqual([]);
    } finally {
      root.kill("SIGKILL");
      for (const pid of [helper, orphan]) if (pid && isAlive(pid)) process.kill(pid, "SIGKILL");
    }
  });
});

describe("run log", () => {
  it("gives each run a folder, keeps the five newest, and writes library logs with their fields", () => {
    const root = path.join(work, "demo");
    mkdirSync(root, { recursive: true });
    for (let i = 0; i < 6; i++) mkdirSync(path.join(root, `2026010${i}T000000-${100 + i}`));
    mkdirSync(path.join(root, "not-a-run"));
    const log = RunLog.create(root);
    const runs = readdirSync(root).filter((d) => /^\d{8}T\d{6}-\d+$/.test(d));
    expect(runs).toHaveLength(5);
    expect(runs).not.toContain("20260100T000000-100");
    expect(existsSync(path.join(root, "not-a-run"))).toBe(true);
    log.write("devnet", "forge build: 1.0 s\nsecond line");
    const logger = log.logger("subgraph", "info").child({ chain: "zkvin-hub" });
    logger.debug({ hidden: true }, "below the level");
    logger.info({ block: 12n, err: new Error("boom") }, "indexed");
    log.close();
    log.write("late", "dropped, not thrown");
    const lines = readFileSync(log.file, "utf8").trimEnd().split("\n");
    expect(lines).toHaveLength(3);
    expect(lines[0]).toMatch(/^\S+Z \[devnet\] forge build: 1\.0 s$/);
    expect(lines[1]).toMatch(/\[devnet\] second line$/);
    expect(lines[2]).toMatch(/\[subgraph\] info indexed {"chain":"zkvin-hub","block":"12","err":"boom"}$/);
  });
});

describe("models and samples", () => {
  it("runs the regression benchmarks and says why it refuses the others", () => {
    for (const m of DEMO_MODELS) expect(demoModel(m)).toBe(m);
    expect(() => demoModel("mlp")).toThrow(/no example consumer/);
    const unknown = (() => {
      try {
        demoModel("resnet");
      } catch (error) {
        return error;
      }
    })();
    expect(unknown).toBeInstanceOf(DemoOptionError);
    expect((unknown as DemoOptionError).value).toBe("resnet");
  });

  it("reads the committed benchmark data: inputs with the ONNX model's own outputs", () => {
    const s = readSamples("linear_regression");
    expect(s.inputs.length).toBeGreaterThanOrEqual(4);
    expect(s.expected).toHaveLength(s.inputs.length);
    expect(s.inputs[0]).toHaveLength(4);
    expect(s.expected[0]![0]).toBeCloseTo(1.0207, 3);
    expect(s.tolerance).toBe(OUTPUT_TOLERANCE.linear_regression);
  });
});

describe("result checks", () => {
  const base = (): MeasuredRequest =>
    ({
      request: { index: 1, chain: { name: "zkvin-spoke-1" }, requestId: 7n, expected: [1.02075] },
      hubRequestId: 9n,
      stored: { value: 68_531_639n, requestId: 7n, updatedAt: 1n, sequence: 1n },
      delivered: [68_531_639n],
      outputScale: 26,
      fulfilment: { output: [68_531_639n] },
    }) as unknown as MeasuredRequest;

  it("accepts a stored value that answers its request and is the model's output", () => {
    expect(() => checkRequest(base(), 5e-3)).not.toThrow();
  });

  it("refuses a value answering another request, a delivery unlike the verified output, and a wrong output", () => {
    const other = base();
    other.stored.requestId = 8n;
    expect(() => checkRequest(other, 5e-3)).toThrow(/answers request 8/);
    const altered = base();
    altered.delivered = [68_531_640n];
    expect(() => checkRequest(altered, 5e-3)).toThrow(/the hub verified \[68531639\]/);
    const wrong = base();
    wrong.delivered = [wrong.fulfilment.output[0]! + 2n ** 20n];
    wrong.fulfilment.output = wrong.delivered;
    wrong.stored.value = wrong.delivered[0]!;
    expect(() => checkRequest(wrong, 5e-3)).toThrow(DemoResultError);
    expect(() => checkRequest(wrong, 5e-3)).toThrow(/the model gives 1.02075/);
  });
});

describe("the Starknet row", () => {
  it("runs when starknet-devnet is installed, and otherwise says why it is left out", () => {
    const bin = "/root/.cargo/bin/starknet-devnet";
    expect(starknetPlan({ wanted: true, state: { kind: "installed", bin } })).toEqual({ run: true, bin });
    expect(starknetPlan({ wanted: false, state: { kind: "installed", bin } })).toEqual({
      run: false,
      reason: "left out (--no-starknet)",
    });
    const missing = starknetPlan({ wanted: true, state: { kind: "missing" } });
    expect(missing.run).toBe(false);
    expect(!missing.run && missing.reason).toMatch(/not installed \(`npm run setup` builds it with cargo/);
    const building = starknetPlan({ wanted: true, state: { kind: "building", pid: 4242, log: "/x/install.log" } });
    expect(!building.run && building.reason).toMatch(/still being built .*pid 4242, log \/x\/install\.log/);
  });

  // A measured Starknet request as the demo reads it from both chains (figures from a real run).
  const measured = (): StarknetMeasured => ({
    asked: {
      index: 5,
      sample: 0,
      input: [-0.0854, 0.0507, -0.0407, -0.0332],
      inputFixed: [-700n, 415n, -333n, -272n],
      expected: [1.02075],
      requestId: 1n,
      fee: STARKNET_DEMO_FEE,
      transactionHash: "0x0a5c",
      sentAt: 1_000,
      fromBlock: 7,
    },
    stored: [68_531_639n],
    settled: [68_531_639n],
    verified: [68_531_639n],
    deliveries: 1,
    outputScale: 26,
    hubRequestId: 5n,
    split: { node: 4n * 10n ** 15n, modelOwner: 10n ** 15n, protocol: 5n * 10n ** 14n, refund: 45n * 10n ** 14n },
    payees: { node: 0x111n, modelOwner: 0x222n },
    expectedPayees: { node: 0x111n, modelOwner: 0x222n },
    transactions: { ask: "0x0a5c", consume: "0xc0", fulfil: "0xf0", l1Handler: "0x0b1", deliver: "0x0de1" },
    gas: { consume: 250_000n, fulfil: 700_000n, reply: 90_000n },
    requestsInProof: 1,
    proofBytes: 3_904,
    provingMs: 2_100,
    l2Fees: { ask: 3n * 10n ** 15n, deliver: 2n * 10n ** 15n },
    l1MessageFee: 10n ** 14n,
    latencyMs: 9_800,
  });

  it("accepts a stored value that is the hub's verified output and the model's, delivered once, fee accounted for", () => {
    expect(() => checkStarknetRequest(measured(), 5e-3)).not.toThrow();
  });

  it("refuses a stored or settled value unlike the verified one, a second delivery, a wrong output, a lost unit of fee, a stranger paid", () => {
    const cases: Array<[(m: StarknetMeasured) => void, RegExp]> = [
      [(m) => (m.stored = [68_531_640n]), /Cairo consumer stored \[68531640\] but the hub verified \[68531639\]/],
      [(m) => (m.settled = [1n]), /the hub verified \[68531639\] but the spoke settled \[1\]/],
      [(m) => (m.deliveries = 2), /delivered 2 times, not once/],
      [(m) => (m.deliveries = 0), /delivered 0 times/],
      [
        (m) => {
          const off = [m.verified[0]! + 2n ** 20n];
          m.stored = off;
          m.settled = off;
          m.verified = off;
        },
        /the model gives 1\.02075 for this input/,
      ],
      [(m) => (m.split.refund -= 1n), /does not add up to the fee 10000000000000000/],
      [(m) => (m.payees.node = 0x999n), /payees other than the node's and the model owner's/],
    ];
    for (const [spoil, message] of cases) {
      const m = measured();
      spoil(m);
      expect(() => checkStarknetRequest(m, 5e-3)).toThrow(DemoResultError);
      expect(() => checkStarknetRequest(m, 5e-3)).toThrow(message);
    }
  });

  it("renders the row with gas, fees and split, or the reason it did not run", () => {
    const sn = {
      process: { rpcUrl: "http://127.0.0.1:5050/rpc" },
      chainId: "0x534e5f5345504f4c4941",
      contracts: { spoke: `0x${"5".repeat(63)}`, consumer: `0x${"c".repeat(63)}` },
      hub: { gateway: `0x${"6".repeat(40)}`, messaging: `0x${"7".repeat(40)}` },
    } as unknown as StarknetDevnet;
    const summary = summariseStarknet(sn, [measured()]);
    expect(summary.requests[0]).toMatchObject({ index: 5, output: [68_531_639 / 2 ** 26], fee: "10000000000000000" });
    const text = renderStarknet(summary, 5e-3).join("\n");
    expect(text).toContain("starknet-devnet http://127.0.0.1:5050/rpc");
    expect(text).toMatch(/\n\s+5\s+#1\s+#5\s+\[.*\]\s+1\.02\d+\s+1\.020750\s+\S+\s+yes\n/);
    expect(text).toMatch(
      /\n\s+5\s+3,904 B\s+2100 ms\s+250,000\s+700,000\s+90,000\s+9\.8 s\s+0\.003\s+0\.002\s+0\.0001\n/,
    );
    expect(text).toContain("fee 0.01 STRK: node 0.004, model owner 0.001, protocol 0.0005, refund 0.0045");
    expect(units(99_999_000_009n)).toBe("0.000000099999000009");
    expect(units(10n ** 18n)).toBe("1");
    expect(units(0n)).toBe("0");
    expect(renderStarknet({ ran: false, reason: "left out (--no-starknet)", requests: [] }, 5e-3)).toEqual([
      "Starknet: left out (--no-starknet)",
      "",
    ]);
  });
});

describe("summary tables", () => {
  it("pads columns to their widest cell, right-aligning numbers", () => {
    const lines = table(
      [{ title: "#", align: "right" }, { title: "chain" }, { title: "gas", align: "right" }],
      [
        ["1", "zkvin-spoke-1", "85,153"],
        ["12", "zkvin-hub", "1,004,901"],
      ],
    );
    expect(lines).toEqual([
      "   #  chain                gas",
      "  ──  ─────────────  ─────────",
      "   1  zkvin-spoke-1     85,153",
      "  12  zkvin-hub      1,004,901",
    ]);
  });
});

describe("bad benchmark data", () => {
  it("names the file when samples are missing or malformed", () => {
    const file = path.join(work, "samples.json");
    writeFileSync(file, JSON.stringify({ inputs: [[1, 2]], onnxOutputs: [] }));
    expect(() => parseSamples({ model: "linear_regression", file })).toThrow(/equally long lists/);
    expect(() => parseSamples({ model: "linear_regression", file: path.join(work, "missing.json") })).toThrow(
      /cannot read the benchmark samples/,
    );
  });
});
