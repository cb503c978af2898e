// The pure parts of the node pipeline: which market logs become assignments, and how artifact URIs map
// to local artifacts. (The pipeline itself runs against the real stack in crosschain, node-ops and
// node-restart.)

import type { LogBatch, WatchedLog } from "@zk-vin/chain-kit";
import type { Address, Hex } from "viem";
import { describe, expect, it, vi } from "vitest";
import type { marketEventsAbi } from "../src/node/abi.js";
import { assignmentEntries, type RequestedInference } from "../src/node/discovery.js";
import { artifactIdFromUri } from "../src/node/models.js";
import { INFERENCE_KIND, inferenceKey } from "../src/node/types.js";

const OPERATOR: Address = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8";
const OTHER: Address = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC";
const REQUESTER: Address = "0x90F79bf6EB2c4f870365E785982E1f101E93b906";
const TX: Hex = `0x${"ab".repeat(32)}`;

type Log = WatchedLog<typeof marketEventsAbi>;

function requested(requestId: bigint, input: bigint[], logIndex: number): Log {
  return {
    eventName: "InferenceRequested",
    args: {
      requestId,
      modelId: 7n,
      requester: REQUESTER,
      input,
      inputCommitment: 0n,
      callbackGasLimit: 300_000,
      fees: { nodeFee: 1n, royalty: 2n, protocolFee: 3n },
    },
    blockNumber: 10n,
    logIndex,
    transactionHash: TX,
  } as unknown as Log;
}

function assigned(requestId: bigint, node: Address, deadline: bigint, blockNumber: bigint, logIndex: number): Log {
  return {
    eventName: "InferenceAssigned",
    args: { requestId, node, epoch: 3, deadline },
    blockNumber,
    logIndex,
    transactionHash: TX,
  } as unknown as Log;
}

function batch(logs: Log[]): LogBatch<typeof marketEventsAbi> {
  return { chainId: 31337, stream: "hub:market", fromBlock: 10n, toBlock: 20n, logs };
}

describe("assignment discovery", () => {
  it("records only this operator's assignments, with the input from the same batch", async () => {
    const lookup = vi.fn<(id: bigint) => Promise<RequestedInference>>();
    const entries = await assignmentEntries({
      batch: batch([
        requested(1n, [5n, -6n], 0),
        assigned(1n, OPERATOR, 40n, 10n, 1),
        requested(2n, [1n, 2n], 2),
        assigned(2n, OTHER, 40n, 10n, 3),
      ]),
      operator: OPERATOR,
      lookup,
      now: 1234,
    });
    expect(lookup).not.toHaveBeenCalled();
    expect(entries).toEqual([
      {
        kind: INFERENCE_KIND,
        key: "1@40",
        sourceChainId: 31337,
        sourceBlock: 10n,
        sourceLogIndex: 1,
        payload: {
          requestId: "1",
          modelId: "7",
          input: ["5", "-6"],
          inputCommitment: "0",
          requester: REQUESTER,
          deadline: "40",
          epoch: 3,
          assignedBlock: "10",
          assignedTx: TX,
          discoveredAt: 1234,
        },
      },
    ]);
  });

  it("looks up the request of a reassignment, which has no InferenceRequested in its batch", async () => {
    const lookup = vi.fn(
      async (id: bigint): Promise<RequestedInference> => ({
        modelId: 9n,
        input: [id],
        inputCommitment: 0n,
        requester: REQUESTER,
      }),
    );
    const entries = await assignmentEntries({
      batch: batch([assigned(4n, OPERATOR, 95n, 60n, 0)]),
      operator: OPERATOR,
      lookup,
      now: 0,
    });
    expect(lookup).toHaveBeenCalledWith(4n);
    expect(entries.map((e) => [e.key, e.payload.modelId, e.payload.input])).toEqual([["4@95", "9", ["4"]]]);
    // The same request assigned again later is a new entry: the key carries the deadline.
    expect(inferenceKey(4n, 95n)).not.toBe(inferenceKey(4n, 130n));
  });

  it("fails the batch (so the watcher retries it) when a request cannot be found", async () => {
    await expect(
      assignmentEntries({
        batch: batch([assigned(5n, OPERATOR, 95n, 60n, 0)]),
        operator: OPERATOR,
        lookup: async () => {
          throw new Error("no InferenceRequested event for request 5 on the hub");
        },
        now: 0,
      }),
    ).rejects.toThrow(/request 5/);
  });
});

describe("artifact URIs", () => {
  it("maps zkvin-artifact:sha256:<id> to the id and nothing else", () => {
    const id = "0f".repeat(32);
    expect(artifactIdFromUri(`zkvin-artifact:sha256:${id}`)).toBe(id);
    expect(artifactIdFromUri(`zkvin-artifact:sha256:${id.toUpperCase()}`)).toBeNull();
    expect(artifactIdFromUri("ipfs://bafy")).toBeNull();
    expect(artifactIdFromUri(`zkvin-artifact:sha256:${id}x`)).toBeNull();
  });
});
