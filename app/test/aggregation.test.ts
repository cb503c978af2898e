// Aggregated fulfilment end to end (docs/decisions/0011, 0015), all real: a devnet whose two benchmark models
// (linear regression, tree-ensemble regression) are registered with the hub's aggregating adapter, Redis,
// the prover's EZKL workers, and the relayer in aggregation mode. Requests of both models are proven as
// usual, verified by ONE `verifyAggregate` transaction, and settled with empty proofs. Then the attacks: an
// aggregate whose inner instances were altered or swapped is refused, a statement one aggregate accepted does
// not settle another request, an aggregate that fails (a corrupted proof) falls back to each proof on its
// own so the good request is still settled, and a node that crashed between its aggregate and the settlements
// settles from the recorded statements without a second aggregate. Gas of both paths is printed from the run.
import { type OutboxEntry, openStore, type Store, silentLogger } from "@zk-vin/chain-kit";
import { ProverClient } from "@zk-vin/prover";
import {
  aggregatingAdapterAbi,
  type FulfilmentContext,
  FulfilmentRejectedError,
  INFERENCE_KIND,
  type InferencePayload,
  inferenceKey,
  ModelCatalog,
  marketAbi,
  modelRegistryAbi,
  type NodeHubChain,
  type ProofSubmission,
  type Relayer,
  RequestStatus,
  startRelayer,
  submitAggregated,
} from "@zk-vin/relayer";
import {
  type Address,
  createWalletClient,
  decodeFunctionData,
  encodeAbiParameters,
  type Hex,
  http,
  keccak256,
  nonceManager,
  type PublicClient,
  parseEventLogs,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { DevnetModel } from "../src/index.js";
import {
  benchmarkSamples,
  fixedInput,
  parseStackConfig,
  requestValue,
  type Stack,
  startStack,
  type ValueRequest,
  valueUpdates,
  waitFor,
} from "./support/stack.js";

/** A cold start compiles the contracts with the wasm solc: minutes on a busy 2-core machine. */
const COLD_START_MS = 20 * 60_000;
/** The same tolerance as the cross-chain test: fixed-point rounding of inputs and weights. */
const TOLERANCE = 0.05;
const FIELD = 21888242871839275222246405745257275088548364400416034343698204186575808495617n;

const signed = (felt: bigint) => (felt > FIELD / 2n ? felt - FIELD : felt);
const statementOf = (key: Hex, instances: readonly bigint[]) =>
  keccak256(encodeAbiParameters([{ type: "bytes32" }, { type: "uint256[]" }], [key, instances]));

describe("aggregated fulfilment across models", () => {
  let stack: Stack;
  let relayer: Relayer | null = null;
  let lr: DevnetModel;
  let tree: DevnetModel;
  let read: PublicClient;
  let market: Address;
  let adapter: Address;
  /** What the aggregate carried, decoded from its calldata (the attacks reuse these real proofs). */
  let aggregate: { keys: readonly Hex[]; proofs: readonly Hex[]; instances: ReadonlyArray<readonly bigint[]> };
  const gas: Record<string, bigint> = {};

  const input = (m: DevnetModel, row: number) =>
    fixedInput(benchmarkSamples(m.model).inputs[row]!, m.manifest.inputs[0]!.scale);
  const request = (m: DevnetModel, row: number, label: string) =>
    requestValue({
      chain: stack.devnet.hub,
      modelId: m.modelId,
      consumer: m.consumers[stack.devnet.hub.name]!,
      input: input(m, row),
      label,
    });
  const status = async (id: bigint) =>
    (await read.readContract({ address: market, abi: marketAbi, functionName: "request", args: [id] })).status;

  beforeAll(async () => {
    stack = await startStack({
      chainIdBase: 42_800,
      spokes: 0,
      models: [
        { model: "linear_regression", verifier: "aggregating" },
        { model: "tree_ensemble_regression", verifier: "aggregating" },
      ],
    });
    lr = stack.devnet.model("linear_regression");
    tree = stack.devnet.model("tree_ensemble_regression");
    read = stack.devnet.hub.anvil.publicClient;
    market = stack.devnet.hub.contracts.InferenceMarket!;
    adapter = stack.devnet.hub.contracts.EzklAggregatingVerifierAdapter!;
  }, COLD_START_MS);

  afterAll(async () => {
    await relayer?.stop();
    await tools?.prover.close();
    await tools?.store.close();
    await stack?.stop();
    const rows = Object.entries(gas).map(([what, g]) => `  ${what.padEnd(58)} ${g.toLocaleString("en-US")}`);
    if (rows.length > 0) console.log(`gas on anvil (two models, real proofs):\n${rows.join("\n")}`);
  });

  it("registers both models with the aggregating adapter, which the registry approved", async () => {
    for (const m of [lr, tree]) {
      const spec = await read.readContract({
        address: stack.devnet.hub.contracts.ModelRegistry!,
        abi: modelRegistryAbi,
        functionName: "model",
        args: [m.modelId],
      });
      expect(spec.verifier).toBe(adapter);
    }
    expect(stack.devnet.deployment.hub.contracts.EzklAggregatingVerifierAdapter).toBe(adapter);
    expect(stack.devnet.deployment.hub.contracts.Halo2VerifierReusableDeferred).toMatch(/^0x[0-9a-fA-F]{40}$/);
  });

  it("fulfils requests of two models with one aggregate transaction, then settles each", async () => {
    const operator = stack.devnet.accounts.operator.address;
    const claimableBefore = await read.readContract({
      address: market,
      abi: marketAbi,
      functionName: "claimable",
      args: [operator],
    });
    const config = await parseStackConfig(stack.relayerConfig({ aggregate: { maxProofs: 2, windowMs: 120_000 } }));
    expect(config.node?.aggregate).toEqual({ adapter, maxProofs: 2, windowMs: 120_000 });
    relayer = await startRelayer({ config, logger: silentLogger });

    const requests: Array<{ model: DevnetModel; req: ValueRequest }> = [
      { model: lr, req: await request(lr, 0, "aggregate-lr") },
      { model: tree, req: await request(tree, 0, "aggregate-tree") },
    ];
    const consumerOf = (m: DevnetModel) => m.consumers[stack.devnet.hub.name]!;
    for (const { model, req } of requests) {
      await waitFor(
        `request ${req.requestId} (${model.name}) fulfilled`,
        async () => ((await valueUpdates(stack.devnet.hub, consumerOf(model))).get(req.requestId) ? true : undefined),
        300_000,
      );
    }

    // One AggregateVerified, carrying both models' statements.
    const events = await read.getContractEvents({
      address: adapter,
      abi: aggregatingAdapterAbi,
      eventName: "AggregateVerified",
      fromBlock: stack.devnet.hub.startBlock > 0 ? BigInt(stack.devnet.hub.startBlock) : 0n,
      strict: true,
    });
    expect(events).toHaveLength(1);
    const verified = events[0]!;
    expect(verified.args.count).toBe(2n);
    expect(verified.args.submitter).toBe(operator);
    expect([...verified.args.keys].sort()).toEqual(
      [lr.manifest.evm!.vkaDigest as Hex, tree.manifest.evm!.vkaDigest as Hex].sort(),
    );
    const aggTx = await read.getTransaction({ hash: verified.transactionHash });
    const aggReceipt = await read.getTransactionReceipt({ hash: verified.transactionHash });
    const decoded = decodeFunctionData({ abi: aggregatingAdapterAbi, data: aggTx.input });
    expect(decoded.functionName).toBe("verifyAggregate");
    const [keys, proofs, instances] = decoded.args as [
      readonly Hex[],
      readonly Hex[],
      ReadonlyArray<readonly bigint[]>,
    ];
    aggregate = { keys, proofs, instances };
    gas["verifyAggregate (2 proofs: linear + tree ensemble)"] = aggReceipt.gasUsed;

    // Each request settled by a fulfil with an EMPTY proof whose instances are an aggregated statement; the
    // consumer got the proven output.
    const fulfilled = await read.getContractEvents({
      address: market,
      abi: marketAbi,
      eventName: "InferenceFulfilled",
      fromBlock: 0n,
      strict: true,
    });
    let earned = 0n;
    for (const { model, req } of requests) {
      expect(await status(req.requestId)).toBe(RequestStatus.Fulfilled);
      const hits = fulfilled.filter((e) => e.args.requestId === req.requestId);
      expect(hits).toHaveLength(1);
      const tx = await read.getTransaction({ hash: hits[0]!.transactionHash });
      const call = decodeFunctionData({ abi: marketAbi, data: tx.input });
      expect(call.functionName).toBe("fulfil");
      const [id, proof, inst] = call.args as [bigint, Hex, readonly bigint[]];
      expect(id).toBe(req.requestId);
      expect(proof).toBe("0x");
      const key = model.manifest.evm!.vkaDigest as Hex;
      expect(verified.args.statements).toContain(statementOf(key, inst));
      const outEntry = model.manifest.instances.layout.find((e) => e.kind === "output")!;
      const proven = signed(inst[outEntry.offset]!);
      expect(hits[0]!.args.output).toEqual([proven]);
      const updates = (await valueUpdates(stack.devnet.hub, consumerOf(model))).get(req.requestId)!;
      expect(updates).toHaveLength(1);
      expect(updates[0]!.value).toBe(proven);
      // The proven output is the model's: the committed reference output at the output scale.
      const reference = benchmarkSamples(model.model).reference[0]![0]!;
      expect(Math.abs(Number(proven) / 2 ** model.manifest.outputs[0]!.scale - reference)).toBeLessThan(TOLERANCE);
      const receipt = await read.getTransactionReceipt({ hash: hits[0]!.transactionHash });
      gas[`fulfil with empty proof (${model.name})`] = receipt.gasUsed;
      const fees = await read.readContract({
        address: market,
        abi: marketAbi,
        functionName: "requestFees",
        args: [req.requestId],
      });
      earned += fees.nodeFee + fees.callbackFee;
    }
    // The node was paid for both.
    const claimableAfter = await read.readContract({
      address: market,
      abi: marketAbi,
      functionName: "claimable",
      args: [operator],
    });
    expect(claimableAfter - claimableBefore).toBe(earned);

    const node = relayer.node!.status().aggregation!;
    expect(node).toMatchObject({ aggregates: 1, aggregatedProofs: 2, fallbacks: 0, waiting: 0 });
    expect(node.lastAggregateTx).toBe(verified.transactionHash);
    const report = await relayer.status();
    expect(report.node && "aggregation" in report.node ? report.node.aggregation?.aggregates : null).toBe(1);
    await relayer.stop();
    relayer = null;
  }, 600_000);

  it("refuses an aggregate whose inner instances were altered or belong to another model", async () => {
    const call = (keys: readonly Hex[], proofs: readonly Hex[], inst: ReadonlyArray<readonly bigint[]>) =>
      read
        .simulateContract({
          address: adapter,
          abi: aggregatingAdapterAbi,
          functionName: "verifyAggregate",
          args: [keys, proofs, inst],
          account: stack.devnet.accounts.operator.address,
        })
        .then(
          () => "accepted",
          (e: unknown) => String((e as Error).message),
        );
    // The real aggregate passes (it records the same statements again).
    expect(await call(aggregate.keys, aggregate.proofs, aggregate.instances)).toBe("accepted");
    // An output altered by one unit in the first proof's instances.
    const outEntry = (
      aggregate.keys[0] === (lr.manifest.evm!.vkaDigest as Hex) ? lr : tree
    ).manifest.instances.layout.find((e) => e.kind === "output")!;
    const altered = aggregate.instances.map((v, i) =>
      i === 0 ? v.map((x, j) => (j === outEntry.offset ? (x + 1n) % FIELD : x)) : v,
    );
    expect(await call(aggregate.keys, aggregate.proofs, altered)).toMatch(
      /AggregatePairingFailed|AggregateInnerProofInvalid/,
    );
    // Instances swapped between the two proofs (each proof now claims the other model's request).
    const swapped = [aggregate.instances[1]!, aggregate.instances[0]!];
    expect(await call(aggregate.keys, aggregate.proofs, swapped)).toMatch(
      /AggregatePairingFailed|AggregateInnerProofInvalid/,
    );
    // Proofs under each other's keys.
    expect(await call([aggregate.keys[1]!, aggregate.keys[0]!], aggregate.proofs, aggregate.instances)).toMatch(
      /AggregatePairingFailed|AggregateInnerProofInvalid/,
    );
  });

  it("does not settle another request from an aggregated statement", async () => {
    // A new request of the linear model (another input), assigned to the node; no relayer runs now.
    const other = await request(lr, 1, "aggregate-other");
    const operator = privateKeyToAccount(stack.devnet.accounts.operator.key);
    const lrIndex = aggregate.keys.indexOf(lr.manifest.evm!.vkaDigest as Hex);
    const accepted = aggregate.instances[lrIndex]!;
    const attempt = (inst: readonly bigint[]) =>
      read
        .simulateContract({
          address: market,
          abi: marketAbi,
          functionName: "fulfil",
          args: [other.requestId, "0x", inst],
          account: operator,
        })
        .then(
          () => "accepted",
          (e: unknown) => String((e as Error).message),
        );
    // The aggregated statement as it is: its input is another request's.
    expect(await attempt(accepted)).toMatch(/InputMismatch/);
    // This request's own input in the instances, with the aggregated output: no aggregate accepted that.
    const inEntry = lr.manifest.instances.layout.find((e) => e.kind === "input")!;
    const ownInput = input(lr, 1);
    const forged = accepted.map((x, j) =>
      j >= inEntry.offset && j < inEntry.offset + inEntry.length ? (ownInput[j - inEntry.offset]! + FIELD) % FIELD : x,
    );
    expect(await attempt(forged)).toMatch(/InvalidProof/);
    expect(await status(other.requestId)).toBe(RequestStatus.Pending);
  });

  /** The node's submission path outside a relayer process: the operator's wallet, an outbox, and proofs from
   * the prover's workers (made by the first test that needs them, closed in afterAll). */
  let tools: {
    store: Store;
    prover: ProverClient;
    ctx: FulfilmentContext;
    /** A proof of `req` (row `row` of the model's samples); `attempt` makes a new proving job. */
    submission: (m: DevnetModel, req: ValueRequest, row: number, attempt?: number) => Promise<ProofSubmission>;
  } | null = null;

  async function nodeTools(): Promise<NonNullable<typeof tools>> {
    if (tools) return tools;
    const { hub } = stack.devnet;
    const store: Store = await openStore({ kind: "memory" });
    const prover = new ProverClient({ connection: stack.redis, store: stack.artifacts, queueName: stack.queueName });
    await prover.ready();
    const registry = await read.readContract({ address: market, abi: marketAbi, functionName: "registry" });
    const catalog = new ModelCatalog({ client: read, registry, artifacts: stack.artifacts });
    const account = privateKeyToAccount(stack.devnet.accounts.operator.key, { nonceManager });
    const hubChain: NodeHubChain = {
      name: hub.name,
      chainId: hub.chainId,
      publicClient: read,
      walletClient: createWalletClient({ chain: hub.anvil.chain, account, transport: http(hub.rpcUrl) }),
      confirmations: 0,
      startBlock: BigInt(hub.startBlock),
      pollIntervalMs: 100,
      maxBlockRange: 1000,
      reorgWindow: 64,
    };
    const ctx = {
      hub: hubChain,
      market,
      operator: account.address,
      store,
      pollIntervalMs: 100,
      receiptTimeoutMs: 60_000,
      log: silentLogger,
    };
    const submission = async (
      m: DevnetModel,
      req: ValueRequest,
      row: number,
      attempt = 0,
    ): Promise<ProofSubmission> => {
      const onChain = await read.readContract({
        address: market,
        abi: marketAbi,
        functionName: "request",
        args: [req.requestId],
      });
      const key = inferenceKey(req.requestId, BigInt(onChain.deadline));
      await store.enqueue([
        {
          kind: INFERENCE_KIND,
          key,
          payload: {
            requestId: String(req.requestId),
            modelId: String(m.modelId),
            input: input(m, row).map(String),
            inputCommitment: onChain.payloadDigest,
            requester: onChain.requester,
            deadline: String(onChain.deadline),
            epoch: 0,
            assignedBlock: String(req.blockNumber),
            assignedTx: req.txHash,
            discoveredAt: Date.now(),
          } satisfies InferencePayload,
          sourceChainId: hub.chainId,
          sourceBlock: req.blockNumber,
          sourceLogIndex: 0,
        },
      ]);
      const [entry] = (
        await store.list<InferencePayload>({ kind: INFERENCE_KIND, status: "pending", limit: 100 })
      ).filter((e: OutboxEntry<InferencePayload>) => e.key === key);
      const proof = await prover.prove(
        { artifactId: m.artifactId, inputsFixed: [input(m, row)], requestIds: [`${key}#${attempt}`] },
        { timeoutMs: 300_000 },
      );
      return {
        model: await catalog.resolve(m.modelId),
        members: [
          {
            entry: entry!,
            result: {
              requestId: `${key}#${attempt}`,
              slot: 0,
              output: proof.outputs[0]!,
              outputFixed: proof.outputsFixed[0]!,
              proof,
            },
          },
        ],
      };
    };
    tools = { store, prover, ctx, submission };
    return tools;
  }

  it("falls back to each proof on its own when the aggregate fails, settling the good request", async () => {
    const { ctx, submission } = await nodeTools();
    const lrReq = await request(lr, 2, "fallback-lr");
    const treeReq = await request(tree, 2, "fallback-tree");
    const good = await submission(lr, lrReq, 2);
    const treeGood = await submission(tree, treeReq, 2);
    // A corrupted proof (as a faulty worker would return): one byte of its commitments flipped.
    const bytes = treeGood.members[0]!.result.proof.proof;
    const at = 2 + 2 * 100;
    const flipped = `${bytes.slice(0, at)}${((Number.parseInt(bytes.slice(at, at + 2), 16) ^ 0x01) & 0xff)
      .toString(16)
      .padStart(2, "0")}${bytes.slice(at + 2)}` as Hex;
    const bad: ProofSubmission = {
      model: treeGood.model,
      members: [
        {
          entry: treeGood.members[0]!.entry,
          result: { ...treeGood.members[0]!.result, proof: { ...treeGood.members[0]!.result.proof, proof: flipped } },
        },
      ],
    };

    const before = await read.getBlockNumber();
    const { attempts, outcome } = await submitAggregated(ctx, adapter, [good, bad]);
    // The aggregate was refused before anything was sent; each proof then went alone.
    expect(outcome.tx).toBeNull();
    expect(outcome.fallbackReason).toMatch(/AggregatePairingFailed|AggregateInnerProofInvalid/);
    expect(attempts[0]).toMatchObject({ kind: "final", status: "done", outcome: "fulfilled" });
    expect(attempts[1]!.kind).toBe("error");
    expect((attempts[1] as { error: unknown }).error).toBeInstanceOf(FulfilmentRejectedError);
    expect(await status(lrReq.requestId)).toBe(RequestStatus.Fulfilled);
    expect(await status(treeReq.requestId)).toBe(RequestStatus.Pending);
    const aggregates = await read.getContractEvents({
      address: adapter,
      abi: aggregatingAdapterAbi,
      eventName: "AggregateVerified",
      fromBlock: before,
    });
    expect(aggregates).toHaveLength(0);
    const lrTx = (attempts[0] as { tx: Hex }).tx;
    gas["fulfil with own proof (linear_regression)"] = (await read.getTransactionReceipt({ hash: lrTx })).gasUsed;

    // The bad proof's request is not lost: proven again (a good proof), it is settled; one proof alone
    // goes with its own bytes (an aggregate of one would cost more).
    const retry = await submitAggregated(ctx, adapter, [treeGood]);
    expect(retry.outcome.tx).toBeNull();
    expect(retry.outcome.fallbackReason).toBeNull();
    expect(retry.attempts[0]).toMatchObject({ kind: "final", status: "done", outcome: "fulfilled" });
    expect(await status(treeReq.requestId)).toBe(RequestStatus.Fulfilled);
    const treeTx = (retry.attempts[0] as { tx: Hex }).tx;
    const treeReceipt = await read.getTransactionReceipt({ hash: treeTx });
    gas["fulfil with own proof (tree_ensemble_regression)"] = treeReceipt.gasUsed;
    expect(
      parseEventLogs({ abi: marketAbi, eventName: "InferenceFulfilled", logs: treeReceipt.logs }).map(
        (e) => e.args.requestId,
      ),
    ).toEqual([treeReq.requestId]);

    const aggregated =
      gas["verifyAggregate (2 proofs: linear + tree ensemble)"]! +
      gas["fulfil with empty proof (linear_regression)"]! +
      gas["fulfil with empty proof (tree_ensemble_regression)"]!;
    const own =
      gas["fulfil with own proof (linear_regression)"]! + gas["fulfil with own proof (tree_ensemble_regression)"]!;
    gas["total, aggregate + 2 settlements"] = aggregated;
    gas["total, 2 fulfilments with own proofs"] = own;
  }, 600_000);

  it("after a crash between the aggregate and the settlements, settles from the recorded statements only", async () => {
    const { ctx, submission } = await nodeTools();
    const lrReq = await request(lr, 3, "restart-lr");
    const treeReq = await request(tree, 3, "restart-tree");
    const first = [await submission(lr, lrReq, 3), await submission(tree, treeReq, 3)];
    // The node sent its aggregate and stopped before settling (the aggregate is all that reached the chain).
    const operator = privateKeyToAccount(stack.devnet.accounts.operator.key);
    const wallet = createWalletClient({
      chain: stack.devnet.hub.anvil.chain,
      account: operator,
      transport: http(stack.devnet.hub.rpcUrl),
    });
    const proofOf = (x: ProofSubmission) => x.members[0]!.result.proof;
    const hash = await wallet.writeContract({
      address: adapter,
      abi: aggregatingAdapterAbi,
      functionName: "verifyAggregate",
      args: [
        first.map((x) => x.model.verifierKey),
        first.map((x) => proofOf(x).proof),
        first.map((x) => proofOf(x).instances.map((w) => BigInt(w))),
      ],
    });
    expect((await read.waitForTransactionReceipt({ hash })).status).toBe("success");
    // Restarted, it proves the requests again: the same inputs give the same instances (fresh proofs).
    const again = [await submission(lr, lrReq, 3, 1), await submission(tree, treeReq, 3, 1)];
    expect(again.map((x) => proofOf(x).jobId)).not.toEqual(first.map((x) => proofOf(x).jobId));
    expect(again.map((x) => proofOf(x).instances)).toEqual(first.map((x) => proofOf(x).instances));
    const before = await read.getBlockNumber();
    const { attempts, outcome } = await submitAggregated(ctx, adapter, again);
    expect(outcome).toMatchObject({ tx: null, proofs: 0, alreadyAccepted: 2, fallbackReason: null });
    for (const a of attempts) expect(a).toMatchObject({ kind: "final", status: "done", outcome: "fulfilled" });
    expect(await status(lrReq.requestId)).toBe(RequestStatus.Fulfilled);
    expect(await status(treeReq.requestId)).toBe(RequestStatus.Fulfilled);
    // No second aggregate; each settlement carried an empty proof.
    expect(
      await read.getContractEvents({
        address: adapter,
        abi: aggregatingAdapterAbi,
        eventName: "AggregateVerified",
        fromBlock: before + 1n,
      }),
    ).toHaveLength(0);
    for (const a of attempts) {
      const tx = await read.getTransaction({ hash: (a as { tx: Hex }).tx });
      expect(decodeFunctionData({ abi: marketAbi, data: tx.input }).args[1]).toBe("0x");
    }
  }, 600_000);
});
