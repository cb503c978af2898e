import type { Account, Address, Chain, Hex, PublicClient, Transport, WalletClient } from "viem";

/** The outbox kind of packets the local carrier delivers. */
export const PACKET_KIND = "layerzero-packet";

/** The watcher stream that discovers packets on each chain. */
export const PACKET_STREAM = "layerzero:packets";

/** Steps a packet passes on its destination chain, in order. */
export type PacketStep = "new" | "verified" | "committed" | "executing";

/**
 * Why a packet entry is final. done: `delivered` (our execution delivered it) or `cleared` (found
 * already executed, e.g. before a restart). failed: everything else, for an operator to look at.
 */
export type PacketOutcome =
  | "delivered"
  | "cleared"
  | "alerted"
  | "no-route"
  | "malformed"
  | "unsupported-options"
  | "foreign-dvn"
  | "nilified"
  | "payload-mismatch"
  | "gave-up"
  | "reorged";

/** One chain as the carrier sees it: RPC clients, the operator wallet, and its LayerZero stack. */
export interface LayerZeroChain {
  name: string;
  chainId: number;
  eid: number;
  publicClient: PublicClient;
  /** Sends as the operator: an admin of this chain's DVN and executor. */
  walletClient: WalletClient<Transport, Chain, Account>;
  endpoint: Address;
  receiveUln302: Address;
  dvn: Address;
  executor: Address;
  /** Watcher settings for this chain's PacketSent stream. */
  confirmations: number;
  startBlock: bigint;
  pollIntervalMs: number;
  maxBlockRange: number;
  reorgWindow: number;
}

/** What the outbox keeps per packet (JSON: big numbers as decimal strings). */
export interface PacketEntryPayload {
  encoded: Hex;
  options: Hex;
  srcEid: number;
  dstEid: number;
  nonce: string;
  sender: Hex;
  receiver: Address;
  guid: Hex;
  srcChainId: number;
  srcBlockHash: Hex;
  srcTxHash: Hex;
  lzReceiveGas: string;
  lzReceiveValue: string;
  nativeDrops: Array<{ receiver: Address; amount: string }>;
  /** When the carrier first saw the packet (ms since epoch), for latency metrics. */
  discoveredAt: number;
}

/** Hooks for metrics; every method is optional. */
export interface CarrierObserver {
  packetDiscovered?(info: { srcEid: number; dstEid: number }): void;
  packetFinished?(info: {
    srcEid: number;
    dstEid: number;
    status: "done" | "failed";
    outcome: PacketOutcome;
    latencyMs: number;
  }): void;
  deliveryError?(info: { dstEid: number; step: PacketStep; error: string }): void;
}
