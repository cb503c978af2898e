// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Settlement} from "../interfaces/IRemoteResultSink.sol";
import {InputBound} from "../libraries/InputBounds.sol";
import {InputMode} from "../libraries/InstanceLayout.sol";

/// @notice What a spoke knows about a hub model: its price and the shape of its input and output (its
/// per-feature input bounds travel beside it in the MODEL message).
/// @dev One storage slot. `syncNonce` orders syncs (LayerZero may deliver them out of order); a spoke keeps
/// the info with the highest nonce. Zero means "never synced".
struct ModelInfo {
    uint128 hubPrice; // market.quote(modelId).total on the hub, in hub wei
    uint64 syncNonce; // the gateway's sync counter when this was sent (starts at 1)
    uint16 inputCount;
    uint16 outputCount;
    uint8 inputScale; // fixed point: value = round(x * 2^scale)
    uint8 outputScale;
    InputMode inputMode;
    bool deprecated;
}

/// @notice REQUEST (spoke -> hub): a request escrowed on the spoke, to enqueue in the hub's market.
struct RequestMessage {
    uint256 spokeRequestId;
    uint256 modelId;
    bytes32 requester; // the requester on the spoke (EVM address, left-padded)
    address slashBeneficiary; // hub address credited with the requester's share of a slash (zero: treasury)
    int256[] input; // fixed point at the model's input scale
    uint256 inputCommitment; // Poseidon commitment for hashed-input models, 0 otherwise
    uint256 feePaid; // inference fee escrowed on the spoke, in the spoke's native unit
    uint256 hubPrice; // the hub price (hub wei) the spoke computed `feePaid` from
    uint32 returnGasLimit; // lzReceive gas the reply needs on the spoke
}

/// @notice RESULT (hub -> spoke): the verified output and who earned the escrowed fee (spoke units).
/// @dev Every reply names the spoke that sent the request (`spoke`, its address left-padded): request ids
/// are per spoke, so a spoke redeployed on the same EID restarts them, and the spoke refuses a reply meant
/// for another deployment.
struct ResultMessage {
    bytes32 spoke;
    uint256 spokeRequestId;
    uint256 hubRequestId;
    int256[] output; // decoded from the verified proof's instances, fixed point at the output scale
    Settlement settlement;
}

/// @notice EXPIRED (hub -> spoke): the request expired on the hub with no node left; the spoke refunds.
struct ExpiryMessage {
    bytes32 spoke;
    uint256 spokeRequestId;
    uint256 hubRequestId;
    uint256 refundAmount; // what the hub says was escrowed (the spoke refunds its own record)
}

/// @notice REJECTED (hub -> spoke): the hub refused to enqueue the request; the spoke refunds.
struct RejectionMessage {
    bytes32 spoke;
    uint256 spokeRequestId;
    bytes reason; // the hub's revert data (custom error), at most ZkVinCodec.MAX_REASON_BYTES
}

/// @notice MODEL (hub -> spoke): the current terms of a hub model.
struct ModelMessage {
    uint256 modelId;
    ModelInfo info;
    InputBound[] inputBounds; // one per input feature (fixed point, inputScale); fixed for the model's life
}

/// @title ZkVinCodec
/// @notice The one wire format between zk-VIN's hub gateway and its EVM spokes. A message is
/// `version (1 byte) || type (1 byte) || abi.encode(payload struct)`. Both sides import this library, so a
/// format change is one edit and one version bump; a peer running another version is refused with
/// UnsupportedVersion instead of being misread. Version 2: MODEL carries one input bound per feature
/// (version 1 had one [inputMin, inputMax] for all features inside ModelInfo). Version 3: RESULT, EXPIRED and
/// REJECTED name the spoke (address) they answer, so a reply can settle only the deployment that asked.
library ZkVinCodec {
    uint8 internal constant VERSION = 3;

    uint8 internal constant REQUEST = 1;
    uint8 internal constant RESULT = 2;
    uint8 internal constant EXPIRED = 3;
    uint8 internal constant REJECTED = 4;
    uint8 internal constant MODEL = 5;

    uint256 internal constant HEADER_LENGTH = 2;
    /// @notice Longest rejection reason carried back (the rest is cut off).
    uint256 internal constant MAX_REASON_BYTES = 256;

    /// @notice The message is shorter than its two header bytes.
    error MessageTooShort(uint256 length);
    /// @notice The message was encoded by another codec version.
    error UnsupportedVersion(uint8 version);
    /// @notice The type byte names no message type.
    error UnknownMessageType(uint8 messageType);
    /// @notice A decoder was handed a message of another type.
    error UnexpectedMessageType(uint8 expected, uint8 actual);

    // ---------------------------------------------------------------- encoding

    function encodeRequest(RequestMessage memory m) internal pure returns (bytes memory) {
        return abi.encodePacked(VERSION, REQUEST, abi.encode(m));
    }

    function encodeResult(ResultMessage memory m) internal pure returns (bytes memory) {
        return abi.encodePacked(VERSION, RESULT, abi.encode(m));
    }

    function encodeExpiry(ExpiryMessage memory m) internal pure returns (bytes memory) {
        return abi.encodePacked(VERSION, EXPIRED, abi.encode(m));
    }

    /// @dev Cuts `m.reason` to MAX_REASON_BYTES.
    function encodeRejection(RejectionMessage memory m) internal pure returns (bytes memory) {
        if (m.reason.length > MAX_REASON_BYTES) {
            bytes memory reason = m.reason;
            assembly ("memory-safe") {
                mstore(reason, MAX_REASON_BYTES)
            }
        }
        return abi.encodePacked(VERSION, REJECTED, abi.encode(m));
    }

    function encodeModel(ModelMessage memory m) internal pure returns (bytes memory) {
        return abi.encodePacked(VERSION, MODEL, abi.encode(m));
    }

    // ---------------------------------------------------------------- decoding

    /// @notice The type of `message` after checking its header (version and a known type).
    function messageType(bytes calldata message) internal pure returns (uint8 t) {
        if (message.length < HEADER_LENGTH) revert MessageTooShort(message.length);
        uint8 version = uint8(message[0]);
        if (version != VERSION) revert UnsupportedVersion(version);
        t = uint8(message[1]);
        if (t == 0 || t > MODEL) revert UnknownMessageType(t);
    }

    function decodeRequest(bytes calldata message) internal pure returns (RequestMessage memory) {
        return abi.decode(_payload(message, REQUEST), (RequestMessage));
    }

    function decodeResult(bytes calldata message) internal pure returns (ResultMessage memory) {
        return abi.decode(_payload(message, RESULT), (ResultMessage));
    }

    function decodeExpiry(bytes calldata message) internal pure returns (ExpiryMessage memory) {
        return abi.decode(_payload(message, EXPIRED), (ExpiryMessage));
    }

    function decodeRejection(bytes calldata message) internal pure returns (RejectionMessage memory) {
        return abi.decode(_payload(message, REJECTED), (RejectionMessage));
    }

    function decodeModel(bytes calldata message) internal pure returns (ModelMessage memory) {
        return abi.decode(_payload(message, MODEL), (ModelMessage));
    }

    function _payload(bytes calldata message, uint8 expected) private pure returns (bytes calldata) {
        uint8 t = messageType(message);
        if (t != expected) revert UnexpectedMessageType(expected, t);
        return message[HEADER_LENGTH:];
    }
}
