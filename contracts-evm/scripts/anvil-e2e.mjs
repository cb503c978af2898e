#!/usr/bin/env node
// End to end on a real chain: starts anvil, deploys the hub with script/DeployHub.s.sol, registers the
// prover's linear-regression model (real VKA), stakes a node, requests an inference, fulfils it with the
// committed real EZKL proof, checks the output decoded on chain, checks that a tampered proof is refused,
// and withdraws the node's earnings. Prints the gas of every step from the receipts.
//
//   node scripts/anvil-e2e.mjs        (from contracts-evm/; builds with forge first)
import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  BaseError,
  ContractFunctionRevertedError,
  createPublicClient,
  createWalletClient,
  decodeEventLog,
  http,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const outDir = path.join(root, process.env.FOUNDRY_OUT ?? "out");
const fixtures = path.join(root, "..", "prover", "fixtures", "linear_regression");
const port = 20_000 + Math.floor(Math.random() * 20_000);
const rpc = `http://127.0.0.1:${port}`;

// anvil's well-known development keys (never used anywhere else).
const KEYS = [
  "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
  "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
  "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
  "0x7c852118294e51e653712a81e05800f419141751be58f605c371e15141b007a6",
];
const [deployer, owner, node, requester] = KEYS.map((k) => privateKeyToAccount(k));

const abi = (name) => JSON.parse(readFileSync(path.join(outDir, `${name}.sol`, `${name}.json`), "utf8")).abi;
const json = (file) => JSON.parse(readFileSync(path.join(fixtures, file), "utf8"));

function startAnvil() {
  const bin = path.join(root, "node_modules", "@foundry-rs", "anvil-linux-amd64", "bin", "anvil");
  const child = spawn(bin, ["--port", String(port), "--silent"], { stdio: "ignore" });
  child.on("error", (err) => {
    console.error(`anvil failed to start: ${err.message}`);
    process.exit(1);
  });
  return child;
}

async function waitForRpc(client) {
  for (let i = 0; i < 50; i++) {
    try {
      await client.getChainId();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`anvil did not answer on ${rpc}`);
}

function deploy() {
  const out = path.join("cache-deploy", `e2e-${port}.json`);
  mkdirSync(path.join(root, "cache-deploy"), { recursive: true });
  const forge = path.join(root, "node_modules", ".bin", "forge");
  const args = ["script", "script/DeployHub.s.sol", "--rpc-url", rpc, "--private-key", KEYS[0], "--broadcast"];
  const res = spawnSync(forge, [...args, ...process.argv.slice(2)], {
    cwd: root,
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, HUB_DEPLOYMENT_OUT: out, HUB_EPOCH_BLOCKS: "2" },
  });
  if (res.status !== 0) throw new Error(`forge script failed (exit ${res.status})`);
  return JSON.parse(readFileSync(path.join(root, out), "utf8"));
}

function check(condition, message) {
  if (!condition) throw new Error(`check failed: ${message}`);
  console.log(`  ok  ${message}`);
}

async function main() {
  const anvil = startAnvil();
  try {
    const pub = createPublicClient({ chain: foundry, transport: http(rpc) });
    await waitForRpc(pub);
    const wallet = (account) => createWalletClient({ account, chain: foundry, transport: http(rpc) });
    const send = async (account, address, name, functionName, args, value) => {
      const hash = await wallet(account).writeContract({ address, abi: abi(name), functionName, args, value });
      const receipt = await pub.waitForTransactionReceipt({ hash });
      if (receipt.status !== "success") throw new Error(`${functionName} reverted`);
      console.log(`  tx  ${functionName.padEnd(18)} gas ${receipt.gasUsed}`);
      return receipt;
    };
    const read = (address, name, functionName, args = []) =>
      pub.readContract({ address, abi: abi(name), functionName, args });

    const d = deploy();
    console.log(`hub deployed on anvil :${port}: market ${d.inferenceMarket}`);

    const proof = json("proof.json");
    const manifest = json("manifest.json");
    const words = json("vka.json").words;

    // Model owner: register the VKA (checked against the canonical SRS) and the model.
    await send(owner, d.ezklVkaAdapter, "EzklVkaVerifierAdapter", "registerVka", [words]);
    const key = proof.vkaDigest;
    check(
      !(await read(d.ezklVkaAdapter, "EzklVkaVerifierAdapter", "isKeyAccepted", [key])),
      "VKA registered, not yet approved",
    );
    // Governance (the deployer is the admin here) approves it after rebuilding it from the artifacts.
    await send(deployer, d.ezklVkaAdapter, "EzklVkaVerifierAdapter", "approveVka", [key]);
    check(
      await read(d.ezklVkaAdapter, "EzklVkaVerifierAdapter", "isKeyAccepted", [key]),
      "VKA accepted under its digest",
    );
    const [input, output] = manifest.instances.layout;
    const spec = {
      verifier: d.ezklVkaAdapter,
      verifierKey: key,
      settingsHash: `0x${manifest.files.settings.sha256}`,
      layout: {
        batchSize: manifest.batchSize,
        instanceCount: manifest.instances.count,
        inputOffset: input.offset,
        inputCount: input.length / manifest.batchSize,
        outputOffset: output.offset,
        outputCount: output.length / manifest.batchSize,
        inputScale: manifest.inputs[0].scale,
        outputScale: manifest.outputs[0].scale,
        inputMode: 0,
      },
      // One bound per feature: the manifest's proven ranges in fixed point, as the fixture carries them.
      inputBounds: proof.inputBounds.min.map((min, j) => ({ min: BigInt(min), max: BigInt(proof.inputBounds.max[j]) })),
      computeUnits: manifest.computeUnits.perInference,
      royalty: 10n ** 15n,
      artifactURI: `zkvin-artifact:sha256:${manifest.artifactId}`,
      metadataURI: "linear regression (diabetes), e2e",
    };
    const fee = await read(d.modelRegistry, "ModelRegistry", "registrationFee");
    await send(owner, d.modelRegistry, "ModelRegistry", "registerModel", [spec], fee);
    check(
      (await read(d.modelRegistry, "ModelRegistry", "modelIdOf", [d.ezklVkaAdapter, key])) === 0n,
      "model 1 proposed: pending, holds no key until approved",
    );
    // Governance approves the exact spec (owner, key, layout, bounds, ...) it checked against the artifacts.
    const digest = await read(d.modelRegistry, "ModelRegistry", "specDigest", [owner.address, spec]);
    await send(deployer, d.modelRegistry, "ModelRegistry", "approveModel", [1n, digest]);
    const modelId = await read(d.modelRegistry, "ModelRegistry", "modelIdOf", [d.ezklVkaAdapter, key]);
    check(modelId === 1n, "model 1 approved and live");

    // Node: stake for the model, then wait for the next epoch.
    const params = await read(d.nodePool, "NodePool", "params");
    const stake = params.minStakePerComputeUnit * 1000n + params.slashAmount;
    await send(node, d.nodePool, "NodePool", "registerNode", [[modelId], 1000n, stake], stake);
    await pub.request({ method: "anvil_mine", params: ["0x3"] });

    // Requester: pay the quote and ask.
    const price = await read(d.inferenceMarket, "InferenceMarket", "quote", [modelId]);
    const reqReceipt = await send(
      requester,
      d.inferenceMarket,
      "InferenceMarket",
      "requestInference",
      [modelId, proof.inputs[0], 0],
      price.total,
    );
    const marketAbi = abi("InferenceMarket");
    const events = (receipt) =>
      receipt.logs
        .filter((l) => l.address.toLowerCase() === d.inferenceMarket.toLowerCase())
        .map((l) => decodeEventLog({ abi: marketAbi, data: l.data, topics: l.topics }));
    const assigned = events(reqReceipt).find((e) => e.eventName === "InferenceAssigned");
    check(assigned.args.node === node.address, "request assigned to the staked node");
    const requestId = assigned.args.requestId;

    // A tampered output is refused by the real verifier on chain.
    const tampered = [...proof.instances];
    tampered[output.offset] = `0x${(BigInt(tampered[output.offset]) + 1n).toString(16).padStart(64, "0")}`;
    try {
      await pub.simulateContract({
        account: node,
        address: d.inferenceMarket,
        abi: marketAbi,
        functionName: "fulfil",
        args: [requestId, proof.proof, tampered],
      });
      throw new Error("a tampered proof was accepted");
    } catch (err) {
      const revert = err instanceof BaseError ? err.walk((e) => e instanceof ContractFunctionRevertedError) : null;
      check(revert?.data?.errorName === "InvalidProof", "tampered output refused with InvalidProof");
    }

    // Node: fulfil with the real proof; the output comes from the verified instances.
    const fulfilReceipt = await send(node, d.inferenceMarket, "InferenceMarket", "fulfil", [
      requestId,
      proof.proof,
      proof.instances,
    ]);
    const fulfilled = events(fulfilReceipt).find((e) => e.eventName === "InferenceFulfilled");
    check(
      fulfilled.args.output[0] === BigInt(proof.outputs[0][0]),
      `output ${fulfilled.args.output[0]} = the proof's output`,
    );
    const request = await read(d.inferenceMarket, "InferenceMarket", "request", [requestId]);
    check(request.status === 2, "request fulfilled");

    const earned = await read(d.inferenceMarket, "InferenceMarket", "claimable", [node.address]);
    check(earned === price.nodeFee, `node earned ${earned} wei`);
    const before = await pub.getBalance({ address: node.address });
    const w = await send(node, d.inferenceMarket, "InferenceMarket", "withdraw", [node.address]);
    const after = await pub.getBalance({ address: node.address });
    check(after - before + w.gasUsed * w.effectiveGasPrice === earned, "node withdrew its earnings");
    console.log(`e2e passed: fulfil gas ${fulfilReceipt.gasUsed} (real receipt, reusable verifier + VKA)`);
  } finally {
    anvil.kill();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
