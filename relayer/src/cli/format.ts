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
  return lines.join("\n");
}
