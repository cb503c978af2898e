// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {FieldEncoding} from "./FieldEncoding.sol";

/// @notice How a request's input appears in a proof's instances.
/// Public: the input's felts themselves (`inputCount` per inference).
/// Hashed: one felt per inference, the Poseidon commitment EZKL makes of a hashed input; the requester
/// supplies that commitment and the input values (so a prover can prove them).
enum InputMode {
    Public,
    Hashed
}

/// @notice Where a model's inputs and outputs sit in the public instances of one proof, and how they are
/// scaled. A batched circuit proves `batchSize` inferences at once: slot s reads its input felts at
/// `inputOffset + s * feltsPerInput` and its output felts at `outputOffset + s * outputCount`.
/// @dev Values are fixed point at the registered scale: value = round(x * 2^scale), negative values as
/// p - |v|. The range each input feature may take is registered beside the layout, per feature
/// (`InputBound`, library InputBounds). One storage slot.
struct IOLayout {
    uint16 batchSize;
    uint16 instanceCount;
    uint16 inputOffset;
    uint16 inputCount;
    uint16 outputOffset;
    uint16 outputCount;
    uint8 inputScale;
    uint8 outputScale;
    InputMode inputMode;
}

/// @title InstanceLayout
/// @notice Validates an IOLayout and reads request inputs and outputs out of a proof's instance vector.
library InstanceLayout {
    uint16 internal constant MAX_BATCH_SIZE = 64;
    uint16 internal constant MAX_VALUES = 256;
    uint16 internal constant MAX_INSTANCES = 4096;

    /// @notice The layout is inconsistent; `reason` names the rule it breaks.
    error InvalidLayout(string reason);
    /// @notice The input has the wrong number of values for the model.
    error InputLengthMismatch(uint256 expected, uint256 actual);
    /// @notice The proof carries a different number of instances than the model's circuit exposes.
    error InstanceCountMismatch(uint256 expected, uint256 actual);

    function validate(IOLayout memory l) internal pure {
        if (l.batchSize == 0 || l.batchSize > MAX_BATCH_SIZE) revert InvalidLayout("batchSize");
        if (l.inputCount == 0 || l.inputCount > MAX_VALUES) revert InvalidLayout("inputCount");
        if (l.outputCount == 0 || l.outputCount > MAX_VALUES) revert InvalidLayout("outputCount");
        if (l.instanceCount == 0 || l.instanceCount > MAX_INSTANCES) revert InvalidLayout("instanceCount");
        uint256 inputEnd = uint256(l.inputOffset) + uint256(l.batchSize) * feltsPerInput(l);
        uint256 outputEnd = uint256(l.outputOffset) + uint256(l.batchSize) * l.outputCount;
        if (inputEnd > l.instanceCount) revert InvalidLayout("inputRange");
        if (outputEnd > l.instanceCount) revert InvalidLayout("outputRange");
        if (inputEnd > l.outputOffset && outputEnd > l.inputOffset) revert InvalidLayout("overlap");
    }

    /// @notice Instances one inference's input occupies: its values, or a single commitment when hashed.
    function feltsPerInput(IOLayout memory l) internal pure returns (uint256) {
        return l.inputMode == InputMode.Hashed ? 1 : l.inputCount;
    }

    /// @notice Checks that a requester's input has one value per input feature (InputBounds checks the values).
    function checkInputLength(IOLayout memory l, int256[] calldata input) internal pure {
        if (input.length != l.inputCount) revert InputLengthMismatch(l.inputCount, input.length);
    }

    /// @notice keccak256 of the input instances of batch slot `slot` (each instance as a 32-byte word).
    function inputSlotDigest(IOLayout memory l, uint256[] calldata instances, uint256 slot)
        internal
        pure
        returns (bytes32 digest)
    {
        uint256 n = feltsPerInput(l);
        uint256 start = uint256(l.inputOffset) + slot * n;
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            let len := mul(n, 0x20)
            calldatacopy(ptr, add(instances.offset, mul(start, 0x20)), len)
            digest := keccak256(ptr, len)
        }
    }

    /// @notice The signed output values of batch slot `slot`, decoded from the proof's output instances.
    function decodeOutput(IOLayout memory l, uint256[] calldata instances, uint256 slot)
        internal
        pure
        returns (int256[] memory output)
    {
        uint256 n = l.outputCount;
        uint256 start = uint256(l.outputOffset) + slot * n;
        output = new int256[](n);
        for (uint256 i; i < n; ++i) {
            output[i] = FieldEncoding.toInt(instances[start + i]);
        }
    }

    function checkInstanceCount(IOLayout memory l, uint256 actual) internal pure {
        if (actual != l.instanceCount) revert InstanceCountMismatch(l.instanceCount, actual);
    }
}
