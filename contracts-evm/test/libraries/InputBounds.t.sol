// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {FieldEncoding} from "../../src/libraries/FieldEncoding.sol";
import {InputBound, InputBounds} from "../../src/libraries/InputBounds.sol";
import {LibraryHarness} from "./LibraryHarness.sol";

contract InputBoundsTest is Test {
    LibraryHarness internal h = new LibraryHarness();
    int256 internal constant HALF = int256(FieldEncoding.HALF);

    function _bounds() internal pure returns (InputBound[] memory b) {
        b = new InputBound[](4);
        b[0] = InputBound({min: -1577, max: 1338});
        b[1] = InputBound({min: 29_082, max: 76_595});
        b[2] = InputBound({min: -HALF, max: HALF});
        b[3] = InputBound({min: 0, max: 0});
    }

    function test_validate_rules() public {
        h.validateBounds(_bounds(), 4);
        vm.expectRevert(abi.encodeWithSelector(InputBounds.InputBoundCountMismatch.selector, 5, 4));
        h.validateBounds(_bounds(), 5);
        vm.expectRevert(abi.encodeWithSelector(InputBounds.InputBoundCountMismatch.selector, 1, 0));
        h.validateBounds(new InputBound[](0), 1);

        InputBound[] memory b = _bounds();
        b[1].min = 76_596;
        vm.expectRevert(abi.encodeWithSelector(InputBounds.InputBoundInverted.selector, 1, 76_596, 76_595));
        h.validateBounds(b, 4);

        b = _bounds();
        b[2].min = -HALF - 1;
        vm.expectRevert(abi.encodeWithSelector(InputBounds.InputBoundOutOfField.selector, 2, -HALF - 1));
        h.validateBounds(b, 4);
        b = _bounds();
        b[2].max = HALF + 1;
        vm.expectRevert(abi.encodeWithSelector(InputBounds.InputBoundOutOfField.selector, 2, HALF + 1));
        h.validateBounds(b, 4);
        // Each end on its own, before their order: an inverted pair outside the field names the end.
        b = _bounds();
        b[3] = InputBound({min: type(int256).max, max: type(int256).min});
        vm.expectRevert(abi.encodeWithSelector(InputBounds.InputBoundOutOfField.selector, 3, type(int256).max));
        h.validateBounds(b, 4);
        b[3] = InputBound({min: 5, max: type(int256).min});
        vm.expectRevert(abi.encodeWithSelector(InputBounds.InputBoundOutOfField.selector, 3, type(int256).min));
        h.validateBounds(b, 4);
    }

    function test_storeLoadAndCheck() public {
        InputBound[] memory b = _bounds();
        address pointer = h.storeBounds(b);
        assertEq(pointer.code, abi.encodePacked(hex"00", InputBounds.encode(b)));
        assertEq(abi.encode(h.loadBounds(pointer, 4)), abi.encode(b));
        assertEq(h.loadBounds(pointer, 2).length, 2);

        int256[] memory input = new int256[](4);
        (input[0], input[1], input[2], input[3]) = (1338, 29_082, -HALF, 0);
        h.checkBounds(pointer, input);
        input[1] = 29_081;
        vm.expectRevert(abi.encodeWithSelector(InputBounds.InputOutOfBounds.selector, 1, 29_081, 29_082, 76_595));
        h.checkBounds(pointer, input);
        input[1] = 50_000;
        input[3] = 1;
        vm.expectRevert(abi.encodeWithSelector(InputBounds.InputOutOfBounds.selector, 3, 1, 0, 0));
        h.checkBounds(pointer, input);
        input[3] = -1;
        vm.expectRevert(abi.encodeWithSelector(InputBounds.InputOutOfBounds.selector, 3, -1, 0, 0));
        h.checkBounds(pointer, input);
    }

    function test_holds_comparesTheStoredBounds() public {
        InputBound[] memory b = _bounds();
        address pointer = h.storeBounds(b);
        assertTrue(h.holdsBounds(pointer, b));
        b[0].max = 1339;
        assertFalse(h.holdsBounds(pointer, b));
        assertFalse(h.holdsBounds(pointer, new InputBound[](3)));
        assertFalse(h.holdsBounds(address(0), new InputBound[](0)), "no pointer holds nothing");
    }

    /// @dev Per feature, the check agrees with min <= v <= max of that feature alone.
    function testFuzz_checkIsPerFeature(int256[4] memory lo, int256[4] memory width, int256[4] memory v) public {
        InputBound[] memory b = new InputBound[](4);
        int256[] memory input = new int256[](4);
        uint256 firstOutside = type(uint256).max;
        for (uint256 i; i < 4; ++i) {
            int256 min = bound(lo[i], -1e30, 1e30);
            int256 max = min + bound(width[i], 0, 1e30);
            b[i] = InputBound({min: min, max: max});
            input[i] = bound(v[i], min - 1e3, max + 1e3);
            bool inside = input[i] >= min && input[i] <= max;
            if (!inside && firstOutside == type(uint256).max) firstOutside = i;
        }
        h.validateBounds(b, 4);
        address pointer = h.storeBounds(b);
        if (firstOutside == type(uint256).max) {
            h.checkBounds(pointer, input);
        } else {
            uint256 f = firstOutside;
            vm.expectRevert(
                abi.encodeWithSelector(InputBounds.InputOutOfBounds.selector, f, input[f], b[f].min, b[f].max)
            );
            h.checkBounds(pointer, input);
        }
    }

    function testFuzz_storeLoadRoundTrips(int256[] memory ends) public {
        uint256 n = ends.length / 2;
        vm.assume(n > 0 && n <= 256);
        InputBound[] memory b = new InputBound[](n);
        for (uint256 i; i < n; ++i) {
            (int256 x, int256 y) = (bound(ends[2 * i], -HALF, HALF), bound(ends[2 * i + 1], -HALF, HALF));
            b[i] = x <= y ? InputBound({min: x, max: y}) : InputBound({min: y, max: x});
        }
        h.validateBounds(b, n);
        address pointer = h.storeBounds(b);
        assertEq(abi.encode(h.loadBounds(pointer, n)), abi.encode(b));
        assertTrue(h.holdsBounds(pointer, b));
    }
}
