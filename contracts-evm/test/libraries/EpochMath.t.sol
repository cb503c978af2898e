// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Test} from "forge-std/Test.sol";
import {EpochMath, EpochSchedule} from "../../src/libraries/EpochMath.sol";
import {LibraryHarness} from "./LibraryHarness.sol";

contract EpochMathTest is Test {
    using EpochMath for EpochSchedule;

    LibraryHarness internal h = new LibraryHarness();

    function test_epochNumbersNeverWrap() public {
        EpochSchedule memory s = h.epochInit(0, 1);
        assertEq(h.epochAt(s, type(uint32).max), type(uint32).max);
        vm.expectRevert(
            abi.encodeWithSelector(SafeCast.SafeCastOverflowedUintDowncast.selector, 32, uint256(type(uint32).max) + 1)
        );
        h.epochAt(s, uint256(type(uint32).max) + 1);
    }

    function test_zeroLengthReverts() public {
        vm.expectRevert(EpochMath.ZeroEpochLength.selector);
        h.epochInit(1, 0);
        EpochSchedule memory s = h.epochInit(1, 5);
        vm.expectRevert(EpochMath.ZeroEpochLength.selector);
        h.reschedule(s, 3, 0);
    }

    function testFuzz_epochBoundsContainTheBlock(uint64 start, uint32 length, uint64 offset) public view {
        length = uint32(bound(length, 1, 1_000_000));
        start = uint64(bound(start, 0, 1e12));
        offset = uint64(bound(offset, 0, uint256(length) * (2 ** 31)));
        EpochSchedule memory s = h.epochInit(start, length);
        uint256 b = uint256(start) + offset;
        uint32 e = s.epochAt(b);
        assertLe(s.startBlock(e), b);
        assertGt(s.startBlock(e + 1), b);
        assertEq(s.startBlock(e + 1) - s.startBlock(e), length);
    }

    /// @dev Any sequence of length changes keeps epochs monotone, contiguous, and changes lengths only at
    /// epoch boundaries.
    function testFuzz_reschedulingKeepsEpochsMonotone(uint32[4] memory lengths, uint16[4] memory gaps) public view {
        EpochSchedule memory s = h.epochInit(100, 10);
        uint256 b = 100;
        uint32 lastEpoch = 0;
        for (uint256 i; i < 4; ++i) {
            uint32 newLength = uint32(bound(lengths[i], 1, 50));
            uint32 before = s.epochAt(b);
            uint64 currentStart = s.startBlock(before);
            uint64 nextStart = s.startBlock(before + 1);
            s = h.reschedule(s, b, newLength);
            // The epoch in progress and its boundaries do not move.
            assertEq(s.epochAt(b), before);
            assertEq(s.startBlock(before), currentStart);
            assertEq(s.startBlock(before + 1), nextStart);
            assertEq(s.startBlock(before + 2) - s.startBlock(before + 1), newLength);

            uint256 next = b + bound(gaps[i], 0, 200);
            for (uint256 x = b; x <= next; x += 7) {
                uint32 e = s.epochAt(x);
                assertGe(e, lastEpoch);
                assertLe(e, lastEpoch + 1 + (x - b));
                assertLe(s.startBlock(e), x);
                assertGt(s.startBlock(e + 1), x);
                lastEpoch = e;
            }
            b = next;
            lastEpoch = s.epochAt(b);
        }
    }

    function test_rescheduleTwiceInOneEpochReplacesThePendingLength() public view {
        EpochSchedule memory s = h.epochInit(0, 10);
        s = h.reschedule(s, 15, 4); // epoch 1; epoch 2 starts at 20 with length 4
        s = h.reschedule(s, 17, 6); // still epoch 1: replaces the pending length
        assertEq(s.epochAt(19), 1);
        assertEq(s.epochAt(20), 2);
        assertEq(s.epochAt(25), 2);
        assertEq(s.epochAt(26), 3);
        assertEq(s.startBlock(3), 26);
    }
}
