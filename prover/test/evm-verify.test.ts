// The committed hub fixtures on a real EVM: EZKL's generated verifiers compiled with solc and run
// on anvil accept each fixture's proof, and revert once any instance changes.
import { readFileSync } from "node:fs";
import path from "node:path";
import { type Address, encodeFunctionData, type Hex } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { modelVerifierAbi, reusableVerifierAbi } from "../src/evm/abi.js";
import { compileSolidity, type LocalChain, startLocalChain } from "../src/evm/local-chain.js";
import { proverRoot } from "../src/paths.js";
import { fixturesDir } from "./helpers.js";

const generated = path.join(proverRoot, "..", "contracts-evm", "src", "verifiers", "ezkl", "generated");
const withVerifier = ["linear_regression", "linear_regression_b4", "linear_regression_b16"];
const fixtures = [
  "linear_regression",
  "linear_regression_b4",
  "linear_regression_b16",
  "random_forest",
  "svm_classification",
  "tree_ensemble_regression",
  "mlp",
];

interface ProofFixture {
  proof: Hex;
  instances: Hex[];
  vkaDigest: Hex;
  calldata: Hex;
  verifierCalldata: Hex | null;
  verifierContract: string | null;
}
const load = <T>(fixture: string, file: string): T =>
  JSON.parse(readFileSync(path.join(fixturesDir, fixture, file), "utf8")) as T;

let chain: LocalChain;
let reusable: Address;

beforeAll(async () => {
  chain = await startLocalChain();
  reusable = await chain.deploy(
    compileSolidity({ file: path.join(generated, "Halo2VerifierReusable.sol"), contract: "Halo2VerifierReusable" }),
  );
});
afterAll(() => chain?.stop());

function flip(word: Hex): Hex {
  return `0x${(BigInt(word) ^ 1n).toString(16).padStart(64, "0")}`;
}

describe.each(fixtures)("fixture %s", (fixture) => {
  const proof = load<ProofFixture>(fixture, "proof.json");
  const vka = load<{ words: Hex[] }>(fixture, "vka.json").words;

  it("verifies through Halo2VerifierReusable once its VKA is registered, and rejects changed instances", async () => {
    const call = (instances: Hex[], words = vka) =>
      chain.client.call({
        to: reusable,
        data: encodeFunctionData({
          abi: reusableVerifierAbi,
          functionName: "verifyProof",
          args: [proof.proof, instances.map(BigInt), words],
        }),
      });
    expect(
      encodeFunctionData({
        abi: reusableVerifierAbi,
        functionName: "verifyProof",
        args: [proof.proof, proof.instances.map(BigInt), vka],
      }),
    ).toBe(proof.calldata);
    await expect(call(proof.instances)).rejects.toThrow(/VKA not registered/);
    const hash = await chain.client.writeContract({
      address: reusable,
      abi: reusableVerifierAbi,
      functionName: "registerVka",
      args: [vka],
    });
    await chain.client.waitForTransactionReceipt({ hash });
    const ok = await call(proof.instances);
    // Return data: [1, vka digest, ...] (not ABI-decodable; see prover/docs/instances.md).
    expect(BigInt(`0x${ok.data!.slice(2, 66)}`)).toBe(1n);
    expect(`0x${ok.data!.slice(66, 130)}`).toBe(proof.vkaDigest);
    for (const index of [0, proof.instances.length - 1]) {
      const tampered = [...proof.instances];
      tampered[index] = flip(tampered[index]!);
      await expect(call(tampered)).rejects.toThrow();
    }
    const other = load<{ words: Hex[] }>(fixture, "vka-other-srs.json").words;
    const h2 = await chain.client.writeContract({
      address: reusable,
      abi: reusableVerifierAbi,
      functionName: "registerVka",
      args: [other],
    });
    await chain.client.waitForTransactionReceipt({ hash: h2 });
    await expect(call(proof.instances, other)).rejects.toThrow();
  });
});

describe.each(withVerifier)("fixture %s", (fixture) => {
  const proof = load<ProofFixture>(fixture, "proof.json");

  it("verifies through its own generated verifier, and rejects a changed instance", async () => {
    const name = proof.verifierContract!;
    const address = await chain.deploy(compileSolidity({ file: path.join(generated, `${name}.sol`), contract: name }));
    expect(
      encodeFunctionData({
        abi: modelVerifierAbi,
        functionName: "verifyProof",
        args: [proof.proof, proof.instances.map(BigInt)],
      }),
    ).toBe(proof.verifierCalldata);
    const ok = await chain.client.call({ to: address, data: proof.verifierCalldata! });
    expect(BigInt(ok.data!)).toBe(1n);
    const tampered = [...proof.instances];
    tampered[0] = flip(tampered[0]!);
    const data = encodeFunctionData({
      abi: modelVerifierAbi,
      functionName: "verifyProof",
      args: [proof.proof, tampered.map(BigInt)],
    });
    await expect(chain.client.call({ to: address, data })).rejects.toThrow();
  });
});
