// After a real run of the hub on anvil (forge-deployed contracts, real EZKL proofs), the local indexer
// (relayer's chain watcher + the subgraph's own mappings) fills PGlite, and the SDK's typed queries against
// the local GraphQL endpoint return the expected entities: filters, ordering, pagination, relations. Each
// statistic the mappings compute is compared with what the contracts say.

import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Logger } from "@zk-vin/chain-kit";
import {
  createGraphQLClient,
  GraphQLRequestError,
  getEntity,
  getIndexMeta,
  getModelDetails,
  getNodeDetails,
  getRequestDetails,
  inferenceMarketAbi,
  listEntities,
  listModels,
  modelRegistryAbi,
  nodePoolAbi,
} from "@zk-vin/oracle-sdk";
import { type Anvil, freePort, startAnvil } from "@zk-vin/oracle-sdk/testing";
import pg from "pg";
import { type Address, toFunctionSelector } from "viem";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { ensurePostgres, stopPostgres } from "../../scripts/lib/postgres.mjs";
import { type LocalSubgraph, SubgraphIndexer, startLocalSubgraph } from "../src/index.js";
import { client, KEYS, runHubScenario, type ScenarioResult } from "./support/scenario.js";

const subgraphRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
let anvil: Anvil;
let run: ScenarioResult;
let subgraph: LocalSubgraph;
let gql: ReturnType<typeof createGraphQLClient>;

const market = () => run.deployment.hub.contracts.InferenceMarket as Address;
const pool = () => run.deployment.hub.contracts.NodePool as Address;

beforeAll(async () => {
  anvil = await startAnvil({ chainId: 31_411 });
  run = await runHubScenario(anvil);
  subgraph = await startLocalSubgraph({
    deployment: run.deployment,
    database: { kind: "memory" },
    autoStart: false,
  });
  await subgraph.indexer.syncOnce();
  gql = createGraphQLClient({ url: subgraph.endpoint.url });
});

afterAll(async () => {
  await subgraph?.close();
  await anvil?.stop();
});

describe("models", () => {
  it("lists both live models with the usage statistics the market counts", async () => {
    const models = await listModels(gql, { where: { status: "LIVE" } });
    expect(models.map((m) => m.modelId)).toEqual([run.lrModel, run.b4Model]);
    for (const m of models) {
      const usage = (await anvil.publicClient.readContract({
        address: market(),
        abi: inferenceMarketAbi,
        functionName: "modelUsage",
        args: [m.modelId],
      })) as {
        requests: bigint;
        fulfilled: bigint;
        expired: bigint;
        distinctRequesters: number;
        repeatRequesters: number;
      };
      expect(m.usage).toEqual({ ...usage });
    }
    const lr = models[0];
    expect(lr?.usage).toEqual({ requests: 4n, fulfilled: 3n, expired: 3n, distinctRequesters: 2, repeatRequesters: 1 });
    expect(lr?.royalty).toBe(2n * 10n ** 14n);
    expect(lr?.metadataURI).toBe("ipfs://linear_regression-v2");
    expect(lr?.layout).toMatchObject({
      inputCount: 4,
      inputScale: 13,
      outputScale: 26,
      batchSize: 1,
      inputMode: "public",
    });
    // One bound per feature, from the ModelRegistered event's spec.
    expect(lr?.layout.inputBounds).toEqual(run.lr.inputBounds);
  });

  it("follows each model through the approval flow (register -> approve -> live, or rejected)", async () => {
    const deployer = anvil.account(0).address.toLowerCase();
    for (const id of [run.lrModel, run.b4Model]) {
      const m = await getEntity(gql, "Model", String(id));
      expect(m).toMatchObject({ status: "LIVE", approver: deployer });
      const onChain = (await anvil.publicClient.readContract({
        address: run.deployment.hub.contracts.ModelRegistry as Address,
        abi: modelRegistryAbi,
        functionName: "model",
        args: [id],
      })) as { specDigest: string };
      expect(m?.specDigest).toBe(onChain.specDigest);
    }
    const rejected = await getEntity(gql, "Model", String(run.rejectedModel));
    expect(rejected).toMatchObject({
      status: "REJECTED",
      rejectedBy: deployer,
      rejectionReason: "layout does not match the manifest",
      approver: null,
    });
    const protocol = await getEntity(gql, "Protocol", "hub");
    expect(protocol?.modelApprovalRequired).toBe(true);
    const refunds = await listEntities(gql, "Payment", { where: { kind: "REGISTRATION_FEE_REFUND" } });
    expect(refunds).toHaveLength(1);
    expect(refunds[0]?.to).toBe(anvil.account(KEYS.modelOwner).address.toLowerCase());
    expect(BigInt(refunds[0]?.amount ?? 0)).toBeGreaterThan(0n);
  });

  it("resolves a model's requests, backtests and nodes (derived fields with arguments)", async () => {
    const m = await getModelDetails(gql, run.b4Model, { requests: 3 });
    expect(m?.requests.map((r) => r.requestId)).toEqual([...run.batch].reverse().slice(0, 3).map(String));
    expect(m?.backtests).toEqual([
      { id: `${run.b4Model}-0`, metric: "mse", metricValue: "3000000", metricScale: 26, samples: "4" },
    ]);
    expect(m?.nodes.map((n) => n.node.id)).toEqual([run.nodeA.toLowerCase()]);
    const backtest = await getEntity(gql, "Backtest", `${run.b4Model}-0`);
    expect(backtest?.outputs).toEqual(run.b4.outputs.map((row) => String(row[0])));
  });
});

describe("requests", () => {
  it("filters by status, nested model fields, id ranges and set membership", async () => {
    const fulfilled = await listEntities(gql, "InferenceRequest", {
      where: { status: "FULFILLED" },
      orderBy: "requestId",
    });
    expect(fulfilled.map((r) => BigInt(r.requestId))).toEqual([
      run.fulfilled,
      run.reassigned,
      ...run.batch,
      run.callback,
    ]);
    const refunded = await listEntities(gql, "InferenceRequest", { where: { status_in: ["REFUNDED"] } });
    expect(refunded.map((r) => r.id)).toEqual([String(run.refunded)]);
    const notFulfilled = await listEntities(gql, "InferenceRequest", { where: { status_not: "FULFILLED" } });
    expect(notFulfilled.map((r) => r.id)).toEqual([String(run.refunded)]);
    const batched = await listEntities(gql, "InferenceRequest", {
      where: { model_: { batchSize_gt: 1 } },
      orderBy: "requestId",
    });
    expect(batched.map((r) => BigInt(r.requestId))).toEqual(run.batch);
    const range = await listEntities(gql, "InferenceRequest", {
      where: { requestId_gt: run.fulfilled, requestId_lte: run.refunded },
      orderBy: "requestId",
    });
    expect(range.map((r) => BigInt(r.requestId))).toEqual([run.reassigned, run.refunded]);
    const byNode = await listEntities(gql, "InferenceRequest", {
      where: { or: [{ node: run.nodeB.toLowerCase() }, { batchSlot: 3 }] },
    });
    expect(byNode.length).toBeGreaterThanOrEqual(1);
    for (const r of byNode) expect(r.node.id === run.nodeB.toLowerCase() || r.batchSlot === 3).toBe(true);
    const wanted = (run.lr.inputs[0] ?? []).slice(0, 2).map(String);
    const withInput = await listEntities(gql, "InferenceRequest", {
      where: { input_contains: wanted },
      orderBy: "requestId",
    });
    const all = await listEntities(gql, "InferenceRequest", { orderBy: "requestId" });
    const expected = all.filter((r) => wanted.every((v) => r.input.includes(v)));
    expect(withInput).toEqual(expected);
    expect(withInput.map((r) => BigInt(r.requestId))).toEqual(
      expect.arrayContaining([run.fulfilled, run.reassigned, run.refunded]),
    );
  });

  it("orders and paginates like graph-node (first/skip pages add up to the full list)", async () => {
    const all = await listEntities(gql, "InferenceRequest", { orderBy: "requestId", orderDirection: "desc" });
    expect(all.map((r) => BigInt(r.requestId))).toEqual(
      [run.fulfilled, run.reassigned, run.refunded, ...run.batch, run.callback].sort((a, b) => (a < b ? 1 : -1)),
    );
    const pages = [];
    for (let skip = 0; skip < all.length; skip += 3) {
      pages.push(
        ...(await listEntities(gql, "InferenceRequest", {
          orderBy: "requestId",
          orderDirection: "desc",
          first: 3,
          skip,
        })),
      );
    }
    expect(pages).toEqual(all);
    const byModel = await listEntities(gql, "InferenceRequest", {
      orderBy: "model__modelId",
      orderDirection: "desc",
      first: 4,
    });
    expect(byModel.every((r) => r.model.id === String(run.b4Model))).toBe(true);
  });

  it("stores the verified output, the proof reference, the assignment history and the slashes", async () => {
    const r = await getRequestDetails(gql, run.reassigned);
    expect(r?.output).toEqual(run.lr.outputs[0]?.map(String));
    expect(r?.input).toEqual(run.lr.inputs[0]?.map(String));
    expect(r?.assignments.map((a) => a.outcome)).toEqual(["EXPIRED", "FULFILLED"]);
    expect(r?.slashes).toHaveLength(1);
    expect(r?.batch?.size).toBe(1);
    expect(r?.batch?.transactionHash).toBe(r?.fulfilmentTransaction);
    const refunded = await getRequestDetails(gql, run.refunded);
    expect(refunded?.status).toBe("REFUNDED");
    expect(refunded?.assignments.map((a) => a.outcome)).toEqual(["EXPIRED", "EXPIRED"]);
    expect(BigInt(refunded?.refundAmount ?? 0)).toBe(BigInt(refunded?.fee ?? -1));
    const callback = await getRequestDetails(gql, run.callback);
    expect(callback).toMatchObject({
      requester: run.consumer.toLowerCase(),
      delivery: "DELIVERED",
      callbackFailures: 1,
      callbackGasLimit: "200000",
    });
    // ConsumerRefused(requestId): the consumer's revert data, kept from CallbackFailed.
    expect(callback?.lastCallbackError?.slice(0, 10)).toBe(toFunctionSelector("ConsumerRefused(uint256)"));
    const slots = await Promise.all(run.batch.map((id) => getRequestDetails(gql, id)));
    expect(slots.map((s) => s?.batchSlot)).toEqual([0, 1, 2, 3]);
    expect(new Set(slots.map((s) => s?.batch?.id)).size).toBe(1);
    expect(slots.map((s) => s?.output)).toEqual(run.b4.outputs.map((row) => row.map(String)));
  });
});

describe("nodes, epochs, slashes, payments", () => {
  it("tracks stake, slashes and status as the pool holds them", async () => {
    const a = await getNodeDetails(gql, run.nodeA);
    const onChain = (await anvil.publicClient.readContract({
      address: pool(),
      abi: nodePoolAbi,
      functionName: "node",
      args: [run.nodeA],
    })) as { stake: bigint; slashed: bigint };
    expect(BigInt(a?.stake ?? -1)).toBe(onChain.stake);
    expect(BigInt(a?.slashedTotal ?? -1)).toBe(onChain.slashed);
    expect(a?.status).toBe("REGISTERED");
    const b = await getNodeDetails(gql, run.nodeB);
    expect(b?.status).toBe("WITHDRAWN");
    expect(b?.stake).toBe("0");
    expect(b?.models.every((m) => !m.active)).toBe(true);
    const slashes = await listEntities(gql, "Slash", { orderBy: "blockNumber" });
    expect(slashes).toHaveLength(3);
    expect(new Set(slashes.map((s) => s.request.id))).toEqual(new Set([String(run.reassigned), String(run.refunded)]));
  });

  it("records epochs with the start blocks the pool computes, and per-epoch capacity", async () => {
    const epochs = await listEntities(gql, "Epoch", { orderBy: "number" });
    expect(epochs.length).toBeGreaterThan(0);
    for (const e of epochs) {
      const start = await anvil.publicClient.readContract({
        address: pool(),
        abi: nodePoolAbi,
        functionName: "epochStartBlock",
        args: [e.number],
      });
      expect(BigInt(e.startBlock)).toBe(start);
    }
    const a = await getNodeDetails(gql, run.nodeA);
    expect(a?.capacities.length).toBeGreaterThan(0);
    const numbers = a?.capacities.map((c) => c.epoch.number) ?? [];
    expect(numbers).toEqual([...numbers].sort((x, y) => y - x));
    for (const c of a?.capacities ?? []) expect(BigInt(c.used)).toBeLessThanOrEqual(BigInt(c.capacity));
  });

  it("records every kind of payment the run made", async () => {
    const payments = await listEntities(gql, "Payment", { first: 1000 });
    const kinds = new Set(payments.map((p) => p.kind));
    for (const kind of [
      "REGISTRATION_FEE",
      "STAKE",
      "REQUEST_FEE",
      "NODE_FEE",
      "ROYALTY",
      "PROTOCOL_FEE",
      "REFUND",
      "SLASH_SHARE",
      "STAKE_WITHDRAWAL",
      "WITHDRAWAL",
      "SLASH_PROCEEDS_CLAIM",
    ] as const) {
      expect(kinds, kind).toContain(kind);
    }
    const refunds = await listEntities(gql, "Payment", { where: { kind: "REFUND", request_: { status: "REFUNDED" } } });
    expect(refunds.map((p) => p.request?.id)).toEqual([String(run.refunded)]);
  });
});

describe("graph-node conventions", () => {
  it("enforces graph-node's first/skip limits and rejects unknown filters", async () => {
    await expect(listEntities(gql, "Model", { first: 1001 })).rejects.toThrow(
      /`first` argument must be between 0 and 1000/,
    );
    await expect(listEntities(gql, "Model", { skip: 5001 })).rejects.toBeInstanceOf(GraphQLRequestError);
    await expect(gql.request("{ models(where: { nope: 1 }) { id } }")).rejects.toThrow(/nope/);
  });

  it("reports the indexed block in _meta with its hash, timestamp and parent", async () => {
    const meta = await getIndexMeta(gql);
    expect(BigInt(meta.block.number)).toBe(await anvil.publicClient.getBlockNumber());
    expect(meta.hasIndexingErrors).toBe(false);
    const full = await gql.request<{
      _meta: { block: { number: number; hash: string; timestamp: number; parentHash: string } };
    }>("{ _meta { block { number hash timestamp parentHash } } }");
    const head = await anvil.publicClient.getBlock({ blockNumber: BigInt(full._meta.block.number) });
    expect(full._meta.block).toEqual({
      number: Number(head.number),
      hash: head.hash,
      timestamp: Number(head.timestamp),
      parentHash: head.parentHash,
    });
    const far = Number(await anvil.publicClient.getBlockNumber()) + 1000;
    await expect(gql.request(`{ models(block: { number_gte: ${far} }) { id } }`)).rejects.toThrow(/not yet available/);
  });
});

describe("indexing status", () => {
  const chainsQuery = `{ _meta { chains {
    network chainId earliestBlock latestBlock { number hash timestamp parentHash } chainHeadBlock { number hash }
    synced health fatalError { message } reorgs
  } } }`;
  type ChainMeta = {
    network: string;
    latestBlock: { number: number; hash: string } | null;
    chainHeadBlock: { number: number; hash: string } | null;
    synced: boolean;
  };
  const statusQuery = (name: string) => `{ indexingStatusForCurrentVersion(subgraphName: "${name}") {
    subgraph synced health entityCount fatalError { message } nonFatalErrors { message }
    chains { network chainHeadBlock { number hash } earliestBlock { number hash } latestBlock { number hash } lastHealthyBlock { number } }
  } }`;

  it("reports each chain's latest block, head, sync and health in _meta and in graph-node's status API", async () => {
    const hub = run.deployment.hub;
    await anvil.mine(2);
    const behind = (await gql.request<{ _meta: { chains: ChainMeta[] } }>(chainsQuery))._meta.chains[0];
    expect(behind?.synced).toBe(false);
    expect(behind?.chainHeadBlock?.number).toBeGreaterThan(behind?.latestBlock?.number ?? 0);

    await subgraph.indexer.syncOnce();
    const head = await anvil.publicClient.getBlock();
    const start = await anvil.publicClient.getBlock({ blockNumber: BigInt(hub.startBlock) });
    const { _meta } = await gql.request<{ _meta: { chains: unknown[] } }>(chainsQuery);
    expect(_meta.chains).toEqual([
      {
        network: hub.name,
        chainId: hub.chainId,
        earliestBlock: hub.startBlock,
        latestBlock: {
          number: Number(head.number),
          hash: head.hash,
          timestamp: Number(head.timestamp),
          parentHash: head.parentHash,
        },
        chainHeadBlock: { number: Number(head.number), hash: head.hash },
        synced: true,
        health: "healthy",
        fatalError: null,
        reorgs: expect.any(Number),
      },
    ]);

    const status = createGraphQLClient({ url: subgraph.endpoint.statusUrl });
    const { indexingStatusForCurrentVersion: s } = await status.request<{
      indexingStatusForCurrentVersion: Record<string, unknown>;
    }>(statusQuery("zk-vin"));
    let entities = 0;
    for (const entity of subgraph.indexer.db.model.entities.keys()) {
      entities += (await listEntities(gql, entity as Parameters<typeof listEntities>[1], { first: 1000 })).length;
    }
    expect(s).toEqual({
      subgraph: `zk-vin/${run.deployment.network}`,
      synced: true,
      health: "healthy",
      entityCount: String(entities),
      fatalError: null,
      nonFatalErrors: [],
      chains: [
        {
          network: hub.name,
          chainHeadBlock: { number: String(head.number), hash: head.hash },
          earliestBlock: { number: String(hub.startBlock), hash: start.hash },
          latestBlock: { number: String(head.number), hash: head.hash },
          lastHealthyBlock: null,
        },
      ],
    });
    expect(
      (await status.request<{ indexingStatusForCurrentVersion: null }>(statusQuery("other")))
        .indexingStatusForCurrentVersion,
    ).toBeNull();
    const all = await status.request<{ indexingStatuses: Array<{ subgraph: string }> }>(
      `{ indexingStatuses { subgraph } none: indexingStatuses(subgraphs: ["Qm-other"]) { subgraph } }`,
    );
    expect(all).toEqual({ indexingStatuses: [{ subgraph: s.subgraph }], none: [] });
  });
});

describe("time travel", () => {
  it("returns a request as it stood at an earlier block, by number and by hash, relations included", async () => {
    const id = run.reassigned;
    const assigned = (
      await anvil.publicClient.getContractEvents({
        address: market(),
        abi: inferenceMarketAbi,
        eventName: "InferenceAssigned",
        args: { requestId: id },
        fromBlock: 0n,
      })
    ).sort((a, b) => Number(a.blockNumber - b.blockNumber));
    const first = assigned[0];
    if (!first) throw new Error("the reassigned request has no assignment");
    const at = first.blockNumber;
    const q = (block: string) =>
      gql.request<{
        inferenceRequest: {
          status: string;
          expiries: number;
          reassignments: number;
          node: { id: string };
          assignments: Array<{ index: number; outcome: string }>;
        } | null;
      }>(
        `{ inferenceRequest(id: "${id}", block: ${block}) { status expiries reassignments node { id } assignments(orderBy: index) { index outcome } } }`,
      );
    const then = (await q(`{ number: ${at} }`)).inferenceRequest;
    expect(then).toEqual({
      status: "PENDING",
      expiries: 0,
      reassignments: 0,
      node: { id: String(first.args.node).toLowerCase() },
      assignments: [{ index: 0, outcome: "PENDING" }],
    });
    const hash = (await anvil.publicClient.getBlock({ blockNumber: at })).hash;
    expect((await q(`{ hash: "${hash}" }`)).inferenceRequest).toEqual(then);
    expect((await q(`{ number: ${at - 1n} }`)).inferenceRequest).toBeNull();
    const now = (await q(`{ number: ${await anvil.publicClient.getBlockNumber()} }`)).inferenceRequest;
    expect(now?.status).toBe("FULFILLED");
    expect(now?.reassignments).toBe(assigned.length - 1);
    expect(now).toEqual(
      (
        await gql.request<{ inferenceRequest: unknown }>(
          `{ inferenceRequest(id: "${id}") { status expiries reassignments node { id } assignments(orderBy: index) { index outcome } } }`,
        )
      ).inferenceRequest,
    );
    const list = await gql.request<{ inferenceRequests: Array<{ id: string }> }>(
      `{ inferenceRequests(block: { number: ${at} }, where: { status: PENDING }) { id } }`,
    );
    expect(list.inferenceRequests.map((r) => r.id)).toContain(String(id));
    const far = Number(await anvil.publicClient.getBlockNumber()) + 1000;
    await expect(gql.request(`{ models(block: { number: ${far} }) { id } }`)).rejects.toThrow(/not yet available/);
  });
});

describe("reorgs", () => {
  it("undoes the entity changes of replaced blocks and indexes their replacements", async () => {
    const snapshot = await anvil.testClient.snapshot();
    const before = await getEntity(gql, "Model", String(run.lrModel));
    const { createZkVinClient } = await import("@zk-vin/oracle-sdk");
    const requester = createZkVinClient({
      deployment: run.deployment,
      account: anvil.account(4),
      pollingIntervalMs: 50,
    });
    const { requestId } = await requester.requestInference({
      modelId: run.lrModel,
      input: run.lr.inputsFloat[0] ?? [],
    });
    await subgraph.indexer.syncOnce();
    expect((await getEntity(gql, "InferenceRequest", String(requestId)))?.status).toBe("PENDING");
    expect((await getEntity(gql, "Model", String(run.lrModel)))?.requestCount).toBe(
      String(BigInt(before?.requestCount ?? 0) + 1n),
    );

    await anvil.testClient.revert({ id: snapshot });
    await anvil.mine(3);
    await subgraph.indexer.syncOnce();
    expect(await getEntity(gql, "InferenceRequest", String(requestId))).toBeNull();
    expect(await getEntity(gql, "Model", String(run.lrModel))).toEqual(before);
    const meta = await getIndexMeta(gql);
    expect(meta.block.hash).toBe((await anvil.publicClient.getBlock()).hash);
  });
  it("reverts a reorg deeper than the watcher's window to the fork point, indexing and serving throughout", async () => {
    const window = 3;
    // The indexer's warnings, to see which way the reorg was resolved.
    const warnings: Array<Record<string, unknown> & { msg?: string }> = [];
    const logger: Logger = {
      debug() {},
      info() {},
      warn: (obj, msg) => warnings.push({ ...obj, msg }),
      error: (obj, msg) => warnings.push({ ...obj, msg }),
      child: () => logger,
    };
    const deep = await startLocalSubgraph({
      deployment: run.deployment,
      database: { kind: "memory" },
      reorgWindow: window,
      pollIntervalMs: 50,
      logger,
    });
    const deepGql = createGraphQLClient({ url: deep.endpoint.url });
    const hub = () => deep.indexer.chainStatuses().find((c) => c.name === run.deployment.hub.name);
    // Every 50 ms: the watcher's state and a query answered by the endpoint, for as long as the test runs.
    const states = new Set<string>();
    const queryErrors: string[] = [];
    let answered = 0;
    const sampler = setInterval(() => {
      states.add(hub()?.state ?? "missing");
      getIndexMeta(deepGql).then(
        () => answered++,
        (e: Error) => queryErrors.push(e.message),
      );
    }, 50);
    onTestFinished(async () => {
      clearInterval(sampler);
      await deep.close();
    });
    const indexedHead = async () => {
      const head = await anvil.publicClient.getBlock();
      await until(async () => (await getIndexMeta(deepGql)).block.hash === head.hash);
      return head;
    };

    const fork = await indexedHead();
    // The chain is put back as it was for the other tests, whatever happens here.
    const outer = await anvil.testClient.snapshot();
    onTestFinished(() => anvil.testClient.revert({ id: outer }));
    const snapshot = await anvil.testClient.snapshot();
    const lrBefore = await getEntity(deepGql, "Model", String(run.lrModel));
    const b4Before = await getEntity(deepGql, "Model", String(run.b4Model));
    const requester = client(run.deployment, anvil, KEYS.requester);
    // The old branch: a request for the LR model, buried under more blocks than the window holds.
    const old = await requester.requestInference({ modelId: run.lrModel, input: run.lr.inputsFloat[0] ?? [] });
    await anvil.mine(3 * window);
    const oldHead = await indexedHead();
    expect((await getEntity(deepGql, "InferenceRequest", String(old.requestId)))?.model).toEqual({
      id: String(run.lrModel),
    });
    expect(oldHead.number - old.blockNumber + 1n).toBeGreaterThan(BigInt(window));

    // The new branch from the fork point: the same request id goes to the B4 model, and it is longer.
    await anvil.testClient.revert({ id: snapshot });
    const replacement = await requester.requestInference({ modelId: run.b4Model, input: run.b4.inputsFloat[0] ?? [] });
    expect(replacement.requestId).toBe(old.requestId);
    await anvil.mine(6 * window);
    const newHead = await indexedHead();
    expect(newHead.number).toBeGreaterThan(oldHead.number);

    // What the new chain's events say, field by field.
    const [event, ...more] = await anvil.publicClient.getContractEvents({
      address: market(),
      abi: inferenceMarketAbi,
      eventName: "InferenceRequested",
      fromBlock: fork.number + 1n,
    });
    expect(more).toEqual([]);
    if (!event) throw new Error("the new branch has no InferenceRequested event");
    const block = await anvil.publicClient.getBlock({ blockHash: event.blockHash });
    const got = await deepGql.request<{
      inferenceRequest: Record<string, unknown> & { model: { id: string } };
    }>(
      `{ inferenceRequest(id: "${event.args.requestId}") { model { id } requester input inputCommitment nodeFee royalty protocolFee callbackFee bond requestedAt requestedAtBlock requestTransaction } }`,
    );
    const fees = event.args.fees as {
      nodeFee: bigint;
      royalty: bigint;
      protocolFee: bigint;
      callbackFee: bigint;
      bond: bigint;
    };
    expect(got.inferenceRequest).toEqual({
      model: { id: String(event.args.modelId) },
      requester: String(event.args.requester).toLowerCase(),
      input: (event.args.input as readonly bigint[]).map(String),
      inputCommitment: String(event.args.inputCommitment),
      nodeFee: String(fees.nodeFee),
      royalty: String(fees.royalty),
      protocolFee: String(fees.protocolFee),
      callbackFee: String(fees.callbackFee),
      bond: String(fees.bond),
      requestedAt: String(block.timestamp),
      requestedAtBlock: String(event.blockNumber),
      requestTransaction: event.transactionHash,
    });
    expect(String(event.args.modelId)).toBe(String(run.b4Model));
    expect(await getEntity(deepGql, "Model", String(run.lrModel))).toEqual(lrBefore);
    expect((await getEntity(deepGql, "Model", String(run.b4Model)))?.requestCount).toBe(
      String(BigInt(b4Before?.requestCount ?? 0) + 1n),
    );
    // The old branch's block is not a block of the chain any more, and time travel agrees.
    const then = await deepGql.request<{ inferenceRequest: { model: { id: string } } | null }>(
      `{ inferenceRequest(id: "${old.requestId}", block: { number: ${event.blockNumber} }) { model { id } } }`,
    );
    expect(then.inferenceRequest?.model.id).toBe(String(run.b4Model));

    // The watcher's window held no surviving block: the fork point came from the index's block hashes.
    const resolved = warnings.filter((w) => w.msg?.startsWith("reorg deeper than the watcher's window"));
    expect(resolved.length).toBeGreaterThanOrEqual(1);
    for (const w of resolved) {
      // At or before the real fork (the newest indexed block with logs there), never on the old branch.
      expect(BigInt(String(w.forkPoint))).toBeGreaterThan(0n);
      expect(BigInt(String(w.forkPoint))).toBeLessThanOrEqual(fork.number);
    }
    // The chain was never stopped: the watcher rewound and went on, and every query was answered.
    clearInterval(sampler);
    expect(hub()).toMatchObject({ state: "running", indexingError: null });
    expect(hub()?.reorgs).toBeGreaterThanOrEqual(1);
    expect([...states]).toEqual(["running"]);
    expect(queryErrors).toEqual([]);
    expect(answered).toBeGreaterThan(0);
  });
});

describe("storage backends", () => {
  /** Every entity of every type, by id, as the endpoint at `url` serves it. */
  async function everything(url: string): Promise<Record<string, unknown>> {
    const client = createGraphQLClient({ url });
    const out: Record<string, unknown> = {};
    for (const entity of subgraph.indexer.db.model.entities.keys()) {
      out[entity] = await listEntities(client, entity as Parameters<typeof listEntities>[1], {
        first: 1000,
        orderBy: "id",
      });
    }
    return out;
  }

  it("serves the same answers from Postgres as from PGlite", async () => {
    // A cluster of this test's own (not the shared one other suites start and stop).
    process.env.ZKVIN_POSTGRES_URL = "postgres://postgres@127.0.0.1:54341/postgres";
    const server = await ensurePostgres();
    const name = `zkvin_subgraph_test_${process.pid}`;
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    await admin.query(`drop database if exists ${name} with (force)`);
    await admin.query(`create database ${name}`);
    const url = new URL(server.url);
    url.pathname = `/${name}`;
    let onPostgres: LocalSubgraph | null = null;
    try {
      onPostgres = await startLocalSubgraph({
        deployment: run.deployment,
        database: { kind: "postgres", url: url.toString() },
        autoStart: false,
      });
      await onPostgres.indexer.syncOnce();
      const expected = await everything(subgraph.endpoint.url);
      expect((expected.InferenceRequest as unknown[]).length).toBeGreaterThan(5);
      expect(await everything(onPostgres.endpoint.url)).toEqual(expected);
      const details = await getRequestDetails(createGraphQLClient({ url: onPostgres.endpoint.url }), run.reassigned);
      expect(details).toEqual(await getRequestDetails(gql, run.reassigned));
    } finally {
      await onPostgres?.close();
      await admin.query(`drop database if exists ${name} with (force)`);
      await admin.end();
      if (server.started) stopPostgres();
    }
  });

  it("keeps a PGlite data directory across restarts without indexing anything twice", async () => {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), "zkvin-subgraph-data-"));
    try {
      const first = await SubgraphIndexer.open({ deployment: run.deployment, database: { kind: "pglite", dataDir } });
      await first.syncOnce();
      const progress = await first.db.progress(run.deployment.hub.chainId, "subgraph:zkvin-hub");
      await first.close();

      const { createZkVinClient } = await import("@zk-vin/oracle-sdk");
      const requester = createZkVinClient({
        deployment: run.deployment,
        account: anvil.account(4),
        pollingIntervalMs: 50,
      });
      await requester.requestInference({ modelId: run.lrModel, input: run.lr.inputsFloat[0] ?? [] });

      const second = await SubgraphIndexer.open({ deployment: run.deployment, database: { kind: "pglite", dataDir } });
      try {
        expect(second.db.fresh).toBe(false);
        expect(await second.db.progress(run.deployment.hub.chainId, "subgraph:zkvin-hub")).toBe(progress);
        await second.syncOnce();
        const rows = await second.db.sql.query<{ count: string }>(
          `select "requestCount"::text as count from zkvin_subgraph."Model" where id = $1`,
          [String(run.lrModel)],
        );
        const usage = (await anvil.publicClient.readContract({
          address: market(),
          abi: inferenceMarketAbi,
          functionName: "modelUsage",
          args: [run.lrModel],
        })) as { requests: bigint };
        expect(BigInt(rows[0]?.count ?? -1)).toBe(usage.requests);
      } finally {
        await second.close();
      }
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe("the CLI", () => {
  it("serves a deployment from a PGlite directory until told to stop", async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "zkvin-subgraph-cli-"));
    const deploymentFile = path.join(dir, "deployment.json");
    writeFileSync(deploymentFile, JSON.stringify(run.deployment));
    const port = await freePort();
    const cli = spawn(
      path.join(subgraphRoot, "..", "node_modules", ".bin", "tsx"),
      [
        "src/cli.ts",
        "serve",
        "--deployment",
        deploymentFile,
        "--port",
        String(port),
        "--data-dir",
        path.join(dir, "db"),
      ],
      { cwd: subgraphRoot, env: { ...process.env }, stdio: ["ignore", "pipe", "pipe"] },
    );
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = "";
        cli.stdout.on("data", (d: Buffer) => {
          out += d.toString();
          const line = out.split("\n").find((l) => l.startsWith("http://"));
          if (line) resolve(line.trim());
        });
        cli.on("exit", (code) => reject(new Error(`zkvin-subgraph serve exited with ${code}`)));
      });
      expect(url).toBe(`http://127.0.0.1:${port}/subgraphs/name/zk-vin`);
      const client = createGraphQLClient({ url });
      const deadline = Date.now() + 60_000;
      let models: Awaited<ReturnType<typeof listModels>> = [];
      while (models.length < 2 && Date.now() < deadline) {
        models = await listModels(client, { where: { status: "LIVE" } });
        if (models.length < 2) await new Promise((r) => setTimeout(r, 200));
      }
      expect(models.map((m) => m.modelId)).toEqual([run.lrModel, run.b4Model]);
    } finally {
      const exited = new Promise((resolve) => cli.once("exit", resolve));
      cli.kill("SIGTERM");
      expect(await exited).toBe(0);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** Polls `check` until it holds (errors count as not yet), failing after `timeoutMs`. */
async function until(check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = null;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch (error) {
      last = error;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`condition not reached in ${timeoutMs} ms${last ? `: ${String(last)}` : ""}`);
}
