import { parseAbi } from "viem";

// The slices of the zk-VIN hub's ABIs the node pipeline and the operator CLI use (contracts-evm/src/hub,
// src/interfaces). Errors are listed so that a refused call is reported by name with its arguments.

const ioLayout =
  "struct IOLayout { uint16 batchSize; uint16 instanceCount; uint16 inputOffset; uint16 inputCount; uint16 outputOffset; uint16 outputCount; uint8 inputScale; uint8 outputScale; uint8 inputMode; }";

export const marketEventsAbi = parseAbi([
  "struct Fees { uint256 nodeFee; uint256 royalty; uint256 protocolFee; uint256 callbackFee; uint256 bond; uint256 slashAmount; }",
  "event InferenceRequested(uint256 indexed requestId, uint256 indexed modelId, address indexed requester, int256[] input, uint256 inputCommitment, uint32 callbackGasLimit, Fees fees)",
  "event InferenceAssigned(uint256 indexed requestId, address indexed node, uint32 indexed epoch, uint64 deadline)",
]);

export const marketAbi = parseAbi([
  "struct Fees { uint256 nodeFee; uint256 royalty; uint256 protocolFee; uint256 callbackFee; uint256 bond; uint256 slashAmount; }",
  "struct Request { address requester; uint64 modelId; uint8 status; uint8 delivery; bool remote; uint8 reassignments; address node; uint40 deadline; uint24 callbackGasLimit; uint32 feesId; bytes32 payloadDigest; }",
  "struct MarketParams { uint96 unitPrice; uint64 protocolFee; uint32 fulfilmentWindow; uint32 maxCallbackGasLimit; uint8 maxReassignments; uint64 callbackGasPrice; uint96 commitmentBond; }",
  "event InferenceRequested(uint256 indexed requestId, uint256 indexed modelId, address indexed requester, int256[] input, uint256 inputCommitment, uint32 callbackGasLimit, Fees fees)",
  "event InferenceAssigned(uint256 indexed requestId, address indexed node, uint32 indexed epoch, uint64 deadline)",
  "event InferenceFulfilled(uint256 indexed requestId, int256[] output)",
  "event InferenceExpired(uint256 indexed requestId, address indexed node, uint256 slashed)",
  "function fulfil(uint256 requestId, bytes proof, uint256[] instances)",
  "function fulfilBatch(uint256[] requestIds, bytes proof, uint256[] instances)",
  "function expire(uint256 requestId)",
  "function request(uint256 requestId) view returns (Request)",
  "function effectiveDeadline(uint256 requestId) view returns (uint256)",
  "function params() view returns (MarketParams)",
  "function registry() view returns (address)",
  "function pool() view returns (address)",
  "function claimable(address account) view returns (uint256)",
  "function nextRequestId() view returns (uint256)",
  "function paused() view returns (bool)",
  "error IncorrectPayment(uint256 expected, uint256 paid)",
  "error NoCapacity(uint256 modelId)",
  "error RequestNotPending(uint256 requestId, uint8 status)",
  "error NotAssignedNode(uint256 requestId, address caller)",
  "error DeadlinePassed(uint256 requestId, uint256 deadline)",
  "error NotExpired(uint256 requestId, uint256 deadline)",
  "error EmptyBatch()",
  "error BatchTooLarge(uint256 requests, uint256 batchSize)",
  "error ModelMismatch(uint256 requestId, uint256 expectedModelId, uint256 modelId)",
  "error InputMismatch(uint256 requestId, uint256 slot)",
  "error InvalidProof(uint256 modelId)",
  "error InstanceCountMismatch(uint256 expected, uint256 actual)",
  "error InsufficientGasForCall(uint256 gasLimit, uint256 gasLeft)",
  "error EnforcedPause()",
]);

export const nodePoolAbi = parseAbi([
  "struct NodeInfo { uint112 stake; uint112 slashed; uint32 withdrawableEpoch; uint64 capacity; uint64 used; uint32 usedEpoch; uint32 activeFrom; uint32 exitEpoch; uint32 pending; }",
  "struct PoolParams { uint256 minStakePerComputeUnit; uint112 slashAmount; uint16 requesterShareBps; uint16 maxNodesPerModel; uint16 maxModelsPerNode; uint32 unbondingEpochs; }",
  "function registerNode(uint256[] modelIds, uint64 capacity, uint256 stakeAmount) payable",
  "function node(address operator) view returns (NodeInfo)",
  "function nodeModels(address operator) view returns (uint256[])",
  "function modelNodes(uint256 modelId) view returns (address[])",
  "function spareCapacity(address operator) view returns (uint64)",
  "function params() view returns (PoolParams)",
  "function stakeToken() view returns (address)",
  "function currentEpoch() view returns (uint32)",
  "function epochStartBlock(uint32 epoch) view returns (uint64)",
  "function epochLength() view returns (uint32)",
  "error NodeAlreadyRegistered(address node)",
  "error TooManyModels(uint256 count, uint256 max)",
  "error DuplicateModel(uint256 modelId)",
  "error ModelUnavailable(uint256 modelId)",
  "error ModelNodeLimitReached(uint256 modelId, uint256 max)",
  "error ZeroCapacity()",
  "error CapacityBelowModelUnits(uint256 modelId, uint64 capacity, uint32 computeUnits)",
  "error InsufficientStake(uint256 required, uint256 provided)",
  "error IncorrectNativeValue(uint256 expected, uint256 sent)",
  "error InvalidModelSet()",
]);

export const modelRegistryAbi = parseAbi([
  ioLayout,
  "struct InputBound { int256 min; int256 max; }",
  "struct Model { address owner; uint32 computeUnits; bool deprecated; address verifier; uint96 royalty; bytes32 verifierKey; bytes32 settingsHash; IOLayout layout; InputBound[] inputBounds; string artifactURI; string metadataURI; uint8 status; bytes32 specDigest; }",
  "function model(uint256 modelId) view returns (Model)",
  "function exists(uint256 modelId) view returns (bool)",
  "function modelCount() view returns (uint256)",
]);

export const proofVerifierAbi = parseAbi(["function isKeyAccepted(bytes32 key) view returns (bool)"]);

export const erc20Abi = parseAbi([
  "function approve(address spender, uint256 amount) returns (bool)",
  "function balanceOf(address account) view returns (uint256)",
  "function allowance(address owner, address spender) view returns (uint256)",
]);

/** ModelStatus in IModelRegistry.sol: only a Live model takes requests. */
export const ModelStatus = { Live: 0, Pending: 1, Rejected: 2, Withdrawn: 3 } as const;

/** RequestStatus in IInferenceMarket.sol. */
export const RequestStatus = { None: 0, Pending: 1, Fulfilled: 2, Refunded: 3 } as const;
