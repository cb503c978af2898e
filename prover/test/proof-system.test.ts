// The EZKL proof system end to end through TypeScript: compile (real EZKL via the Python compiler),
// prove in a long-lived proving process, verify, and see a changed instance rejected.
import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Hex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ArtifactError, InvalidInputError, UnknownModelError } from "../src/errors.js";
import { EzklProofSystem } from "../src/ezkl/ezkl-proof-system.js";
import { wordToSigned } from "../src/fixed-point.js";
import type { CompiledModel } from "../src/proof-system.js";
import { validateInputs } from "../src/validation.js";
import { compileBenchmark, modelsDir, samples, store } from "./helpers.js";

const system = new EzklProofSystem({ device: "auto" });
let model: CompiledModel;

beforeAll(async () => {
  model = await compileBenchmark("linear_regression", 1);
});
afterAll(() => system.close());

describe("EzklProofSystem", () => {
  it("compiles to a content-addressed artifact with a manifest", async () => {
    expect(model.artifactDir).toBe(path.join(store.root, model.artifactId));
    expect(model.manifest.inputs[0]!.visibility).toBe("public");
    expect(model.manifest.outputs[0]!.visibility).toBe("public");
    expect(model.manifest.params.visibility).toBe("fixed");
    expect(model.manifest.srs.kind).toBe("dev-insecure");
    expect(model.manifest.warnings?.[0]).toMatch(/INSECURE/);
    expect(await store.verify(model.artifactId)).toEqual(model.manifest);
    const again = await compileBenchmark("linear_regression", 1);
    expect(again.artifactId).toBe(model.artifactId);
  });

  it("proves, verifies, and rejects a changed input or output instance", async () => {
    const s = samples("linear_regression");
    const { inputsFixed } = validateInputs(model.manifest, { inputs: [s.inputs[0]!] });
    const stages: string[] = [];
    const out = await system.prove({
      artifactDir: model.artifactDir,
      inputsFixed,
      verify: true,
      onProgress: (st) => stages.push(st),
    });
    expect(stages).toEqual(["witness", "prove", "verify"]);
    expect(out.verified).toBe(true);
    expect(out.instances).toHaveLength(5);
    expect(out.instances.slice(0, 4).map(wordToSigned)).toEqual(inputsFixed[0]!.map(BigInt));
    expect(wordToSigned(out.instances[4]!)).toBe(BigInt(out.outputsFixed[0]![0]!));
    expect(out.outputs[0]![0]).toBeCloseTo(s.onnxOutputs[0]![0]!, 2);
    expect(await system.verify({ artifactDir: model.artifactDir, proof: out.proof, instances: out.instances })).toBe(
      true,
    );
    for (const index of [0, 4]) {
      const tampered = [...out.instances];
      tampered[index] = `0x${(BigInt(tampered[index]!) ^ 1n).toString(16).padStart(64, "0")}` as Hex;
      expect(await system.verify({ artifactDir: model.artifactDir, proof: out.proof, instances: tampered })).toBe(
        false,
      );
    }
    const vka = JSON.parse(await readFile(path.join(model.artifactDir, "vka.json"), "utf8")) as { words: Hex[] };
    expect(system.calldata({ proof: out.proof, instances: out.instances, vka: vka.words })).toBe(out.calldata);
  });

  it("reports typed errors from the proving process and keeps serving", async () => {
    await expect(system.prove({ artifactDir: model.artifactDir, inputsFixed: [["1", "2"]] })).rejects.toMatchObject({
      constructor: InvalidInputError,
      field: "inputsFixed[0]",
    });
    await expect(
      system.prove({ artifactDir: path.join(modelsDir, "linear_regression"), inputsFixed: [["1", "2", "3", "4"]] }),
    ).rejects.toBeInstanceOf(ArtifactError);
    const ping = await system.proc().request<{ pid: number }>("ping", {});
    expect(ping.pid).toBe(system.proc().pid);
  });

  it("names an unknown artifact", async () => {
    await expect(store.resolve("0".repeat(64))).rejects.toBeInstanceOf(UnknownModelError);
    await expect(store.resolve("not-an-id")).rejects.toMatchObject({ field: "artifactId" });
  });
});
