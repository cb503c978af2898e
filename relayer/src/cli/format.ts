import type { RelayerStatus } from "../service.js";

/** A plain-text rendering of the relayer status for terminals. */
export function formatStatus(status: RelayerStatus, source: string): string {
  const lines: string[] = [`zk-VIN relayer status (${source})`, "", "chains:"];
  for (const c of status.chains) {
    lines.push(
      `  ${c.name.padEnd(16)} chain ${String(c.chainId).padEnd(8)} head ${c.head ?? `unreachable (${c.error})`}`,
    );
  }
  lines.push("", "cursors:");
  if (status.cursors.length === 0) lines.push("  (none yet)");
  for (const c of status.cursors) {
    const head = status.chains.find((x) => x.name === c.chain)?.head;
    const behind = typeof head === "bigint" ? `, ${head - c.block} behind head` : "";
    lines.push(`  ${c.chain.padEnd(16)} ${c.stream.padEnd(24)} block ${c.block}${behind}`);
  }
  if (status.watchers.length > 0) {
    lines.push("", "watchers:");
    for (const w of status.watchers) {
      lines.push(
        `  chain ${String(w.chainId).padEnd(8)} ${w.stream.padEnd(24)} ${w.state}` +
          (w.lastError ? ` (last error: ${w.lastError})` : ""),
      );
    }
  }
  lines.push("", "outbox:");
  if (status.outbox.length === 0) lines.push("  (empty)");
  for (const o of status.outbox) {
    lines.push(`  ${o.kind.padEnd(20)} ${o.status.padEnd(8)} ${(o.outcome ?? "").padEnd(20)} ${o.count}`);
  }
  lines.push(
    "",
    `layerzero: ${status.layerzero.mode}` +
      (status.layerzero.lastRoundError ? ` (last error: ${status.layerzero.lastRoundError})` : ""),
  );
  lines.push(...formatNode(status.node));
  return lines.join("\n");
}

/** The node section (values may be bigints, or decimal strings when the status came as JSON). */
function formatNode(node: RelayerStatus["node"]): string[] {
  if (node === null || node === undefined) return ["", "node: not configured"];
  if ("error" in node) return ["", `node: hub unreachable (${node.error})`];
  const n = node.node;
  const lines = ["", `node ${node.operator} (market ${node.market})`];
  if (!n.registered) {
    lines.push("  not registered: run `zkvin-relayer register-node`");
  } else {
    const state = n.active
      ? "active"
      : Number(n.activeFrom) > Number(node.epoch)
        ? `starts at epoch ${n.activeFrom}`
        : "inactive";
    lines.push(
      `  ${state}; epoch ${node.epoch} (${node.epochLength} blocks); models ${n.models.map(String).join(", ")}`,
      `  stake ${n.stake} wei (slashed ${n.slashed}); capacity ${n.capacity} units per epoch, used ${n.usedThisEpoch}`,
      `  assignments pending on the hub ${n.pendingOnChain}; claimable earnings ${node.claimable} wei`,
    );
  }
  lines.push(`  in flight here ${node.inFlight}${node.lastRoundError ? ` (last error: ${node.lastRoundError})` : ""}`);
  const a = node.aggregation;
  if (a) {
    lines.push(
      `  aggregation via ${a.adapter} (up to ${a.maxProofs} proofs, ${a.windowMs} ms): ${a.aggregates} aggregates of ` +
        `${a.aggregatedProofs} proofs, ${a.fallbacks} fallbacks, ${a.alreadyAccepted} already accepted, ${a.waiting} waiting` +
        (a.lastAggregateTx ? `; last ${a.lastAggregateTx} (${a.lastAggregateGas} gas)` : "") +
        (a.lastError ? `; last error: ${a.lastError}` : ""),
    );
  }
  if (node.pending.length === 0) lines.push("  pending assignments: none");
  else {
    lines.push("  pending assignments:");
    for (const p of node.pending) {
      lines.push(
        `    request ${p.requestId.padEnd(8)} model ${p.modelId.padEnd(4)} deadline ${p.deadline.padEnd(8)} ${p.step}` +
          (p.attempts > 0 ? ` (${p.attempts} failed attempts: ${p.lastError})` : ""),
      );
    }
  }
  return lines;
}
