// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {FieldEncoding} from "../../src/libraries/FieldEncoding.sol";
import {LibraryHarness} from "./LibraryHarness.sol";

contract FieldEncodingTest is Test {
    LibraryHarness internal h = new LibraryHarness();
    uint256 internal constant P = FieldEncoding.P;
    int256 internal constant MAX = int256(FieldEncoding.HALF);

    function test_examples() public view {
        assertEq(h.toFelt(0), 0);
        assertEq(h.toFelt(5), 5);
        assertEq(h.toFelt(-1), P - 1);
        assertEq(h.toFelt(-700), P - 700);
        assertEq(h.toInt(P - 700), -700);
        assertEq(h.toInt(FieldEncoding.HALF), MAX);
        assertEq(h.toInt(FieldEncoding.HALF + 1), -MAX);
        // The fixture's first input felt (linear regression, -700 at scale 13).
        assertEq(h.toInt(0x30644e72e131a029b85045b68181585d2833e84879b9709143e1f593effffd45), -700);
    }

    function testFuzz_roundTrip(int256 v) public view {
        v = bound(v, -MAX, MAX);
        uint256 felt = h.toFelt(v);
        assertLt(felt, P);
        assertEq(h.toInt(felt), v);
        assertEq(felt > FieldEncoding.HALF, v < 0);
    }

    function testFuzz_feltRoundTrip(uint256 felt) public view {
        felt = bound(felt, 0, P - 1);
        assertEq(h.toFelt(h.toInt(felt)), felt);
    }

    function testFuzz_revertsOutsideField(uint256 magnitude) public {
        magnitude = bound(magnitude, FieldEncoding.HALF + 1, uint256(type(int256).max));
        // casting to 'int256' is safe because magnitude is bounded to type(int256).max above
        // forge-lint: disable-next-line(unsafe-typecast)
        int256 v = int256(magnitude);
        vm.expectRevert(abi.encodeWithSelector(FieldEncoding.ValueOutOfField.selector, v));
        h.toFelt(v);
        vm.expectRevert(abi.encodeWithSelector(FieldEncoding.ValueOutOfField.selector, -v));
        h.toFelt(-v);
    }

    function test_revertsOnMinInt() public {
        vm.expectRevert(abi.encodeWithSelector(FieldEncoding.ValueOutOfField.selector, type(int256).min));
        h.toFelt(type(int256).min);
    }

    function testFuzz_toIntRevertsAtOrAboveP(uint256 felt) public {
        felt = bound(felt, P, type(uint256).max);
        vm.expectRevert(abi.encodeWithSelector(FieldEncoding.FeltOutOfField.selector, felt));
        h.toInt(felt);
    }

    function testFuzz_feltDigest(int64 a, int64 b, int64 c) public view {
        int256[] memory v = new int256[](3);
        (v[0], v[1], v[2]) = (a, b, c);
        uint256[] memory felts = new uint256[](3);
        for (uint256 i; i < 3; ++i) {
            felts[i] = h.toFelt(v[i]);
        }
        assertEq(h.feltDigest(v), keccak256(abi.encodePacked(felts)));
    }
}
