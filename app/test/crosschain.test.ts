// End to end, everything real: two anvil chains with LayerZero V2's contracts, the hub and a spoke, the
// linear-regression benchmark model compiled with EZKL and registered (batch 1 and batch 4), a staked
// node, Redis, EZKL proving workers, and the relayer (node pipeline + LayerZero carrier). A consumer asks
// for inferences and its callback must receive exactly the output the model gives for its input.

import { silentLogger } from "@zk-vin/chain-kit";
import { dequantize } from "@zk-vin/prover";
import { INFERENCE_KIND, type Relayer, startRelayer } from "@zk-vin/relayer";
import { parseAbi, parseEventLogs } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  benchmarkSamples,
  fixedInput,
  marketOracleAbi,
  parseStackConfig,
  requestValue,
  type Stack,
  spokeOracleAbi,
  startStack,
  type ValueRequest,
  valueUpdates,
  waitFor,
} from "./support/stack.js";

/** A cold start compiles the contracts with the wasm solc: minutes on a busy 2-core machine. */
const COLD_START_MS = 20 * 60_000;

const samples = benchmarkSamples("linear_regression");
/** Fixed-point rounding of inputs (scale 13) and weights bounds the error; the prover's tests use the same. */
const TOLERANCE = 5e-3;

const settledAbi = parseAbi([
  "event FulfilmentSettled(address indexed node, uint256 indexed modelId, address modelOwner, uint256 requests, uint256 nodeAmount, uint256 royaltyAmount, uint256 protocolAmount)",
]);

describe("requests from the hub chain and from a spoke chain", () => {
  let stack: Stack;
  let relayer: Relayer;

  beforeAll(async () => {
    stack = await startStack({
      chainIdBase: 42_100,
      spokes: 1,
      models: [{ model: "linear_regression" }, { model: "linear_regression", batchSize: 4 }],
    });
    relayer = await startRelayer({ config: await parseStackConfig(stack.relayerConfig()), logger: silentLogger });
    await stack.devnet.waitForModelSync({ timeoutMs: 60_000 });
  }, COLD_START_MS);

  afterAll(async () => {
    await relayer?.stop();
    await stack?.stop();
  });

  it("delivers the proven output to a consumer on the hub chain", async () => {
    const { hub } = stack.devnet;
    const model = stack.devnet.model("linear_regression");
    const consumer = model.consumers[hub.name]!;
    const scale = model.manifest.inputs[0]!.scale;
    const outScale = model.manifest.outputs[0]!.scale;
    const sent = await requestValue({
      chain: hub,
      modelId: model.modelId,
      consumer,
      input: fixedInput(samples.inputs[0]!, scale),
      label: "hub-0",
    });

    const updates = await waitFor("the hub consumer's callback", async () =>
      (await valueUpdates(hub, consumer)).get(sent.requestId),
    );
    expect(updates).toHaveLength(1);
    const value = updates[0]!.value;
    expect(Math.abs(dequantize(value, outScale) - samples.reference[0]![0]!)).toBeLessThan(TOLERANCE);

    // The consumer got exactly what the market decoded from the verified proof.
    const fulfilled = await hub.anvil.publicClient.getContractEvents({
      address: hub.contracts.InferenceMarket!,
      abi: marketOracleAbi,
      eventName: "InferenceFulfilled",
      args: { requestId: sent.requestId },
      fromBlock: 0n,
    });
    expect(fulfilled).toHaveLength(1);
    expect((fulfilled[0]!.args as { output: readonly bigint[] }).output).toEqual([value]);
    // The outbox records the fulfilment right after it is mined.
    const entry = await waitFor("the assignment's final state", async () => {
      const entries = await relayer.store.list({ kind: INFERENCE_KIND, limit: 100 });
      const e = entries.find((x) => x.key.startsWith(`${sent.requestId}@`));
      return e && e.status !== "pending" ? e : undefined;
    });
    expect(entry).toMatchObject({ status: "done", outcome: "fulfilled" });
  });

  it("delivers the proven output to a consumer on a spoke chain over LayerZero", async () => {
    const spoke = stack.devnet.spokes[0]!;
    const model = stack.devnet.model("linear_regression");
    const consumer = model.consumers[spoke.name]!;
    const scale = model.manifest.inputs[0]!.scale;
    const outScale = model.manifest.outputs[0]!.scale;
    const requests: ValueRequest[] = [];
    for (const [i, row] of samples.inputs.entries()) {
      requests.push(
        await requestValue({
          chain: spoke,
          modelId: model.modelId,
          consumer,
          input: fixedInput(row, scale),
          label: `spoke-${i}`,
        }),
      );
    }
    const updates = await waitFor("every spoke callback", async () => {
      const all = await valueUpdates(spoke, consumer);
      return requests.every((r) => all.has(r.requestId)) ? all : undefined;
    });
    for (const [i, r] of requests.entries()) {
      const got = updates.get(r.requestId)!;
      expect(got).toHaveLength(1);
      expect(Math.abs(dequantize(got[0]!.value, outScale) - samples.reference[i]![0]!)).toBeLessThan(TOLERANCE);
    }
    // The spoke settled each request once, with the hub's output.
    const onSpoke = await spoke.anvil.publicClient.getContractEvents({
      address: spoke.contracts.ZkVinSpoke!,
      abi: spokeOracleAbi,
      eventName: "InferenceFulfilled",
      fromBlock: 0n,
    });
    for (const r of requests) {
      const settled = onSpoke.filter((e) => (e.args as { requestId: bigint }).requestId === r.requestId);
      expect(settled).toHaveLength(1);
      expect((settled[0]!.args as { output: readonly bigint[] }).output).toEqual([updates.get(r.requestId)![0]!.value]);
    }
  });

  it("proves requests of a batch-4 model together and fulfils them in one transaction", async () => {
    const spoke = stack.devnet.spokes[0]!;
    const model = stack.devnet.model("linear_regression_b4");
    const consumer = model.consumers[spoke.name]!;
    const scale = model.manifest.inputs[0]!.scale;
    const outScale = model.manifest.outputs[0]!.scale;
    const requests = await Promise.all(
      samples.inputs.map((row, i) =>
        requestValue({
          chain: spoke,
          modelId: model.modelId,
          consumer,
          input: fixedInput(row, scale),
          label: `batch-${i}`,
        }),
      ),
    );
    const updates = await waitFor("every batched callback", async () => {
      const all = await valueUpdates(spoke, consumer);
      return requests.every((r) => all.has(r.requestId)) ? all : undefined;
    });
    for (const [i, r] of requests.entries()) {
      expect(updates.get(r.requestId)).toHaveLength(1);
      expect(
        Math.abs(dequantize(updates.get(r.requestId)![0]!.value, outScale) - samples.reference[i]![0]!),
      ).toBeLessThan(TOLERANCE);
    }
    // Fewer proofs than requests: at least one fulfilment carried several of them.
    const hub = stack.devnet.hub;
    const logs = await hub.anvil.publicClient.getLogs({ address: hub.contracts.InferenceMarket!, fromBlock: 0n });
    const settled = parseEventLogs({ abi: settledAbi, logs }).filter((e) => e.args.modelId === model.modelId);
    expect(settled.reduce((n, e) => n + Number(e.args.requests), 0)).toBe(requests.length);
    expect(settled.length).toBeLessThan(requests.length);
  });
});
