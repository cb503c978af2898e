// The SDK client against the hub on a real anvil (deployed with contracts-evm's forge script) with the
// prover's real EZKL fixture: quotes, requests, input checks before any transaction, decoded custom
// errors, a node's whole life through the operator helpers, and waitForResult through a reorg.
import { type Address, createPublicClient, createWalletClient, http, parseEventLogs } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ContractRevertError,
  createZkVinClient,
  type Deployment,
  FeeAboveMaxError,
  GraphQLRequestError,
  type InferenceResult,
  InputLengthError,
  InputOutOfBoundsError,
  inferenceMarketAbi,
  ModelNotFoundError,
  type ModelSpecInput,
  NodeRegistrationError,
  nodePoolAbi,
  type RequestEvent,
  RequestNotFoundError,
  StakeBelowMinimumError,
  UnknownChainError,
  WaitAbortedError,
  WaitTimeoutError,
  WalletRequiredError,
  type ZkVinClient,
  zkVinPublicActions,
  zkVinWalletActions,
} from "../src/index.js";
import { type Anvil, freePort, startAnvil } from "./support/anvil.js";
import { deployHub, type Fixture, fixtureLayout, loadFixture } from "./support/hub.js";

const ADMIN = 0; // deployed the hub: holds MODEL_APPROVER_ROLE
const OWNER = 1;
const NODE = 2;
const REQUESTER = 3;
const SECOND_NODE = 4;

let anvil: Anvil;
let d: Deployment;
let lr: Fixture;
let modelId: bigint;
let spec: ModelSpecInput;
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
  spec = {
    verifier: d.hub.contracts.EzklVkaVerifierAdapter as Address,
    verifierKey: key,
    settingsHash: `0x${lr.manifest.files.settings.sha256}`,
    layout: fixtureLayout(lr),
    computeUnits: lr.manifest.computeUnits.perInference,
    royalty: 10n ** 14n,
    artifactURI: `zkvin-artifact:sha256:${lr.manifest.artifactId}`,
    metadataURI: "ipfs://linear-regression",
  };
  // The deploy script turns model approval on: register -> approve -> live.
  const registered = await owner.models.register(spec);
  expect(registered.status).toBe("pending");
  modelId = registered.modelId;
  const admin = sdk(ADMIN);
  const digest = await admin.models.specDigest({ owner: anvil.account(OWNER).address, spec });
  expect(digest).toBe(registered.specDigest);
  await admin.models.approve({ modelId, specDigest: digest });
  node = sdk(NODE);
  requester = sdk(REQUESTER);
  await node.node.register({ modelIds: [modelId], capacity: 100n });
  await nextEpoch();
});

afterAll(async () => {
  await anvil?.stop();
});

describe("model approval", () => {
  it("keeps a front-runner's proposal of the same key pending, then rejects it and refunds its fee", async () => {
    expect(await requester.models.status({ modelId })).toBe("live");
    const squatter = sdk(SECOND_NODE);
    // The approved key with input and output slots swapped: the registry refuses nothing at proposal time,
    // but the key is held by the live model, so the squatter cannot even propose it.
    const swapped: ModelSpecInput = {
      ...spec,
      layout: { ...spec.layout, inputOffset: 1, outputOffset: 0 },
      royalty: 10n ** 18n,
    };
    const taken = await squatter.models.register(swapped).catch((e: unknown) => e);
    expect(taken).toBeInstanceOf(ContractRevertError);
    expect(taken).toMatchObject({ errorName: "VerifierKeyTaken" });

    // A proposal of a key no live model holds waits for the approver and takes no request.
    const mlp = loadFixture("mlp");
    const { key } = await squatter.models.registerVka({ words: mlp.vka });
    const proposal = await squatter.models.register({
      ...spec,
      verifierKey: key,
      layout: { ...fixtureLayout(mlp), inputOffset: 3, outputOffset: 0 },
      artifactURI: `zkvin-artifact:sha256:${mlp.manifest.artifactId}`,
    });
    expect(proposal.status).toBe("pending");
    const info = await requester.getModel({ modelId: proposal.modelId });
    expect(info).toMatchObject({ status: "pending", specDigest: proposal.specDigest, deprecated: false });
    await expect(
      squatter.models.approve({ modelId: proposal.modelId, specDigest: proposal.specDigest }),
    ).rejects.toMatchObject({ errorName: "AccessControlUnauthorizedAccount" });
    await sdk(ADMIN).models.reject({ modelId: proposal.modelId, reason: "layout does not match the manifest" });
    expect(await requester.models.status({ modelId: proposal.modelId })).toBe("rejected");
    const before = await anvil.publicClient.getBalance({ address: anvil.account(SECOND_NODE).address });
    await squatter.models.claimRefund();
    const after = await anvil.publicClient.getBalance({ address: anvil.account(SECOND_NODE).address });
    expect(after).toBeGreaterThan(before);
    await expect(requester.models.status({ modelId: 999n })).rejects.toBeInstanceOf(ModelNotFoundError);
  });
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

describe("viem-style actions on a dApp's own clients", () => {
  // A JSON-RPC account: anvil signs for its unlocked accounts, as a browser wallet signs for the dApp.
  const dappWallet = () =>
    createWalletClient({ account: anvil.account(REQUESTER).address, transport: http(anvil.rpcUrl) }).extend(
      zkVinWalletActions({ deployment: d }),
    );
  const dappPublic = () =>
    createPublicClient({ chain: anvil.chain, transport: http(anvil.rpcUrl), pollingInterval: 50 }).extend(
      zkVinPublicActions({ deployment: d }),
    );

  it("finds the deployment's chain by the client's chain id, and refuses a chain it does not have", () => {
    expect(dappPublic().zkVinContext.config.name).toBe(d.hub.name);
    const elsewhere = createPublicClient({ chain: { ...anvil.chain, id: 1 }, transport: http(anvil.rpcUrl) });
    expect(() => elsewhere.extend(zkVinPublicActions({ deployment: d }))).toThrow(/client\.chain\.id=1/);
    expect(() => elsewhere.extend(zkVinPublicActions({ deployment: d, chain: "nowhere" }))).toThrow(UnknownChainError);
  });

  it("refuses a quote above maxFee before sending anything", async () => {
    const wallet = dappWallet();
    const q = await dappPublic().quote({ modelId });
    const account = anvil.account(REQUESTER).address;
    const nonce = await anvil.publicClient.getTransactionCount({ address: account });
    const request = wallet.requestInference({ modelId, input: lr.inputsFloat[0] ?? [], maxFee: q.total - 1n });
    await expect(request).rejects.toBeInstanceOf(FeeAboveMaxError);
    await expect(request).rejects.toMatchObject({ quoted: q.total, maxFee: q.total - 1n, modelId });
    expect(await anvil.publicClient.getTransactionCount({ address: account })).toBe(nonce);
  });

  it("requests through a wallet client the SDK did not create, and watches the request and its result", async () => {
    const client = dappPublic();
    expect(client.zkVinContext.config.role).toBe("hub");
    const seen: RequestEvent[] = [];
    const results: InferenceResult[] = [];
    const stopRequests = client.watchRequests({
      requester: anvil.account(REQUESTER).address,
      onRequests: (r) => seen.push(...r),
    });
    const q = await client.quote({ modelId });
    const receipt = await dappWallet().requestInference({ modelId, input: lr.inputsFloat[0] ?? [], maxFee: q.total });
    expect(receipt.fee).toBe(q.total);
    const tx = await anvil.publicClient.getTransaction({ hash: receipt.transactionHash });
    expect(tx.from.toLowerCase()).toBe(anvil.account(REQUESTER).address.toLowerCase());
    const stopResults = client.watchResults({ requestIds: [receipt.requestId], onResults: (r) => results.push(...r) });
    try {
      await until(() => seen.some((e) => e.requestId === receipt.requestId));
      expect(seen.find((e) => e.requestId === receipt.requestId)).toMatchObject({
        modelId,
        input: receipt.input,
        blockNumber: receipt.blockNumber,
      });
      await new Promise((r) => setTimeout(r, 200)); // the result filter is installed before the fulfilment
      await fulfil(receipt.requestId);
      await until(() => results.length > 0);
      expect(results[0]).toMatchObject({ status: "fulfilled", requestId: receipt.requestId, output: lr.outputs[0] });
    } finally {
      stopRequests();
      stopResults();
    }
    // No fromBlock: the request's block is found once (its InferenceRequested log), not the deployment's first block.
    const result = await client.waitForResult({ requestId: receipt.requestId, pollIntervalMs: 50 });
    expect(result).toMatchObject({ status: "fulfilled", output: lr.outputs[0] });
  });

  it("stops waiting when its AbortSignal aborts", async () => {
    const receipt = await dappWallet().requestInference({ modelId, input: lr.inputsFloat[0] ?? [] });
    const controller = new AbortController();
    const waiting = dappPublic().waitForResult({
      requestId: receipt.requestId,
      fromBlock: receipt.blockNumber,
      pollIntervalMs: 50,
      signal: controller.signal,
    });
    setTimeout(() => controller.abort(new Error("the user left")), 150);
    await expect(waiting).rejects.toBeInstanceOf(WaitAbortedError);
    await expect(waiting).rejects.toMatchObject({ requestId: receipt.requestId, lastStatus: "pending" });
    await fulfil(receipt.requestId);
    await expect(dappPublic().waitForResult({ requestId: receipt.requestId, blockRange: 0n })).rejects.toThrow(
      /blockRange/,
    );
  });
});

async function until(check: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("node-operator helpers", () => {
  it("follow a node from registration to withdrawal", async () => {
    const second = sdk(SECOND_NODE);
    const minimum = await second.node.requiredStake({ capacity: 50n });
    // Below the minimum: StakeBelowMinimumError with the stake and the minimum, nothing sent.
    const nonce = await anvil.publicClient.getTransactionCount({ address: anvil.account(SECOND_NODE).address });
    const low = await second.node.register({ modelIds: [modelId], capacity: 50n, stake: minimum - 1n }).catch((e) => e);
    expect(low).toBeInstanceOf(StakeBelowMinimumError);
    expect(low).toMatchObject({ field: "stake", value: minimum - 1n, stake: minimum - 1n, minimum, capacity: 50n });
    expect(await anvil.publicClient.getTransactionCount({ address: anvil.account(SECOND_NODE).address })).toBe(nonce);
    expect(
      await second.node.check({ modelIds: [modelId], capacity: 50n, operator: anvil.account(SECOND_NODE).address }),
    ).toMatchObject({ stakeToken: null, minimumStake: minimum, stake: minimum });
    const registration = await second.node.register({ modelIds: [modelId], capacity: 50n });
    expect(registration).toMatchObject({ stake: minimum, check: { stakeToken: null, minimumStake: minimum } });
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

    // A second registration is refused by the SDK's checks, naming the operator, before anything is sent.
    const again = second.node.register({ modelIds: [modelId], capacity: 50n });
    await expect(again).rejects.toBeInstanceOf(NodeRegistrationError);
    await expect(again).rejects.toMatchObject({ field: "operator", value: anvil.account(SECOND_NODE).address });

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
    const noRpc = createZkVinClient({ deployment: { ...d, hub: { ...d.hub, rpcUrl: undefined } } });
    expect(() => noRpc.quote({ modelId })).toThrow(/rpcUrls\.zkvin-hub/);
    const port = await freePort();
    const offline = createZkVinClient({ deployment: d, graphqlUrl: `http://127.0.0.1:${port}/subgraphs/name/zk-vin` });
    await expect(offline.listModels()).rejects.toBeInstanceOf(GraphQLRequestError);
  });
});
