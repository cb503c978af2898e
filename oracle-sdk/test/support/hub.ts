// The hub on a real anvil, deployed with contracts-evm's own forge script (script/DeployHub.s.sol), and
// the prover's committed EZKL fixtures (real proofs, VKAs on the development SRS) to register and fulfil.
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import {
  type ContractSource,
  contractsDir,
  FORGE_OUT,
  forgeBuild,
  readArtifact,
  repoRoot,
  runForge,
} from "@zk-vin/chain-kit/devchain";
import { type Abi, type Address, getAddress, type Hex, parseAbi } from "viem";
import { createZkVinClient } from "../../src/client.js";
import type { Deployment } from "../../src/deployment.js";
import { fromFieldElement, type InputBound, type ModelLayout } from "../../src/encoding.js";
import { ANVIL_KEYS, type Anvil } from "./anvil.js";

export const fixturesDir = path.join(repoRoot, "prover", "fixtures");
/** LayerZero endpoint id the tests give their hub (a local range: no public chain uses it). */
export const TEST_HUB_EID = 40_101;

export interface HubSettings {
  epochBlocks: number;
  fulfilmentWindowBlocks: number;
  maxReassignments: number;
}

export const DEFAULT_SETTINGS: HubSettings = { epochBlocks: 5, fulfilmentWindowBlocks: 4, maxReassignments: 1 };

/**
 * Runs `forge script script/DeployHub.s.sol --broadcast` against `anvil` (key 0 deploys and administers;
 * the treasury is key 5) and returns the deployment in deployments/schema.json's format. With
 * `stakeToken` the node pool takes stake in that ERC-20 instead of the native token.
 */
export function deployHub(
  anvil: Anvil,
  settings: HubSettings = DEFAULT_SETTINGS,
  options: { stakeToken?: Address } = {},
): Deployment {
  const outDir = path.join(contractsDir, FORGE_OUT, "deployments");
  mkdirSync(outDir, { recursive: true });
  const out = path.join(outDir, `hub.${anvil.chainId}.${process.pid}.json`);
  runForge(
    ["script", "script/DeployHub.s.sol", "--rpc-url", anvil.rpcUrl, "--private-key", ANVIL_KEYS[0], "--broadcast"],
    {
      HUB_DEPLOYMENT_OUT: out,
      HUB_TREASURY: anvil.account(5).address,
      HUB_VKA_APPROVAL_REQUIRED: "false",
      HUB_EPOCH_BLOCKS: String(settings.epochBlocks),
      HUB_FULFILMENT_WINDOW_BLOCKS: String(settings.fulfilmentWindowBlocks),
      HUB_MAX_REASSIGNMENTS: String(settings.maxReassignments),
      ...(options.stakeToken ? { HUB_STAKE_TOKEN: options.stakeToken } : {}),
    },
  );
  const d = JSON.parse(readFileSync(out, "utf8")) as Record<string, unknown>;
  rmSync(out, { force: true });
  const address = (key: string) => d[key] as Address;
  return {
    network: "test",
    hub: {
      name: "zkvin-hub",
      chainId: anvil.chainId,
      eid: TEST_HUB_EID,
      rpcUrl: anvil.rpcUrl,
      startBlock: Number(d.startBlock),
      contracts: {
        ModelRegistry: address("modelRegistry"),
        NodePool: address("nodePool"),
        InferenceMarket: address("inferenceMarket"),
        EzklVkaVerifierAdapter: address("ezklVkaAdapter"),
        ApprovedCodeVerifierAdapter: address("approvedCodeAdapter"),
        Halo2VerifierReusable: address("halo2VerifierReusable"),
      },
    },
    spokes: [],
  };
}

interface ManifestJson {
  batchSize: number;
  inputs: Array<{ scale: number; range: { min: number[]; max: number[] } }>;
  outputs: Array<{ scale: number }>;
  instances: {
    count: number;
    layout: Array<{ kind: string; offset: number; length: number; hashOf?: number[] }>;
  };
  computeUnits: { perInference: number };
  files: { settings: { sha256: string } };
  artifactId: string;
}

export interface Fixture {
  name: string;
  proof: Hex;
  instances: Hex[];
  vka: Hex[];
  /** One row per batch slot: fixed point and floats. */
  inputs: bigint[][];
  outputs: bigint[][];
  inputsFloat: number[][];
  outputsFloat: number[][];
  inputScale: number;
  outputScale: number;
  /** The per-feature bounds the hub registers: the manifest's proven ranges, fixed point, rounded inwards. */
  inputBounds: InputBound[];
  manifest: ManifestJson;
}

export function loadFixture(name: string): Fixture {
  const dir = path.join(fixturesDir, name);
  const proof = JSON.parse(readFileSync(path.join(dir, "proof.json"), "utf8")) as {
    proof: Hex;
    instances: Hex[];
    inputs: number[][];
    inputsFloat: number[][];
    outputsFloat: number[][];
    inputScale: number;
    outputScale: number;
    inputBounds: { min: number[]; max: number[] };
  };
  const manifest = JSON.parse(readFileSync(path.join(dir, "manifest.json"), "utf8")) as ManifestJson;
  const vka = (JSON.parse(readFileSync(path.join(dir, "vka.json"), "utf8")) as { words: Hex[] }).words;
  // The JSON numbers of inputs/outputs lose precision above 2^53 (MLP outputs at scale 52); the instance
  // words are exact, so the fixed-point values are read from them.
  const [input, output] = manifest.instances.layout;
  if (!input || !output) throw new Error(`${name}: manifest has no input/output layout`);
  const signed = (word: Hex | undefined) => fromFieldElement(BigInt(word ?? "0x"));
  const rows = (offset: number, length: number) =>
    Array.from({ length: manifest.batchSize }, (_, s) =>
      Array.from({ length: length / manifest.batchSize }, (_, k) =>
        signed(proof.instances[offset + (s * length) / manifest.batchSize + k]),
      ),
    );
  return {
    name,
    proof: proof.proof,
    instances: proof.instances,
    vka,
    // A hashed input's instance is its Poseidon commitment: the values themselves are proof.json's (small, exact).
    inputs:
      input.kind === "inputHash"
        ? proof.inputs.map((row) => row.map((v) => BigInt(v)))
        : rows(input.offset, input.length),
    outputs: rows(output.offset, output.length),
    inputsFloat: proof.inputsFloat,
    outputsFloat: proof.outputsFloat,
    inputScale: proof.inputScale,
    outputScale: proof.outputScale,
    inputBounds: proof.inputBounds.min.map((min, j) => ({
      min: BigInt(min),
      max: BigInt(proof.inputBounds.max[j] ?? min),
    })),
    manifest,
  };
}

/** The registry layout of a fixture's circuit: public inputs then outputs, each feature within its proven range. */
export function fixtureLayout(f: Fixture): ModelLayout {
  const batch = f.manifest.batchSize;
  const [input, output] = f.manifest.instances.layout;
  if (!input || !output) throw new Error(`${f.name}: manifest has no input/output layout`);
  // A hashed input is one Poseidon commitment per slot, of hashOf = [batch, features] values.
  const hashed = input.kind === "inputHash";
  return {
    batchSize: batch,
    instanceCount: f.manifest.instances.count,
    inputOffset: input.offset,
    inputCount: hashed ? (input.hashOf?.[1] ?? 0) : input.length / batch,
    outputOffset: output.offset,
    outputCount: output.length / batch,
    inputScale: f.inputScale,
    outputScale: f.outputScale,
    inputMode: hashed ? "hashed" : "public",
    inputBounds: f.inputBounds.map((b) => ({ ...b })),
  };
}

/** contracts-evm/test/mocks/StakeToken.sol: a plain OpenZeppelin ERC-20 with a public `mint`. */
export const STAKE_TOKEN: ContractSource = { name: "StakeToken", file: "test/mocks/StakeToken.sol" };

/** The StakeToken's own function besides OpenZeppelin's ERC-20 (viem's erc20Abi). */
export const stakeTokenAbi = parseAbi(["function mint(address to, uint256 amount)"]);

/** Builds and deploys a StakeToken on `anvil` (from key 0); returns its address. */
export async function deployStakeToken(anvil: Anvil): Promise<Address> {
  forgeBuild([STAKE_TOKEN]);
  const { abi, bytecode } = readArtifact(STAKE_TOKEN);
  const hash = await anvil.wallet(0).deployContract({ abi: abi as Abi, bytecode });
  const receipt = await anvil.publicClient.waitForTransactionReceipt({ hash });
  if (!receipt.contractAddress) throw new Error(`StakeToken deployment ${hash} created no contract`);
  return getAddress(receipt.contractAddress);
}

/**
 * Registers `fixture` as a live model through the SDK: key `owner` registers its VKA and spec, key 0 (the
 * deploy script's MODEL_APPROVER_ROLE) approves it. Returns the model id.
 */
export async function registerLiveModel(params: {
  anvil: Anvil;
  deployment: Deployment;
  fixture: Fixture;
  owner: number;
}): Promise<bigint> {
  const { anvil, deployment: d, fixture: f } = params;
  const client = (key: number) =>
    createZkVinClient({ deployment: d, account: anvil.account(key), pollingIntervalMs: 50 });
  const owner = client(params.owner);
  const { key } = await owner.models.registerVka({ words: f.vka });
  const spec = {
    verifier: d.hub.contracts.EzklVkaVerifierAdapter as Address,
    verifierKey: key,
    settingsHash: `0x${f.manifest.files.settings.sha256}` as Hex,
    layout: fixtureLayout(f),
    computeUnits: f.manifest.computeUnits.perInference,
    royalty: 10n ** 14n,
    artifactURI: `zkvin-artifact:sha256:${f.manifest.artifactId}`,
    metadataURI: `ipfs://${f.name}`,
  };
  const registered = await owner.models.register(spec);
  if (registered.status !== "live") {
    const admin = client(0);
    const digest = await admin.models.specDigest({ owner: anvil.account(params.owner).address, spec });
    await admin.models.approve({ modelId: registered.modelId, specDigest: digest });
  }
  return registered.modelId;
}
