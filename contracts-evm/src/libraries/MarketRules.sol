// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IInferenceMarket, MarketParams} from "../interfaces/IInferenceMarket.sol";
import {IModelRegistry, ModelTerms} from "../interfaces/IModelRegistry.sol";
import {InputMode} from "./InstanceLayout.sol";
import {Price, Pricing} from "./Pricing.sol";

/// @title MarketRules
/// @notice The bounds of the market's parameters and its quote. An external library (linked, called with
/// DELEGATECALL) so that code off the request and fulfilment paths (governance, views) stays out of the
/// market's runtime code, which EIP-170 limits.
library MarketRules {
    uint96 internal constant MAX_UNIT_PRICE = 1 ether;
    uint64 internal constant MAX_PROTOCOL_FEE = 1 ether;
    uint32 internal constant MIN_FULFILMENT_WINDOW = 2;
    uint32 internal constant MAX_FULFILMENT_WINDOW = 100_000;
    uint32 internal constant MAX_CALLBACK_GAS_LIMIT = 5_000_000;
    uint8 internal constant MAX_REASSIGNMENTS_LIMIT = 8;
    uint64 internal constant MAX_CALLBACK_GAS_PRICE = 10_000 gwei;
    uint96 internal constant MAX_COMMITMENT_BOND = 100 ether;

    /// @notice Reverts with IInferenceMarket.ParameterOutOfBounds(name, value) at the first parameter out of
    /// its bounds.
    function check(MarketParams calldata p) external pure {
        if (p.unitPrice == 0 || p.unitPrice > MAX_UNIT_PRICE) _out("unitPrice", p.unitPrice);
        if (p.protocolFee > MAX_PROTOCOL_FEE) _out("protocolFee", p.protocolFee);
        if (p.fulfilmentWindow < MIN_FULFILMENT_WINDOW || p.fulfilmentWindow > MAX_FULFILMENT_WINDOW) {
            _out("fulfilmentWindow", p.fulfilmentWindow);
        }
        if (p.maxCallbackGasLimit > MAX_CALLBACK_GAS_LIMIT) _out("maxCallbackGasLimit", p.maxCallbackGasLimit);
        if (p.maxReassignments > MAX_REASSIGNMENTS_LIMIT) _out("maxReassignments", p.maxReassignments);
        if (p.callbackGasPrice > MAX_CALLBACK_GAS_PRICE) _out("callbackGasPrice", p.callbackGasPrice);
        if (p.commitmentBond > MAX_COMMITMENT_BOND) _out("commitmentBond", p.commitmentBond);
    }

    /// @notice The price of a request of `modelId` asking for `callbackGasLimit` gas of callback (see
    /// IInferenceMarket.quote).
    function quote(IModelRegistry registry, MarketParams storage params, uint256 modelId, uint32 callbackGasLimit)
        external
        view
        returns (Price memory p)
    {
        ModelTerms memory t = registry.modelTerms(modelId);
        p = Pricing.quote(t.computeUnits, params.unitPrice, t.royalty, params.protocolFee);
        p = Pricing.withCallback(p, callbackGasLimit, params.callbackGasPrice);
        if (t.layout.inputMode == InputMode.Hashed) p.bond = params.commitmentBond;
    }

    function _out(string memory name, uint256 value) private pure {
        revert IInferenceMarket.ParameterOutOfBounds(name, value);
    }
}
