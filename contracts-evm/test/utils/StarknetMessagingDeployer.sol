// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Vm} from "forge-std/Vm.sol";

/// @notice StarkWare's compiled MockStarknetMessaging (cairo-lang 0.13.3, test/vendor/starknet/): the real
/// StarknetMessaging logic plus its sequencer-side test entry points.
interface IMockStarknetMessaging {
    /// @notice What the Starknet core contract's processMessages does for an L2 -> L1 message.
    function mockSendMessageFromL2(uint256 fromAddress, uint256 toAddress, uint256[] calldata payload) external;
    /// @notice What the sequencer's consumption of an L1 -> L2 message does on L1.
    function mockConsumeMessageToL2(
        uint256 fromAddress,
        uint256 toAddress,
        uint256 selector,
        uint256[] calldata payload,
        uint256 nonce
    ) external;
    function l2ToL1MsgHash(uint256 fromAddress, address toAddress, uint256[] calldata payload)
        external
        pure
        returns (bytes32);
    function l1ToL2MsgHash(
        address fromAddress,
        uint256 toAddress,
        uint256 selector,
        uint256[] calldata payload,
        uint256 nonce
    ) external pure returns (bytes32);
    function l1ToL2Messages(bytes32 msgHash) external view returns (uint256);
    function l2ToL1Messages(bytes32 msgHash) external view returns (uint256);
    function l1ToL2MessageNonce() external view returns (uint256);
}

library StarknetMessagingDeployer {
    Vm private constant VM = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));
    string internal constant ARTIFACT = "test/vendor/starknet/MockStarknetMessaging.json";

    /// @notice Deploys the vendored bytecode with `cancellationDelay` seconds of L1 -> L2 cancellation delay.
    function deploy(uint256 cancellationDelay) internal returns (address messaging) {
        string memory json = VM.readFile(ARTIFACT);
        bytes memory code = abi.encodePacked(VM.parseJsonBytes(json, ".bytecode"), abi.encode(cancellationDelay));
        assembly ("memory-safe") {
            messaging := create(0, add(code, 0x20), mload(code))
        }
        require(messaging != address(0) && messaging.code.length > 0, "MockStarknetMessaging deployment failed");
    }
}
