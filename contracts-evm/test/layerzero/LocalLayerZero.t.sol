// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test, Vm} from "forge-std/Test.sol";
import {OptionsBuilder} from "@layerzerolabs/oapp-evm/contracts/oapp/libs/OptionsBuilder.sol";
import {
    ILayerZeroEndpointV2,
    Origin
} from "@layerzerolabs/lz-evm-protocol-v2/contracts/interfaces/ILayerZeroEndpointV2.sol";
import {Errors} from "@layerzerolabs/lz-evm-protocol-v2/contracts/libs/Errors.sol";
import {LayerZeroStack, LocalLayerZero} from "../../script/layerzero/LocalLayerZero.sol";
import {
    DVNExecuteParam,
    ExecutorConfig,
    IDVN,
    IEndpointV2Admin,
    IReceiveUln302,
    ISendUlnAdmin,
    UlnConfig
} from "../../script/layerzero/LayerZeroInterfaces.sol";
import {LayerZeroRelay, SentPacket} from "./LayerZeroRelay.sol";
import {PingPong} from "./PingPong.sol";

interface IEndpointState {
    function inboundPayloadHash(address receiver, uint32 srcEid, bytes32 sender, uint64 nonce)
        external
        view
        returns (bytes32);
    function lazyInboundNonce(address receiver, uint32 srcEid, bytes32 sender) external view returns (uint64);
}

/// Deploys the audited LayerZero V2 contracts from the npm artifacts on two "chains" (two EIDs in one
/// EVM) and carries PingPong messages over them the way the relayer's carrier does.
contract LocalLayerZeroTest is Test {
    using OptionsBuilder for bytes;

    uint32 internal constant EID_A = 50_001;
    uint32 internal constant EID_B = 50_002;
    uint128 internal constant RECEIVE_GAS = 200_000;

    bytes32 internal constant LZ_RECEIVE_ALERT =
        keccak256("LzReceiveAlert(address,address,(uint32,bytes32,uint64),bytes32,uint256,uint256,bytes,bytes,bytes)");

    address internal operator;
    uint256 internal operatorKey;
    LayerZeroStack internal a;
    LayerZeroStack internal b;
    PingPong internal appA;
    PingPong internal appB;

    function setUp() public {
        (operator, operatorKey) = makeAddrAndKey("operator");
        a = LocalLayerZero.deploy(EID_A, address(this), operator);
        b = LocalLayerZero.deploy(EID_B, address(this), operator);
        LocalLayerZero.connect(a, EID_B, LocalLayerZero.defaultPathway());
        LocalLayerZero.connect(b, EID_A, LocalLayerZero.defaultPathway());
        appA = new PingPong(a.endpoint, address(this));
        appB = new PingPong(b.endpoint, address(this));
        appA.setPeer(EID_B, _b32(address(appB)));
        appB.setPeer(EID_A, _b32(address(appA)));
        vm.deal(address(this), 100 ether);
    }

    function test_deploy_wiresUln302AndWorkersForTheRemoteEid() public view {
        assertEq(IEndpointV2Admin(a.endpoint).defaultSendLibrary(EID_B), a.sendUln302);
        assertEq(IEndpointV2Admin(a.endpoint).defaultReceiveLibrary(EID_B), a.receiveUln302);
        assertTrue(ISendUlnAdmin(a.sendUln302).isSupportedEid(EID_B));
        assertFalse(ISendUlnAdmin(a.sendUln302).isSupportedEid(50_003));
        UlnConfig memory uln = IReceiveUln302(a.receiveUln302).getUlnConfig(address(appA), EID_B);
        assertEq(uln.requiredDVNs.length, 1);
        assertEq(uln.requiredDVNs[0], a.dvn);
        assertEq(uln.confirmations, 0);
        ExecutorConfig memory ex = ISendUlnAdmin(a.sendUln302).getExecutorConfig(address(appA), EID_B);
        assertEq(ex.executor, a.executor);
        assertEq(IDVN(a.dvn).vid(), EID_A);
    }

    function test_deploy_revertsForEidBelowTheV2Range() public {
        vm.expectRevert(abi.encodeWithSelector(LocalLayerZero.EidBelowV2Range.selector, uint32(29_999)));
        this.deployExternal(29_999);
    }

    function test_connect_revertsForRemoteEidBelowTheV2Range() public {
        vm.expectRevert(abi.encodeWithSelector(LocalLayerZero.EidBelowV2Range.selector, uint32(101)));
        this.connectExternal(101);
    }

    function test_note_isDeliveredOnceWithTheNativeValueItsOptionsAsk() public {
        bytes memory options = OptionsBuilder.newOptions().addExecutorLzReceiveOption(RECEIVE_GAS, 0.01 ether);
        uint256 fee = appA.quote(EID_B, appA.NOTE(), 7, options, "");
        assertGt(fee, 0.01 ether, "the fee includes the delivered value plus worker fees");

        SentPacket memory p = _send(appA, a, EID_B, appA.NOTE(), 7, options, "", fee);
        assertEq(p.srcEid, EID_A);
        assertEq(p.dstEid, EID_B);
        assertEq(p.receiver, address(appB));
        assertEq(p.nonce, 1);

        uint256 g = gasleft();
        LayerZeroRelay.dvnVerify(b, p, operatorKey, operator, 0);
        emit log_named_uint("gas: DVN.execute(verify)", g - gasleft());
        g = gasleft();
        LayerZeroRelay.commit(b, p);
        emit log_named_uint("gas: ReceiveUln302.commitVerification", g - gasleft());
        assertEq(IEndpointState(b.endpoint).inboundPayloadHash(address(appB), EID_A, p.sender, 1), p.payloadHash);

        g = gasleft();
        vm.expectEmit(b.endpoint);
        emit ILayerZeroEndpointV2.PacketDelivered(Origin(EID_A, p.sender, 1), address(appB));
        LayerZeroRelay.execute(b, p, operator, RECEIVE_GAS, 0.01 ether);
        emit log_named_uint("gas: Executor.execute302 (PingPong NOTE)", g - gasleft());

        assertEq(appB.deliveries(p.guid), 1);
        assertEq(appB.received(), 1);
        assertEq(appB.valueReceived(), 0.01 ether);
        assertEq(IEndpointState(b.endpoint).lazyInboundNonce(address(appB), EID_A, p.sender), 1);
        assertEq(IEndpointState(b.endpoint).inboundPayloadHash(address(appB), EID_A, p.sender, 1), bytes32(0));
    }

    function test_ping_isAnsweredWithAPongPaidFromTheDeliveredValue() public {
        bytes memory returnOptions = OptionsBuilder.newOptions().addExecutorLzReceiveOption(RECEIVE_GAS, 0);
        uint256 pongFee = appB.quote(EID_A, appB.PONG(), 1, returnOptions, "");
        // A quote in wei is far below 2^128.
        // forge-lint: disable-next-line(unsafe-typecast)
        uint128 pongValue = uint128(pongFee);
        bytes memory options = OptionsBuilder.newOptions().addExecutorLzReceiveOption(RECEIVE_GAS * 2, pongValue);
        uint256 fee = appA.quote(EID_B, appA.PING(), 1, options, returnOptions);
        SentPacket memory ping = _send(appA, a, EID_B, appA.PING(), 1, options, returnOptions, fee);

        vm.recordLogs();
        LayerZeroRelay.deliver(b, ping, operatorKey, operator, RECEIVE_GAS * 2, pongFee);
        SentPacket[] memory pongs = LayerZeroRelay.sentPackets(vm.getRecordedLogs(), b.endpoint);
        assertEq(pongs.length, 1, "the PING's delivery sends one PONG");
        assertEq(pongs[0].dstEid, EID_A);
        assertEq(pongs[0].receiver, address(appA));

        LayerZeroRelay.deliver(a, pongs[0], operatorKey, operator, RECEIVE_GAS, 0);
        assertEq(appB.deliveries(ping.guid), 1);
        assertEq(appA.deliveries(pongs[0].guid), 1);
        assertEq(appA.received(), 1);
    }

    function test_failingReceiver_raisesAnAlertAndLaterNoncesStillExecute() public {
        bytes memory options = OptionsBuilder.newOptions().addExecutorLzReceiveOption(RECEIVE_GAS, 0);
        SentPacket memory failing = _send(appA, a, EID_B, appA.FAIL(), 1, options, "", _fee(appA.FAIL(), options));
        SentPacket memory note = _send(appA, a, EID_B, appA.NOTE(), 2, options, "", _fee(appA.NOTE(), options));

        LayerZeroRelay.dvnVerify(b, failing, operatorKey, operator, 0);
        LayerZeroRelay.commit(b, failing);
        vm.recordLogs();
        LayerZeroRelay.execute(b, failing, operator, RECEIVE_GAS, 0);
        bytes memory reason = _alertReason(vm.getRecordedLogs(), b.endpoint);
        assertEq(reason, abi.encodeWithSelector(PingPong.Refused.selector, uint64(1)));
        assertEq(
            IEndpointState(b.endpoint).inboundPayloadHash(address(appB), EID_A, failing.sender, 1),
            failing.payloadHash,
            "a failed execution leaves the payload verified for a retry"
        );

        LayerZeroRelay.deliver(b, note, operatorKey, operator, RECEIVE_GAS, 0);
        assertEq(appB.deliveries(note.guid), 1);
        assertEq(appB.received(), 1);
    }

    function test_replayedPacket_isRefusedByTheEndpoint() public {
        bytes memory options = OptionsBuilder.newOptions().addExecutorLzReceiveOption(RECEIVE_GAS, 0);
        SentPacket memory p = _send(appA, a, EID_B, appA.NOTE(), 3, options, "", _fee(appA.NOTE(), options));
        LayerZeroRelay.deliver(b, p, operatorKey, operator, RECEIVE_GAS, 0);

        // Through the executor a replay becomes an alert; directly it reverts. Either way: one delivery.
        vm.recordLogs();
        LayerZeroRelay.execute(b, p, operator, RECEIVE_GAS, 0);
        bytes memory reason = _alertReason(vm.getRecordedLogs(), b.endpoint);
        assertEq(reason, abi.encodeWithSelector(Errors.LZ_PayloadHashNotFound.selector, bytes32(0), p.payloadHash));
        vm.expectRevert(abi.encodeWithSelector(Errors.LZ_PayloadHashNotFound.selector, bytes32(0), p.payloadHash));
        ILayerZeroEndpointV2(b.endpoint).lzReceive(Origin(EID_A, p.sender, 1), address(appB), p.guid, p.message, "");
        // Re-verifying an executed nonce is refused too.
        LayerZeroRelay.dvnVerify(b, p, operatorKey, operator, 0);
        vm.expectRevert(Errors.LZ_PathNotVerifiable.selector);
        LayerZeroRelay.commit(b, p);
        assertEq(appB.deliveries(p.guid), 1);
    }

    function test_commit_revertsUntilTheDvnHasAttested() public {
        bytes memory options = OptionsBuilder.newOptions().addExecutorLzReceiveOption(RECEIVE_GAS, 0);
        SentPacket memory p = _send(appA, a, EID_B, appA.NOTE(), 4, options, "", _fee(appA.NOTE(), options));
        vm.expectRevert(bytes4(keccak256("LZ_ULN_Verifying()")));
        LayerZeroRelay.commit(b, p);
    }

    function test_dvn_ignoresASignatureFromOutsideItsQuorum() public {
        bytes memory options = OptionsBuilder.newOptions().addExecutorLzReceiveOption(RECEIVE_GAS, 0);
        SentPacket memory p = _send(appA, a, EID_B, appA.NOTE(), 5, options, "", _fee(appA.NOTE(), options));
        (, uint256 strangerKey) = makeAddrAndKey("stranger");
        DVNExecuteParam[] memory params = LayerZeroRelay.signedVerify(b, p, strangerKey, 0);
        vm.prank(operator);
        IDVN(b.dvn).execute(params);
        (bool submitted,) = IReceiveUln302(b.receiveUln302).hashLookup(keccak256(p.header), p.payloadHash, b.dvn);
        assertFalse(submitted);
        vm.expectRevert(bytes4(keccak256("LZ_ULN_Verifying()")));
        LayerZeroRelay.commit(b, p);
    }

    function test_dvn_ignoresAnAttestationSignedForAnotherChainsDvn() public {
        bytes memory options = OptionsBuilder.newOptions().addExecutorLzReceiveOption(RECEIVE_GAS, 0);
        SentPacket memory p = _send(appA, a, EID_B, appA.NOTE(), 6, options, "", _fee(appA.NOTE(), options));
        // Signed for chain A's DVN (vid 50001) but submitted to chain B's: the vid does not match.
        DVNExecuteParam[] memory params = LayerZeroRelay.signedVerify(a, p, operatorKey, 0);
        params[0].target = b.receiveUln302;
        vm.prank(operator);
        IDVN(b.dvn).execute(params);
        (bool submitted,) = IReceiveUln302(b.receiveUln302).hashLookup(keccak256(p.header), p.payloadHash, b.dvn);
        assertFalse(submitted);
    }

    function test_unknownPeer_cannotOpenThePath() public {
        PingPong stranger = new PingPong(b.endpoint, address(this)); // has no peer for chain A
        appA.setPeer(EID_B, _b32(address(stranger)));
        bytes memory options = OptionsBuilder.newOptions().addExecutorLzReceiveOption(RECEIVE_GAS, 0);
        SentPacket memory p = _send(appA, a, EID_B, appA.NOTE(), 8, options, "", _fee(appA.NOTE(), options));
        LayerZeroRelay.dvnVerify(b, p, operatorKey, operator, 0);
        vm.expectRevert(Errors.LZ_PathNotInitializable.selector);
        LayerZeroRelay.commit(b, p);
    }

    function test_send_revertsWhenTheNativeValueExceedsTheExecutorCap() public {
        bytes memory options = OptionsBuilder.newOptions().addExecutorLzReceiveOption(RECEIVE_GAS, 11 ether);
        uint8 note = appA.NOTE();
        vm.expectRevert(abi.encodeWithSignature("Executor_NativeAmountExceedsCap(uint256,uint256)", 11 ether, 10 ether));
        appA.send{value: 12 ether}(EID_B, note, 9, options, "");
    }

    function deployExternal(uint32 eid) external returns (LayerZeroStack memory) {
        return LocalLayerZero.deploy(eid, address(this), operator);
    }

    function connectExternal(uint32 remoteEid) external {
        LocalLayerZero.connect(a, remoteEid, LocalLayerZero.defaultPathway());
    }

    function _fee(uint8 kind, bytes memory options) internal view returns (uint256) {
        return appA.quote(EID_B, kind, 0, options, "");
    }

    function _send(
        PingPong app,
        LayerZeroStack memory src,
        uint32 dstEid,
        uint8 kind,
        uint64 id,
        bytes memory options,
        bytes memory returnOptions,
        uint256 fee
    ) internal returns (SentPacket memory) {
        vm.recordLogs();
        uint256 g = gasleft();
        app.send{value: fee}(dstEid, kind, id, options, returnOptions);
        emit log_named_uint("gas: PingPong.send (EndpointV2.send via SendUln302)", g - gasleft());
        SentPacket[] memory sent = LayerZeroRelay.sentPackets(vm.getRecordedLogs(), src.endpoint);
        assertEq(sent.length, 1);
        return sent[0];
    }

    function _alertReason(Vm.Log[] memory logs, address endpoint) internal pure returns (bytes memory reason) {
        for (uint256 i = 0; i < logs.length; ++i) {
            if (logs[i].emitter == endpoint && logs[i].topics[0] == LZ_RECEIVE_ALERT) {
                (,,,,,, reason) = abi.decode(logs[i].data, (Origin, bytes32, uint256, uint256, bytes, bytes, bytes));
                return reason;
            }
        }
        revert("no LzReceiveAlert");
    }

    function _b32(address x) internal pure returns (bytes32) {
        return bytes32(uint256(uint160(x)));
    }
}
