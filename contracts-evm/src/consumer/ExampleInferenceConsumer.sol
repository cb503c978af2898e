// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IInferenceMarket} from "../interfaces/IInferenceMarket.sol";
import {InferenceConsumerBase} from "./InferenceConsumerBase.sol";

/// @title ExampleInferenceConsumer
/// @notice A minimal consumer: anyone may ask it (paying the market's quote) to request an inference of one
/// model; it keeps the latest verified output of each request.
contract ExampleInferenceConsumer is InferenceConsumerBase {
    /// @notice The model this consumer asks for.
    uint256 public immutable MODEL_ID;
    /// @notice Gas the market gives `onInferenceResult`.
    uint32 public immutable CALLBACK_GAS_LIMIT;

    mapping(uint256 requestId => int256[] output) private _results;
    mapping(uint256 requestId => bool) public answered;

    /// @notice A request was sent to the market on behalf of `caller`.
    event Asked(uint256 indexed requestId, address indexed caller);
    /// @notice A verified result arrived.
    event Answered(uint256 indexed requestId, int256[] output);

    constructor(IInferenceMarket market, uint256 modelId, uint32 callbackGasLimit) InferenceConsumerBase(market) {
        MODEL_ID = modelId;
        CALLBACK_GAS_LIMIT = callbackGasLimit;
    }

    /// @notice Requests an inference on `input`; send exactly `MARKET.quote(MODEL_ID, CALLBACK_GAS_LIMIT).total`.
    function ask(int256[] calldata input) external payable returns (uint256 requestId) {
        requestId = MARKET.requestInference{value: msg.value}(MODEL_ID, input, CALLBACK_GAS_LIMIT);
        emit Asked(requestId, msg.sender);
    }

    /// @notice The verified output of `requestId` (empty until answered).
    function result(uint256 requestId) external view returns (int256[] memory) {
        return _results[requestId];
    }

    function _onInferenceResult(uint256 requestId, uint256, int256[] calldata output) internal override {
        _results[requestId] = output;
        answered[requestId] = true;
        emit Answered(requestId, output);
    }
}
