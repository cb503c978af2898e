// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IStarknetMessaging
/// @notice The L1 side of Starknet's native messaging (the Starknet core contract's StarknetMessaging), as
/// much of it as zk-VIN's StarknetGateway uses. Written from the ABI of StarkWare's compiled contract
/// (cairo-lang 0.13.3, test/vendor/starknet/); function names, argument orders and semantics are theirs.
interface IStarknetMessaging {
    /// @notice Sends `payload` to the L1 handler `selector` of L2 contract `toAddress`; `msg.value` is the L1
    /// message fee (1 wei .. getMaxL1MsgFee()) that pays the L2 handler's execution.
    /// @return msgHash The message hash; nonce The message's nonce.
    function sendMessageToL2(uint256 toAddress, uint256 selector, uint256[] calldata payload)
        external
        payable
        returns (bytes32 msgHash, uint256 nonce);

    /// @notice Consumes one copy of the L2 -> L1 message `payload` sent by L2 contract `fromAddress` to
    /// `msg.sender` (its hash is keccak256(fromAddress, msg.sender, payload.length, payload)); reverts
    /// "INVALID_MESSAGE_TO_CONSUME" when none is waiting.
    function consumeMessageFromL2(uint256 fromAddress, uint256[] calldata payload) external returns (bytes32 msgHash);

    /// @notice Starts the cancellation of an L1 -> L2 message this contract sent (after the delay it can be
    /// cancelled with cancelL1ToL2Message).
    function startL1ToL2MessageCancellation(
        uint256 toAddress,
        uint256 selector,
        uint256[] calldata payload,
        uint256 nonce
    ) external returns (bytes32);

    /// @notice Cancels an L1 -> L2 message after the cancellation delay; the message fee comes back to its sender.
    function cancelL1ToL2Message(uint256 toAddress, uint256 selector, uint256[] calldata payload, uint256 nonce)
        external
        returns (bytes32);

    /// @notice The most an L1 -> L2 message fee may be.
    function getMaxL1MsgFee() external pure returns (uint256);

    /// @notice How many copies of L2 -> L1 message `msgHash` wait to be consumed.
    function l2ToL1Messages(bytes32 msgHash) external view returns (uint256);

    /// @notice Fee + 1 of L1 -> L2 message `msgHash` while it waits to be consumed on L2, 0 after.
    function l1ToL2Messages(bytes32 msgHash) external view returns (uint256);

    /// @notice The nonce the next L1 -> L2 message gets.
    function l1ToL2MessageNonce() external view returns (uint256);
}
