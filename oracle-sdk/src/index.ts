// @zk-vin/oracle-sdk: a typed client of zk-VIN for dApps and node operators. See oracle-sdk/README.md.

export { type Deployment, loadDeployment } from "@zk-vin/deployments";
export * from "./abi/index.js";
export {
  getModel,
  getSpokeModelTerms,
  listModels,
  type ModelInfo,
  type ModelSpecInput,
  type ModelUsage,
  modelFromSubgraph,
  registerModel,
  registerVka,
  type SpokeModelTerms,
} from "./actions/models.js";
export {
  addStake,
  claimSlashProceeds,
  getNodeStatus,
  type NodeStatus,
  registerNode,
  requestExit,
  requiredStake,
  withdrawEarnings,
  withdrawStake,
} from "./actions/node.js";
export {
  type DeliveryStatus,
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
  waitForResult,
  withdrawFromSpoke,
} from "./actions/requests.js";
export {
  type ChainConfig,
  type ChainContext,
  chainConfig,
  createChainContext,
  resolveDeployment,
} from "./chain.js";
export { createZkVinClient, type ZkVinClient, type ZkVinClientOptions } from "./client.js";
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
