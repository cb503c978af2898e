import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from "prom-client";
import type { WatcherStatus } from "../chain/watcher.js";
import type { CarrierObserver } from "../layerzero/types.js";
import type { Store } from "../store/types.js";

export interface RelayerMetrics {
  registry: Registry;
  /** Feeds the carrier's events into counters and the latency histogram. */
  carrierObserver: CarrierObserver;
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

  return {
    registry,
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
