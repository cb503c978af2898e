// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IInferenceMarket} from "../interfaces/IInferenceMarket.sol";
import {IInferenceConsumer} from "./IInferenceConsumer.sol";

/// @title InferenceConsumerBase
/// @notice Base for contracts that request inferences: it accepts results only from the market it was
/// built for and hands them to `_onInferenceResult`.
abstract contract InferenceConsumerBase is IInferenceConsumer {
    /// @notice The market results must come from.
    IInferenceMarket public immutable MARKET;

    /// @notice A result arrived from somewhere other than the market.
    error OnlyMarket(address caller);

    constructor(IInferenceMarket market) {
        MARKET = market;
    }

    /// @inheritdoc IInferenceConsumer
    function onInferenceResult(uint256 requestId, uint256 modelId, int256[] calldata output) external {
        if (msg.sender != address(MARKET)) revert OnlyMarket(msg.sender);
        _onInferenceResult(requestId, modelId, output);
    }

    /// @dev Called with each verified result.
    function _onInferenceResult(uint256 requestId, uint256 modelId, int256[] calldata output) internal virtual;
}
