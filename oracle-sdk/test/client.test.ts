// The SDK client against the hub on a real anvil (deployed with contracts-evm's forge script) with the
// prover's real EZKL fixture: quotes, requests, input checks before any transaction, decoded custom
// errors, a node's whole life through the operator helpers, and waitForResult through a reorg.
import type { Deployment } from "@zk-vin/deployments";
import { type Address, parseEventLogs } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ContractRevertError,
  createZkVinClient,
  GraphQLRequestError,
  InputLengthError,
  InputOutOfBoundsError,
  inferenceMarketAbi,
  ModelNotFoundError,
  nodePoolAbi,
  RequestNotFoundError,
  UnknownChainError,
  WaitTimeoutError,
  WalletRequiredError,
  type ZkVinClient,
} from "../src/index.js";
import { type Anvil, freePort, startAnvil } from "./support/anvil.js";
import { deployHub, type Fixture, fixtureLayout, loadFixture } from "./support/hub.js";

const OWNER = 1;
const NODE = 2;
const REQUESTER = 3;
const SECOND_NODE = 4;

let anvil: Anvil;
let d: Deployment;
let lr: Fixture;
let modelId: bigint;
let requester: ZkVinClient;
let node: ZkVinClient;

const market = () => d.hub.contracts.InferenceMarket as Address;
const sdk = (key: number) => createZkVinClient({ deployment: d, account: anvil.account(key), pollingIntervalMs: 50 });

async function nextEpoch(): Promise<void> {
  const status = await node.node.status();
  const start = (await anvil.publicClient.readContract({
    address: d.hub.contracts.NodePool as Address,
    abi: nodePoolAbi,
    functionName: "epochStartBlock",
    args: [status.currentEpoch + 1],
  })) as bigint;
  const head = await anvil.publicClient.getBlockNumber();
  if (start > head) await anvil.mine(Number(start - head));
}

async function fulfil(requestId: bigint) {
  const hash = await anvil.wallet(NODE).writeContract({
    address: market(),
    abi: inferenceMarketAbi,
    functionName: "fulfil",
    args: [requestId, lr.proof, lr.instances.map((w) => BigInt(w))],
  });
  return anvil.publicClient.waitForTransactionReceipt({ hash });
}

beforeAll(async () => {
  anvil = await startAnvil({ chainId: 31_421 });
  d = deployHub(anvil);
  lr = loadFixture("linear_regression");
  const owner = sdk(OWNER);
  const { key } = await owner.models.registerVka({ words: lr.vka });
  ({ modelId } = await owner.models.register({
    verifier: d.hub.contracts.EzklVkaVerifierAdapter as Address,
    verifierKey: key,
    settingsHash: `0x${lr.manifest.files.settings.sha256}`,
    layout: fixtureLayout(lr),
    computeUnits: lr.manifest.computeUnits.perInference,
    royalty: 10n ** 14n,
    artifactURI: `zkvin-artifact:sha256:${lr.manifest.artifactId}`,
    metadataURI: "ipfs://linear-regression",
  }));
  node = sdk(NODE);
  requester = sdk(REQUESTER);
  await node.node.register({ modelIds: [modelId], capacity: 100n });
  await nextEpoch();
});

afterAll(async () => {
  await anvil?.stop();
});

describe("models and prices", () => {
  it("reads a model with its layout and usage, and refuses unknown ones with ModelNotFoundError", async () => {
    const m = await requester.getModel({ modelId });
    expect(m.layout).toEqual(fixtureLayout(lr));
    expect(m.computeUnits).toBe(BigInt(lr.manifest.computeUnits.perInference));
    expect(m.artifactURI).toBe(`zkvin-artifact:sha256:${lr.manifest.artifactId}`);
    await expect(requester.getModel({ modelId: 999n })).rejects.toBeInstanceOf(ModelNotFoundError);
  });

  it("quotes compute units x unit price + royalty + protocol fee", async () => {
    const q = await requester.quote({ modelId });
    const params = (await anvil.publicClient.readContract({
      address: market(),
      abi: inferenceMarketAbi,
      functionName: "params",
    })) as { unitPrice: bigint; protocolFee: bigint };
    expect(q).toMatchObject({
      kind: "hub",
      nodeFee: BigInt(lr.manifest.computeUnits.perInference) * params.unitPrice,
      royalty: 10n ** 14n,
      protocolFee: params.protocolFee,
    });
    if (q.kind === "hub") expect(q.total).toBe(q.nodeFee + q.royalty + q.protocolFee);
    // A callback's gas is priced at the market's callbackGasPrice and paid to the node.
    const withCallback = await requester.quote({ modelId, callbackGasLimit: 100_000 });
    const gasPrice = (
      (await anvil.publicClient.readContract({
        address: market(),
        abi: inferenceMarketAbi,
        functionName: "params",
      })) as { callbackGasPrice: bigint }
    ).callbackGasPrice;
    if (withCallback.kind === "hub") {
      expect(withCallback.callbackFee).toBe(100_000n * gasPrice);
      expect(withCallback.total).toBe(q.total + withCallback.callbackFee);
    }
  });
});

describe("requests", () => {
  it("checks inputs against the model before sending anything", async () => {
    const account = anvil.account(REQUESTER).address;
    const nonce = await anvil.publicClient.getTransactionCount({ address: account });
    const tooBig = requester.requestInference({ modelId, input: [0.01, 1.5, 0, 0] });
    await expect(tooBig).rejects.toBeInstanceOf(InputOutOfBoundsError);
    // Feature 1's own bound (0.098 at most in the proven range), not a bound shared by all features.
    const bound = lr.inputBounds[1]!;
    await expect(tooBig).rejects.toMatchObject({ feature: 1, fixed: 12288n, min: bound.min, max: bound.max });
    await expect(requester.requestInference({ modelId, input: [0.01] })).rejects.toBeInstanceOf(InputLengthError);
    expect(await anvil.publicClient.getTransactionCount({ address: account })).toBe(nonce);
  });

  it("makes a request with the fixture's floats, encoded exactly as the proof's instances carry them", async () => {
    const receipt = await requester.requestInference({ modelId, input: lr.inputsFloat[0] ?? [] });
    expect(receipt.input).toEqual(lr.inputs[0]);
    const state = await requester.getRequest({ requestId: receipt.requestId });
    expect(state).toMatchObject({ kind: "hub", status: "pending", modelId, node: anvil.account(NODE).address });
    if (state.kind === "hub") {
      expect(state.fees.nodeFee + state.fees.royalty + state.fees.protocolFee).toBe(receipt.fee);
    }
    await fulfil(receipt.requestId);
    const result = await requester.waitForResult({ requestId: receipt.requestId, fromBlock: receipt.blockNumber });
    expect(result.status).toBe("fulfilled");
    if (result.status === "fulfilled") {
      expect(result.output).toEqual(lr.outputs[0]);
      expect(result.values[0]).toBeCloseTo(lr.outputsFloat[0]?.[0] ?? 0, 12);
    }
    expect((await requester.getRequest({ requestId: receipt.requestId })).status).toBe("fulfilled");
  });

  it("takes fixed-point inputs as they are", async () => {
    const receipt = await requester.requestInference({ modelId, input: { fixed: lr.inputs[0] ?? [] } });
    expect(receipt.input).toEqual(lr.inputs[0]);
    await fulfil(receipt.requestId);
  });

  it("waitForResult ignores an outcome whose block a reorg replaced, and returns the one that stays", async () => {
    const receipt = await requester.requestInference({ modelId, input: lr.inputsFloat[0] ?? [] });
    const snapshot = await anvil.testClient.snapshot();
    const first = await fulfil(receipt.requestId);
    const waiting = requester.waitForResult({
      requestId: receipt.requestId,
      fromBlock: receipt.blockNumber,
      confirmations: 3,
      pollIntervalMs: 50,
      timeoutMs: 30_000,
    });
    await new Promise((r) => setTimeout(r, 300));
    await anvil.testClient.revert({ id: snapshot });
    await anvil.mine(1);
    expect((await requester.getRequest({ requestId: receipt.requestId })).status).toBe("pending");
    const second = await fulfil(receipt.requestId);
    await anvil.mine(2);
    const result = await waiting;
    expect(result.status).toBe("fulfilled");
    expect(result.blockHash).toBe(second.blockHash);
    expect(result.blockHash).not.toBe(first.blockHash);
    expect(result.blockNumber).toBe(second.blockNumber);
  });

  it("times out with WaitTimeoutError, and knows no unknown request", async () => {
    const receipt = await requester.requestInference({ modelId, input: lr.inputsFloat[0] ?? [] });
    const waiting = requester.waitForResult({ requestId: receipt.requestId, timeoutMs: 400, pollIntervalMs: 50 });
    await expect(waiting).rejects.toBeInstanceOf(WaitTimeoutError);
    await expect(waiting).rejects.toMatchObject({ requestId: receipt.requestId, lastStatus: "pending" });
    await fulfil(receipt.requestId);
    await expect(requester.getRequest({ requestId: 10_000n })).rejects.toBeInstanceOf(RequestNotFoundError);
    await expect(requester.waitForResult({ requestId: 10_000n, timeoutMs: 400 })).rejects.toBeInstanceOf(
      RequestNotFoundError,
    );
  });
});

describe("node-operator helpers", () => {
  it("follow a node from registration to withdrawal", async () => {
    const second = sdk(SECOND_NODE);
    const minimum = await second.node.requiredStake({ capacity: 50n });
    await second.node.register({ modelIds: [modelId], capacity: 50n });
    let status = await second.node.status();
    expect(status).toMatchObject({
      registered: true,
      phase: "pending",
      stake: minimum,
      capacity: 50n,
      modelIds: [modelId],
    });
    await nextEpoch();
    expect((await second.node.status()).phase).toBe("active");

    const again = second.node.register({ modelIds: [modelId], capacity: 50n });
    await expect(again).rejects.toBeInstanceOf(ContractRevertError);
    await expect(again).rejects.toMatchObject({
      errorName: "NodeAlreadyRegistered",
      args: [anvil.account(SECOND_NODE).address],
    });

    await second.node.addStake({ amount: 10n ** 15n });
    expect((await second.node.status()).stake).toBe(minimum + 10n ** 15n);
    await second.node.requestExit();
    status = await second.node.status();
    expect(status.phase).toBe("exiting");
    while ((await second.node.status()).phase !== "unbonded") await nextEpoch();
    const balance = await anvil.publicClient.getBalance({ address: anvil.account(SECOND_NODE).address });
    const { transactionHash } = await second.node.withdrawStake();
    const receipt = await anvil.publicClient.getTransactionReceipt({ hash: transactionHash });
    const [withdrawn] = parseEventLogs({ abi: nodePoolAbi, eventName: "StakeWithdrawn", logs: receipt.logs });
    expect(withdrawn?.args.amount).toBe(minimum + 10n ** 15n);
    expect(await anvil.publicClient.getBalance({ address: anvil.account(SECOND_NODE).address })).toBeGreaterThan(
      balance,
    );
    expect((await second.node.status()).phase).toBe("unregistered");
  });

  it("collects the fees a node earned", async () => {
    const status = await node.node.status();
    expect(status.claimableEarnings).toBeGreaterThan(0n);
    await node.node.withdrawEarnings();
    expect((await node.node.status()).claimableEarnings).toBe(0n);
    await expect(node.node.withdrawEarnings()).rejects.toMatchObject({ errorName: "NothingToWithdraw" });
  });
});

describe("configuration errors", () => {
  it("names what is missing", async () => {
    const reader = createZkVinClient({ deployment: d });
    await expect(reader.requestInference({ modelId, input: lr.inputsFloat[0] ?? [] })).rejects.toBeInstanceOf(
      WalletRequiredError,
    );
    expect(() => reader.on("nowhere")).toThrow(UnknownChainError);
    expect(() => reader.listModels()).toThrow(/graphqlUrl/);
    const port = await freePort();
    const offline = createZkVinClient({ deployment: d, graphqlUrl: `http://127.0.0.1:${port}/subgraphs/name/zk-vin` });
    await expect(offline.listModels()).rejects.toBeInstanceOf(GraphQLRequestError);
  });
});
