// Where an assignment stands on the market before each step (still pending, still this node's, before the
// deadline), and what the node does with one whose deadline it missed (expire it, so the request moves to
// another node or is refunded).
import { describeError, type Logger } from "@zk-vin/chain-kit";
import { type Address, isAddressEqual } from "viem";
import { marketAbi, RequestStatus } from "./abi.js";
import { type Attempt, type Entry, final } from "./attempt.js";
import type { NodeHubChain, NodeObserver } from "./types.js";

const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";

export interface AssignmentContext {
  hub: NodeHubChain;
  market: Address;
  operator: Address;
  /** Whether to call `expire` on a missed assignment of this node (anyone may). */
  expireMissed: boolean;
  pollIntervalMs: number;
  receiptTimeoutMs: number;
  observer?: NodeObserver;
}

export type AssignmentState = Attempt | { kind: "open" } | { kind: "missed"; deadline: bigint; head: bigint };

/** Whether the assignment can still be fulfilled by this node (the next block must be within the deadline). */
export async function checkAssignment(ctx: AssignmentContext, entry: Entry): Promise<AssignmentState> {
  const read = ctx.hub.publicClient;
  const id = BigInt(entry.payload.requestId);
  const [r, deadline, head] = await Promise.all([
    read.readContract({ address: ctx.market, abi: marketAbi, functionName: "request", args: [id] }),
    read.readContract({ address: ctx.market, abi: marketAbi, functionName: "effectiveDeadline", args: [id] }),
    read.getBlockNumber({ cacheTime: 0 }),
  ]);
  const ours = isAddressEqual(r.node, ctx.operator) && BigInt(r.deadline) === BigInt(entry.payload.deadline);
  switch (r.status) {
    case RequestStatus.Fulfilled:
      return ours
        ? final("done", "cleared", "the market already holds this node's fulfilment")
        : final("failed", "reassigned", `fulfilled by ${r.node} after a reassignment`);
    case RequestStatus.Refunded:
      return final("failed", ours ? "missed-deadline" : "refunded", "the request expired and was refunded");
    case RequestStatus.Pending:
      if (!ours) return final("failed", "reassigned", `now assigned to ${r.node} until block ${r.deadline}`);
      if (head + 1n > deadline) return { kind: "missed", deadline, head };
      return { kind: "open" };
    default:
      if (r.node === ZERO_ADDRESS) return final("failed", "reorged", "the market has no such request (reorg?)");
      return final("failed", "reorged", `unexpected request status ${r.status}`);
  }
}

/** The deadline passed: expire the request (it moves to another node or is refunded) and give it up. */
export async function handleMissed(
  ctx: AssignmentContext,
  entry: Entry,
  state: { deadline: bigint; head: bigint },
  log: Logger,
): Promise<Attempt> {
  log.error({ deadline: state.deadline, head: state.head }, "missed the deadline of an assignment");
  if (!ctx.expireMissed) return final("failed", "missed-deadline", `deadline ${state.deadline} passed`);
  // expire() needs block.number > deadline; the next block is head + 1.
  if (state.head + 1n <= state.deadline) {
    return { kind: "later", delayMs: ctx.pollIntervalMs, reason: "waiting for the deadline to pass" };
  }
  try {
    const hub = ctx.hub;
    const hash = await hub.walletClient.writeContract({
      address: ctx.market,
      abi: marketAbi,
      functionName: "expire",
      args: [BigInt(entry.payload.requestId)],
    });
    const receipt = await hub.publicClient.waitForTransactionReceipt({ hash, timeout: ctx.receiptTimeoutMs });
    log.warn({ tx: hash, status: receipt.status }, "expired the missed request");
  } catch (error) {
    // Someone else may have expired it first; the market's state is what counts.
    ctx.observer?.failure?.({ stage: "expire", error: describeError(error) });
    log.warn({ err: describeError(error) }, "expire failed");
  }
  return final("failed", "missed-deadline", `deadline ${state.deadline} passed`);
}
