// @zk-vin/oracle-sdk: a typed client of zk-VIN for dApps and node operators. See oracle-sdk/README.md.

export * from "./abi/index.js";
export {
  approveModel,
  claimRegistrationRefund,
  getModel,
  getModelStatus,
  getSpokeModelTerms,
  listModels,
  type ModelInfo,
  type ModelSpecInput,
  type ModelStatus,
  type ModelUsage,
  modelFromSubgraph,
  modelSpecDigest,
  type RegisteredModel,
  registerModel,
  registerVka,
  rejectModel,
  type SpokeModelTerms,
  withdrawModelProposal,
} from "./actions/models.js";
export {
  addStake,
  checkNodeRegistration,
  claimSlashProceeds,
  getNodeStatus,
  type NodeRegistrationCheck,
  type NodeRegistrationParameters,
  type NodeRegistrationReceipt,
  type NodeStatus,
  REGISTRATION_GAS_RESERVE,
  registerNode,
  requestExit,
  requiredStake,
  withdrawEarnings,
  withdrawStake,
} from "./actions/node.js";
export {
  DEFAULT_BLOCK_RANGE,
  type DeliveryStatus,
  findRequestBlock,
  getRequest,
  type InferenceInput,
  type InferenceQuote,
  type InferenceResult,
  quote,
  type ReclaimReceipt,
  type RequestReceipt,
  type RequestState,
  type RequestStatus,
  reclaimRequest,
  requestInference,
  type WaitForResultParameters,
  waitForResult,
  withdrawFromSpoke,
} from "./actions/requests.js";
export {
  type RequestEvent,
  type WatchRequestsParameters,
  type WatchResultsParameters,
  watchRequests,
  watchResults,
} from "./actions/watch.js";
export {
  type ChainConfig,
  type ChainContext,
  chainConfig,
  chainConfigForClient,
  contextFromClients,
  createChainContext,
} from "./chain.js";
export { createZkVinClient, type ZkVinClient, type ZkVinClientOptions } from "./client.js";
export {
  publicActionsOf,
  walletActionsOf,
  type ZkVinActionsOptions,
  type ZkVinPublicActions,
  type ZkVinWalletActions,
  zkVinPublicActions,
  zkVinWalletActions,
} from "./decorators.js";
export {
  chainByName,
  contractAddress,
  type DeployedChain,
  type DeployedModel,
  type Deployment,
  DeploymentFileError,
  type LayerZeroDeployment,
  parseDeployment,
} from "./deployment.js";
export {
  checkFixedInput,
  decodeOutput,
  dequantize,
  encodeInput,
  FIELD_MODULUS,
  fieldElementToWord,
  fromFieldElement,
  type InputBound,
  type ModelLayout,
  quantize,
  toFieldElement,
} from "./encoding.js";
export * from "./errors.js";
export { createGraphQLClient, type GraphQLClient, type GraphQLClientOptions } from "./graphql/client.js";
export { type FollowedSpokeRequest, followSpokeRequest } from "./graphql/follow.js";
export type * from "./graphql/generated/schema.js";
export { ENTITY_SELECTIONS, QUERY_FIELDS } from "./graphql/generated/schema.js";
export {
  type EntityName,
  getEntity,
  getIndexMeta,
  getModelDetails,
  getNodeDetails,
  getRequestDetails,
  type IndexMeta,
  type ListParams,
  listEntities,
  listQueryText,
  type ModelDetails,
  type NodeDetails,
  type RequestDetails,
} from "./graphql/queries.js";
