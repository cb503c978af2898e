export {
  aggregatingAdapterAbi,
  marketAbi,
  marketEventsAbi,
  modelRegistryAbi,
  nodePoolAbi,
  proofVerifierAbi,
  RequestStatus,
} from "./abi.js";
export {
  type AggregateOutcome,
  type AggregationOptions,
  AggregationQueue,
  type AggregationStatus,
  type ProofSubmission,
  submitAggregated,
} from "./aggregation.js";
export { assignmentEntries, lookupRequested, RequestEventMissingError, type RequestedInference } from "./discovery.js";
export {
  type FulfilmentContext,
  FulfilmentRejectedError,
  FulfilmentRevertedError,
  revertReason,
  submitFulfilment,
} from "./fulfilment.js";
export { artifactIdFromUri, ModelCatalog, type ServedModel, UnservedModelError } from "./models.js";
export { NodePipeline, type NodePipelineOptions, type NodePipelineStatus } from "./pipeline.js";
export {
  minimumStake,
  type NodeRegistration,
  type RegistrationCheck,
  RegistrationError,
  registerNode,
  validateRegistration,
} from "./register.js";
export { type NodeReport, readNodeReport } from "./status.js";
export {
  INFERENCE_KIND,
  type InferenceOutcome,
  type InferencePayload,
  type InferenceStep,
  inferenceKey,
  MARKET_STREAM,
  type NodeHubChain,
  type NodeObserver,
} from "./types.js";
