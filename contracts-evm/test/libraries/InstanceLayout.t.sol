// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {FieldEncoding} from "../../src/libraries/FieldEncoding.sol";
import {IOLayout, InputMode, InstanceLayout} from "../../src/libraries/InstanceLayout.sol";
import {LibraryHarness} from "./LibraryHarness.sol";

contract InstanceLayoutTest is Test {
    LibraryHarness internal h = new LibraryHarness();

    function _layout() internal pure returns (IOLayout memory l) {
        l = IOLayout({
            batchSize: 2,
            instanceCount: 10,
            inputOffset: 0,
            inputCount: 4,
            outputOffset: 8,
            outputCount: 1,
            inputScale: 13,
            outputScale: 26,
            inputMode: InputMode.Public
        });
    }

    function _expectInvalid(IOLayout memory l, string memory reason) internal {
        vm.expectRevert(abi.encodeWithSelector(InstanceLayout.InvalidLayout.selector, reason));
        h.validate(l);
    }

    function test_validate_rules() public {
        h.validate(_layout());
        IOLayout memory l = _layout();
        l.batchSize = 0;
        _expectInvalid(l, "batchSize");
        l = _layout();
        l.batchSize = 65;
        _expectInvalid(l, "batchSize");
        l = _layout();
        l.inputCount = 0;
        _expectInvalid(l, "inputCount");
        l = _layout();
        l.outputCount = 257;
        _expectInvalid(l, "outputCount");
        l = _layout();
        l.instanceCount = 0;
        _expectInvalid(l, "instanceCount");
        l = _layout();
        l.instanceCount = 4097;
        _expectInvalid(l, "instanceCount");
        l = _layout();
        l.inputOffset = 3;
        _expectInvalid(l, "inputRange");
        l = _layout();
        l.outputOffset = 9;
        _expectInvalid(l, "outputRange");
        l = _layout();
        l.outputOffset = 7;
        _expectInvalid(l, "overlap");
        // Outputs before inputs is fine.
        l = _layout();
        (l.outputOffset, l.inputOffset) = (0, 2);
        h.validate(l);
        // Hashed: one commitment per slot.
        l = _layout();
        l.inputMode = InputMode.Hashed;
        l.outputOffset = 2;
        l.instanceCount = 4;
        h.validate(l);
    }

    function test_checkInputLength() public {
        IOLayout memory l = _layout();
        h.checkInputLength(l, new int256[](4));
        vm.expectRevert(abi.encodeWithSelector(InstanceLayout.InputLengthMismatch.selector, 4, 3));
        h.checkInputLength(l, new int256[](3));
        vm.expectRevert(abi.encodeWithSelector(InstanceLayout.InputLengthMismatch.selector, 4, 5));
        h.checkInputLength(l, new int256[](5));
    }

    function testFuzz_slotsReadTheirOwnInstances(uint256[10] memory raw, uint8 slotSeed) public view {
        IOLayout memory l = _layout();
        uint256[] memory inst = new uint256[](10);
        for (uint256 i; i < 10; ++i) {
            inst[i] = raw[i] % FieldEncoding.P;
        }
        uint256 slot = slotSeed % 2;
        uint256[] memory slice = new uint256[](4);
        for (uint256 j; j < 4; ++j) {
            slice[j] = inst[slot * 4 + j];
        }
        assertEq(h.inputSlotDigest(l, inst, slot), keccak256(abi.encodePacked(slice)));
        int256[] memory out = h.decodeOutput(l, inst, slot);
        assertEq(out.length, 1);
        assertEq(out[0], h.toInt(inst[8 + slot]));
    }
}
