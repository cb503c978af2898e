// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {CodeStore} from "../../src/libraries/CodeStore.sol";
import {EpochMath, EpochSchedule} from "../../src/libraries/EpochMath.sol";
import {FieldEncoding} from "../../src/libraries/FieldEncoding.sol";
import {GasLimitedCall} from "../../src/libraries/GasLimitedCall.sol";
import {InputBound, InputBounds} from "../../src/libraries/InputBounds.sol";
import {IOLayout, InstanceLayout} from "../../src/libraries/InstanceLayout.sol";
import {Price, Pricing} from "../../src/libraries/Pricing.sol";

/// @notice Exposes the libraries' internal functions as external calls, so tests can expect their reverts.
contract LibraryHarness {
    function toFelt(int256 v) external pure returns (uint256) {
        return FieldEncoding.toFelt(v);
    }

    function toInt(uint256 f) external pure returns (int256) {
        return FieldEncoding.toInt(f);
    }

    function feltDigest(int256[] calldata values) external pure returns (bytes32) {
        return FieldEncoding.feltDigest(values);
    }

    function validate(IOLayout memory l) external pure {
        InstanceLayout.validate(l);
    }

    function checkInputLength(IOLayout memory l, int256[] calldata input) external pure {
        InstanceLayout.checkInputLength(l, input);
    }

    function validateBounds(InputBound[] memory bounds, uint256 inputCount) external pure {
        InputBounds.validate(bounds, inputCount);
    }

    function storeBounds(InputBound[] memory bounds) external returns (address) {
        return InputBounds.store(bounds);
    }

    function loadBounds(address pointer, uint256 count) external view returns (InputBound[] memory) {
        return InputBounds.load(pointer, count);
    }

    function holdsBounds(address pointer, InputBound[] memory bounds) external view returns (bool) {
        return InputBounds.holds(pointer, bounds);
    }

    function checkBounds(address pointer, int256[] calldata input) external view {
        InputBounds.check(pointer, input);
    }

    function inputSlotDigest(IOLayout memory l, uint256[] calldata instances, uint256 slot)
        external
        pure
        returns (bytes32)
    {
        return InstanceLayout.inputSlotDigest(l, instances, slot);
    }

    function decodeOutput(IOLayout memory l, uint256[] calldata instances, uint256 slot)
        external
        pure
        returns (int256[] memory)
    {
        return InstanceLayout.decodeOutput(l, instances, slot);
    }

    function quote(uint256 units, uint256 unitPrice, uint256 royalty, uint256 protocolFee)
        external
        pure
        returns (Price memory)
    {
        return Pricing.quote(units, unitPrice, royalty, protocolFee);
    }

    function splitPaid(uint256 paid, Price memory p) external pure returns (uint256, uint256, uint256) {
        return Pricing.splitPaid(paid, p);
    }

    function epochInit(uint256 blockNumber, uint32 length) external pure returns (EpochSchedule memory) {
        return EpochMath.init(blockNumber, length);
    }

    function epochAt(EpochSchedule memory s, uint256 blockNumber) external pure returns (uint32) {
        return EpochMath.epochAt(s, blockNumber);
    }

    function reschedule(EpochSchedule memory s, uint256 blockNumber, uint32 length)
        external
        pure
        returns (EpochSchedule memory)
    {
        return EpochMath.reschedule(s, blockNumber, length);
    }

    function write(bytes memory data) external returns (address) {
        return CodeStore.write(data);
    }

    function read(address pointer) external view returns (bytes memory) {
        return CodeStore.read(pointer);
    }

    function gasLimitedCall(address target, uint256 gasLimit, bytes memory data)
        external
        returns (bool ok, bytes memory reason)
    {
        return GasLimitedCall.call(target, gasLimit, data);
    }
}
