// End to end on Starknet, everything real: starknet-devnet 0.10.1 with the Cairo spoke and example
// consumer (compiled by wasm-cairo, declared and deployed with starknet.js), StarkWare's messaging contract
// on the hub's anvil (loaded by the devnet's postman), the hub's StarknetGateway, the linear-regression
// model compiled with EZKL, a staked node, Redis, EZKL proving workers and the relayer (node pipeline +
// Starknet lane). A Cairo consumer asks; the hub proves; the result comes back by L1 -> L2 message and is
// delivered to the consumer, which must store exactly the output the hub verified. A dApp does the same
// through the SDK's `@zk-vin/oracle-sdk/starknet` entry (quote, requestInference, waitForResult, and its
// typed errors on bad input). Then the new entry points are attacked: a forged L1 sender, a replayed
// REQUEST, an unregistered spoke, a second delivery. The local GraphQL endpoint indexes both chains
// meanwhile (the Cairo spoke's events through the subgraph's Starknet mapping, the hub's StarknetGateway
// through its EVM mapping): each Starknet request is followed to its hub request and back, against what
// the chains say.
import { silentLogger } from "@zk-vin/chain-kit";
import {
  FeeAboveMaxError,
  InputLengthError,
  RequestNotFoundError,
  WaitAbortedError,
  WaitTimeoutError,
  WalletRequiredError,
} from "@zk-vin/oracle-sdk";
import {
  createStarknetContext,
  getRequest,
  MAX_STARKNET_VALUES,
  quote,
  requestInference,
  StarknetTermsError,
  StarknetValueError,
  waitForResult,
} from "@zk-vin/oracle-sdk/starknet";
import { dequantize } from "@zk-vin/prover";
import {
  decodeFulfilled,
  decodeRequested,
  l2ToL1MessageHash,
  type Relayer,
  SPOKE_EVENTS,
  STARKNET_CONSUME_KIND,
  STARKNET_DELIVER_KIND,
  startRelayer,
} from "@zk-vin/relayer";
import { type LocalSubgraph, startLocalSubgraph } from "@zk-vin/subgraph";
import { CallData, cairo, hash, RpcProvider } from "starknet";
import { encodeAbiParameters, keccak256, parseAbi } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  DevnetSetupError,
  deployStarknetSpoke,
  STARKNET_ORIGIN_ID,
  STRK_ADDRESS,
  type StarknetDevnet,
  type StarknetSpokeLimits,
  startStarknetDevnet,
  startStarknetSide,
} from "../src/devnet/index.js";
import {
  benchmarkSamples,
  fixedInput,
  marketOracleAbi,
  parseStackConfig,
  requesterWallet,
  type Stack,
  startStack,
  waitFor,
} from "./support/stack.js";
import {
  askStarknet,
  claimable,
  consumerAnswer,
  STARKNET_MISSING,
  spokeEvents,
  starknetDevnetBinary,
} from "./support/starknet.js";

/** A cold start compiles the contracts (wasm solc) and the Cairo classes (wasm-cairo). */
const COLD_START_MS = 25 * 60_000;
const samples = benchmarkSamples("linear_regression");
const TOLERANCE = 5e-3;
const FEE = 10n ** 16n;

const messagingAbi = parseAbi([
  "event LogMessageToL2(address indexed fromAddress, uint256 indexed toAddress, uint256 indexed selector, uint256[] payload, uint256 nonce, uint256 fee)",
]);
const messagingViewAbi = parseAbi(["function l2ToL1Messages(bytes32 msgHash) view returns (uint256)"]);
const gatewayAbi = parseAbi([
  "function consumeRequest(uint256 spoke, uint256[] payload) returns (bytes32 key, uint256 hubRequestId)",
  "event RequestConsumed(bytes32 indexed key, uint256 indexed spoke, uint64 spokeRequestId, uint256 indexed hubRequestId, bytes32 msgHash)",
  "error UnknownSpoke(uint256 spoke)",
  "error DuplicateTicket(bytes32 key)",
]);

const bin = await starknetDevnetBinary();
if (!bin) console.warn(STARKNET_MISSING);

describe.skipIf(!bin)("a Cairo consumer's request through starknet-devnet, the hub and a real EZKL proof", () => {
  let stack: Stack;
  let sn: StarknetDevnet;
  let relayer: Relayer | null = null;
  let subgraph: LocalSubgraph | null = null;
  /** The first test's request, its hub request and what the chains said about it. */
  let first: {
    requestId: bigint;
    hubRequestId: bigint;
    output: bigint[];
    input: bigint[];
    settled: ReturnType<typeof decodeFulfilled>;
  } | null = null;

  beforeAll(async () => {
    stack = await startStack({ chainIdBase: 42_600, spokes: 0 });
    sn = await startStarknetSide({ hub: stack.devnet.hub });
    relayer = await startRelayer({
      config: await parseStackConfig({ ...stack.relayerConfig(), starknet: sn.relayerConfig() }),
      logger: silentLogger,
    });
    const deployment = stack.devnet.deployment;
    subgraph = await startLocalSubgraph({
      deployment: {
        ...deployment,
        hub: { ...deployment.hub, contracts: { ...deployment.hub.contracts, StarknetGateway: sn.hub.gateway } },
        starknet: {
          name: "starknet-devnet",
          rpcUrl: sn.process.rpcUrl,
          spoke: sn.contracts.spoke,
          startBlock: sn.startBlock,
        },
      },
      database: { kind: "memory" },
      pollIntervalMs: 100,
    });
  }, COLD_START_MS);

  afterAll(async () => {
    await subgraph?.close();
    await relayer?.stop();
    await sn?.stop();
    await stack?.stop();
  });

  it("stores the hub's verified output in the consumer and credits the fee exactly as the hub settled it", async () => {
    const { hub } = stack.devnet;
    const model = stack.devnet.model("linear_regression");
    const scale = model.manifest.inputs[0]!.scale;
    const outScale = model.manifest.outputs[0]!.scale;
    const asked = await askStarknet({
      sn,
      modelId: model.modelId,
      input: fixedInput(samples.inputs[0]!, scale),
      fee: FEE,
    });

    const output = await waitFor(
      "the Cairo consumer's answer",
      () => consumerAnswer(sn, asked.requestId).then((o) => o ?? undefined),
      300_000,
    ).catch(async (error: unknown) => {
      throw new Error(
        `${String(error)}; relayer status: ${JSON.stringify(await relayer?.status(), (_, v) => (typeof v === "bigint" ? String(v) : v))}`,
      );
    });
    expect(output).toHaveLength(1);
    expect(Math.abs(dequantize(output[0]!, outScale) - samples.reference[0]![0]!)).toBeLessThan(TOLERANCE);

    // The hub request the gateway opened, and the output the market decoded from the verified proof.
    const consumed = await hub.anvil.publicClient.getContractEvents({
      address: sn.hub.gateway,
      abi: gatewayAbi,
      eventName: "RequestConsumed",
      fromBlock: 0n,
      strict: true,
    });
    const mine = consumed.filter((e) => e.args.spokeRequestId === asked.requestId);
    expect(mine).toHaveLength(1);
    const hubRequestId = mine[0]!.args.hubRequestId;
    expect(hubRequestId).toBeGreaterThan(0n);
    const fulfilled = await hub.anvil.publicClient.getContractEvents({
      address: hub.contracts.InferenceMarket!,
      abi: marketOracleAbi,
      eventName: "InferenceFulfilled",
      args: { requestId: hubRequestId },
      fromBlock: 0n,
    });
    expect(fulfilled).toHaveLength(1);
    expect(output).toEqual([...(fulfilled[0]!.args as { output: readonly bigint[] }).output]);

    // The RESULT the gateway sent to L2 is what the spoke settled; the split is the market's splitPaid of
    // the fee at the model's price; everything is credited (pull payments) to the registered payees.
    const settled = (await spokeEvents(sn, SPOKE_EVENTS.InferenceFulfilled))
      .map((e) => decodeFulfilled(e.keys, e.data))
      .filter((f) => f.requestId === asked.requestId);
    expect(settled).toHaveLength(1);
    const s = settled[0]!;
    expect(s.output).toEqual(output);
    // Every unit of the fee is accounted for, each share to its registered Starknet payee, and exactly as
    // the hub's settlement in the RESULT it sent (the L1 handler's calldata: payload length, then RESULT).
    expect(s.nodeAmount).toBeGreaterThan(0n);
    expect(s.modelOwnerAmount).toBeGreaterThan(0n);
    expect(s.nodeAmount + s.modelOwnerAmount + s.protocolAmount + s.refund).toBe(FEE);
    expect(s.node).toBe(BigInt(sn.accounts.operator.address));
    expect(s.modelOwner).toBe(BigInt(sn.accounts.deployer.address));
    const sentToL2 = await hub.anvil.publicClient.getContractEvents({
      address: sn.hub.messaging,
      abi: messagingAbi,
      eventName: "LogMessageToL2",
      args: { fromAddress: sn.hub.gateway, toAddress: BigInt(sn.contracts.spoke) },
      fromBlock: 0n,
      strict: true,
    });
    const result = sentToL2.find((e) => e.args.payload[2] === 2n && e.args.payload[3] === asked.requestId);
    expect(result?.args.payload[0]).toBe(BigInt(result!.args.payload.length - 1));
    expect(result?.args.payload.slice(4, 12)).toEqual([
      s.node,
      s.nodeAmount,
      0n,
      s.modelOwner,
      s.modelOwnerAmount,
      0n,
      s.protocolAmount,
      0n,
    ]);
    expect(await claimable(sn, sn.accounts.operator.address)).toBe(s.nodeAmount);
    expect(await claimable(sn, sn.accounts.deployer.address)).toBe(s.modelOwnerAmount);
    expect(await claimable(sn, sn.accounts.treasury.address)).toBe(s.protocolAmount);
    expect(await claimable(sn, sn.contracts.consumer)).toBe(s.refund);
    first = {
      requestId: asked.requestId,
      hubRequestId,
      output,
      input: fixedInput(samples.inputs[0]!, scale),
      settled: s,
    };

    // Delivered exactly once, and the outbox says so.
    const delivered = (await spokeEvents(sn, SPOKE_EVENTS.ResultDelivered)).filter(
      (e) => BigInt(e.keys[1]!) === asked.requestId,
    );
    expect(delivered).toHaveLength(1);
    const key = `${sn.contracts.spoke}:${asked.requestId}`;
    const entry = await waitFor("the delivery's outbox entry", async () => {
      const e = await relayer!.store.get(STARKNET_DELIVER_KIND, key);
      return e?.status === "done" ? e : undefined;
    });
    expect(entry.outcome).toBe("delivered");
    expect(await relayer!.store.get(STARKNET_CONSUME_KIND, key)).toMatchObject({ status: "done", outcome: "consumed" });
    const status = await relayer!.status();
    expect(status.starknet).toMatchObject({
      spoke: sn.contracts.spoke,
      consumed: 1,
      delivered: 1,
      lastRoundError: null,
    });
  }, 400_000);

  it("serves the Starknet request at the local endpoint, linked to its hub request, as both chains tell it", async () => {
    if (!first) throw new Error("the first test's request is missing");
    const { requestId, hubRequestId, output, input, settled: s } = first;
    const spoke = felt(sn.contracts.spoke);
    const id = `${spoke}-${requestId}`;
    const query = `{
      starknetRequest(id: "${id}") {
        id requestId requester modelId fee input status output node nodeAmount modelOwner modelOwnerAmount
        protocolAmount refund requestTransaction deliveredTo deliveryTransaction resolutionTransaction
        spoke { id address network requestCount fulfilledCount deliveredCount }
        hubTicket {
          key spoke spokeRequestId hubRequestId replyKind rejectionReason
          hubRequest { requestId status output remote originEid originRequestId feePaid spoke { id } spokeRequest { id }
            starknetTicket { starknetRequest { id } } }
        }
      }
    }`;
    // The index is caught up once the delivery is in (the relayer delivered it before the first test ended).
    const data = await waitFor(
      "the delivered Starknet request at the local endpoint",
      async () => {
        const d = await gql<{ starknetRequest: StarknetRequestRow | null }>(subgraph!.endpoint.url, query);
        return d.starknetRequest?.status === "DELIVERED" && d.starknetRequest.hubTicket?.hubRequest ? d : undefined;
      },
      60_000,
    );
    const r = data.starknetRequest!;
    const model = stack.devnet.model("linear_regression");
    // The request as the spoke's InferenceRequested and InferenceFulfilled events wrote it.
    const [requested] = (await spokeEvents(sn, SPOKE_EVENTS.InferenceRequested))
      .map((e) => ({ e, r: decodeRequested(e.keys, e.data) }))
      .filter((x) => x.r.requestId === requestId);
    const [fulfilledEvent] = (await spokeEvents(sn, SPOKE_EVENTS.InferenceFulfilled)).filter(
      (e) => BigInt(e.keys[1]!) === requestId,
    );
    const [deliveredEvent] = (await spokeEvents(sn, SPOKE_EVENTS.ResultDelivered)).filter(
      (e) => BigInt(e.keys[1]!) === requestId,
    );
    expect(r).toMatchObject({
      id,
      requestId: String(requestId),
      requester: felt(sn.contracts.consumer),
      modelId: String(model.modelId),
      fee: String(FEE),
      input: input.map(String),
      status: "DELIVERED",
      output: output.map(String),
      node: felt(s.node),
      nodeAmount: String(s.nodeAmount),
      modelOwner: felt(s.modelOwner),
      modelOwnerAmount: String(s.modelOwnerAmount),
      protocolAmount: String(s.protocolAmount),
      refund: String(s.refund),
      requestTransaction: felt(requested!.e.transaction_hash),
      resolutionTransaction: felt(fulfilledEvent!.transaction_hash),
      deliveredTo: felt(sn.contracts.consumer),
      deliveryTransaction: felt(deliveredEvent!.transaction_hash),
      spoke: {
        id: spoke,
        address: spoke,
        network: "starknet-devnet",
        requestCount: 1,
        fulfilledCount: 1,
        deliveredCount: 1,
      },
    });
    expect(requested!.r.fee).toBe(FEE);
    // The hub side: the gateway's ticket (its key is the market's origin request id) and the hub request the
    // market opened, fulfilled with the verified output; the Starknet request is named back from the hub.
    const ticketKey = keccak256(
      encodeAbiParameters([{ type: "uint256" }, { type: "uint256" }], [BigInt(sn.contracts.spoke), requestId]),
    );
    expect(r.hubTicket).toEqual({
      key: ticketKey,
      spoke: String(BigInt(sn.contracts.spoke)),
      spokeRequestId: String(requestId),
      hubRequestId: String(hubRequestId),
      replyKind: "RESULT",
      rejectionReason: null,
      hubRequest: {
        requestId: String(hubRequestId),
        status: "FULFILLED",
        output: output.map(String),
        remote: true,
        originEid: STARKNET_ORIGIN_ID,
        originRequestId: String(requestId),
        feePaid: String(FEE),
        spoke: null,
        spokeRequest: null,
        starknetTicket: { starknetRequest: { id } },
      },
    });
    const status = await subgraph!.indexer.indexingStatus();
    expect(status.chains.map((c) => c.network)).toContain("starknet-devnet");
    const starknetChain = status.chains.find((c) => c.network === "starknet-devnet")!;
    expect(starknetChain).toMatchObject({ health: "healthy", fatalError: null });
    expect(starknetChain.latestBlock?.number).toBeGreaterThanOrEqual(BigInt(deliveredEvent!.block_number!));
  }, 120_000);

  it("serves a dApp through @zk-vin/oracle-sdk/starknet: quote, request, waitForResult, typed errors naming the value", async () => {
    const { hub } = stack.devnet;
    const model = stack.devnet.model("linear_regression");
    const scale = model.manifest.inputs[0]!.scale;
    const outScale = model.manifest.outputs[0]!.scale;
    const user = sn.account("user");
    const ctx = createStarknetContext({
      spoke: sn.contracts.spoke,
      account: user,
      chain: "sn-devnet",
      pollIntervalMs: 200,
    });
    const q = await quote(ctx, { modelId: model.modelId });
    expect(q).toMatchObject({
      chain: "sn-devnet",
      modelId: model.modelId,
      total: 10n ** 15n,
      minTtl: 60,
      maxTtl: 7 * 86_400,
    });
    expect(BigInt(q.feeToken)).toBe(BigInt(STRK_ADDRESS));

    // Bad input is refused before anything is sent, each error naming the offending value.
    const nonce = await user.getNonce();
    const input = fixedInput(samples.inputs[2]!, scale);
    const refused = async (p: Promise<unknown>) => {
      const error = await p.then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).not.toBeNull();
      return error as Record<string, unknown>;
    };
    const modelId = model.modelId;
    expect(await refused(requestInference(ctx, { modelId, input: [] }))).toBeInstanceOf(InputLengthError);
    const tooLong = await refused(requestInference(ctx, { modelId, input: Array(MAX_STARKNET_VALUES + 1).fill(1n) }));
    expect(tooLong).toBeInstanceOf(InputLengthError);
    expect(tooLong).toMatchObject({ expected: MAX_STARKNET_VALUES, actual: MAX_STARKNET_VALUES + 1 });
    const wide = await refused(requestInference(ctx, { modelId, input: [1n, 2n ** 127n] }));
    expect(wide).toBeInstanceOf(StarknetValueError);
    expect(wide).toMatchObject({ index: 1, value: 2n ** 127n });
    expect(await refused(requestInference(ctx, { modelId, input: [-(2n ** 127n) - 1n] }))).toMatchObject({
      index: 0,
      value: -(2n ** 127n) - 1n,
    });
    const cheap = await refused(requestInference(ctx, { modelId, input, fee: q.total - 1n }));
    expect(cheap).toBeInstanceOf(StarknetTermsError);
    expect(cheap).toMatchObject({ field: "fee", value: q.total - 1n, bound: q.total });
    const dear = await refused(requestInference(ctx, { modelId, input, fee: 2n * q.total, maxFee: q.total }));
    expect(dear).toBeInstanceOf(FeeAboveMaxError);
    expect(dear).toMatchObject({ quoted: 2n * q.total, maxFee: q.total });
    for (const [ttl, bound] of [
      [q.minTtl, q.minTtl],
      [q.maxTtl + 1, q.maxTtl],
      [q.minTtl + 0.5, q.minTtl],
    ] as const) {
      const e = await refused(requestInference(ctx, { modelId, input, ttlSeconds: ttl }));
      expect(e).toBeInstanceOf(StarknetTermsError);
      expect(e).toMatchObject({ field: "ttlSeconds", value: ttl, bound });
    }
    const readOnly = createStarknetContext({ spoke: sn.contracts.spoke, rpcUrl: sn.process.rpcUrl });
    expect(await refused(requestInference(readOnly, { modelId, input }))).toBeInstanceOf(WalletRequiredError);
    const unknown = await refused(getRequest(readOnly, 10n ** 9n));
    expect(unknown).toBeInstanceOf(RequestNotFoundError);
    expect(unknown).toMatchObject({ requestId: 10n ** 9n, chain: "starknet" });
    expect(await user.getNonce()).toBe(nonce);

    // A real request from the dApp's account, followed to its verified result.
    const r = await requestInference(ctx, { modelId, input, fee: FEE });
    expect(r).toMatchObject({ chain: "sn-devnet", input, fee: FEE });
    const pending = await getRequest(readOnly, r.requestId);
    expect(pending).toMatchObject({ status: "pending", delivered: false, output: null, fee: FEE, modelId });
    expect(BigInt(pending.requester)).toBe(BigInt(sn.accounts.user.address));
    expect(await refused(waitForResult(ctx, { requestId: r.requestId, timeoutMs: 1 }))).toMatchObject({
      name: WaitTimeoutError.name,
      requestId: r.requestId,
      lastStatus: "pending",
    });
    const stop = new AbortController();
    stop.abort(new Error("the user left"));
    const aborted = await refused(waitForResult(ctx, { requestId: r.requestId, signal: stop.signal }));
    expect(aborted).toBeInstanceOf(WaitAbortedError);
    expect(aborted).toMatchObject({ requestId: r.requestId });
    const done = await waitForResult(readOnly, { requestId: r.requestId, timeoutMs: 300_000 });
    expect(done.status).toBe("fulfilled");
    expect(done.output).toHaveLength(1);
    expect(Math.abs(dequantize(done.output![0]!, outScale) - samples.reference[2]![0]!)).toBeLessThan(TOLERANCE);
    // What the SDK reads is what the hub verified for the hub request the gateway opened for it.
    const consumed = await hub.anvil.publicClient.getContractEvents({
      address: sn.hub.gateway,
      abi: gatewayAbi,
      eventName: "RequestConsumed",
      fromBlock: 0n,
      strict: true,
    });
    const hubRequestId = consumed.find((e) => e.args.spokeRequestId === r.requestId)!.args.hubRequestId;
    const [verified] = await hub.anvil.publicClient.getContractEvents({
      address: hub.contracts.InferenceMarket!,
      abi: marketOracleAbi,
      eventName: "InferenceFulfilled",
      args: { requestId: hubRequestId },
      fromBlock: 0n,
    });
    expect(done.output).toEqual([...(verified!.args as { output: readonly bigint[] }).output]);
  }, 400_000);

  it("refuses a second delivery, a replayed REQUEST and an unregistered spoke", async () => {
    const { hub } = stack.devnet;
    const model = stack.devnet.model("linear_regression");
    const [first] = await spokeEvents(sn, SPOKE_EVENTS.ResultDelivered);
    const requestId = BigInt(first!.keys[1]!);

    // deliver again, by anyone: the spoke refuses it (the consumer is called once).
    await expect(
      sn.account("treasury").execute({
        contractAddress: sn.contracts.spoke,
        entrypoint: "deliver",
        calldata: [requestId.toString()],
      }),
    ).rejects.toThrow(/result already delivered/);

    // The REQUEST it consumed, sent again by a stranger: StarknetMessaging consumes a message once, and the
    // gateway keys tickets by (spoke, request id).
    const [requested] = await spokeEvents(sn, SPOKE_EVENTS.InferenceRequested);
    const payload = decodeRequested(requested!.keys, requested!.data).payload;
    const stranger = requesterWallet(hub);
    await expect(
      hub.anvil.publicClient.simulateContract({
        account: stranger.account,
        address: sn.hub.gateway,
        abi: gatewayAbi,
        functionName: "consumeRequest",
        args: [BigInt(sn.contracts.spoke), payload],
      }),
    ).rejects.toThrow(/DuplicateTicket/);
    // The same payload claimed for another spoke address: not a registered spoke.
    await expect(
      hub.anvil.publicClient.simulateContract({
        account: stranger.account,
        address: sn.hub.gateway,
        abi: gatewayAbi,
        functionName: "consumeRequest",
        args: [BigInt(sn.contracts.consumer), payload],
      }),
    ).rejects.toThrow(/UnknownSpoke/);

    // A second spoke deployed from the same class and pointed at the gateway, but never registered there:
    // its REQUEST reaches L1 (the postman flushes it) and stays there, unconsumable.
    const owner = sn.account("deployer");
    const rogue = await owner.deployContract({
      classHash: sn.classHashes.ZkVinStarknetSpoke,
      constructorCalldata: CallData.compile({
        owner: sn.accounts.deployer.address,
        fee_token: sn.contracts.feeToken,
        l1_gateway: sn.hub.gateway,
        treasury: sn.accounts.deployer.address,
        limits: { min_fee: cairo.uint256(1), min_ttl: 60, max_ttl: 86_400, reclaim_delay: 3600 },
      }),
    });
    await sn.provider.waitForTransaction(rogue.transaction_hash, { retryInterval: 100 });
    const user = sn.account("user");
    const block = await sn.provider.getBlockWithTxHashes("latest");
    const now = "timestamp" in block ? Number(block.timestamp) : Math.floor(Date.now() / 1000);
    const sent = await user.execute([
      {
        contractAddress: sn.contracts.feeToken,
        entrypoint: "approve",
        calldata: CallData.compile({ spender: rogue.contract_address, amount: cairo.uint256(FEE) }),
      },
      {
        contractAddress: rogue.contract_address,
        entrypoint: "request_inference",
        calldata: CallData.compile({
          model_id: cairo.uint256(model.modelId),
          input: [1],
          fee: cairo.uint256(FEE),
          deadline: now + 3600,
        }),
      },
    ]);
    const receipt = await sn.provider.waitForTransaction(sent.transaction_hash, { retryInterval: 100 });
    expect(receipt.isSuccess()).toBe(true);
    const events = (receipt.value as { events: Array<{ from_address: string; keys: string[]; data: string[] }> })
      .events;
    const asked = events.find(
      (e) =>
        BigInt(e.from_address) === BigInt(rogue.contract_address) &&
        BigInt(e.keys[0]!) === BigInt(SPOKE_EVENTS.InferenceRequested),
    )!;
    const roguePayload = decodeRequested(asked.keys, asked.data).payload;
    // The relayer's postman flushes carry it to L1 (it reads only its own spoke, so it never tries it).
    const msgHash = l2ToL1MessageHash(BigInt(rogue.contract_address), sn.hub.gateway, roguePayload);
    await waitFor("the rogue spoke's REQUEST on L1", async () => {
      const n = await hub.anvil.publicClient.readContract({
        address: sn.hub.messaging,
        abi: messagingViewAbi,
        functionName: "l2ToL1Messages",
        args: [msgHash],
      });
      return n > 0n ? n : undefined;
    });
    await expect(
      hub.anvil.publicClient.simulateContract({
        account: stranger.account,
        address: sn.hub.gateway,
        abi: gatewayAbi,
        functionName: "consumeRequest",
        args: [BigInt(rogue.contract_address), roguePayload],
      }),
    ).rejects.toThrow(/UnknownSpoke/);

    // The index follows the spoke of the deployment only: the rogue spoke's request, made with the same
    // class and events, is in no table once the index has passed its block.
    const rogueBlockNumber = (receipt.value as { block_number?: number }).block_number;
    if (rogueBlockNumber === undefined) throw new Error("the rogue request's receipt names no block");
    const rogueBlock = BigInt(rogueBlockNumber);
    await waitFor("the index past the rogue request's block", async () => {
      const st = await subgraph!.indexer.indexingStatus();
      const c = st.chains.find((x) => x.network === "starknet-devnet");
      return c?.latestBlock && c.latestBlock.number >= rogueBlock ? c : undefined;
    });
    const spokes = await gql<{ starknetSpokes: Array<{ id: string; requestCount: number }> }>(
      subgraph!.endpoint.url,
      "{ starknetSpokes { id requestCount } }",
    );
    // Every request made on the deployment's spoke so far (the Cairo consumer's and the SDK's), none of the rogue's.
    const ownRequests = (await spokeEvents(sn, SPOKE_EVENTS.InferenceRequested)).length;
    expect(ownRequests).toBe(2);
    expect(spokes.starknetSpokes).toEqual([{ id: felt(sn.contracts.spoke), requestCount: ownRequests }]);
    const rogueRequest = await gql<{ starknetRequest: { id: string } | null }>(
      subgraph!.endpoint.url,
      `{ starknetRequest(id: "${felt(rogue.contract_address)}-0") { id } }`,
    );
    expect(rogueRequest.starknetRequest).toBeNull();
  }, 120_000);

  it("runs no L1 handler message whose L1 sender is not the gateway", async () => {
    // A RESULT for a pending request, forged from another L1 address: the spoke's L1 handler refuses it,
    // and the request stays pending with its escrow.
    const model = stack.devnet.model("linear_regression");
    const scale = model.manifest.inputs[0]!.scale;
    await relayer?.stop(); // keep the request pending: nobody carries it meanwhile
    relayer = null;
    const asked = await askStarknet({
      sn,
      modelId: model.modelId,
      input: fixedInput(samples.inputs[1]!, scale),
      fee: FEE,
    });
    const forged = [1n, 2n, asked.requestId, BigInt(sn.accounts.user.address), FEE, 0n, 0n, 0n, 0n, 0n, 0n, 1n, 42n];
    const { transaction_hash } = await sn.process.rpc<{ transaction_hash: string }>("devnet_postmanSendMessageToL2", {
      l2_contract_address: sn.contracts.spoke,
      entry_point_selector: hash.getSelectorFromName("on_hub_message"),
      l1_contract_address: "0x000000000000000000000000000000000000dEaD",
      payload: [BigInt(forged.length), ...forged].map((f) => `0x${f.toString(16)}`),
      paid_fee_on_l1: "0x1",
      nonce: "0x0",
    });
    const receipt = await sn.provider.getTransactionReceipt(transaction_hash);
    expect(receipt.isReverted()).toBe(true);
    expect(JSON.stringify(receipt.value)).toMatch(
      new RegExp(`unauthorized L1 sender|${Buffer.from("unauthorized L1 sender").toString("hex")}`),
    );
    const [, , , , , , , , status] = await sn.provider.callContract({
      contractAddress: sn.contracts.spoke,
      entrypoint: "get_request",
      calldata: [asked.requestId.toString()],
    });
    expect(BigInt(status!)).toBe(1n); // Pending
    expect(await consumerAnswer(sn, asked.requestId)).toBeNull();

    // The index shows it requested, with no hub ticket (nobody consumed it on L1), the forged reply ignored.
    const id = `${felt(sn.contracts.spoke)}-${asked.requestId}`;
    const pending = await waitFor("the pending Starknet request at the local endpoint", async () => {
      const d = await gql<{ starknetRequest: { status: string; output: string[] | null; hubTicket: unknown } | null }>(
        subgraph!.endpoint.url,
        `{ starknetRequest(id: "${id}") { status output hubTicket { id } } }`,
      );
      return d.starknetRequest ?? undefined;
    });
    expect(pending).toEqual({ status: "REQUESTED", output: null, hubTicket: null });
  });
});

interface StarknetRequestRow {
  status: string;
  hubTicket: { hubRequest: unknown } | null;
  [field: string]: unknown;
}

/** A felt as the subgraph writes ids and Bytes: 0x and 64 hex digits. */
function felt(v: string | bigint): string {
  return `0x${BigInt(v).toString(16).padStart(64, "0")}`;
}

async function gql<T>(url: string, query: string): Promise<T> {
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query }),
  });
  const body = (await res.json()) as { data?: T; errors?: Array<{ message: string }> };
  if (body.errors?.length) throw new Error(`GraphQL: ${body.errors.map((e) => e.message).join("; ")}`);
  return body.data as T;
}

describe.skipIf(!bin)("the Cairo spoke deployed to a Starknet network with only an RPC URL and an account", () => {
  // A fresh starknet-devnet plays the public network (Starknet Sepolia): nothing is declared there yet.
  it("declares and deploys it, after refusing bad limits, addresses, an undeployed account and a wrong compiled class hash", async () => {
    const net = await startStarknetDevnet({ seed: 7, accounts: 2 });
    try {
      const [deployer, treasury] = net.accounts;
      const limits: StarknetSpokeLimits = {
        minFee: 10n ** 15n,
        minTtl: 12 * 3600,
        maxTtl: 7 * 86_400,
        reclaimDelay: 86_400,
      };
      const base = {
        rpcUrl: net.rpcUrl,
        account: { address: deployer!.address, privateKey: deployer!.privateKey },
        l1Gateway: "0x36C02dA8a0983159322a80FFE9F24b1acfF8B570",
        treasury: treasury!.address,
        limits,
      };
      const provider = new RpcProvider({ nodeUrl: net.rpcUrl });
      const nonce = await provider.getNonceForAddress(deployer!.address);
      for (const [bad, value] of [
        [{ limits: { ...limits, reclaimDelay: 60 } }, 60],
        [{ limits: { ...limits, maxTtl: 31 * 86_400 } }, 31 * 86_400],
        [{ limits: { ...limits, minTtl: 8 * 86_400 } }, 8 * 86_400],
        [{ limits: { ...limits, minFee: 0n } }, 0n],
        [{ l1Gateway: "0x1234" }, "0x1234"],
        [{ treasury: "0x0" }, "0x0"],
        [{ account: { address: "0x1234", privateKey: deployer!.privateKey } }, "0x1234"],
      ] as const) {
        const error = await deployStarknetSpoke({ ...base, ...bad }).then(
          () => null,
          (e: unknown) => e,
        );
        expect(
          error,
          JSON.stringify(bad, (_k, v) => (typeof v === "bigint" ? String(v) : v)),
        ).toBeInstanceOf(DevnetSetupError);
        expect((error as DevnetSetupError).value).toEqual(value);
      }
      expect(await provider.getNonceForAddress(deployer!.address)).toBe(nonce);
      // The network compiles the class itself and refuses a declare naming another compiled class hash.
      await expect(deployStarknetSpoke({ ...base, compiledClassHash: "0x1" })).rejects.toThrow(
        /declare ZkVinStarknetSpoke: .*(Mismatch|mismatch)/,
      );

      const deployed = await deployStarknetSpoke(base);
      expect(deployed.declareTransaction).not.toBeNull();
      expect(deployed.chainId).toBe(await provider.getChainId());
      const read = async (entrypoint: string) =>
        provider.callContract({ contractAddress: deployed.spoke, entrypoint, calldata: [] });
      expect(BigInt((await read("l1_gateway"))[0]!)).toBe(BigInt(base.l1Gateway));
      expect(BigInt((await read("treasury"))[0]!)).toBe(BigInt(treasury!.address));
      expect(BigInt((await read("owner"))[0]!)).toBe(BigInt(deployer!.address));
      expect(BigInt((await read("fee_token"))[0]!)).toBe(BigInt(STRK_ADDRESS));
      expect((await read("limits")).map((f) => BigInt(f))).toEqual([10n ** 15n, 0n, 43_200n, 604_800n, 86_400n]);
      const block = await provider.getBlockWithTxHashes(deployed.startBlock);
      expect((block as { transactions: string[] }).transactions.map(BigInt)).toContain(
        BigInt(deployed.deployTransaction),
      );

      // Again with the same class: no second declare, a second spoke.
      const again = await deployStarknetSpoke({ ...base, compiledClassHash: deployed.compiledClassHash });
      expect(again.declareTransaction).toBeNull();
      expect(again.classHash).toBe(deployed.classHash);
      expect(BigInt(again.spoke)).not.toBe(BigInt(deployed.spoke));
    } finally {
      await net.stop();
    }
  }, 300_000);
});
