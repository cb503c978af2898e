// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Vm} from "forge-std/Vm.sol";
import {Origin} from "@layerzerolabs/lz-evm-protocol-v2/contracts/interfaces/ILayerZeroEndpointV2.sol";
import {LayerZeroStack} from "../../script/layerzero/LocalLayerZero.sol";
import {
    DVNExecuteParam,
    ExecutionParams,
    IDVN,
    IExecutor302,
    IReceiveUln302
} from "../../script/layerzero/LayerZeroInterfaces.sol";

/// @notice One packet as EndpointV2 emitted it in `PacketSent`, split into its fields.
struct SentPacket {
    bytes encoded;
    bytes options;
    uint64 nonce;
    uint32 srcEid;
    bytes32 sender;
    uint32 dstEid;
    address receiver;
    bytes32 guid;
    bytes message;
    bytes header;
    bytes32 payloadHash;
}

/// @title LayerZeroRelay
/// @notice Plays LayerZero's off-chain DVN and executor inside forge tests, against the real contracts that
/// LocalLayerZero deploys: the same three calls the relayer's carrier makes (DVN.execute(verify) signed by
/// the DVN signer, ReceiveUln302.commitVerification, Executor.execute302). Tests deploy every chain's stack
/// in one EVM, so "chains" are just stacks with different EIDs.
library LayerZeroRelay {
    Vm private constant VM = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));
    bytes32 internal constant PACKET_SENT = keccak256("PacketSent(bytes,bytes,address)");
    uint256 internal constant HEADER_LENGTH = 81;
    uint256 internal constant GUID_OFFSET = 81;
    uint256 internal constant MESSAGE_OFFSET = 113;

    /// @notice The packets `endpoint` sent in `logs`, in emission order.
    function sentPackets(Vm.Log[] memory logs, address endpoint) internal pure returns (SentPacket[] memory packets) {
        uint256 n;
        for (uint256 i = 0; i < logs.length; ++i) {
            if (logs[i].emitter == endpoint && logs[i].topics[0] == PACKET_SENT) ++n;
        }
        packets = new SentPacket[](n);
        n = 0;
        for (uint256 i = 0; i < logs.length; ++i) {
            if (logs[i].emitter != endpoint || logs[i].topics[0] != PACKET_SENT) continue;
            (bytes memory encoded, bytes memory options,) = abi.decode(logs[i].data, (bytes, bytes, address));
            packets[n++] = decode(encoded, options);
        }
    }

    /// @notice Splits an encoded packet (PacketV1Codec: version, nonce, srcEid, sender, dstEid, receiver,
    /// guid, message).
    function decode(bytes memory encoded, bytes memory options) internal pure returns (SentPacket memory p) {
        p.encoded = encoded;
        p.options = options;
        p.nonce = uint64(bytes8(slice(encoded, 1, 8)));
        p.srcEid = uint32(bytes4(slice(encoded, 9, 4)));
        p.sender = bytes32(slice(encoded, 13, 32));
        p.dstEid = uint32(bytes4(slice(encoded, 45, 4)));
        p.receiver = address(uint160(uint256(bytes32(slice(encoded, 49, 32)))));
        p.guid = bytes32(slice(encoded, GUID_OFFSET, 32));
        p.message = slice(encoded, MESSAGE_OFFSET, encoded.length - MESSAGE_OFFSET);
        p.header = slice(encoded, 0, HEADER_LENGTH);
        p.payloadHash = keccak256(slice(encoded, GUID_OFFSET, encoded.length - GUID_OFFSET));
    }

    /// @notice Has the destination DVN attest the packet: the signer signs the verify call (EIP-191 over
    /// DVN.hashCallData) and the operator submits it through DVN.execute.
    function dvnVerify(
        LayerZeroStack memory dst,
        SentPacket memory p,
        uint256 signerKey,
        address operator,
        uint64 confirmations
    ) internal {
        DVNExecuteParam[] memory params = signedVerify(dst, p, signerKey, confirmations);
        VM.prank(operator);
        IDVN(dst.dvn).execute(params);
    }

    /// @notice The DVN.execute instruction for `p` signed by `signerKey`, valid for 1000 seconds.
    function signedVerify(LayerZeroStack memory dst, SentPacket memory p, uint256 signerKey, uint64 confirmations)
        internal
        view
        returns (DVNExecuteParam[] memory params)
    {
        bytes memory callData = abi.encodeCall(IReceiveUln302.verify, (p.header, p.payloadHash, confirmations));
        uint256 expiration = block.timestamp + 1000;
        bytes32 hash = IDVN(dst.dvn).hashCallData(dst.eid, dst.receiveUln302, callData, expiration);
        (uint8 v, bytes32 r, bytes32 s) =
            VM.sign(signerKey, keccak256(abi.encodePacked("\x19Ethereum Signed Message:\n32", hash)));
        params = new DVNExecuteParam[](1);
        params[0] = DVNExecuteParam(dst.eid, dst.receiveUln302, callData, expiration, abi.encodePacked(r, s, v));
    }

    /// @notice Commits the DVN-verified packet to the destination endpoint (anyone may call this).
    function commit(LayerZeroStack memory dst, SentPacket memory p) internal {
        IReceiveUln302(dst.receiveUln302).commitVerification(p.header, p.payloadHash);
    }

    /// @notice Executes the committed packet through the destination executor, as `operator`, with the
    /// lzReceive gas and native value the packet's options asked for.
    function execute(LayerZeroStack memory dst, SentPacket memory p, address operator, uint256 gasLimit, uint256 value)
        internal
    {
        VM.deal(operator, operator.balance + value);
        VM.prank(operator);
        IExecutor302(dst.executor).execute302{value: value}(
            ExecutionParams(p.receiver, Origin(p.srcEid, p.sender, p.nonce), p.guid, p.message, "", gasLimit)
        );
    }

    /// @notice verify + commit + execute.
    function deliver(
        LayerZeroStack memory dst,
        SentPacket memory p,
        uint256 signerKey,
        address operator,
        uint256 gasLimit,
        uint256 value
    ) internal {
        dvnVerify(dst, p, signerKey, operator, 0);
        commit(dst, p);
        execute(dst, p, operator, gasLimit, value);
    }

    function slice(bytes memory data, uint256 start, uint256 length) internal pure returns (bytes memory out) {
        out = new bytes(length);
        for (uint256 i = 0; i < length; ++i) {
            out[i] = data[start + i];
        }
    }
}
