// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IInferenceConsumer
/// @notice Implemented by contracts that request inferences from the InferenceMarket. The market calls it
/// once the request is fulfilled with a verified proof, with the gas limit the requester chose. If it
/// reverts, the result stays on the hub (event + digest) and anyone may retry the call.
interface IInferenceConsumer {
    /// @param requestId The id `requestInference` returned.
    /// @param modelId The model that produced `output`.
    /// @param output The output values, fixed point at the model's output scale (round(y * 2^scale)).
    function onInferenceResult(uint256 requestId, uint256 modelId, int256[] calldata output) external;
}
