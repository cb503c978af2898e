// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";

/// @notice Epochs of `length` blocks counted from `anchorBlock` (epoch `anchorEpoch`); before the anchor,
/// the previous length applies from `prevAnchorBlock`. A length change therefore takes effect at the next
/// epoch boundary, and epoch numbers never jump or go back.
struct EpochSchedule {
    uint64 anchorBlock;
    uint32 anchorEpoch;
    uint32 length;
    uint64 prevAnchorBlock;
    uint32 prevAnchorEpoch;
    uint32 prevLength;
}

/// @title EpochMath
/// @notice Block-number epochs with length changes at epoch boundaries.
library EpochMath {
    /// @notice An epoch length of zero blocks.
    error ZeroEpochLength();

    function init(uint256 blockNumber, uint32 length) internal pure returns (EpochSchedule memory s) {
        if (length == 0) revert ZeroEpochLength();
        // Block numbers stay far below 2^64.
        s = EpochSchedule({
            // forge-lint: disable-next-line(unsafe-typecast)
            anchorBlock: uint64(blockNumber),
            anchorEpoch: 0,
            length: length,
            // forge-lint: disable-next-line(unsafe-typecast)
            prevAnchorBlock: uint64(blockNumber),
            prevAnchorEpoch: 0,
            prevLength: length
        });
    }

    /// @dev Reverts (SafeCast) rather than wrap once epoch numbers pass 2^32, which takes 2^32 epochs.
    function epochAt(EpochSchedule memory s, uint256 blockNumber) internal pure returns (uint32) {
        if (blockNumber >= s.anchorBlock) {
            return SafeCast.toUint32(s.anchorEpoch + (blockNumber - s.anchorBlock) / s.length);
        }
        if (blockNumber < s.prevAnchorBlock) return s.prevAnchorEpoch;
        return SafeCast.toUint32(s.prevAnchorEpoch + (blockNumber - s.prevAnchorBlock) / s.prevLength);
    }

    /// @notice First block of `epoch` (epochs before the previous anchor report the previous anchor).
    function startBlock(EpochSchedule memory s, uint32 epoch) internal pure returns (uint64) {
        if (epoch >= s.anchorEpoch) return s.anchorBlock + uint64(epoch - s.anchorEpoch) * s.length;
        if (epoch < s.prevAnchorEpoch) return s.prevAnchorBlock;
        return s.prevAnchorBlock + uint64(epoch - s.prevAnchorEpoch) * s.prevLength;
    }

    /// @notice The schedule after asking, at `blockNumber`, for epochs of `newLength` blocks from the next
    /// epoch on. Asking again before that boundary replaces the pending length.
    function reschedule(EpochSchedule memory s, uint256 blockNumber, uint32 newLength)
        internal
        pure
        returns (EpochSchedule memory next)
    {
        if (newLength == 0) revert ZeroEpochLength();
        if (blockNumber < s.anchorBlock) {
            next = s;
            next.length = newLength;
            return next;
        }
        uint32 nextEpoch = epochAt(s, blockNumber) + 1;
        next = EpochSchedule({
            anchorBlock: startBlock(s, nextEpoch),
            anchorEpoch: nextEpoch,
            length: newLength,
            prevAnchorBlock: s.anchorBlock,
            prevAnchorEpoch: s.anchorEpoch,
            prevLength: s.length
        });
    }
}
