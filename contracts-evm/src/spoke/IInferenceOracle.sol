// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IInferenceOracle
/// @notice The one call a consumer needs to ask for an inference, the same on the hub chain (the
/// InferenceMarket) and on a consumer chain (a ZkVinSpoke): pay, get a request id, receive
/// `IInferenceConsumer.onInferenceResult(requestId, modelId, output)` later. The price differs: the market
/// takes exactly `quote(modelId).total`; a spoke takes at least `quote(modelId, input, callbackGasLimit)`
/// and returns the excess.
interface IInferenceOracle {
    /// @param modelId The hub model to run.
    /// @param input Fixed-point values at the model's input scale, within its registered bounds.
    /// @param callbackGasLimit Gas for the requester's `onInferenceResult`; 0 for no callback.
    function requestInference(uint256 modelId, int256[] calldata input, uint32 callbackGasLimit)
        external
        payable
        returns (uint256 requestId);
}
