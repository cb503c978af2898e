// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Vm} from "forge-std/Vm.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {Origin} from "@layerzerolabs/lz-evm-protocol-v2/contracts/interfaces/ILayerZeroEndpointV2.sol";
import {IOAppCore} from "@layerzerolabs/oapp-evm/contracts/oapp/interfaces/IOAppCore.sol";
import {RegressionOracleConsumer} from "../../src/consumer/examples/RegressionOracleConsumer.sol";
import {IZkVinHubGateway, Ticket, TicketStatus} from "../../src/gateway/IZkVinHubGateway.sol";
import {IInferenceMarket, Request, RequestStatus} from "../../src/interfaces/IInferenceMarket.sol";
import {IModelRegistry, ModelSpec} from "../../src/interfaces/IModelRegistry.sol";
import {Settlement} from "../../src/interfaces/IRemoteResultSink.sol";
import {Price, Pricing} from "../../src/libraries/Pricing.sol";
import {ResultMessage, ZkVinCodec} from "../../src/messaging/ZkVinCodec.sol";
import {FailureReason} from "../../src/spoke/IInferenceFailureHandler.sol";
import {IInferenceOracle} from "../../src/spoke/IInferenceOracle.sol";
import {CallbackStatus, FeeQuote, IZkVinSpoke, SpokeRequest, SpokeRequestStatus} from "../../src/spoke/IZkVinSpoke.sol";
import {EzklVkaVerifierAdapter} from "../../src/verifiers/EzklVkaVerifierAdapter.sol";
import {IHalo2VerifierReusable} from "../../src/verifiers/ezkl/IHalo2Verifiers.sol";
import {EzklFixture, EzklFixtures} from "../utils/EzklFixtures.sol";
import {CrossChainTestBase} from "./CrossChainTestBase.sol";
import {GasBurningConsumer, RecordingSpokeConsumer, RevertBombConsumer} from "./SpokeConsumers.sol";

/// @notice Spoke -> hub -> spoke round trips over LayerZero (TestHelperOz5) with the real hub contracts and a
/// real EZKL proof of the linear-regression benchmark model (prover/fixtures/linear_regression): the
/// consumer on the spoke chain receives exactly the proven output, and the escrow settles as the hub says.
contract RoundTripTest is CrossChainTestBase {
    /// @dev |x| <= 1.0 at scale 13 covers the diabetes features the linear regression was fitted on.
    bytes32 internal constant KEY = keccak256("diabetes-progression:patient-7");

    EzklVkaVerifierAdapter internal ezkl;
    EzklFixture internal lr;
    uint256 internal lrModel;
    RegressionOracleConsumer internal oracleConsumer;
    RecordingSpokeConsumer internal recorder;
    address internal payer = makeAddr("payer");
    address internal anyone = makeAddr("anyone");

    function setUp() public override {
        super.setUp();
        IHalo2VerifierReusable reusable =
            IHalo2VerifierReusable(deployCode("Halo2VerifierReusable.sol:Halo2VerifierReusable"));
        ezkl = new EzklVkaVerifierAdapter(reusable, EzklFixtures.canonicalSrs());
        registry.setVerifierApproval(ezkl, true);
        lr = EzklFixtures.load("linear_regression");
        lrModel = _registerEzkl(lr);
        _registerNode(nodeA, lrModel, 1_000);
        _nextEpoch();
        _syncModel(lrModel);

        oracleConsumer = new RegressionOracleConsumer(
            IInferenceOracle(address(spoke)), false, lrModel, lr.layout.outputScale, CALLBACK_GAS
        );
        recorder = new RecordingSpokeConsumer(spoke);
    }

    function _registerEzkl(EzklFixture memory f) internal returns (uint256 modelId) {
        ModelSpec memory spec;
        spec.verifier = ezkl;
        spec.verifierKey = ezkl.registerVka(f.vka);
        spec.settingsHash = f.settingsHash;
        spec.layout = f.layout;
        spec.inputBounds = EzklFixtures.inputBounds(f);
        spec.computeUnits = f.computeUnits;
        spec.royalty = ROYALTY;
        spec.artifactURI = string.concat("zkvin-artifact:sha256:", f.artifactId);
        spec.metadataURI = f.name;
        vm.deal(modelOwner, REGISTRATION_FEE);
        vm.prank(modelOwner);
        modelId = registry.registerModel{value: REGISTRATION_FEE}(spec);
    }

    /// @dev The consumer asks for KEY's value from the fixture's input; returns the spoke and hub ids.
    function _askOracleConsumer() internal returns (uint256 spokeId, uint256 hubId) {
        uint256 fee = spoke.quote(lrModel, lr.inputs[0], CALLBACK_GAS);
        vm.deal(payer, fee);
        vm.prank(payer);
        spokeId = oracleConsumer.requestValue{value: fee}(KEY, lr.inputs[0]);
        _deliverToHub();
        hubId = _hubId(spokeId, address(oracleConsumer));
    }

    function _recorderAsk(int256[] memory input) internal returns (uint256 spokeId, uint256 hubId) {
        uint256 fee = spoke.quote(lrModel, input, CALLBACK_GAS);
        spokeId = recorder.ask{value: fee}(lrModel, input, CALLBACK_GAS);
        _deliverToHub();
        hubId = _hubId(spokeId, address(recorder));
    }

    function _fulfilReal(uint256 hubId) internal {
        vm.prank(nodeA);
        market.fulfil(hubId, lr.proof, lr.instances);
    }

    // ---------------------------------------------------------------- result

    function test_roundTrip_realProof_deliversTheProvenOutputAndSettlesTheEscrow() public {
        (uint256 spokeId, uint256 hubId) = _askOracleConsumer();
        SpokeRequest memory sr = spoke.request(spokeId);
        assertEq(uint8(sr.status), uint8(SpokeRequestStatus.Pending));
        assertEq(sr.escrow, market.quote(lrModel).total, "parity: the spoke escrows the hub price");
        assertEq(address(spoke).balance, sr.escrow, "only the escrow stays on the spoke");

        Request memory hr = market.request(hubId);
        assertEq(uint8(hr.status), uint8(RequestStatus.Pending));
        assertTrue(hr.remote);
        assertEq(hr.requester, address(gateway));
        assertEq(hr.node, nodeA);
        bytes32 key = gateway.ticketOfHubRequest(hubId);
        assertEq(key, _ticketKey(spokeId));
        Ticket memory t = gateway.ticket(key);
        assertEq(uint8(t.status), uint8(TicketStatus.Open));
        assertEq(t.budget, spoke.params().returnFeeBase, "the reply budget arrived as native value");
        _assertBooks();

        _fulfilReal(hubId);
        assertEq(uint8(market.request(hubId).status), uint8(RequestStatus.Fulfilled));
        assertEq(uint8(gateway.ticket(key).status), uint8(TicketStatus.Closed));
        assertGt(gateway.surplus(), 0, "the unspent reply budget is surplus");

        vm.recordLogs();
        _deliverToSpoke();
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(_logs(logs, address(spoke), IZkVinSpoke.InferenceFulfilled.selector), 1);

        // The consumer stored exactly the output the proof carries.
        (int256 value, uint64 updatedAt) = oracleConsumer.latestValue(KEY);
        assertEq(value, lr.outputs[0][0]);
        assertEq(updatedAt, block.timestamp);
        assertEq(spoke.resultOf(spokeId), lr.outputs[0]);
        sr = spoke.request(spokeId);
        assertEq(uint8(sr.status), uint8(SpokeRequestStatus.Fulfilled));
        assertEq(uint8(sr.callback), uint8(CallbackStatus.Delivered));
        assertEq(sr.hubRequestId, hubId);

        // Node, model owner and protocol are credited on the spoke in the hub's price proportions.
        Price memory p = market.quote(lrModel);
        (uint256 nodeAmount, uint256 royaltyAmount, uint256 protocolAmount) = Pricing.splitPaid(sr.escrow, p);
        assertEq(spoke.claimable(nodeA), nodeAmount);
        assertEq(spoke.claimable(modelOwner), royaltyAmount);
        assertEq(spoke.claimable(spokeTreasury), protocolAmount);
        assertEq(nodeAmount + royaltyAmount + protocolAmount, sr.escrow);
        assertEq(spoke.totalEscrowed(), 0);
        _assertBooks();

        // Pull payments.
        vm.prank(nodeA);
        spoke.withdraw(payable(nodeA));
        assertEq(nodeA.balance, nodeAmount);
        gateway.sweepSurplus();
        _assertBooks();
        assertEq(address(gateway).balance, 0);
    }

    function test_roundTrip_recorder_getsOutputAndModelId() public {
        (uint256 spokeId, uint256 hubId) = _recorderAsk(lr.inputs[0]);
        _fulfilReal(hubId);
        _deliverToSpoke();
        assertEq(recorder.results(), 1);
        assertEq(recorder.lastModelId(), lrModel);
        assertEq(recorder.outputOf(spokeId), lr.outputs[0]);
    }

    function test_roundTrip_proofForAnotherInput_isRefusedOnTheHub() public {
        int256[] memory other = lr.inputs[0];
        other[1] += 1;
        (uint256 spokeId, uint256 hubId) = _recorderAsk(other);
        vm.prank(nodeA);
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.InputMismatch.selector, hubId, 0));
        market.fulfil(hubId, lr.proof, lr.instances);
        assertEq(uint8(spoke.request(spokeId).status), uint8(SpokeRequestStatus.Pending));
    }

    // ---------------------------------------------------------------- expiry

    function test_expiry_refundsThePayerThroughTheConsumer() public {
        (uint256 spokeId, uint256 hubId) = _askOracleConsumer();
        uint256 escrow = spoke.request(spokeId).escrow;
        _expireForGood(hubId);
        assertEq(uint8(market.request(hubId).status), uint8(RequestStatus.Refunded));

        vm.recordLogs();
        _deliverToSpoke();
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(_logs(logs, address(spoke), IZkVinSpoke.InferenceExpired.selector), 1);
        assertEq(_logs(logs, address(spoke), IZkVinSpoke.InferenceRefunded.selector), 1);

        SpokeRequest memory sr = spoke.request(spokeId);
        assertEq(uint8(sr.status), uint8(SpokeRequestStatus.Refunded));
        assertEq(uint8(sr.callback), uint8(CallbackStatus.Delivered));
        assertEq(sr.hubRequestId, hubId);
        // The refund went to the consumer with its failure notice, which owes it to the payer.
        assertEq(oracleConsumer.refundOf(payer), escrow);
        vm.prank(payer);
        oracleConsumer.withdrawRefund(payable(payer));
        assertEq(payer.balance, escrow);
        vm.expectRevert(abi.encodeWithSelector(RegressionOracleConsumer.NoValue.selector, KEY));
        oracleConsumer.latestValue(KEY);
        assertEq(spoke.totalEscrowed(), 0);
        assertEq(address(spoke).balance, 0);
        _assertBooks();
    }

    function test_expiry_ofAnEoaRequest_pushesTheRefund() public {
        (uint256 spokeId, FeeQuote memory q) = _spokeRequest(payer, lrModel, lr.inputs[0], 0);
        _deliverToHub();
        _expireForGood(_hubId(spokeId, payer));
        _deliverToSpoke();
        assertEq(payer.balance, q.inferenceFee);
        assertEq(spoke.claimable(payer), 0);
        _assertBooks();
    }

    function test_expiry_withARevertingFailureHandler_creditsTheRefund() public {
        recorder.setRevertFailures(true);
        (uint256 spokeId, uint256 hubId) = _recorderAsk(lr.inputs[0]);
        uint256 escrow = spoke.request(spokeId).escrow;
        _expireForGood(hubId);
        _deliverToSpoke();
        SpokeRequest memory sr = spoke.request(spokeId);
        assertEq(uint8(sr.status), uint8(SpokeRequestStatus.Refunded));
        assertEq(uint8(sr.callback), uint8(CallbackStatus.Failed));
        assertEq(spoke.claimable(address(recorder)), escrow);
        vm.expectRevert(abi.encodeWithSelector(IZkVinSpoke.NothingToRetry.selector, spokeId));
        spoke.retryCallback(spokeId, CALLBACK_GAS);
        _assertBooks();
    }

    // ---------------------------------------------------------------- rejection

    function test_rejection_deprecatedModel_isRefundedOnTheSpoke() public {
        vm.prank(modelOwner);
        registry.deprecateModel(lrModel); // the spoke has not heard yet
        (uint256 spokeId,) = _recorderAsk(lr.inputs[0]);
        uint256 escrow = spoke.request(spokeId).escrow;
        assertEq(_hubId(spokeId, address(recorder)), 0, "nothing was enqueued");
        assertEq(market.nextRequestId(), 1);

        vm.recordLogs();
        _deliverToSpoke();
        Vm.Log[] memory logs = vm.getRecordedLogs();
        bytes memory reason = _rejectionReason(logs);
        assertEq(reason, abi.encodeWithSelector(IModelRegistry.ModelIsDeprecated.selector, lrModel));
        assertEq(uint8(spoke.request(spokeId).status), uint8(SpokeRequestStatus.Refunded));
        assertEq(recorder.failures(), 1);
        assertEq(uint8(recorder.lastReason()), uint8(FailureReason.Rejected));
        assertEq(recorder.refundsReceived(), escrow);
        _assertBooks();

        // A sync tells the spoke, which then refuses at once.
        _syncModel(lrModel);
        uint256 fee = 1 ether;
        vm.expectRevert(abi.encodeWithSelector(IZkVinSpoke.ModelDeprecated.selector, lrModel));
        recorder.ask{value: fee}(lrModel, lr.inputs[0], CALLBACK_GAS);
    }

    function test_rejection_stalePrice_untilTheModelIsSynced() public {
        vm.prank(modelOwner);
        registry.setRoyalty(lrModel, ROYALTY * 2);
        (uint256 spokeId,) = _recorderAsk(lr.inputs[0]);
        uint256 spokePrice = spoke.model(lrModel).hubPrice;
        vm.recordLogs();
        _deliverToSpoke();
        assertEq(
            _rejectionReason(vm.getRecordedLogs()),
            abi.encodeWithSelector(
                IZkVinHubGateway.StalePrice.selector, lrModel, spokePrice, market.quote(lrModel).total
            )
        );
        assertEq(uint8(spoke.request(spokeId).status), uint8(SpokeRequestStatus.Refunded));

        _syncModel(lrModel);
        assertEq(spoke.model(lrModel).hubPrice, market.quote(lrModel).total);
        (uint256 next, uint256 hubId) = _recorderAsk(lr.inputs[0]);
        assertGt(hubId, 0, "enqueued at the new price");
        _fulfilReal(hubId);
        _deliverToSpoke();
        assertEq(recorder.outputOf(next), lr.outputs[0]);
        (, uint256 royaltyAmount,) = Pricing.splitPaid(spoke.request(next).escrow, market.quote(lrModel));
        assertEq(spoke.claimable(modelOwner), royaltyAmount);
    }

    function _rejectionReason(Vm.Log[] memory logs) internal view returns (bytes memory) {
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter == address(spoke) && logs[i].topics[0] == IZkVinSpoke.InferenceRejected.selector) {
                return abi.decode(logs[i].data, (bytes));
            }
        }
        revert("no InferenceRejected");
    }

    // ---------------------------------------------------------------- callbacks

    function test_revertingConsumer_resultIsKeptAndAnyoneRetries() public {
        recorder.setRevertResults(true);
        (uint256 spokeId, uint256 hubId) = _recorderAsk(lr.inputs[0]);
        _fulfilReal(hubId);
        vm.recordLogs();
        _deliverToSpoke();
        assertEq(_logs(vm.getRecordedLogs(), address(spoke), IZkVinSpoke.CallbackFailed.selector), 1);
        SpokeRequest memory sr = spoke.request(spokeId);
        assertEq(uint8(sr.status), uint8(SpokeRequestStatus.Fulfilled), "settled despite the callback");
        assertEq(uint8(sr.callback), uint8(CallbackStatus.Failed));
        assertEq(spoke.resultOf(spokeId), lr.outputs[0]);
        assertGt(spoke.claimable(nodeA), 0, "the node is paid whatever the consumer does");

        vm.prank(anyone);
        vm.expectRevert(
            abi.encodeWithSelector(IZkVinSpoke.GasLimitBelowRequested.selector, spokeId, CALLBACK_GAS - 1, CALLBACK_GAS)
        );
        spoke.retryCallback(spokeId, CALLBACK_GAS - 1);
        vm.prank(anyone);
        vm.expectRevert(
            abi.encodeWithSelector(
                IZkVinSpoke.CallbackReverted.selector,
                spokeId,
                abi.encodeWithSelector(RecordingSpokeConsumer.Refused.selector, spokeId)
            )
        );
        spoke.retryCallback(spokeId, CALLBACK_GAS);

        recorder.setRevertResults(false);
        vm.prank(anyone);
        vm.expectEmit(address(spoke));
        emit IZkVinSpoke.CallbackRetried(spokeId);
        spoke.retryCallback(spokeId, CALLBACK_GAS);
        assertEq(recorder.outputOf(spokeId), lr.outputs[0]);
        assertEq(uint8(spoke.request(spokeId).callback), uint8(CallbackStatus.Delivered));

        vm.expectRevert(abi.encodeWithSelector(IZkVinSpoke.NothingToRetry.selector, spokeId));
        spoke.retryCallback(spokeId, CALLBACK_GAS);
    }

    function test_gasBurningConsumer_cannotBlockSettlement() public {
        GasBurningConsumer burner = new GasBurningConsumer(spoke);
        uint256 fee = spoke.quote(lrModel, lr.inputs[0], CALLBACK_GAS);
        uint256 spokeId = burner.ask{value: fee}(lrModel, lr.inputs[0], CALLBACK_GAS);
        _deliverToHub();
        _fulfilReal(_hubId(spokeId, address(burner)));
        _deliverToSpoke(); // executes with exactly the reply's gas: the burner cannot eat the rest
        SpokeRequest memory sr = spoke.request(spokeId);
        assertEq(uint8(sr.status), uint8(SpokeRequestStatus.Fulfilled));
        assertEq(uint8(sr.callback), uint8(CallbackStatus.Failed));
        _assertBooks();
    }

    function test_returnDataBomb_isCutTo256Bytes() public {
        RevertBombConsumer bomb = new RevertBombConsumer(spoke);
        uint256 fee = spoke.quote(lrModel, lr.inputs[0], CALLBACK_GAS);
        uint256 spokeId = bomb.ask{value: fee}(lrModel, lr.inputs[0], CALLBACK_GAS);
        _deliverToHub();
        _fulfilReal(_hubId(spokeId, address(bomb)));
        vm.recordLogs();
        _deliverToSpoke();
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter == address(spoke) && logs[i].topics[0] == IZkVinSpoke.CallbackFailed.selector) {
                assertEq(abi.decode(logs[i].data, (bytes)).length, 256);
            }
        }
        assertEq(uint8(spoke.request(spokeId).callback), uint8(CallbackStatus.Failed));
    }

    // ---------------------------------------------------------------- replay and peers

    function test_replayedResult_isRefusedAndPaysNothingTwice() public {
        (uint256 spokeId, uint256 hubId) = _recorderAsk(lr.inputs[0]);
        _fulfilReal(hubId);
        _deliverToSpoke();
        uint256 nodeBalance = spoke.claimable(nodeA);

        // Even if the transport delivered the same RESULT again (a new nonce, as LayerZero itself never
        // re-executes a nonce), the request settles once.
        Settlement memory s = Settlement(nodeA, 1, modelOwner, 0, 0);
        bytes memory message = ZkVinCodec.encodeResult(
            ResultMessage({
                spoke: addressToBytes32(address(spoke)),
                spokeRequestId: spokeId,
                hubRequestId: hubId,
                output: lr.outputs[0],
                settlement: s
            })
        );
        Origin memory origin = Origin(HUB_EID, addressToBytes32(address(gateway)), 99);
        vm.prank(endpoints[SPOKE_EID]);
        vm.expectRevert(
            abi.encodeWithSelector(IZkVinSpoke.RequestNotPending.selector, spokeId, SpokeRequestStatus.Fulfilled)
        );
        spoke.lzReceive(origin, keccak256("replay"), message, address(0), "");
        assertEq(spoke.claimable(nodeA), nodeBalance);
        assertEq(recorder.results(), 1);
    }

    function test_replayedRequest_isIgnoredByTheGateway() public {
        vm.recordLogs();
        uint256 fee = spoke.quote(lrModel, lr.inputs[0], CALLBACK_GAS);
        uint256 spokeId = recorder.ask{value: fee}(lrModel, lr.inputs[0], CALLBACK_GAS);
        bytes memory message = _sentMessage(vm.getRecordedLogs());
        _deliverToHub();
        uint256 hubId = _hubId(spokeId, address(recorder));
        uint256 requests = market.nextRequestId();

        Origin memory origin = Origin(SPOKE_EID, addressToBytes32(address(spoke)), 42);
        vm.deal(endpoints[HUB_EID], 1 ether);
        vm.prank(endpoints[HUB_EID]);
        vm.expectEmit(address(gateway));
        emit IZkVinHubGateway.DuplicateRequestIgnored(
            SPOKE_EID, spokeId, addressToBytes32(address(spoke)), keccak256("replay"), 1 ether
        );
        gateway.lzReceive{value: 1 ether}(origin, keccak256("replay"), message, address(0), "");
        assertEq(market.nextRequestId(), requests, "no second hub request");
        assertEq(gateway.surplus(), 1 ether);
        assertEq(gateway.ticketOfHubRequest(hubId), _ticketKey(spokeId));
        _assertBooks();
    }

    /// @dev The REQUEST message the spoke's endpoint logged last (mock PacketSent: encoded packet first).
    function _sentMessage(Vm.Log[] memory logs) internal view returns (bytes memory message) {
        for (uint256 i; i < logs.length; ++i) {
            if (
                logs[i].emitter == endpoints[SPOKE_EID]
                    && logs[i].topics[0] == keccak256("PacketSent(bytes,bytes,address)")
            ) {
                (bytes memory packet,,) = abi.decode(logs[i].data, (bytes, bytes, address));
                message = new bytes(packet.length - 113);
                for (uint256 j; j < message.length; ++j) {
                    message[j] = packet[113 + j];
                }
            }
        }
    }

    function test_unknownPeer_isRefusedOnBothSides() public {
        address rogue = makeAddr("rogue");
        Settlement memory s = Settlement(rogue, 1, rogue, 0, 0);
        bytes memory result = ZkVinCodec.encodeResult(
            ResultMessage({
                spoke: addressToBytes32(address(spoke)),
                spokeRequestId: 1,
                hubRequestId: 1,
                output: lr.outputs[0],
                settlement: s
            })
        );
        vm.prank(endpoints[SPOKE_EID]);
        vm.expectRevert(abi.encodeWithSelector(IOAppCore.OnlyPeer.selector, HUB_EID, addressToBytes32(rogue)));
        spoke.lzReceive(Origin(HUB_EID, addressToBytes32(rogue), 1), bytes32(0), result, address(0), "");

        vm.prank(endpoints[HUB_EID]);
        vm.expectRevert(abi.encodeWithSelector(IOAppCore.NoPeer.selector, uint32(7)));
        gateway.lzReceive(Origin(7, addressToBytes32(rogue), 1), bytes32(0), result, address(0), "");

        // The endpoint itself refuses to open a path from a sender that is not a peer.
        assertFalse(spoke.allowInitializePath(Origin(HUB_EID, addressToBytes32(rogue), 1)));
        assertTrue(spoke.allowInitializePath(Origin(HUB_EID, addressToBytes32(address(gateway)), 1)));
    }

    // ---------------------------------------------------------------- pause

    function test_pausedSpoke_refusesRequests_andHoldsRepliesUntilUnpaused() public {
        (uint256 spokeId, uint256 hubId) = _recorderAsk(lr.inputs[0]);
        spoke.pause();
        uint256 fee = 1 ether;
        vm.expectRevert(Pausable.EnforcedPause.selector);
        recorder.ask{value: fee}(lrModel, lr.inputs[0], CALLBACK_GAS);

        _fulfilReal(hubId);
        vm.expectRevert(Pausable.EnforcedPause.selector);
        this.deliverToSpokeExternal();
        assertEq(uint8(spoke.request(spokeId).status), uint8(SpokeRequestStatus.Pending));

        spoke.unpause();
        _deliverToSpoke(); // the reply waited on the endpoint
        assertEq(recorder.outputOf(spokeId), lr.outputs[0]);
    }

    function deliverToSpokeExternal() external {
        _deliverToSpoke();
    }
}
