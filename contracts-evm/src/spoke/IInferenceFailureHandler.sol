// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";

/// @notice Why a spoke request ended without a result.
enum FailureReason {
    None,
    Expired, // every node the hub assigned missed its deadline
    Rejected // the hub refused to enqueue it (model deprecated, no capacity, stale price, bad input, ...)
}

/// @title IInferenceFailureHandler
/// @notice Optional for spoke consumers. A requester that declares this interface through ERC-165 is told,
/// with its refund attached as msg.value, when its request fails; other requesters get the refund as a
/// plain transfer. If the call reverts (or runs out of its gas), the refund stays claimable on the spoke
/// (`withdraw`) and the notice is not repeated.
interface IInferenceFailureHandler is IERC165 {
    /// @param requestId The spoke's request id.
    /// @param modelId The model that was asked for.
    /// @param reason Expired or Rejected.
    function onInferenceFailed(uint256 requestId, uint256 modelId, FailureReason reason) external payable;
}
