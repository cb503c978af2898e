// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {CodeStore} from "./CodeStore.sol";
import {FieldEncoding} from "./FieldEncoding.sol";

/// @notice The values one input feature may take, inclusive, fixed point at the model's input scale
/// (round(x * 2^scale)): the range the circuit was calibrated for, so that every accepted input can be proven.
struct InputBound {
    int256 min;
    int256 max;
}

/// @title InputBounds
/// @notice A model's per-feature input bounds: checked once when they are registered, stored as contract code
/// (CodeStore: 64 bytes per feature, `min || max` as two 32-byte words), and checked against every request's
/// input. Reading them costs one EXTCODECOPY (2,600 gas cold, plus 6 gas per feature) whatever the feature
/// count, where storage slots would cost 2,100 per feature.
library InputBounds {
    uint256 internal constant BYTES_PER_FEATURE = 64;

    /// @notice A model must give exactly one bound per input feature.
    error InputBoundCountMismatch(uint256 expected, uint256 actual);
    /// @notice Feature `feature`'s bound is empty (min above max).
    error InputBoundInverted(uint256 feature, int256 min, int256 max);
    /// @notice Feature `feature`'s bound has an end no field element can carry (|value| > (p - 1) / 2).
    error InputBoundOutOfField(uint256 feature, int256 value);
    /// @notice Input feature `feature` is `value`, outside its registered bound [min, max].
    error InputOutOfBounds(uint256 feature, int256 value, int256 min, int256 max);

    /// @notice Checks one bound per feature, each non-empty and within the field's signed range.
    function validate(InputBound[] memory bounds, uint256 inputCount) internal pure {
        if (bounds.length != inputCount) revert InputBoundCountMismatch(inputCount, bounds.length);
        // forge-lint: disable-next-line(unsafe-typecast)
        int256 half = int256(FieldEncoding.HALF); // HALF < 2^254 fits
        for (uint256 i; i < bounds.length; ++i) {
            int256 lo = bounds[i].min;
            int256 hi = bounds[i].max;
            if (lo < -half || lo > half) revert InputBoundOutOfField(i, lo);
            if (hi < -half || hi > half) revert InputBoundOutOfField(i, hi);
            if (lo > hi) revert InputBoundInverted(i, lo, hi);
        }
    }

    /// @notice The stored form: `min || max` per feature, 32 bytes each, in feature order.
    function encode(InputBound[] memory bounds) internal pure returns (bytes memory data) {
        uint256 n = bounds.length;
        data = new bytes(n * BYTES_PER_FEATURE);
        for (uint256 i; i < n; ++i) {
            int256 lo = bounds[i].min;
            int256 hi = bounds[i].max;
            assembly ("memory-safe") {
                let p := add(add(data, 0x20), mul(i, 0x40))
                mstore(p, lo)
                mstore(add(p, 0x20), hi)
            }
        }
    }

    /// @notice Stores `bounds` (already validated) as code; returns the pointer.
    function store(InputBound[] memory bounds) internal returns (address pointer) {
        return CodeStore.write(encode(bounds));
    }

    /// @notice Whether `pointer` already holds exactly `bounds` (compares code hashes, no copy).
    function holds(address pointer, InputBound[] memory bounds) internal view returns (bool) {
        return pointer.code.length != 0 && pointer.codehash == keccak256(abi.encodePacked(hex"00", encode(bounds)));
    }

    /// @notice The `count` bounds stored at `pointer`.
    function load(address pointer, uint256 count) internal view returns (InputBound[] memory bounds) {
        bytes memory raw = _copy(pointer, count);
        bounds = new InputBound[](count);
        for (uint256 i; i < count; ++i) {
            (int256 lo, int256 hi) = _at(raw, i);
            bounds[i] = InputBound({min: lo, max: hi});
        }
    }

    /// @notice Reverts with InputOutOfBounds at the first feature of `input` outside the bounds at `pointer`.
    /// @dev The caller has checked that `input` has the model's feature count (the stored bounds' count).
    function check(address pointer, int256[] calldata input) internal view {
        uint256 n = input.length;
        bytes memory raw = _copy(pointer, n);
        for (uint256 i; i < n; ++i) {
            (int256 lo, int256 hi) = _at(raw, i);
            int256 v = input[i];
            if (v < lo || v > hi) revert InputOutOfBounds(i, v, lo, hi);
        }
    }

    /// @dev The first `count` bounds' bytes, copied from the code at `pointer` after its STOP byte.
    function _copy(address pointer, uint256 count) private view returns (bytes memory raw) {
        uint256 size = count * BYTES_PER_FEATURE;
        raw = new bytes(size);
        assembly ("memory-safe") {
            extcodecopy(pointer, add(raw, 0x20), 1, size)
        }
    }

    function _at(bytes memory raw, uint256 i) private pure returns (int256 lo, int256 hi) {
        assembly ("memory-safe") {
            let p := add(add(raw, 0x20), mul(i, 0x40))
            lo := mload(p)
            hi := mload(add(p, 0x20))
        }
    }
}
