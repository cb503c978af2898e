// The subgraph's data sources in one place: which contract of a deployment each one indexes, its ABI,
// its mapping file and the events it handles (handler = `handle<Event>`). The manifest generator writes
// subgraph.yaml files from this table, and the local indexer dispatches logs with the same table.

import {
  inferenceMarketAbi,
  modelRegistryAbi,
  nodePoolAbi,
  starknetGatewayAbi,
  zkVinHubGatewayAbi,
  zkVinSpokeAbi,
} from "@zk-vin/oracle-sdk/abi";
import type { DeployedChain, Deployment } from "@zk-vin/oracle-sdk/deployment";
import type { Abi, AbiEvent, Hex } from "viem";
import type { ContextEntry } from "../runtime/wasm/host.js";

export interface DataSourceTemplate {
  /** Data source name in the manifest, and the contract's key in deployments/<network>.json. */
  name: string;
  role: "hub" | "spoke";
  abi: Abi;
  /** Relative to the subgraph folder. */
  mapping: string;
  /** Entity types its handlers write (the manifest lists them). */
  entities: readonly string[];
  events: readonly string[];
}

export const DATA_SOURCE_TEMPLATES: readonly DataSourceTemplate[] = [
  {
    name: "ModelRegistry",
    role: "hub",
    abi: modelRegistryAbi,
    mapping: "mappings/registry.ts",
    entities: ["Protocol", "Model", "Verifier", "Backtest", "Payment"],
    events: [
      "ModelRegistered",
      "ModelProposed",
      "ModelApproved",
      "ModelRejected",
      "ModelProposalWithdrawn",
      "ModelApprovalRequirementSet",
      "RegistrationFeeRefunded",
      "ModelRoyaltyUpdated",
      "ModelMetadataUpdated",
      "ModelOwnershipTransferred",
      "ModelDeprecated",
      "BacktestRecorded",
      "VerifierApprovalSet",
      "RegistrationFeeUpdated",
      "MaxRoyaltyUpdated",
      "TreasuryUpdated",
      "RegistrationFeesWithdrawn",
    ],
  },
  {
    name: "NodePool",
    role: "hub",
    abi: nodePoolAbi,
    mapping: "mappings/pool.ts",
    entities: ["Protocol", "Node", "NodeModel", "Epoch", "EpochCapacity", "Slash", "Payment"],
    events: [
      "NodeRegistered",
      "StakeAdded",
      "NodeExitRequested",
      "StakeWithdrawn",
      "CapacityAllocated",
      "NodeSlashed",
      "SlashProceedsClaimed",
      "EpochLengthScheduled",
      "PoolParamsUpdated",
      "TreasuryUpdated",
    ],
  },
  {
    name: "InferenceMarket",
    role: "hub",
    abi: inferenceMarketAbi,
    mapping: "mappings/market.ts",
    entities: [
      "Protocol",
      "Model",
      "ModelRequester",
      "Node",
      "Epoch",
      "Assignment",
      "InferenceRequest",
      "FulfilmentBatch",
      "FulfilmentTransaction",
      "Payment",
    ],
    events: [
      "RoleGranted",
      "RoleRevoked",
      "InferenceRequested",
      "RemoteInferenceRequested",
      "InferenceAssigned",
      "InferenceFulfilled",
      "FulfilmentSettled",
      "CallbackFailed",
      "CallbackRetried",
      "InferenceExpired",
      "InferenceRefunded",
      "Withdrawn",
      "MarketParamsUpdated",
      "TreasuryUpdated",
    ],
  },
  {
    name: "ZkVinHubGateway",
    role: "hub",
    abi: zkVinHubGatewayAbi,
    mapping: "mappings/gateway.ts",
    entities: ["Spoke", "InferenceRequest", "Payment"],
    events: [
      "PeerSet",
      "RemoteRequestAccepted",
      "RemoteRequestRejected",
      "DuplicateRequestIgnored",
      "ReturnMessageSent",
      "ReturnMessageUnderfunded",
      "ModelSyncSent",
    ],
  },
  {
    name: "StarknetGateway",
    role: "hub",
    abi: starknetGatewayAbi,
    mapping: "mappings/starknet-gateway.ts",
    entities: ["StarknetTicket", "InferenceRequest"],
    events: ["RequestConsumed", "RequestRejected", "ReplySent"],
  },
  {
    name: "ZkVinSpoke",
    role: "spoke",
    abi: zkVinSpokeAbi,
    mapping: "mappings/spoke.ts",
    entities: ["SpokeDeployment", "SpokeModel", "SpokeRequest", "Payment"],
    events: [
      "InferenceRequested",
      "InferenceFulfilled",
      "FeesSettled",
      "InferenceExpired",
      "InferenceRejected",
      "InferenceRefunded",
      "CallbackFailed",
      "CallbackRetried",
      "Credited",
      "Withdrawn",
      "ModelSynced",
      "ParamsUpdated",
      "TreasuryUpdated",
      "InferenceReclaimed",
      "LateReplyIgnored",
      "GatewayActivated",
      "PeerChangeScheduled",
      "PeerChangeCancelled",
    ],
  },
];

export class DataSourceDefinitionError extends Error {
  override readonly name = "DataSourceDefinitionError";
  constructor(
    readonly dataSource: string,
    message: string,
  ) {
    super(`data source ${dataSource}: ${message}`);
  }
}

/** The ABI event a template handles, or an error (the ABI changed under the table). */
export function templateEvent(template: DataSourceTemplate, eventName: string): AbiEvent {
  const matches = template.abi.filter((e): e is AbiEvent => e.type === "event" && e.name === eventName);
  if (matches.length !== 1) {
    throw new DataSourceDefinitionError(
      template.name,
      `expected one ${eventName} event in the ABI, found ${matches.length}`,
    );
  }
  return matches[0] as AbiEvent;
}

export const handlerName = (eventName: string): string => `handle${eventName}`;

/** One data source of one chain of a deployment. */
export interface DataSourceInstance {
  template: DataSourceTemplate;
  chain: DeployedChain;
  address: Hex;
  startBlock: number;
  context: Record<string, ContextEntry>;
}

/**
 * The data sources of `chain` in `deployment`: every template of its role whose contract is deployed
 * there. Mappings read `eid` (this chain's LayerZero endpoint id) and `hubEid` from the context.
 */
export function dataSourcesFor(deployment: Deployment, chain: DeployedChain): DataSourceInstance[] {
  const role = chain === deployment.hub ? "hub" : "spoke";
  const out: DataSourceInstance[] = [];
  for (const template of DATA_SOURCE_TEMPLATES) {
    if (template.role !== role) continue;
    const address = chain.contracts[template.name];
    if (!address) continue;
    out.push({
      template,
      chain,
      address: address.toLowerCase() as Hex,
      startBlock: chain.startBlock,
      context: {
        eid: { type: "Int", data: chain.eid },
        hubEid: { type: "Int", data: deployment.hub.eid },
      },
    });
  }
  return out;
}

/**
 * The Cairo spoke's data source (`kind: starknet`, graph-node's Starknet chain shape): handlers receive
 * graph-ts's `starknet.Event`; an event's handler is the one whose `event` name's selector
 * (starknet_keccak of the name) equals the event's first key, from the source address. Upstream graph-cli
 * has no Starknet protocol, so its module is compiled by graph-cli's AssemblyScript step alone (decision
 * 0067).
 */
export interface StarknetDataSourceTemplate {
  name: string;
  mapping: string;
  entities: readonly string[];
  events: readonly string[];
}

export const STARKNET_DATA_SOURCE: StarknetDataSourceTemplate = {
  name: "ZkVinStarknetSpoke",
  mapping: "mappings/starknet-spoke.ts",
  entities: ["StarknetSpoke", "StarknetRequest"],
  events: ["InferenceRequested", "InferenceFulfilled", "InferenceExpired", "InferenceReclaimed", "ResultDelivered"],
};

/** Every compiled module's name: the EVM data sources and the Starknet one. */
export const MODULE_NAMES: readonly string[] = [...DATA_SOURCE_TEMPLATES.map((t) => t.name), STARKNET_DATA_SOURCE.name];
