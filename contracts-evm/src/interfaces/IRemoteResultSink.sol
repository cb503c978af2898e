// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice Who earned a remote request's fee, in the unit the spoke escrowed it in. The spoke credits these.
struct Settlement {
    address node;
    uint256 nodeAmount;
    address modelOwner;
    uint256 royaltyAmount;
    uint256 protocolAmount;
}

/// @title IRemoteResultSink
/// @notice Implemented by a cross-chain gateway (the hub-side OApp) holding the market's REMOTE_GATEWAY_ROLE.
/// The market calls it, with the gas limit the gateway asked for, when a remote request is fulfilled with
/// a verified proof and when it expires for good. The gateway keeps its own map from the request id that
/// `requestInferenceFromRemote` returned to the request's origin (chain, requester, spoke request id). A
/// call that reverts is recorded by the market and can be retried (`retryDelivery`); nothing is lost.
interface IRemoteResultSink {
    /// @notice Request `requestId` was fulfilled; `output` is decoded from the verified proof's instances.
    function onRemoteResult(
        uint256 requestId,
        uint256 modelId,
        int256[] calldata output,
        Settlement calldata settlement
    ) external;

    /// @notice Request `requestId` expired with no node left to take it; the spoke should refund
    /// `refundAmount` (the whole fee it escrowed) to the requester.
    function onRemoteExpiry(uint256 requestId, uint256 refundAmount) external;
}
