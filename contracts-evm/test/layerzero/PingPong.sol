// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {MessagingFee, MessagingReceipt, OApp, Origin} from "@layerzerolabs/oapp-evm/contracts/oapp/OApp.sol";

/// @title PingPong
/// @notice A test OApp for the local LayerZero network and the relayer's carrier. It sends three kinds
/// of message: a one-way NOTE, a PING that the receiver answers with a PONG paid from the native value the
/// PING delivered (LayerZero's ABA pattern, the way zk-VIN's spoke funds the hub's result message), and a
/// FAIL that the receiver refuses (to exercise failed executions). It counts deliveries per GUID so tests
/// can prove every message arrived exactly once.
contract PingPong is OApp {
    uint8 public constant NOTE = 1;
    uint8 public constant PING = 2;
    uint8 public constant PONG = 3;
    uint8 public constant FAIL = 4;

    /// @notice Deliveries per message GUID (1 for every delivered message, never more).
    mapping(bytes32 guid => uint256 count) public deliveries;
    /// @notice Messages delivered to this contract, all kinds together.
    uint256 public received;
    /// @notice Native value received with messages, all together.
    uint256 public valueReceived;

    event MessageSent(bytes32 indexed guid, uint32 dstEid, uint64 nonce, uint8 kind, uint64 id);
    event MessageReceived(bytes32 indexed guid, uint32 srcEid, uint64 nonce, uint8 kind, uint64 id, uint256 value);

    /// @notice A FAIL message was refused, as it always is.
    error Refused(uint64 id);
    /// @notice The message kind is none of NOTE, PING, PONG, FAIL.
    error UnknownKind(uint8 kind);

    constructor(address endpoint, address owner) OApp(endpoint, owner) Ownable(owner) {}

    /// @notice Sends a message of `kind` with the caller's `id` to the peer on `dstEid`, paying msg.value.
    /// @param options executor options for this message (a PING's must carry the PONG's fee as native value)
    /// @param returnOptions executor options the PONG will use (PING only; empty otherwise)
    function send(uint32 dstEid, uint8 kind, uint64 id, bytes calldata options, bytes calldata returnOptions)
        external
        payable
        returns (MessagingReceipt memory receipt)
    {
        if (kind == 0 || kind > FAIL) revert UnknownKind(kind);
        receipt = _lzSend(
            dstEid, abi.encode(kind, id, returnOptions), options, MessagingFee(msg.value, 0), payable(msg.sender)
        );
        emit MessageSent(receipt.guid, dstEid, receipt.nonce, kind, id);
    }

    /// @notice The native fee `send` needs for the same arguments.
    function quote(uint32 dstEid, uint8 kind, uint64 id, bytes calldata options, bytes calldata returnOptions)
        external
        view
        returns (uint256 nativeFee)
    {
        return _quote(dstEid, abi.encode(kind, id, returnOptions), options, false).nativeFee;
    }

    function _lzReceive(Origin calldata origin, bytes32 guid, bytes calldata message, address, bytes calldata)
        internal
        override
    {
        (uint8 kind, uint64 id, bytes memory returnOptions) = abi.decode(message, (uint8, uint64, bytes));
        if (kind == FAIL) revert Refused(id);
        if (kind == 0 || kind > FAIL) revert UnknownKind(kind);
        deliveries[guid] += 1;
        received += 1;
        valueReceived += msg.value;
        emit MessageReceived(guid, origin.srcEid, origin.nonce, kind, id, msg.value);
        if (kind == PING) {
            // The PING delivered exactly the PONG's fee; any excess is refunded to this contract.
            MessagingReceipt memory receipt = _lzSend(
                origin.srcEid, abi.encode(PONG, id, bytes("")), returnOptions, MessagingFee(msg.value, 0), address(this)
            );
            emit MessageSent(receipt.guid, origin.srcEid, receipt.nonce, PONG, id);
        }
    }

    /// @notice Accepts refunds of excess PONG fees.
    receive() external payable {}
}
