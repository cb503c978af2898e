// The Starknet lane's entry for the relayer service: builds the lane on the hub's clients, feeds its
// events into Prometheus metrics, and starts it.

import type { Logger, Store } from "@zk-vin/chain-kit";
import { Counter, Gauge, Histogram, type Registry } from "prom-client";
import type { StarknetConfig } from "./config.js";
import { StarknetLane, type StarknetLaneHub } from "./lane.js";

export * from "./codec.js";
export { resolveStarknetConfig, type StarknetConfig, starknetSchema } from "./config.js";
export {
  STARKNET_CONSUME_KIND,
  STARKNET_DELIVER_KIND,
  StarknetLane,
  StarknetLaneError,
  type StarknetLaneHub,
  type StarknetLaneObserver,
  type StarknetLaneStatus,
} from "./lane.js";

/** Starts the lane; its counters and gauges go to `registry` (zkvin_relayer_starknet_*). */
export async function startStarknetLane(params: {
  config: StarknetConfig;
  hub: StarknetLaneHub;
  store: Store;
  logger: Logger;
  registry: Registry;
}): Promise<StarknetLane> {
  const registers = [params.registry];
  const consumed = new Counter({
    name: "zkvin_relayer_starknet_requests_consumed_total",
    help: "Starknet REQUEST messages consumed on the hub, by result (accepted, rejected)",
    labelNames: ["result"] as const,
    registers,
  });
  const consumeGas = new Histogram({
    name: "zkvin_relayer_starknet_consume_gas",
    help: "Gas used by consumeRequest on the hub",
    buckets: [100_000, 200_000, 300_000, 400_000, 600_000, 1_000_000],
    registers,
  });
  const delivered = new Counter({
    name: "zkvin_relayer_starknet_results_delivered_total",
    help: "Results handed to Starknet consumers with the spoke's deliver",
    registers,
  });
  const latency = new Histogram({
    name: "zkvin_relayer_starknet_request_to_delivery_seconds",
    help: "From the spoke's InferenceRequested (as seen by this process) to the delivery",
    buckets: [1, 2, 5, 10, 20, 40, 80, 160, 320],
    registers,
  });
  const flushed = new Counter({
    name: "zkvin_relayer_starknet_postman_messages_total",
    help: "Messages carried by starknet-devnet's postman, by direction (local networks)",
    labelNames: ["direction"] as const,
    registers,
  });
  const lane = new StarknetLane({
    config: params.config,
    hub: params.hub,
    store: params.store,
    logger: params.logger,
    observer: {
      consumed: (e) => {
        consumed.inc({ result: e.rejected ? "rejected" : "accepted" });
        consumeGas.observe(Number(e.gasUsed));
      },
      delivered: (e) => {
        delivered.inc();
        if (e.latencyMs !== null) latency.observe(e.latencyMs / 1000);
      },
      flushed: (e) => {
        flushed.inc({ direction: "l2-to-l1" }, e.toL1);
        flushed.inc({ direction: "l1-to-l2" }, e.toL2);
      },
    },
  });
  new Gauge({
    name: "zkvin_relayer_starknet_cursor_block",
    help: "Last Starknet block whose spoke events were read",
    registers,
    collect() {
      const s = lane.status();
      if (s.cursor !== null) this.set(s.cursor);
    },
  });
  new Gauge({
    name: "zkvin_relayer_starknet_round_ok",
    help: "1 when the Starknet lane's last round succeeded",
    registers,
    collect() {
      this.set(lane.status().lastRoundError === null ? 1 : 0);
    },
  });
  await lane.start();
  return lane;
}
