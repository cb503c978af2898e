// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {Price} from "../../src/libraries/Pricing.sol";
import {LibraryHarness} from "./LibraryHarness.sol";

contract PricingTest is Test {
    LibraryHarness internal h = new LibraryHarness();

    /// @dev Within the market's parameter bounds (compute units <= 1e6, unit price <= 1 ether, royalty <=
    /// 100 ether, protocol fee <= 1 ether) the price is exact and fits the uint80 fee fields.
    function testFuzz_quote(uint32 units, uint96 unitPrice, uint96 royalty, uint64 protocolFee) public view {
        units = uint32(bound(units, 1, 1_000_000));
        unitPrice = uint96(bound(unitPrice, 1, 1 ether));
        royalty = uint96(bound(royalty, 0, 100 ether));
        protocolFee = uint64(bound(protocolFee, 0, 1 ether));
        Price memory p = h.quote(units, unitPrice, royalty, protocolFee);
        assertEq(p.nodeFee, uint256(units) * unitPrice);
        assertEq(p.royalty, royalty);
        assertEq(p.protocolFee, protocolFee);
        assertEq(p.total, p.nodeFee + p.royalty + p.protocolFee);
        assertLe(p.nodeFee, type(uint80).max);
        assertLe(p.royalty, type(uint80).max);
        assertLe(p.protocolFee, type(uint80).max);
    }

    function testFuzz_splitPaid_addsUpAndFollowsProportions(
        uint80 paid,
        uint32 units,
        uint96 unitPrice,
        uint96 royalty,
        uint64 protocolFee
    ) public view {
        units = uint32(bound(units, 1, 1_000_000));
        unitPrice = uint96(bound(unitPrice, 1, 1 ether));
        royalty = uint96(bound(royalty, 0, 100 ether));
        protocolFee = uint64(bound(protocolFee, 0, 1 ether));
        Price memory p = h.quote(units, unitPrice, royalty, protocolFee);
        (uint256 n, uint256 r, uint256 f) = h.splitPaid(paid, p);
        assertEq(n + r + f, paid, "nothing lost or created");
        assertEq(n, uint256(paid) * p.nodeFee / p.total);
        assertEq(r, uint256(paid) * p.royalty / p.total);
        // The protocol part gets at most the two rounding remainders on top of its share.
        assertGe(f, uint256(paid) * p.protocolFee / p.total);
        assertLe(f, uint256(paid) * p.protocolFee / p.total + 2);
        if (paid == p.total) {
            assertEq(n, p.nodeFee);
            assertEq(r, p.royalty);
            assertEq(f, p.protocolFee);
        }
    }

    function test_splitPaid_zeroPriceGoesToNode() public view {
        Price memory p;
        (uint256 n, uint256 r, uint256 f) = h.splitPaid(100, p);
        assertEq(n, 100);
        assertEq(r + f, 0);
    }
}
