import { parseAbi } from "viem";

// The slices of LayerZero V2's ABIs that the local DVN and executor use. They match the audited
// contracts deployed from the npm artifacts (contracts-evm/script/layerzero/); the relayer's tests call
// those deployed contracts through them.

export const endpointAbi = parseAbi([
  "event PacketSent(bytes encodedPayload, bytes options, address sendLibrary)",
  "event PacketVerified((uint32 srcEid, bytes32 sender, uint64 nonce) origin, address receiver, bytes32 payloadHash)",
  "event PacketDelivered((uint32 srcEid, bytes32 sender, uint64 nonce) origin, address receiver)",
  "event LzReceiveAlert(address indexed receiver, address indexed executor, (uint32 srcEid, bytes32 sender, uint64 nonce) origin, bytes32 guid, uint256 gas, uint256 value, bytes message, bytes extraData, bytes reason)",
  "function eid() view returns (uint32)",
  "function inboundPayloadHash(address receiver, uint32 srcEid, bytes32 sender, uint64 nonce) view returns (bytes32)",
  "function lazyInboundNonce(address receiver, uint32 srcEid, bytes32 sender) view returns (uint64)",
  "function inboundNonce(address receiver, uint32 srcEid, bytes32 sender) view returns (uint64)",
  "function initializable((uint32 srcEid, bytes32 sender, uint64 nonce) origin, address receiver) view returns (bool)",
  "function getReceiveLibrary(address receiver, uint32 srcEid) view returns (address lib, bool isDefault)",
]);

export const packetSentEventAbi = parseAbi([
  "event PacketSent(bytes encodedPayload, bytes options, address sendLibrary)",
]);

export const receiveUlnAbi = parseAbi([
  "struct UlnConfig { uint64 confirmations; uint8 requiredDVNCount; uint8 optionalDVNCount; uint8 optionalDVNThreshold; address[] requiredDVNs; address[] optionalDVNs; }",
  "function verify(bytes packetHeader, bytes32 payloadHash, uint64 confirmations)",
  "function commitVerification(bytes packetHeader, bytes32 payloadHash)",
  "function hashLookup(bytes32 headerHash, bytes32 payloadHash, address dvn) view returns (bool submitted, uint64 confirmations)",
  "function getUlnConfig(address oapp, uint32 remoteEid) view returns (UlnConfig)",
  "function verifiable(UlnConfig config, bytes32 headerHash, bytes32 payloadHash) view returns (bool)",
  "error LZ_ULN_Verifying()",
  "error LZ_ULN_InvalidEid()",
  "error LZ_ULN_InvalidPacketHeader()",
  "error LZ_ULN_InvalidPacketVersion()",
]);

export const dvnAbi = parseAbi([
  "struct ExecuteParam { uint32 vid; address target; bytes callData; uint256 expiration; bytes signatures; }",
  "function vid() view returns (uint32)",
  "function execute(ExecuteParam[] params)",
  "function hashCallData(uint32 vid, address target, bytes callData, uint256 expiration) pure returns (bytes32)",
  "function hasRole(bytes32 role, address account) view returns (bool)",
  "function isSigner(address signer) view returns (bool)",
  "event ExecuteFailed(uint256 index, bytes data)",
  "event VerifySignaturesFailed(uint256 idx)",
  "event HashAlreadyUsed((uint32 vid, address target, bytes callData, uint256 expiration, bytes signatures) param, bytes32 hash)",
]);

export const executorAbi = parseAbi([
  "struct Origin { uint32 srcEid; bytes32 sender; uint64 nonce; }",
  "struct ExecutionParams { address receiver; Origin origin; bytes32 guid; bytes message; bytes extraData; uint256 gasLimit; }",
  "struct NativeDropParams { address receiver; uint256 amount; }",
  "function execute302(ExecutionParams params) payable",
  "function nativeDropAndExecute302(NativeDropParams[] nativeDropParams, uint256 nativeDropGasLimit, ExecutionParams params) payable",
  "function hasRole(bytes32 role, address account) view returns (bool)",
]);

/** Errors the endpoint raises, for decoding alert reasons and reverts into names. */
export const endpointErrorsAbi = parseAbi([
  "error LZ_InvalidNonce(uint64 nonce)",
  "error LZ_PayloadHashNotFound(bytes32 expected, bytes32 actual)",
  "error LZ_PathNotInitializable()",
  "error LZ_PathNotVerifiable()",
  "error LZ_InvalidReceiveLibrary()",
  "error LZ_InvalidPayloadHash()",
]);

/** keccak256("ADMIN_ROLE"): the messagelib workers' admin role (DVN.execute, Executor.execute302). */
export const WORKER_ADMIN_ROLE = "0xa49807205ce4d355092ef5a8a18f56e8913cf4a201fbe287825b095693c21775" as const;
