import type { Store } from "@zk-vin/chain-kit";
import type { Address, PublicClient } from "viem";
import { marketAbi, nodePoolAbi } from "./abi.js";
import { INFERENCE_KIND, type InferencePayload } from "./types.js";

/** The node's standing on the hub and its work, for `status` and `/status`. */
export interface NodeReport {
  operator: Address;
  market: Address;
  pool: Address;
  epoch: number;
  epochLength: number;
  /** Zero capacity: not registered. */
  node: {
    registered: boolean;
    stake: bigint;
    slashed: bigint;
    capacity: bigint;
    usedThisEpoch: bigint;
    activeFrom: number;
    active: boolean;
    exitEpoch: number;
    pendingOnChain: number;
    models: bigint[];
  };
  /** Earnings waiting to be withdrawn from the market. */
  claimable: bigint;
  /** Assignments this relayer is working on (first 20, oldest first). */
  pending: Array<{
    requestId: string;
    modelId: string;
    deadline: string;
    step: string;
    attempts: number;
    lastError: string | null;
  }>;
}

/** Reads the node's state from the hub and its pending assignments from the store. */
export async function readNodeReport(params: {
  client: PublicClient;
  market: Address;
  operator: Address;
  store: Store;
}): Promise<NodeReport> {
  const { client, market, operator } = params;
  const pool = await client.readContract({ address: market, abi: marketAbi, functionName: "pool" });
  const [epoch, epochLength, info, models, claimable, pending] = await Promise.all([
    client.readContract({ address: pool, abi: nodePoolAbi, functionName: "currentEpoch" }),
    client.readContract({ address: pool, abi: nodePoolAbi, functionName: "epochLength" }),
    client.readContract({ address: pool, abi: nodePoolAbi, functionName: "node", args: [operator] }),
    client.readContract({ address: pool, abi: nodePoolAbi, functionName: "nodeModels", args: [operator] }),
    client.readContract({ address: market, abi: marketAbi, functionName: "claimable", args: [operator] }),
    params.store.list<InferencePayload>({ kind: INFERENCE_KIND, status: "pending", limit: 20 }),
  ]);
  const registered = info.capacity > 0n;
  return {
    operator,
    market,
    pool,
    epoch,
    epochLength,
    node: {
      registered,
      stake: info.stake,
      slashed: info.slashed,
      capacity: info.capacity,
      usedThisEpoch: info.usedEpoch === epoch ? info.used : 0n,
      activeFrom: info.activeFrom,
      active: registered && epoch >= info.activeFrom && (info.exitEpoch === 0 || epoch < info.exitEpoch),
      exitEpoch: info.exitEpoch,
      pendingOnChain: info.pending,
      models: [...models],
    },
    claimable,
    pending: pending.map((e) => ({
      requestId: e.payload.requestId,
      modelId: e.payload.modelId,
      deadline: e.payload.deadline,
      step: e.step,
      attempts: e.attempts,
      lastError: e.lastError,
    })),
  };
}
