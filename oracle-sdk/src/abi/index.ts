// The contract ABIs, typed for viem (generated from the Solidity sources; see generated/).
export { ezklAggregatingVerifierAdapterAbi } from "./generated/EzklAggregatingVerifierAdapter.js";
export { ezklVkaVerifierAdapterAbi } from "./generated/EzklVkaVerifierAdapter.js";
export { inferenceMarketAbi } from "./generated/InferenceMarket.js";
export { modelRegistryAbi } from "./generated/ModelRegistry.js";
export { nodePoolAbi } from "./generated/NodePool.js";
export { starknetGatewayAbi } from "./generated/StarknetGateway.js";
export { zkVinHubGatewayAbi } from "./generated/ZkVinHubGateway.js";
export { zkVinSpokeAbi } from "./generated/ZkVinSpoke.js";
