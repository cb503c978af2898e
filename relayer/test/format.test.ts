import { describe, expect, it } from "vitest";
import { formatStatus } from "../src/cli/format.js";
import type { RelayerStatus } from "../src/service.js";

const OPERATOR = "0x00000000000000000000000000000000000000aa";
const ADAPTER = "0x00000000000000000000000000000000000000bb";

function status(aggregation: NonNullable<Extract<RelayerStatus["node"], { operator: string }>>["aggregation"]) {
  return {
    chains: [{ name: "hub", chainId: 31337, head: 10n, error: null }],
    cursors: [],
    watchers: [],
    outbox: [],
    layerzero: { mode: "local", lastRoundAt: null, lastRoundError: null },
    node: {
      operator: OPERATOR,
      market: OPERATOR,
      pool: OPERATOR,
      epoch: 1,
      epochLength: 20,
      node: {
        registered: true,
        stake: 1n,
        slashed: 0n,
        capacity: 100n,
        usedThisEpoch: 0n,
        activeFrom: 1,
        active: true,
        exitEpoch: 0,
        pendingOnChain: 0,
        models: [1n, 2n],
      },
      claimable: 0n,
      pending: [],
      lastRoundAt: null,
      lastRoundError: null,
      inFlight: 0,
      aggregation,
    },
  } satisfies RelayerStatus;
}

describe("status text", () => {
  it("shows the aggregation counters when aggregation is on, and nothing about it when off", () => {
    const on = formatStatus(
      status({
        adapter: ADAPTER,
        maxProofs: 8,
        windowMs: 2000,
        waiting: 1,
        aggregates: 3,
        aggregatedProofs: 7,
        fallbacks: 1,
        alreadyAccepted: 2,
        lastAggregateTx: `0x${"ab".repeat(32)}`,
        lastAggregateGas: 1_582_654n,
        lastError: "AggregatePairingFailed(0x01)",
      }),
      "test",
    );
    expect(on).toContain(
      `aggregation via ${ADAPTER} (up to 8 proofs, 2000 ms): 3 aggregates of 7 proofs, 1 fallbacks, 2 already accepted, 1 waiting; last 0x${"ab".repeat(32)} (1582654 gas); last error: AggregatePairingFailed(0x01)`,
    );
    expect(formatStatus(status(null), "test")).not.toContain("aggregation");
  });
});
