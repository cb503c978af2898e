import type { Store, WatcherStatus } from "@zk-vin/chain-kit";
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { CarrierObserver } from "../layerzero/types.js";
import type { NodeObserver } from "../node/types.js";

export interface RelayerMetrics {
  registry: Registry;
  /** Feeds the carrier's events into counters and the latency histogram. */
  carrierObserver: CarrierObserver;
  /** Feeds the node pipeline's events into counters and histograms. */
  nodeObserver: NodeObserver;
}

/**
 * Prometheus metrics of one relayer process. Watcher and outbox gauges are read at scrape time from
 * the live components, so they are never stale.
 */
export function createMetrics(params: {
  watchers: () => WatcherStatus[];
  store: Store;
  chainNames: ReadonlyMap<number, string>;
  eidNames: ReadonlyMap<number, string>;
}): RelayerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: "zkvin_relayer_" });
  const chainLabel = (chainId: number) => params.chainNames.get(chainId) ?? String(chainId);
  const eidLabel = (eid: number) => params.eidNames.get(eid) ?? String(eid);

  const watcherGauge = (name: string, help: string, pick: (s: WatcherStatus) => bigint | number | null) =>
    new Gauge({
      name,
      help,
      labelNames: ["chain", "stream"] as const,
      registers: [registry],
      collect() {
        this.reset();
        for (const s of params.watchers()) {
          const v = pick(s);
          if (v !== null) this.set({ chain: chainLabel(s.chainId), stream: s.stream }, Number(v));
        }
      },
    });
  watcherGauge("zkvin_relayer_watcher_cursor_block", "Last block whose logs were handled", (s) => s.cursor);
  watcherGauge("zkvin_relayer_watcher_head_block", "Chain head seen by the watcher", (s) => s.head);
  watcherGauge("zkvin_relayer_watcher_lag_blocks", "Confirmed blocks not handled yet", (s) => s.lag);
  watcherGauge("zkvin_relayer_watcher_consecutive_failures", "Polls failed in a row", (s) => s.consecutiveFailures);
  watcherGauge("zkvin_relayer_watcher_reorgs", "Reorgs handled since start", (s) => s.reorgs);
  watcherGauge("zkvin_relayer_watcher_up", "1 while the watcher runs, 0 once it stopped or failed", (s) =>
    s.state === "running" ? 1 : 0,
  );

  new Gauge({
    name: "zkvin_relayer_outbox_entries",
    help: "Outbox entries by kind, status and outcome",
    labelNames: ["kind", "status", "outcome"] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const c of await params.store.countByStatus()) {
        this.set({ kind: c.kind, status: c.status, outcome: c.outcome ?? "" }, c.count);
      }
    },
  });

  const discovered = new Counter({
    name: "zkvin_relayer_lz_packets_discovered_total",
    help: "LayerZero packets found on source chains and queued for delivery",
    labelNames: ["src", "dst"] as const,
    registers: [registry],
  });
  const finished = new Counter({
    name: "zkvin_relayer_lz_packets_finished_total",
    help: "LayerZero packets that reached a final state, by status and outcome",
    labelNames: ["src", "dst", "status", "outcome"] as const,
    registers: [registry],
  });
  const errors = new Counter({
    name: "zkvin_relayer_lz_delivery_errors_total",
    help: "Failed delivery attempts (retried with backoff)",
    labelNames: ["dst", "step"] as const,
    registers: [registry],
  });
  const latency = new Histogram({
    name: "zkvin_relayer_lz_delivery_seconds",
    help: "From discovering a packet to its final state",
    labelNames: ["src", "dst"] as const,
    buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
    registers: [registry],
  });

  const assignments = new Counter({
    name: "zkvin_relayer_node_assignments_total",
    help: "Requests assigned to this node, found on the hub",
    labelNames: ["model"] as const,
    registers: [registry],
  });
  const proofs = new Counter({
    name: "zkvin_relayer_node_proofs_total",
    help: "Proving jobs finished (one per proof; a proof may cover several requests)",
    labelNames: ["model", "result"] as const,
    registers: [registry],
  });
  const proofSeconds = new Histogram({
    name: "zkvin_relayer_node_proof_seconds",
    help: "From handing a request to the batcher to its proof (batch window and queueing included)",
    labelNames: ["model"] as const,
    buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 300],
    registers: [registry],
  });
  const proofRows = new Histogram({
    name: "zkvin_relayer_node_proof_requests",
    help: "Requests per proof",
    labelNames: ["model"] as const,
    buckets: [1, 2, 4, 8, 16, 32, 64],
    registers: [registry],
  });
  const fulfilments = new Counter({
    name: "zkvin_relayer_node_fulfilment_transactions_total",
    help: "fulfil / fulfilBatch transactions mined, by result",
    labelNames: ["model", "result"] as const,
    registers: [registry],
  });
  const fulfilmentGas = new Histogram({
    name: "zkvin_relayer_node_fulfilment_gas",
    help: "Gas used per fulfilment transaction",
    labelNames: ["model"] as const,
    buckets: [250_000, 500_000, 750_000, 1_000_000, 1_500_000, 2_000_000, 3_000_000, 5_000_000, 10_000_000],
    registers: [registry],
  });
  const aggregates = new Counter({
    name: "zkvin_relayer_node_aggregates_total",
    help: "Aggregation flushes: ok (one verifyAggregate mined), fallback (refused or reverted, proofs sent one by one)",
    labelNames: ["result"] as const,
    registers: [registry],
  });
  const aggregatedProofs = new Counter({
    name: "zkvin_relayer_node_aggregated_proofs_total",
    help: "Proofs verified by mined verifyAggregate transactions",
    registers: [registry],
  });
  const aggregateGas = new Histogram({
    name: "zkvin_relayer_node_aggregate_gas",
    help: "Gas used per verifyAggregate transaction",
    buckets: [1_000_000, 2_000_000, 3_000_000, 5_000_000, 7_500_000, 10_000_000, 15_000_000, 20_000_000],
    registers: [registry],
  });
  const assignmentsFinished = new Counter({
    name: "zkvin_relayer_node_assignments_finished_total",
    help: "Assignments that reached a final state, by status and outcome",
    labelNames: ["model", "status", "outcome"] as const,
    registers: [registry],
  });
  const nodeFailures = new Counter({
    name: "zkvin_relayer_node_failures_total",
    help: "Failed attempts (retried with backoff), by stage",
    labelNames: ["stage"] as const,
    registers: [registry],
  });
  const nodeLatency = new Histogram({
    name: "zkvin_relayer_node_assignment_seconds",
    help: "From discovering an assignment to its final state",
    labelNames: ["model", "status"] as const,
    buckets: [0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300],
    registers: [registry],
  });

  return {
    registry,
    nodeObserver: {
      assignmentDiscovered: ({ modelId }) => assignments.inc({ model: modelId }),
      proofFinished: ({ modelId, ok, seconds, rows }) => {
        proofs.inc({ model: modelId, result: ok ? "ok" : "failed" });
        if (ok) {
          proofSeconds.observe({ model: modelId }, seconds);
          proofRows.observe({ model: modelId }, rows);
        }
      },
      fulfilmentSubmitted: ({ modelId, ok, gasUsed }) => {
        fulfilments.inc({ model: modelId, result: ok ? "ok" : "reverted" });
        if (gasUsed !== null) fulfilmentGas.observe({ model: modelId }, Number(gasUsed));
      },
      aggregateSubmitted: ({ proofs, ok, gasUsed, fallback }) => {
        if (ok) {
          aggregates.inc({ result: "ok" });
          aggregatedProofs.inc(proofs);
          if (gasUsed !== null) aggregateGas.observe(Number(gasUsed));
        }
        if (fallback) aggregates.inc({ result: "fallback" });
      },
      assignmentFinished: ({ modelId, status, outcome, latencyMs }) => {
        assignmentsFinished.inc({ model: modelId, status, outcome });
        nodeLatency.observe({ model: modelId, status }, latencyMs / 1000);
      },
      failure: ({ stage }) => nodeFailures.inc({ stage }),
    },
    carrierObserver: {
      packetDiscovered: ({ srcEid, dstEid }) => discovered.inc({ src: eidLabel(srcEid), dst: eidLabel(dstEid) }),
      packetFinished: ({ srcEid, dstEid, status, outcome, latencyMs }) => {
        finished.inc({ src: eidLabel(srcEid), dst: eidLabel(dstEid), status, outcome });
        if (status === "done") latency.observe({ src: eidLabel(srcEid), dst: eidLabel(dstEid) }, latencyMs / 1000);
      },
      deliveryError: ({ dstEid, step }) => errors.inc({ dst: eidLabel(dstEid), step }),
    },
  };
}
