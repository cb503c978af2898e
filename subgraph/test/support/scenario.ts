// A real run of the hub on anvil, made through the SDK where it has an action (model registration, node
// registration and exit, requests, withdrawals) and through viem where only a node's prover or anyone
// would act (fulfilment with the fixtures' real EZKL proofs, expiry). It leaves every kind of event the
// subgraph indexes behind.

import { forgeBuild, readArtifact } from "@zk-vin/chain-kit/devchain";
import {
  createZkVinClient,
  inferenceMarketAbi,
  modelRegistryAbi,
  nodePoolAbi,
  type ZkVinClient,
} from "@zk-vin/oracle-sdk";
import type { Deployment } from "@zk-vin/oracle-sdk/deployment";
import type { Anvil } from "@zk-vin/oracle-sdk/testing";
import { deployHub, type Fixture, fixtureLayout, loadFixture } from "@zk-vin/oracle-sdk/testing";
import { type Address, type Hex, parseEventLogs } from "viem";

export const KEYS = { admin: 0, modelOwner: 1, nodeA: 2, nodeB: 3, requester: 4, treasury: 5 } as const;

export interface ScenarioResult {
  deployment: Deployment;
  lr: Fixture;
  b4: Fixture;
  lrModel: bigint;
  b4Model: bigint;
  /** Proposed with a swapped layout, rejected, its fee refunded. */
  rejectedModel: bigint;
  nodeA: Address;
  nodeB: Address;
  requester: Address;
  /** Fulfilled by its first node. */
  fulfilled: bigint;
  /** Expired once, then fulfilled by the other node. */
  reassigned: bigint;
  /** Expired twice, then refunded. */
  refunded: bigint;
  /** Fulfilled together with one proof (slots 0..3). */
  batch: bigint[];
  /** Made by a consumer contract whose callback failed once and was retried. */
  callback: bigint;
  consumer: Address;
}

export function client(deployment: Deployment, anvil: Anvil, key: number, graphqlUrl?: string): ZkVinClient {
  return createZkVinClient({ deployment, account: anvil.account(key), graphqlUrl, pollingIntervalMs: 50 });
}

async function assignedNode(anvil: Anvil, d: Deployment, requestId: bigint): Promise<Address> {
  const r = (await anvil.publicClient.readContract({
    address: d.hub.contracts.InferenceMarket as Address,
    abi: inferenceMarketAbi,
    functionName: "request",
    args: [requestId],
  })) as { node: Address };
  return r.node;
}

async function send(
  anvil: Anvil,
  key: number,
  call: { address: Address; abi: unknown; functionName: string; args: unknown[] },
) {
  const wallet = anvil.wallet(key);
  const hash = await wallet.writeContract(call as Parameters<typeof wallet.writeContract>[0]);
  const receipt = await anvil.publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`${call.functionName} reverted (${hash})`);
  return receipt;
}

function keyOf(nodes: { a: Address; b: Address }, node: Address): number {
  return node.toLowerCase() === nodes.a.toLowerCase() ? KEYS.nodeA : KEYS.nodeB;
}

/** Mines past the current deadline of `requestId` and expires it (anyone may). */
async function expire(anvil: Anvil, d: Deployment, requestId: bigint): Promise<void> {
  const market = d.hub.contracts.InferenceMarket as Address;
  const r = (await anvil.publicClient.readContract({
    address: market,
    abi: inferenceMarketAbi,
    functionName: "request",
    args: [requestId],
  })) as { deadline: number };
  const head = await anvil.publicClient.getBlockNumber();
  if (head <= BigInt(r.deadline)) await anvil.mine(Number(BigInt(r.deadline) - head) + 1);
  await send(anvil, KEYS.admin, {
    address: market,
    abi: inferenceMarketAbi,
    functionName: "expire",
    args: [requestId],
  });
}

async function fulfil(anvil: Anvil, d: Deployment, nodes: { a: Address; b: Address }, id: bigint, f: Fixture) {
  const node = await assignedNode(anvil, d, id);
  await send(anvil, keyOf(nodes, node), {
    address: d.hub.contracts.InferenceMarket as Address,
    abi: inferenceMarketAbi,
    functionName: "fulfil",
    args: [id, f.proof, f.instances],
  });
}

/** Mines to the first block of the next epoch. */
export async function nextEpoch(anvil: Anvil, d: Deployment): Promise<void> {
  const pool = d.hub.contracts.NodePool as Address;
  const current = (await anvil.publicClient.readContract({
    address: pool,
    abi: nodePoolAbi,
    functionName: "currentEpoch",
  })) as number;
  const start = (await anvil.publicClient.readContract({
    address: pool,
    abi: nodePoolAbi,
    functionName: "epochStartBlock",
    args: [current + 1],
  })) as bigint;
  const head = await anvil.publicClient.getBlockNumber();
  if (start > head) await anvil.mine(Number(start - head));
}

export async function runHubScenario(anvil: Anvil): Promise<ScenarioResult> {
  const d = deployHub(anvil);
  const lr = loadFixture("linear_regression");
  const b4 = loadFixture("linear_regression_b4");
  const owner = client(d, anvil, KEYS.modelOwner);
  const adapter = d.hub.contracts.EzklVkaVerifierAdapter as Address;

  const admin = client(d, anvil, KEYS.admin);
  const specOf = (f: Fixture, key: Hex) => ({
    verifier: adapter,
    verifierKey: key,
    settingsHash: `0x${f.manifest.files.settings.sha256}` as Hex,
    layout: fixtureLayout(f),
    computeUnits: f.manifest.computeUnits.perInference,
    royalty: 10n ** 14n,
    artifactURI: `zkvin-artifact:sha256:${f.manifest.artifactId}`,
    metadataURI: `ipfs://${f.name}`,
  });
  // Register -> approve -> live: the deploy script requires model approval; the admin approves.
  const register = async (f: Fixture) => {
    const { key } = await owner.models.registerVka({ words: f.vka });
    const spec = specOf(f, key);
    const { modelId } = await owner.models.register(spec);
    const specDigest = await admin.models.specDigest({ owner: anvil.account(KEYS.modelOwner).address, spec });
    await admin.models.approve({ modelId, specDigest });
    return modelId;
  };
  const lrModel = await register(lr);
  const b4Model = await register(b4);

  const nodeA = anvil.account(KEYS.nodeA).address;
  const nodeB = anvil.account(KEYS.nodeB).address;
  const nodes = { a: nodeA, b: nodeB };
  // Twice the minimum stake, so that a node stays assignable after a slash or two.
  const a = client(d, anvil, KEYS.nodeA);
  const stake = 2n * (await a.node.requiredStake({ capacity: 100n }));
  await a.node.register({ modelIds: [lrModel, b4Model], capacity: 100n, stake });
  await client(d, anvil, KEYS.nodeB).node.register({ modelIds: [lrModel], capacity: 100n, stake });
  await nextEpoch(anvil, d);

  const requester = client(d, anvil, KEYS.requester);
  const request = async (modelId: bigint, input: number[]) =>
    (await requester.requestInference({ modelId, input })).requestId;
  const lrInput = lr.inputsFloat[0] as number[];

  const fulfilled = await request(lrModel, lrInput);
  await fulfil(anvil, d, nodes, fulfilled, lr);

  const reassigned = await request(lrModel, lrInput);
  await expire(anvil, d, reassigned);
  await fulfil(anvil, d, nodes, reassigned, lr);

  const refunded = await request(lrModel, lrInput);
  await expire(anvil, d, refunded);
  await expire(anvil, d, refunded);

  const batch: bigint[] = [];
  for (const row of b4.inputsFloat) batch.push(await request(b4Model, row));
  await send(anvil, KEYS.nodeA, {
    address: d.hub.contracts.InferenceMarket as Address,
    abi: inferenceMarketAbi,
    functionName: "fulfilBatch",
    args: [batch, b4.proof, b4.instances],
  });

  // A consumer contract (contracts-evm's test consumer) whose callback first reverts, then is retried.
  const consumerSource = { name: "RecordingConsumer", file: "test/mocks/TestConsumers.sol" };
  forgeBuild([consumerSource]);
  const consumerArtifact = readArtifact(consumerSource);
  const deployHash = await anvil.wallet(KEYS.requester).deployContract({
    abi: consumerArtifact.abi,
    bytecode: consumerArtifact.bytecode,
  });
  const consumer = (await anvil.publicClient.waitForTransactionReceipt({ hash: deployHash }))
    .contractAddress as Address;
  const consumerCall = (functionName: string, args: unknown[], value?: bigint) =>
    anvil
      .wallet(KEYS.requester)
      .writeContract({ address: consumer, abi: consumerArtifact.abi, functionName, args, value } as Parameters<
        ReturnType<Anvil["wallet"]>["writeContract"]
      >[0])
      .then((hash) => anvil.publicClient.waitForTransactionReceipt({ hash }));
  await consumerCall("setRevert", [true]);
  const price = (await requester.quote({ modelId: lrModel, callbackGasLimit: 200_000 })).total;
  const asked = await consumerCall("request", [d.hub.contracts.InferenceMarket, lrModel, lr.inputs[0], 200_000], price);
  const [requested] = parseEventLogs({ abi: inferenceMarketAbi, eventName: "InferenceRequested", logs: asked.logs });
  if (!requested) throw new Error("the consumer's request logged no InferenceRequested");
  const callback = requested.args.requestId;
  await fulfil(anvil, d, nodes, callback, lr);
  await consumerCall("setRevert", [false]);
  await send(anvil, KEYS.admin, {
    address: d.hub.contracts.InferenceMarket as Address,
    abi: inferenceMarketAbi,
    functionName: "retryDelivery",
    args: [callback, lr.outputs[0], 200_000],
  });

  const registry = d.hub.contracts.ModelRegistry as Address;
  await send(anvil, KEYS.modelOwner, {
    address: registry,
    abi: modelRegistryAbi,
    functionName: "setRoyalty",
    args: [lrModel, 2n * 10n ** 14n],
  });
  await send(anvil, KEYS.modelOwner, {
    address: registry,
    abi: modelRegistryAbi,
    functionName: "setMetadataURI",
    args: [lrModel, "ipfs://linear_regression-v2"],
  });
  await send(anvil, KEYS.modelOwner, {
    address: registry,
    abi: modelRegistryAbi,
    functionName: "recordBacktest",
    args: [
      b4Model,
      {
        datasetURI: "ipfs://diabetes-holdout",
        datasetHash: `0x${"ab".repeat(32)}`,
        samples: 4,
        metric: "mse",
        metricValue: 3_000_000n,
        metricScale: 26,
      },
      [{ proof: b4.proof, instances: b4.instances }],
    ],
  });

  // A proposal the approver rejects (the MLP's key under a swapped layout); its fee is refunded.
  const mlp = loadFixture("mlp");
  const { key: mlpKey } = await owner.models.registerVka({ words: mlp.vka });
  const swapped = specOf(mlp, mlpKey);
  swapped.layout = { ...swapped.layout, inputOffset: 3, outputOffset: 0 };
  const { modelId: rejectedModel } = await owner.models.register(swapped);
  await admin.models.reject({ modelId: rejectedModel, reason: "layout does not match the manifest" });
  await owner.models.claimRefund();

  // Node B leaves: exit, unbond, withdraw. Node A and the requester collect what they are owed; slashes go to the
  // treasury (none to the requester, who could steer the assignment), which claims them.
  const b = client(d, anvil, KEYS.nodeB);
  await b.node.requestExit();
  const status = await b.node.status();
  while ((await b.node.status()).currentEpoch < status.withdrawableEpoch) await nextEpoch(anvil, d);
  await b.node.withdrawStake();
  await client(d, anvil, KEYS.nodeA).node.withdrawEarnings();
  await requester.node.withdrawEarnings();
  await client(d, anvil, KEYS.treasury).node.claimSlashProceeds();

  return {
    deployment: d,
    lr,
    b4,
    lrModel,
    b4Model,
    rejectedModel,
    nodeA,
    nodeB,
    requester: anvil.account(KEYS.requester).address,
    fulfilled,
    reassigned,
    refunded,
    batch,
    callback,
    consumer,
  };
}
