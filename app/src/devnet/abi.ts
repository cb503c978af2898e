// The slices of the zk-VIN contracts' ABIs the devnet calls (human-readable, typed by viem).
import { parseAbi } from "viem";

const ioLayout =
  "struct IOLayout { uint16 batchSize; uint16 instanceCount; uint16 inputOffset; uint16 inputCount; uint16 outputOffset; uint16 outputCount; uint8 inputScale; uint8 outputScale; uint8 inputMode; }";
const inputBound = "struct InputBound { int256 min; int256 max; }";

export const modelRegistryAbi = parseAbi([
  ioLayout,
  inputBound,
  "struct ModelSpec { address verifier; bytes32 verifierKey; bytes32 settingsHash; IOLayout layout; InputBound[] inputBounds; uint32 computeUnits; uint96 royalty; string artifactURI; string metadataURI; }",
  "function registrationFee() view returns (uint256)",
  "function registerModel(ModelSpec spec) payable returns (uint256 modelId)",
  "function modelIdOf(address verifier, bytes32 verifierKey) view returns (uint256)",
  "event ModelRegistered(uint256 indexed modelId, address indexed owner, address indexed verifier, ModelSpec spec)",
  "function modelApprovalRequired() view returns (bool)",
  "function specDigest(address owner, ModelSpec spec) view returns (bytes32)",
  "function modelStatus(uint256 modelId) view returns (uint8)",
  "function approveModel(uint256 modelId, bytes32 specDigest)",
  "event ModelProposed(uint256 indexed modelId, bytes32 specDigest, uint256 escrowedFee)",
  "event ModelApproved(uint256 indexed modelId, bytes32 specDigest, address indexed approver)",
]);

export const vkaAdapterAbi = parseAbi([
  "function registerVka(bytes32[] words) returns (bytes32 key)",
  "function approvalRequired() view returns (bool)",
  "function approveVka(bytes32 key)",
  "function isKeyAccepted(bytes32 key) view returns (bool)",
]);

export const nodePoolAbi = parseAbi([
  "struct NodeInfo { uint112 stake; uint112 slashed; uint32 withdrawableEpoch; uint64 capacity; uint64 used; uint32 usedEpoch; uint32 activeFrom; uint32 exitEpoch; uint32 pending; }",
  "struct PoolParams { uint256 minStakePerComputeUnit; uint112 slashAmount; uint16 requesterShareBps; uint16 maxNodesPerModel; uint16 maxModelsPerNode; uint32 unbondingEpochs; }",
  "function registerNode(uint256[] modelIds, uint64 capacity, uint256 stakeAmount) payable",
  "function node(address operator) view returns (NodeInfo)",
  "function params() view returns (PoolParams)",
  "function currentEpoch() view returns (uint32)",
  "function epochStartBlock(uint32 epoch) view returns (uint64)",
]);

export const marketAbi = parseAbi([
  "struct MarketParams { uint96 unitPrice; uint64 protocolFee; uint32 fulfilmentWindow; uint32 maxCallbackGasLimit; uint8 maxReassignments; uint64 callbackGasPrice; uint96 commitmentBond; }",
  "function params() view returns (MarketParams)",
]);

export const gatewayAbi = parseAbi([
  "function quoteSyncModel(uint32 spokeEid, uint256 modelId) view returns (uint256 fee)",
  "function syncModel(uint32 spokeEid, uint256 modelId) payable returns (bytes32 guid)",
]);

export const spokeAbi = parseAbi([
  "struct ModelInfo { uint128 hubPrice; uint64 syncNonce; uint16 inputCount; uint16 outputCount; uint8 inputScale; uint8 outputScale; uint8 inputMode; bool deprecated; }",
  "function model(uint256 modelId) view returns (ModelInfo)",
]);
