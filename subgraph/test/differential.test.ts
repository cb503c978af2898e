// The differential test: a scripted hub history on anvil (forge-deployed contracts; requests, fulfilments
// with the fixtures' real EZKL proofs, expiries with slashes, reassignments, refunds, a failed and retried
// callback) is indexed by the compiled WebAssembly mappings, and every request, assignment and slash the
// GraphQL endpoint returns is checked field by field against the contracts' own events and state, read
// with viem (nothing here comes from the indexer's code or the mappings). Model syncs need a spoke and
// the LayerZero network: their part of the differential test is in local-network.test.ts ("model syncs").
import { inferenceMarketAbi, nodePoolAbi } from "@zk-vin/oracle-sdk";
import { type Anvil, startAnvil } from "@zk-vin/oracle-sdk/testing";
import type { Address, Hex, Log } from "viem";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type LocalSubgraph, startLocalSubgraph } from "../src/index.js";
import { runHubScenario, type ScenarioResult } from "./support/scenario.js";

let anvil: Anvil;
let run: ScenarioResult;
let subgraph: LocalSubgraph;

type Args = Record<string, unknown>;
type EventLog = Log<bigint, number, false> & { eventName: string; args: Args };

async function query<T>(q: string, variables: Record<string, unknown> = {}): Promise<T> {
  const res = await fetch(subgraph.endpoint.url, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ query: q, variables }),
  });
  const body = (await res.json()) as { data?: T; errors?: unknown[] };
  if (body.errors) throw new Error(JSON.stringify(body.errors));
  return body.data as T;
}

async function events(address: Address, abi: typeof inferenceMarketAbi | typeof nodePoolAbi): Promise<EventLog[]> {
  const logs = await anvil.publicClient.getContractEvents({ address, abi, fromBlock: 0n, toBlock: "latest" });
  return logs as unknown as EventLog[];
}

const timestamps = new Map<bigint, bigint>();
async function timestampOf(block: bigint): Promise<bigint> {
  let t = timestamps.get(block);
  if (t === undefined) {
    t = (await anvil.publicClient.getBlock({ blockNumber: block })).timestamp;
    timestamps.set(block, t);
  }
  return t;
}

const str = (v: unknown) => String(v);
const lower = (v: unknown) => String(v).toLowerCase();

beforeAll(async () => {
  anvil = await startAnvil({ chainId: 31_412 });
  run = await runHubScenario(anvil);
  subgraph = await startLocalSubgraph({ deployment: run.deployment, database: { kind: "memory" }, autoStart: false });
  await subgraph.indexer.syncOnce();
}, 600_000);

afterAll(async () => {
  await subgraph?.close();
  await anvil?.stop();
});

interface RequestRow {
  id: string;
  requestId: string;
  model: { id: string };
  requester: string;
  remote: boolean;
  input: string[];
  inputCommitment: string;
  callbackGasLimit: string;
  nodeFee: string;
  royalty: string;
  protocolFee: string;
  status: string;
  node: { id: string };
  deadline: string;
  reassignments: number;
  expiries: number;
  output: string[] | null;
  fulfilmentTransaction: string | null;
  fulfilledAtBlock: string | null;
  fulfilledAt: string | null;
  refundAmount: string | null;
  refundedAt: string | null;
  requestedAt: string;
  requestedAtBlock: string;
  requestTransaction: string;
  assignments: Array<{
    index: number;
    node: { id: string };
    deadline: string;
    outcome: string;
    slashed: string;
    assignedAtBlock: string;
    transactionHash: string;
  }>;
}

describe("requests, assignments and slashes match the contracts' events", () => {
  it("every InferenceRequested has its request, field by field", async () => {
    const market = run.deployment.hub.contracts.InferenceMarket as Address;
    const all = await events(market, inferenceMarketAbi);
    const of = (name: string, id: bigint) => all.filter((e) => e.eventName === name && e.args.requestId === id);
    const requested = all.filter((e) => e.eventName === "InferenceRequested");
    expect(requested.length).toBeGreaterThanOrEqual(8);
    const { inferenceRequests } = await query<{ inferenceRequests: RequestRow[] }>(`{
      inferenceRequests(first: 1000, orderBy: requestId) {
        id requestId model { id } requester remote input inputCommitment callbackGasLimit nodeFee royalty protocolFee
        status node { id } deadline reassignments expiries output fulfilmentTransaction fulfilledAtBlock fulfilledAt
        refundAmount refundedAt requestedAt requestedAtBlock requestTransaction
        assignments(orderBy: index) { index node { id } deadline outcome slashed assignedAtBlock transactionHash }
      }
    }`);
    expect(inferenceRequests.map((r) => r.requestId)).toEqual(requested.map((e) => str(e.args.requestId)));
    const statuses = { fulfilled: 0, refunded: 0, reassigned: 0 };
    for (const e of requested) {
      const id = e.args.requestId as bigint;
      const r = inferenceRequests.find((x) => x.requestId === str(id)) as RequestRow;
      const fees = e.args.fees as { nodeFee: bigint; royalty: bigint; protocolFee: bigint };
      expect(r.model.id).toBe(str(e.args.modelId));
      expect(r.requester).toBe(lower(e.args.requester));
      expect(r.remote).toBe(false);
      expect(r.input).toEqual((e.args.input as bigint[]).map(str));
      expect(r.inputCommitment).toBe(str(e.args.inputCommitment));
      expect(r.callbackGasLimit).toBe(str(e.args.callbackGasLimit));
      expect([r.nodeFee, r.royalty, r.protocolFee]).toEqual([fees.nodeFee, fees.royalty, fees.protocolFee].map(str));
      expect(r.requestedAtBlock).toBe(str(e.blockNumber));
      expect(r.requestedAt).toBe(str(await timestampOf(e.blockNumber)));
      expect(r.requestTransaction).toBe(e.transactionHash);

      const assigned = of("InferenceAssigned", id);
      const expired = of("InferenceExpired", id);
      const fulfilled = of("InferenceFulfilled", id);
      const refunded = of("InferenceRefunded", id);
      const last = assigned.at(-1) as EventLog;
      expect(r.node.id).toBe(lower(last.args.node));
      expect(r.deadline).toBe(str(last.args.deadline));
      expect(r.reassignments).toBe(assigned.length - 1);
      expect(r.expiries).toBe(expired.length);
      expect(r.assignments.map((a) => [a.index, a.node.id, a.deadline, a.assignedAtBlock, a.transactionHash])).toEqual(
        assigned.map((a, i) => [i, lower(a.args.node), str(a.args.deadline), str(a.blockNumber), a.transactionHash]),
      );
      // Each expiry closes the assignment that was current, with the stake the pool slashed.
      expired.forEach((x, i) => {
        expect(r.assignments[i]?.outcome).toBe("EXPIRED");
        expect(r.assignments[i]?.slashed).toBe(str(x.args.slashed));
      });
      if (fulfilled.length > 0) {
        const f = fulfilled[0] as EventLog;
        expect(r.status).toBe("FULFILLED");
        expect(r.output).toEqual((f.args.output as bigint[]).map(str));
        expect(r.fulfilmentTransaction).toBe(f.transactionHash);
        expect(r.fulfilledAtBlock).toBe(str(f.blockNumber));
        expect(r.fulfilledAt).toBe(str(await timestampOf(f.blockNumber)));
        expect(r.assignments.at(-1)?.outcome).toBe("FULFILLED");
        statuses.fulfilled++;
      } else if (refunded.length > 0) {
        const f = refunded[0] as EventLog;
        expect(r.status).toBe("REFUNDED");
        expect(r.refundAmount).toBe(str(f.args.amount));
        expect(r.refundedAt).toBe(str(await timestampOf(f.blockNumber)));
        expect(r.output).toBeNull();
        statuses.refunded++;
      } else {
        expect(r.status).toBe("PENDING");
      }
      if (assigned.length > 1) statuses.reassigned++;

      // The contract's own view of the request agrees too.
      const onChain = (await anvil.publicClient.readContract({
        address: market,
        abi: inferenceMarketAbi,
        functionName: "request",
        args: [id],
      })) as { node: Address; modelId: bigint };
      expect(r.node.id).toBe(lower(onChain.node));
      expect(r.model.id).toBe(str(onChain.modelId));
    }
    expect(statuses.fulfilled).toBeGreaterThan(0);
    expect(statuses.refunded).toBeGreaterThan(0);
    expect(statuses.reassigned).toBeGreaterThan(0);
  });

  it("every NodeSlashed has its slash, field by field", async () => {
    const slashed = (await events(run.deployment.hub.contracts.NodePool as Address, nodePoolAbi)).filter(
      (e) => e.eventName === "NodeSlashed",
    );
    expect(slashed.length).toBeGreaterThan(0);
    const { slashes } = await query<{
      slashes: Array<{
        node: { id: string };
        request: { requestId: string };
        beneficiary: string;
        amount: string;
        beneficiaryShare: string;
        treasuryShare: string;
        timestamp: string;
        blockNumber: string;
        transactionHash: string;
      }>;
    }>(`{ slashes(first: 1000, orderBy: blockNumber) {
      node { id } request { requestId } beneficiary amount beneficiaryShare treasuryShare timestamp blockNumber transactionHash
    } }`);
    const key = (s: { transactionHash: string; request: { requestId: string } }) =>
      `${s.transactionHash}-${s.request.requestId}`;
    const expected = await Promise.all(
      slashed.map(async (e) => ({
        node: { id: lower(e.args.node) },
        request: { requestId: str(e.args.requestId) },
        beneficiary: lower(e.args.beneficiary),
        amount: str(e.args.amount),
        beneficiaryShare: str(e.args.beneficiaryShare),
        treasuryShare: str(e.args.treasuryShare),
        timestamp: str(await timestampOf(e.blockNumber)),
        blockNumber: str(e.blockNumber),
        transactionHash: e.transactionHash as Hex,
      })),
    );
    expect([...slashes].sort((a, b) => key(a).localeCompare(key(b)))).toEqual(
      expected.sort((a, b) => key(a).localeCompare(key(b))),
    );
    // Stake left per node: what the pool holds now.
    for (const node of [run.nodeA, run.nodeB]) {
      const { node: n } = await query<{ node: { stake: string } | null }>(
        `query($id: ID!) { node(id: $id) { stake } }`,
        { id: node.toLowerCase() },
      );
      const info = (await anvil.publicClient.readContract({
        address: run.deployment.hub.contracts.NodePool as Address,
        abi: nodePoolAbi,
        functionName: "node",
        args: [node],
      })) as { stake: bigint };
      expect(n?.stake).toBe(str(info.stake));
    }
  });
});
