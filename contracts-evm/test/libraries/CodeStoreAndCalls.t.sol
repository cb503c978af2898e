// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {CodeStore} from "../../src/libraries/CodeStore.sol";
import {GasLimitedCall} from "../../src/libraries/GasLimitedCall.sol";
import {LibraryHarness} from "./LibraryHarness.sol";

contract GasMeter {
    uint256 public seen;

    function burn(uint256 rounds) external {
        for (uint256 i; i < rounds; ++i) {
            seen = gasleft();
        }
    }

    function fail() external pure {
        revert("nope");
    }
}

contract CodeStoreAndCallsTest is Test {
    LibraryHarness internal h = new LibraryHarness();

    function testFuzz_codeStoreRoundTrip(bytes memory data) public {
        vm.assume(data.length < 20_000);
        address pointer = h.write(data);
        assertEq(h.read(pointer), data);
        // The stored code starts with STOP, so calling it does nothing.
        assertEq(uint8(pointer.code[0]), 0);
        (bool ok, bytes memory ret) = pointer.call("");
        assertTrue(ok);
        assertEq(ret.length, 0);
    }

    function test_codeStore_readOfNothingIsEmpty() public view {
        assertEq(h.read(address(0xBEEF)).length, 0);
    }

    function test_codeStore_tooLarge() public {
        bytes memory data = new bytes(65_535);
        vm.expectRevert(abi.encodeWithSelector(CodeStore.CodeStoreWriteFailed.selector, 65_535));
        h.write(data);
    }

    function test_gasLimitedCall_givesTheBudgetAndReportsFailure() public {
        GasMeter meter = new GasMeter();
        (bool ok,) = h.gasLimitedCall(address(meter), 100_000, abi.encodeCall(GasMeter.burn, (1)));
        assertTrue(ok);
        assertLe(meter.seen(), 100_000);
        assertGt(meter.seen(), 90_000);

        (bool failed, bytes memory reason) =
            h.gasLimitedCall(address(meter), 100_000, abi.encodeCall(GasMeter.fail, ()));
        assertFalse(failed);
        assertEq(reason, abi.encodeWithSignature("Error(string)", "nope"));

        vm.expectPartialRevert(GasLimitedCall.InsufficientGasForCall.selector);
        h.gasLimitedCall{gas: 50_000}(address(meter), 100_000, abi.encodeCall(GasMeter.burn, (1)));
    }
}
