import {
  ezklAggregatingVerifierAdapterAbi,
  ezklVkaVerifierAdapterAbi,
  inferenceMarketAbi,
  modelRegistryAbi,
  nodePoolAbi,
} from "@zk-vin/oracle-sdk/abi";
import { getAbiItem } from "viem";

// The zk-VIN hub's ABIs as the node pipeline and the operator CLI use them: the ones generated from the
// Solidity sources (`npm run abis -w @zk-vin/subgraph`, exported by @zk-vin/oracle-sdk/abi), never copied
// by hand. Their errors come with them, so a refused call is reported by name with its arguments.

export {
  ezklAggregatingVerifierAdapterAbi as aggregatingAdapterAbi,
  inferenceMarketAbi as marketAbi,
  modelRegistryAbi,
  nodePoolAbi,
};

/** The two market events the pipeline watches (the chain watcher subscribes to every event of its ABI). */
export const marketEventsAbi = [
  getAbiItem({ abi: inferenceMarketAbi, name: "InferenceRequested" }),
  getAbiItem({ abi: inferenceMarketAbi, name: "InferenceAssigned" }),
] as const;

/** IProofVerifier.isKeyAccepted, which every verifier adapter implements (the EZKL adapter's ABI has it). */
export const proofVerifierAbi = [getAbiItem({ abi: ezklVkaVerifierAdapterAbi, name: "isKeyAccepted" })] as const;

/** ModelStatus in IModelRegistry.sol: only a Live model takes requests. */
export const ModelStatus = { Live: 0, Pending: 1, Rejected: 2, Withdrawn: 3 } as const;

/** RequestStatus in IInferenceMarket.sol. */
export const RequestStatus = { None: 0, Pending: 1, Fulfilled: 2, Refunded: 3 } as const;
