// The shapes a running devnet is described by: its chains (with their local LayerZero contracts) and its
// registered models. Every stage module and devnet.ts share them.
import type { Address } from "viem";
import type { AnvilChain } from "./anvil.js";
import type { CompiledDevnetModel } from "./models.js";

/** One chain of a running devnet. */
export interface DevnetChain {
  /** zkvin-hub, zkvin-spoke-1, ... */
  name: string;
  role: "hub" | "spoke";
  chainId: number;
  eid: number;
  rpcUrl: string;
  anvil: AnvilChain;
  startBlock: number;
  layerZero: LocalLayerZeroAddresses;
  contracts: Record<string, Address>;
}

export interface LocalLayerZeroAddresses {
  endpoint: Address;
  sendUln302: Address;
  receiveUln302: Address;
  priceFeed: Address;
  executor: Address;
  executorFeeLib: Address;
  dvn: Address;
  dvnFeeLib: Address;
}

/** A model registered on the devnet's hub. */
export interface DevnetModel extends CompiledDevnetModel {
  modelId: bigint;
  /** The example consumer of this model per chain name (absent for consumer "none"). */
  consumers: Record<string, Address>;
}

/** A model registered on the hub, before its example consumers are deployed. */
export type RegisteredDevnetModel = CompiledDevnetModel & { modelId: bigint };
