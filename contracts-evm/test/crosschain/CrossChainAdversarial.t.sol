// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Origin} from "@layerzerolabs/lz-evm-protocol-v2/contracts/interfaces/ILayerZeroEndpointV2.sol";
import {IOAppCore} from "@layerzerolabs/oapp-evm/contracts/oapp/interfaces/IOAppCore.sol";
import {ZkVinHubGateway} from "../../src/gateway/ZkVinHubGateway.sol";
import {IInferenceMarket, RequestStatus} from "../../src/interfaces/IInferenceMarket.sol";
import {IModelRegistry} from "../../src/interfaces/IModelRegistry.sol";
import {Settlement} from "../../src/interfaces/IRemoteResultSink.sol";
import {ExpiryMessage, ResultMessage, ZkVinCodec} from "../../src/messaging/ZkVinCodec.sol";
import {IZkVinSpoke, SpokeRequestStatus} from "../../src/spoke/IZkVinSpoke.sol";
import {ZkVinSpoke} from "../../src/spoke/ZkVinSpoke.sol";
import {CrossChainTestBase} from "./CrossChainTestBase.sol";

/// @notice The library-management calls of LayerZero's EndpointV2 that a delegate may make.
interface IEndpointAdmin {
    function delegates(address oapp) external view returns (address);
    function setReceiveLibraryTimeout(address oapp, uint32 eid, address lib, uint256 expiry) external;
    function getReceiveLibrary(address receiver, uint32 eid) external view returns (address lib, bool isDefault);
    function setReceiveLibrary(address oapp, uint32 eid, address newLib, uint256 gracePeriod) external;
    function defaultReceiveLibrary(uint32 eid) external view returns (address);
}

/// @notice Attacks on the cross-chain path by the parties other than a node (issue 10, M-4..M-6): a spoke
/// redeployed on the same EID, a gateway replaced under in-flight requests, a spoke owner re-pointing the
/// peer or the endpoint configuration to forge results; and the requester's way out (reclaim). Each test
/// failed on the contracts before the fix (noted per test) and passes after. Real hub, gateway, spoke and
/// LayerZero's EndpointV2 + ULN (TestHelperOz5); mock proof verifier.
contract CrossChainAdversarialTest is CrossChainTestBase {
    uint256 internal modelId;
    int256[] internal inputA;
    int256[] internal inputB;
    address internal user = makeAddr("user");
    address internal stranger = makeAddr("stranger");

    function setUp() public override {
        super.setUp();
        modelId = _registerModel(_layout(1, 4, 2));
        _registerNode(nodeA, modelId, 10_000);
        _nextEpoch();
        _syncModel(modelId);
        inputA = _input(4, 11);
        inputB = _input(4, 1);
    }

    function _out(int256 a, int256 b) internal pure returns (int256[] memory o) {
        o = new int256[](2);
        (o[0], o[1]) = (a, b);
    }

    function _request(ZkVinSpoke s, int256[] memory input) internal returns (uint256 id) {
        uint256 fee = s.quote(modelId, input, 0);
        vm.deal(user, user.balance + fee);
        vm.prank(user);
        id = s.requestInference{value: fee}(modelId, input, 0);
    }

    function _deliverTo(address oapp, uint32 eid) internal {
        verifyPackets(eid, addressToBytes32(oapp));
    }

    function _newSpoke() internal returns (ZkVinSpoke s) {
        s = new ZkVinSpoke(endpoints[SPOKE_EID], address(this), HUB_EID, spokeTreasury, _spokeParams(), RECLAIM_DELAY);
        s.setPeer(HUB_EID, addressToBytes32(address(gateway)));
    }

    function _newGateway() internal returns (ZkVinHubGateway g) {
        g = new ZkVinHubGateway(
            endpoints[HUB_EID],
            address(this),
            IInferenceMarket(address(market)),
            IModelRegistry(address(registry)),
            treasury,
            _gatewayParams()
        );
        market.grantRole(market.REMOTE_GATEWAY_ROLE(), address(g));
        g.setPeer(SPOKE_EID, addressToBytes32(address(spoke)));
    }

    function _forgedResult(address s, uint256 id, address payee, uint256 amount) internal pure returns (bytes memory) {
        return ZkVinCodec.encodeResult(
            ResultMessage({
                spoke: bytes32(uint256(uint160(s))),
                spokeRequestId: id,
                hubRequestId: 1,
                output: _out(666, 666),
                settlement: Settlement(payee, amount, payee, 0, 0)
            })
        );
    }

    // ---------------------------------------------------------------- M-4: spoke redeployed on its EID

    /// Before the fix: the new spoke's request 1 was a "duplicate" of the old one's (no reply, ever), and the
    /// old spoke's RESULT went to the new spoke and settled its request with the old input's output.
    function test_M4_redeployedSpoke_getsItsOwnRequestsServedAndOnlyItsOwnReplies() public {
        ZkVinSpoke old = spoke;
        uint256 oldId = _request(old, inputA);
        _deliverToHub();
        uint256 oldHubId = _hubIdOf(old, oldId, user);
        assertGt(oldHubId, 0);

        // The spoke is redeployed on the same EID; the gateway's peer for it moves to the new one.
        ZkVinSpoke fresh = _newSpoke();
        gateway.setPeer(SPOKE_EID, addressToBytes32(address(fresh)));
        gateway.syncModel{value: gateway.quoteSyncModel(SPOKE_EID, modelId)}(SPOKE_EID, modelId);
        _deliverTo(address(fresh), SPOKE_EID);
        uint256 freshId = _request(fresh, inputB);
        assertEq(freshId, oldId, "ids restart with the deployment");
        _deliverToHub();
        uint256 freshHubId = _hubIdOf(fresh, freshId, user);
        assertGt(freshHubId, 0, "the new spoke's request is enqueued, not taken for a duplicate");
        assertTrue(freshHubId != oldHubId);
        assertTrue(
            gateway.ticketKey(SPOKE_EID, addressToBytes32(address(old)), oldId)
                != gateway.ticketKey(SPOKE_EID, addressToBytes32(address(fresh)), freshId)
        );

        // The old spoke's result goes to the old spoke, and settles only there.
        _fulfil(oldHubId, modelId, inputA, _out(1, 2));
        _deliverTo(address(old), SPOKE_EID);
        _deliverTo(address(fresh), SPOKE_EID);
        assertEq(uint8(old.request(oldId).status), uint8(SpokeRequestStatus.Fulfilled));
        assertEq(old.resultOf(oldId), _out(1, 2));
        assertEq(uint8(fresh.request(freshId).status), uint8(SpokeRequestStatus.Pending), "not settled by the old");

        _fulfil(freshHubId, modelId, inputB, _out(3, 4));
        _deliverTo(address(fresh), SPOKE_EID);
        assertEq(fresh.resultOf(freshId), _out(3, 4));
        assertEq(address(fresh).balance, fresh.totalEscrowed() + fresh.totalClaimable());
        _assertBooks();
    }

    /// A reply that names another spoke is refused even from the right gateway.
    function test_M4_spoke_refusesAReplyNamingAnotherSpoke() public {
        uint256 id = _request(spoke, inputA);
        bytes memory message = _forgedResult(makeAddr("otherSpoke"), id, nodeA, 0);
        vm.prank(endpoints[SPOKE_EID]);
        vm.expectRevert(
            abi.encodeWithSelector(IZkVinSpoke.NotForThisSpoke.selector, addressToBytes32(makeAddr("otherSpoke")))
        );
        spoke.lzReceive(Origin(HUB_EID, addressToBytes32(address(gateway)), 1), bytes32(0), message, address(0), "");
    }

    // ---------------------------------------------------------------- M-5: gateway replaced, timeouts

    /// Before the fix: once the spoke's peer moved to the new gateway, the old gateway's RESULT reverted
    /// OnlyPeer on the spoke and the escrow stayed stuck; the new gateway's model syncs (its nonces restart)
    /// were dropped as stale.
    function test_M5_replacedGateway_stillSettlesTheRequestsItCarried() public {
        uint256 id = _request(spoke, inputA);
        _deliverToHub();
        uint256 hubId = _hubId(id, user);

        ZkVinHubGateway next = _newGateway();
        spoke.setPeer(HUB_EID, addressToBytes32(address(next)));
        vm.warp(block.timestamp + spoke.GOVERNANCE_DELAY());
        spoke.activatePeer();
        assertEq(spoke.peers(HUB_EID), addressToBytes32(address(next)));
        assertEq(spoke.currentGateway(), 2);

        // The new gateway's first sync (nonce 1) replaces the old one's terms.
        next.syncModel{value: next.quoteSyncModel(SPOKE_EID, modelId)}(SPOKE_EID, modelId);
        _deliverToSpoke();
        assertEq(spoke.model(modelId).syncNonce, 1);

        // The old gateway answers the request it carried; the spoke takes it.
        _fulfil(hubId, modelId, inputA, _out(5, 6));
        _deliverToSpoke();
        assertEq(uint8(spoke.request(id).status), uint8(SpokeRequestStatus.Fulfilled));
        assertEq(spoke.resultOf(id), _out(5, 6));

        // New requests go to the new gateway, and only it can answer them.
        uint256 id2 = _request(spoke, inputB);
        assertEq(spoke.request(id2).gateway, 2);
        verifyPackets(HUB_EID, addressToBytes32(address(next)));
        bytes memory forged = _forgedResult(address(spoke), id2, stranger, 1);
        vm.prank(endpoints[SPOKE_EID]);
        vm.expectRevert(
            abi.encodeWithSelector(
                IZkVinSpoke.WrongGateway.selector,
                id2,
                addressToBytes32(address(gateway)),
                addressToBytes32(address(next))
            )
        );
        spoke.lzReceive(Origin(HUB_EID, addressToBytes32(address(gateway)), 9), bytes32(0), forged, address(0), "");
        _fulfil(_hubId(id2, user), modelId, inputB, _out(7, 8));
        _deliverToSpoke();
        assertEq(spoke.resultOf(id2), _out(7, 8));
        _assertBooks();
    }

    /// Before the fix there was no way out of an escrow the hub never answered. After: anyone reclaims it
    /// for the requester after RECLAIM_DELAY (also while paused), and a reply arriving later pays nobody
    /// and does not revert (the packet is consumed).
    function test_M5_reclaim_afterTheDelay_andALateResultPaysNobody() public {
        uint256 id = _request(spoke, inputA);
        uint256 escrow = spoke.request(id).escrow;
        _deliverToHub();
        uint256 hubId = _hubId(id, user);
        uint256 at = spoke.reclaimableAt(id);
        assertEq(at, block.timestamp + RECLAIM_DELAY);

        vm.warp(at - 1);
        vm.expectRevert(abi.encodeWithSelector(IZkVinSpoke.ReclaimTooEarly.selector, id, at));
        spoke.reclaim(id);
        vm.warp(at);
        spoke.pause();
        vm.prank(stranger);
        vm.expectEmit(address(spoke));
        emit IZkVinSpoke.InferenceReclaimed(id, user, escrow);
        assertEq(spoke.reclaim(id), escrow);
        spoke.unpause();
        assertEq(spoke.claimable(user), escrow);
        assertEq(uint8(spoke.request(id).status), uint8(SpokeRequestStatus.Reclaimed));
        vm.expectRevert(
            abi.encodeWithSelector(IZkVinSpoke.RequestNotPending.selector, id, SpokeRequestStatus.Reclaimed)
        );
        spoke.reclaim(id);

        // The hub's result arrives late: dropped, nobody paid twice, the packet executes.
        _fulfil(hubId, modelId, inputA, _out(1, 2));
        vm.recordLogs();
        _deliverToSpoke();
        assertEq(_logs(vm.getRecordedLogs(), address(spoke), IZkVinSpoke.LateReplyIgnored.selector), 1);
        assertEq(spoke.claimable(nodeA), 0);
        assertEq(spoke.claimable(user), escrow);
        assertEq(spoke.resultOf(id).length, 0);
        _assertBooks();
    }

    function test_M5_lateExpiry_afterAReclaim_isDroppedToo() public {
        uint256 id = _request(spoke, inputA);
        _deliverToHub();
        uint256 hubId = _hubId(id, user);
        vm.warp(spoke.reclaimableAt(id));
        spoke.reclaim(id);
        uint256 credited = spoke.claimable(user);
        _expireForGood(hubId);
        vm.recordLogs();
        _deliverToSpoke();
        assertEq(_logs(vm.getRecordedLogs(), address(spoke), IZkVinSpoke.LateReplyIgnored.selector), 1);
        assertEq(spoke.claimable(user), credited, "refunded once");
        assertEq(user.balance, 0);
        _assertBooks();
    }

    // ---------------------------------------------------------------- M-6: the owner cannot forge at once

    /// Before the fix: the owner re-pointed the peer in one call and its contract's RESULT settled a pending
    /// request with any output and any payee.
    function test_M6_ownerRepointingThePeer_waitsAndCannotTouchPendingRequests() public {
        address rogue = makeAddr("rogueGateway");
        uint256 id = _request(spoke, inputA);
        uint256 escrow = spoke.request(id).escrow;

        spoke.setPeer(HUB_EID, addressToBytes32(rogue));
        assertEq(spoke.peers(HUB_EID), addressToBytes32(address(gateway)), "nothing changes at once");
        (bytes32 pending, uint256 eta) = spoke.pendingPeer();
        assertEq(pending, addressToBytes32(rogue));
        assertEq(eta, block.timestamp + RECLAIM_DELAY + 1 days);
        bytes memory forged = _forgedResult(address(spoke), id, rogue, escrow);
        vm.prank(endpoints[SPOKE_EID]);
        vm.expectRevert(abi.encodeWithSelector(IOAppCore.OnlyPeer.selector, HUB_EID, addressToBytes32(rogue)));
        spoke.lzReceive(Origin(HUB_EID, addressToBytes32(rogue), 1), bytes32(0), forged, address(0), "");
        vm.expectRevert(abi.encodeWithSelector(IZkVinSpoke.ChangeNotReady.selector, eta));
        spoke.activatePeer();

        // The requester sees the pending change and has a day to reclaim before it can take effect.
        assertLt(spoke.reclaimableAt(id) + 1 days - 1, eta);
        vm.warp(eta);
        spoke.activatePeer();
        // Even now the rogue peer cannot settle what went to the old gateway.
        vm.prank(endpoints[SPOKE_EID]);
        vm.expectRevert(
            abi.encodeWithSelector(
                IZkVinSpoke.WrongGateway.selector, id, addressToBytes32(rogue), addressToBytes32(address(gateway))
            )
        );
        spoke.lzReceive(Origin(HUB_EID, addressToBytes32(rogue), 1), bytes32(0), forged, address(0), "");
        spoke.reclaim(id);
        assertEq(spoke.claimable(user), escrow);
        assertEq(spoke.claimable(rogue), 0);
    }

    function test_M6_peerChange_canBeCancelledAndIsOwnerOnly() public {
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        spoke.activatePeer();
        vm.expectRevert(IZkVinSpoke.NoPendingChange.selector);
        spoke.activatePeer();
        spoke.setPeer(HUB_EID, bytes32(uint256(7)));
        vm.expectEmit(address(spoke));
        emit IZkVinSpoke.PeerChangeCancelled(bytes32(uint256(7)));
        spoke.cancelPeerChange();
        vm.warp(block.timestamp + spoke.GOVERNANCE_DELAY());
        vm.expectRevert(IZkVinSpoke.NoPendingChange.selector);
        spoke.activatePeer();
        // Disconnecting (no new requests) needs no delay.
        spoke.setPeer(HUB_EID, bytes32(0));
        assertEq(spoke.peers(HUB_EID), bytes32(0));
        assertEq(spoke.currentGateway(), 0);
    }

    /// Before the fix the owner was the endpoint delegate: one call of setReceiveLibrary (or a DVN config)
    /// let a library of its choosing "verify" forged packets from the gateway's address.
    function test_M6_endpointConfiguration_goesThroughTheDelay() public {
        IEndpointAdmin ep = IEndpointAdmin(endpoints[SPOKE_EID]);
        assertEq(ep.delegates(address(spoke)), address(spoke));
        vm.expectRevert(IZkVinSpoke.DelegateFixed.selector);
        spoke.setDelegate(address(this));

        address lib = ep.defaultReceiveLibrary(HUB_EID);
        // The owner cannot configure the endpoint for the spoke itself.
        vm.expectRevert();
        ep.setReceiveLibrary(address(spoke), HUB_EID, lib, 0);

        bytes memory call = abi.encodeCall(IEndpointAdmin.setReceiveLibrary, (address(spoke), HUB_EID, lib, 0));
        (bytes32 callId, uint256 eta) = spoke.scheduleEndpointCall(call);
        assertEq(spoke.endpointCallEta(callId), eta);
        vm.expectRevert(abi.encodeWithSelector(IZkVinSpoke.ChangeNotReady.selector, eta));
        spoke.executeEndpointCall(call);
        vm.warp(eta);
        spoke.executeEndpointCall(call);
        (address set, bool isDefault) = ep.getReceiveLibrary(address(spoke), HUB_EID);
        assertEq(set, lib);
        assertFalse(isDefault);
        assertEq(spoke.endpointCallEta(callId), 0);

        vm.expectRevert(IZkVinSpoke.DelegateFixed.selector);
        spoke.scheduleEndpointCall(abi.encodeWithSignature("setDelegate(address)", address(this)));
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        spoke.scheduleEndpointCall(call);
    }
}
