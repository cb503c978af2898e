// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice The price of one inference, by who earns each part.
struct Price {
    uint256 nodeFee;
    uint256 royalty;
    uint256 protocolFee;
    uint256 total; // nodeFee + royalty + protocolFee + callbackFee: what a request sends (plus bond)
    uint256 callbackFee; // callback gas limit x callback gas price, paid to the node
    uint256 bond; // commitment bond a hashed-input request sends beside `total`
}

/// @title Pricing
/// @notice price = compute units x unit price + model royalty + protocol fee (+ callback gas x callback gas
/// price for a local request), and the split of a fee that was paid on another chain in the same proportions.
library Pricing {
    function quote(uint256 computeUnits, uint256 unitPrice, uint256 royalty, uint256 protocolFee)
        internal
        pure
        returns (Price memory p)
    {
        p.nodeFee = computeUnits * unitPrice;
        p.royalty = royalty;
        p.protocolFee = protocolFee;
        p.total = p.nodeFee + royalty + protocolFee;
    }

    /// @notice Adds the callback gas the requester asks for, at `gasPrice`, to the node's part of `p`.
    function withCallback(Price memory p, uint256 gasLimit, uint256 gasPrice) internal pure returns (Price memory) {
        p.callbackFee = gasLimit * gasPrice;
        p.total += p.callbackFee;
        return p;
    }

    /// @notice Splits `paid` (a fee escrowed on a spoke, in the spoke's unit) in the proportions of `p`.
    /// @dev Rounding goes to the protocol, so the three parts always add up to `paid`. A zero-price quote
    /// gives everything to the node. `paid` up to 2^128 and `p.total` up to 2^128 cannot overflow.
    function splitPaid(uint256 paid, Price memory p)
        internal
        pure
        returns (uint256 nodeAmount, uint256 royaltyAmount, uint256 protocolAmount)
    {
        if (p.total == 0) return (paid, 0, 0);
        nodeAmount = paid * p.nodeFee / p.total;
        royaltyAmount = paid * p.royalty / p.total;
        protocolAmount = paid - nodeAmount - royaltyAmount;
    }
}
