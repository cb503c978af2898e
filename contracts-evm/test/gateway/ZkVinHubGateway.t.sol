// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Vm} from "forge-std/Vm.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {PausableUpgradeable} from "@openzeppelin/contracts-upgradeable/utils/PausableUpgradeable.sol";
import {
    ILayerZeroEndpointV2,
    Origin
} from "@layerzerolabs/lz-evm-protocol-v2/contracts/interfaces/ILayerZeroEndpointV2.sol";
import {ZkVinHubGateway} from "../../src/gateway/ZkVinHubGateway.sol";
import {GatewayParams, IZkVinHubGateway, Ticket, TicketStatus} from "../../src/gateway/IZkVinHubGateway.sol";
import {DeliveryStatus, IInferenceMarket, MarketParams, RequestStatus} from "../../src/interfaces/IInferenceMarket.sol";
import {IModelRegistry} from "../../src/interfaces/IModelRegistry.sol";
import {Settlement} from "../../src/interfaces/IRemoteResultSink.sol";
import {InputBound} from "../../src/libraries/InputBounds.sol";
import {IOLayout} from "../../src/libraries/InstanceLayout.sol";
import {ExpiryMessage, ModelInfo, RequestMessage, ResultMessage, ZkVinCodec} from "../../src/messaging/ZkVinCodec.sol";
import {FailureReason} from "../../src/spoke/IInferenceFailureHandler.sol";
import {SpokeParams, SpokeRequestStatus} from "../../src/spoke/IZkVinSpoke.sol";
import {LayerZeroRelay, SentPacket} from "../layerzero/LayerZeroRelay.sol";
import {CrossChainTestBase} from "../crosschain/CrossChainTestBase.sol";
import {RecordingSpokeConsumer} from "../crosschain/SpokeConsumers.sol";

/// @notice Refuses native transfers.
contract NativeRefuser {
    receive() external payable {
        revert("no");
    }
}

/// @notice The hub gateway with the real market (mock proof verifier): refusals answered with REJECTED,
/// underfunded replies kept until topped up, failed market hooks retried, surplus, model sync, access.
contract ZkVinHubGatewayTest is CrossChainTestBase {
    uint256 internal modelId; // 4 inputs, 1 output
    IOLayout internal layout;
    RecordingSpokeConsumer internal consumer;
    int256[] internal input;
    int256[] internal output;
    address internal stranger = makeAddr("stranger");

    function setUp() public override {
        super.setUp();
        layout = _layout(1, 4, 1);
        modelId = _registerModel(layout, _featureBounds());
        _registerNode(nodeA, modelId, 1_000);
        _nextEpoch();
        _syncModel(modelId);
        consumer = new RecordingSpokeConsumer(spoke);
        input = _input(4, 3);
        output = new int256[](1);
        output[0] = -1234;
    }

    /// @dev A different bound per feature, all containing `_input(4, 3)` = [-479, -466, -453, -440] (the last two
    /// at an end).
    function _featureBounds() internal pure returns (InputBound[] memory b) {
        b = new InputBound[](4);
        b[0] = InputBound({min: -1000, max: 1000});
        b[1] = InputBound({min: -600, max: 2000});
        b[2] = InputBound({min: -1e6, max: -453});
        b[3] = InputBound({min: -440, max: 1e6});
    }

    /// @dev The lzReceive gas of a type-3 options blob holding one executor lzReceive option without value.
    function _lzReceiveGas(bytes memory options) internal pure returns (uint256 gas) {
        assertEq(options.length, 22, "options: type 3, one executor lzReceive option, gas only");
        assertEq(uint16(bytes2(options[0]) | (bytes2(options[1]) >> 8)), 3, "options type");
        assertEq(uint8(options[2]), 1, "worker: executor");
        assertEq(uint8(options[5]), 1, "option: lzReceive");
        for (uint256 i = 6; i < 22; ++i) {
            gas = (gas << 8) | uint8(options[i]);
        }
    }

    function _ask() internal returns (uint256 spokeId) {
        uint256 fee = spoke.quote(modelId, input, CALLBACK_GAS);
        spokeId = consumer.ask{value: fee}(modelId, input, CALLBACK_GAS);
    }

    function _askAndDeliver() internal returns (uint256 spokeId, uint256 hubId) {
        spokeId = _ask();
        _deliverToHub();
        hubId = _hubId(spokeId, address(consumer));
    }

    /// @dev The spoke's reply budget becomes zero: every reply is underfunded.
    function _zeroReplyBudget() internal {
        SpokeParams memory p = _spokeParams();
        p.returnFeeBase = 0;
        spoke.setParams(p);
    }

    function _underfundedMessage(Vm.Log[] memory logs) internal view returns (bytes32 key, bytes memory message) {
        for (uint256 i; i < logs.length; ++i) {
            if (
                logs[i].emitter == address(gateway)
                    && logs[i].topics[0] == IZkVinHubGateway.ReturnMessageUnderfunded.selector
            ) {
                key = logs[i].topics[1];
                (message,,) = abi.decode(logs[i].data, (bytes, uint256, uint256));
            }
        }
        require(key != bytes32(0), "no ReturnMessageUnderfunded");
    }

    function _rejection() internal returns (bytes memory reason) {
        vm.recordLogs();
        _deliverToSpoke();
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter == address(spoke) && logs[i].topics[0] == keccak256("InferenceRejected(uint256,bytes)"))
            {
                return abi.decode(logs[i].data, (bytes));
            }
        }
        revert("no InferenceRejected");
    }

    // ---------------------------------------------------------------- set-up and governance

    function test_constructor_refusesZeroAddresses() public {
        address ep = endpoints[HUB_EID];
        IInferenceMarket m = IInferenceMarket(address(market));
        IModelRegistry r = IModelRegistry(address(registry));
        vm.expectRevert(IZkVinHubGateway.ZeroAddress.selector);
        new ZkVinHubGateway(ep, address(this), IInferenceMarket(address(0)), r, treasury, _gatewayParams());
        vm.expectRevert(IZkVinHubGateway.ZeroAddress.selector);
        new ZkVinHubGateway(ep, address(this), m, IModelRegistry(address(0)), treasury, _gatewayParams());
        vm.expectRevert(IZkVinHubGateway.ZeroAddress.selector);
        new ZkVinHubGateway(ep, address(this), m, r, address(0), _gatewayParams());
    }

    function test_setParams_isBoundedAndOwnerOnly() public {
        GatewayParams memory p = _gatewayParams();
        p.sinkGasLimit = 49_999;
        vm.expectRevert(abi.encodeWithSelector(IZkVinHubGateway.ParameterOutOfBounds.selector, "sinkGasLimit", 49_999));
        gateway.setParams(p);
        p = _gatewayParams();
        p.rejectionReserveGas = 5_000_001;
        vm.expectRevert(
            abi.encodeWithSelector(IZkVinHubGateway.ParameterOutOfBounds.selector, "rejectionReserveGas", 5_000_001)
        );
        gateway.setParams(p);
        p = _gatewayParams();
        p.modelSyncGasLimit = 0;
        vm.expectRevert(abi.encodeWithSelector(IZkVinHubGateway.ParameterOutOfBounds.selector, "modelSyncGasLimit", 0));
        gateway.setParams(p);
        p = _gatewayParams();
        p.modelSyncGasPerInput = 100_001;
        vm.expectRevert(
            abi.encodeWithSelector(IZkVinHubGateway.ParameterOutOfBounds.selector, "modelSyncGasPerInput", 100_001)
        );
        gateway.setParams(p);

        p = _gatewayParams();
        p.sinkGasLimit = 600_000;
        vm.expectEmit(address(gateway));
        emit IZkVinHubGateway.ParamsUpdated(p);
        gateway.setParams(p);
        assertEq(gateway.params().sinkGasLimit, 600_000);

        vm.startPrank(stranger);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        gateway.setParams(p);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        gateway.setTreasury(stranger);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        gateway.setPeer(9, bytes32(uint256(1)));
        vm.stopPrank();
        vm.expectRevert(IZkVinHubGateway.ZeroAddress.selector);
        gateway.setTreasury(address(0));
    }

    function test_ownership_movesInTwoSteps() public {
        gateway.transferOwnership(stranger);
        assertEq(gateway.owner(), address(this));
        vm.prank(stranger);
        gateway.acceptOwnership();
        assertEq(gateway.owner(), stranger);
    }

    // ---------------------------------------------------------------- access

    function test_openRequest_isOnlyForTheGatewayItself() public {
        RequestMessage memory m;
        vm.expectRevert(abi.encodeWithSelector(IZkVinHubGateway.OnlySelf.selector, address(this)));
        gateway.openRequest(SPOKE_EID, addressToBytes32(address(spoke)), m);
    }

    function test_resultHooks_areOnlyForTheMarket() public {
        Settlement memory s;
        vm.expectRevert(abi.encodeWithSelector(IZkVinHubGateway.OnlyMarket.selector, address(this)));
        gateway.onRemoteResult(1, modelId, output, s);
        vm.expectRevert(abi.encodeWithSelector(IZkVinHubGateway.OnlyMarket.selector, address(this)));
        gateway.onRemoteExpiry(1, 1);
        vm.prank(address(market));
        vm.expectRevert(abi.encodeWithSelector(IZkVinHubGateway.UnknownHubRequest.selector, 77));
        gateway.onRemoteResult(77, modelId, output, s);
    }

    function test_resultHook_refusesASecondReplyForOneTicket() public {
        (, uint256 hubId) = _askAndDeliver();
        _fulfil(hubId, modelId, input, output);
        bytes32 key = gateway.ticketOfHubRequest(hubId);
        Settlement memory s;
        vm.prank(address(market));
        vm.expectRevert(abi.encodeWithSelector(IZkVinHubGateway.TicketNotOpen.selector, key, TicketStatus.Closed));
        gateway.onRemoteResult(hubId, modelId, output, s);
    }

    function test_lzReceive_refusesAnythingButRequests() public {
        bytes memory expiry = ZkVinCodec.encodeExpiry(
            ExpiryMessage({spoke: bytes32(0), spokeRequestId: 1, hubRequestId: 1, refundAmount: 1})
        );
        vm.prank(endpoints[HUB_EID]);
        vm.expectRevert(abi.encodeWithSelector(IZkVinHubGateway.UnexpectedMessage.selector, ZkVinCodec.EXPIRED));
        gateway.lzReceive(Origin(SPOKE_EID, addressToBytes32(address(spoke)), 9), bytes32(0), expiry, address(0), "");
    }

    // ---------------------------------------------------------------- rejections

    function test_rejection_noCapacity() public {
        uint256 capacityModel = _registerModel(_layout(1, 4, 1));
        _registerNode(nodeB, capacityModel, COMPUTE_UNITS); // room for one request per epoch
        _nextEpoch();
        _syncModel(capacityModel);
        _request(capacityModel, input, 0); // a hub consumer takes it
        uint256 fee = spoke.quote(capacityModel, input, CALLBACK_GAS);
        uint256 spokeId = consumer.ask{value: fee}(capacityModel, input, CALLBACK_GAS);
        _deliverToHub();
        assertEq(_rejection(), abi.encodeWithSelector(IInferenceMarket.NoCapacity.selector, capacityModel));
        assertEq(uint8(spoke.request(spokeId).status), uint8(SpokeRequestStatus.Refunded));
        assertEq(consumer.refundsReceived(), spoke.request(spokeId).escrow);
        _assertBooks();
    }

    function test_rejection_pausedMarket() public {
        market.pause();
        uint256 spokeId = _ask();
        _deliverToHub();
        assertEq(_rejection(), abi.encodeWithSelector(PausableUpgradeable.EnforcedPause.selector));
        assertEq(uint8(spoke.request(spokeId).status), uint8(SpokeRequestStatus.Refunded));
    }

    function test_rejection_sinkGasAboveTheMarketsLimit() public {
        GatewayParams memory p = _gatewayParams();
        p.sinkGasLimit = 1_000_001;
        gateway.setParams(p);
        _ask();
        _deliverToHub();
        assertEq(
            _rejection(),
            abi.encodeWithSelector(
                IInferenceMarket.CallbackGasLimitTooHigh.selector, uint32(1_000_001), uint32(1_000_000)
            )
        );
    }

    // ---------------------------------------------------------------- gas of the REQUEST's execution

    function test_request_executedWithTooLittleGas_revertsAndCanBeRetried() public {
        vm.recordLogs();
        uint256 spokeId = _ask();
        SentPacket memory p = LayerZeroRelay.sentPackets(vm.getRecordedLogs(), endpoints[SPOKE_EID])[0];
        this.validatePacket(p.encoded, "");
        uint256 budget = spoke.quoteDetailed(modelId, input, CALLBACK_GAS).returnBudget;
        Origin memory origin = Origin(p.srcEid, p.sender, p.nonce);
        ILayerZeroEndpointV2 ep = ILayerZeroEndpointV2(endpoints[HUB_EID]);

        // Less than the rejection reserve: refused before the market is called.
        vm.expectPartialRevert(IZkVinHubGateway.InsufficientGasForOpening.selector);
        ep.lzReceive{value: budget, gas: REJECTION_RESERVE_GAS}(origin, address(gateway), p.guid, p.message, "");
        // Enough for the reserve but not for the market: the executor's choice, so it reverts rather than
        // rejecting the request.
        vm.expectPartialRevert(IZkVinHubGateway.OpeningOutOfGas.selector);
        ep.lzReceive{value: budget, gas: REJECTION_RESERVE_GAS + 120_000}(
            origin, address(gateway), p.guid, p.message, ""
        );
        assertEq(_hubId(spokeId, address(consumer)), 0);
        assertEq(uint8(gateway.ticket(_ticketKey(spokeId)).status), uint8(TicketStatus.None));

        // The packet is still verified; with the gas its options ask for it goes through.
        ep.lzReceive{value: budget, gas: spoke.quoteDetailed(modelId, input, CALLBACK_GAS).hubGasLimit}(
            origin, address(gateway), p.guid, p.message, ""
        );
        assertGt(_hubId(spokeId, address(consumer)), 0);
    }

    // ---------------------------------------------------------------- underfunded replies

    function test_underfundedResult_waitsForATopUp_thenArrives() public {
        _zeroReplyBudget();
        (uint256 spokeId, uint256 hubId) = _askAndDeliver();
        bytes32 key = gateway.ticketOfHubRequest(hubId);
        assertEq(gateway.ticket(key).budget, 0);

        vm.recordLogs();
        _fulfil(hubId, modelId, input, output);
        (bytes32 logged, bytes memory message) = _underfundedMessage(vm.getRecordedLogs());
        assertEq(logged, key);
        assertEq(uint8(market.request(hubId).delivery), uint8(DeliveryStatus.Delivered), "the hook itself succeeded");
        Ticket memory t = gateway.ticket(key);
        assertEq(uint8(t.status), uint8(TicketStatus.AwaitingFunds));
        assertEq(t.pendingMessageHash, keccak256(message));
        ResultMessage memory r = this.decodeResult(message);
        assertEq(r.output, output);
        assertEq(r.hubRequestId, hubId);

        (uint256 fee, uint256 budget) = gateway.quoteReturnMessage(key, message);
        assertEq(budget, 0);
        vm.expectRevert(abi.encodeWithSelector(IZkVinHubGateway.MessageMismatch.selector, key));
        gateway.resendReturnMessage{value: fee}(key, bytes.concat(message, hex"00"));
        vm.expectRevert(abi.encodeWithSelector(IZkVinHubGateway.InsufficientBudget.selector, key, fee, fee - 1));
        gateway.resendReturnMessage{value: fee - 1}(key, message);

        vm.prank(stranger);
        vm.deal(stranger, fee + 5);
        vm.expectEmit(address(gateway));
        emit IZkVinHubGateway.ReturnBudgetToppedUp(key, stranger, fee + 5);
        gateway.resendReturnMessage{value: fee + 5}(key, message);
        assertEq(uint8(gateway.ticket(key).status), uint8(TicketStatus.Closed));
        assertEq(gateway.ticket(key).pendingMessageHash, bytes32(0));
        assertEq(gateway.surplus(), 5);
        vm.expectRevert(abi.encodeWithSelector(IZkVinHubGateway.NotAwaitingFunds.selector, key, TicketStatus.Closed));
        gateway.resendReturnMessage(key, message);

        _deliverToSpoke();
        assertEq(consumer.outputOf(spokeId), output);
        _assertBooks();
    }

    function test_underfundedRejection_waitsForATopUp_thenRefunds() public {
        _zeroReplyBudget();
        vm.prank(modelOwner);
        registry.deprecateModel(modelId);
        vm.recordLogs();
        uint256 spokeId = _ask();
        _deliverToHub();
        (bytes32 key, bytes memory message) = _underfundedMessage(vm.getRecordedLogs());
        assertEq(uint8(message[1]), ZkVinCodec.REJECTED);
        (uint256 fee,) = gateway.quoteReturnMessage(key, message);
        gateway.resendReturnMessage{value: fee}(key, message);
        _deliverToSpoke();
        assertEq(uint8(spoke.request(spokeId).status), uint8(SpokeRequestStatus.Refunded));
        assertEq(uint8(consumer.lastReason()), uint8(FailureReason.Rejected));
    }

    function decodeResult(bytes calldata m) external pure returns (ResultMessage memory) {
        return ZkVinCodec.decodeResult(m);
    }

    // ---------------------------------------------------------------- failed market hooks

    function test_resultHookOutOfGas_isRetriedThroughTheMarket() public {
        GatewayParams memory p = _gatewayParams();
        p.sinkGasLimit = 60_000; // too little to quote and send the reply
        gateway.setParams(p);
        (uint256 spokeId, uint256 hubId) = _askAndDeliver();
        _fulfil(hubId, modelId, input, output);
        assertEq(uint8(market.request(hubId).delivery), uint8(DeliveryStatus.Failed));
        bytes32 key = gateway.ticketOfHubRequest(hubId);
        assertEq(uint8(gateway.ticket(key).status), uint8(TicketStatus.Open), "the budget still waits");

        vm.prank(stranger);
        market.retryDelivery(hubId, output, 1_000_000);
        assertEq(uint8(gateway.ticket(key).status), uint8(TicketStatus.Closed));
        _deliverToSpoke();
        assertEq(consumer.outputOf(spokeId), output);
    }

    function test_expiryHookOutOfGas_isRetriedThroughTheMarket() public {
        GatewayParams memory p = _gatewayParams();
        p.sinkGasLimit = 60_000;
        gateway.setParams(p);
        (uint256 spokeId, uint256 hubId) = _askAndDeliver();
        _expireForGood(hubId);
        assertEq(uint8(market.request(hubId).status), uint8(RequestStatus.Refunded));
        assertEq(uint8(market.request(hubId).delivery), uint8(DeliveryStatus.Failed));

        market.retryDelivery(hubId, new int256[](0), 1_000_000);
        _deliverToSpoke();
        assertEq(uint8(spoke.request(spokeId).status), uint8(SpokeRequestStatus.Refunded));
        assertEq(uint8(consumer.lastReason()), uint8(FailureReason.Expired));
        _assertBooks();
    }

    // ---------------------------------------------------------------- surplus

    function test_sweepSurplus_paysTheTreasury() public {
        vm.expectRevert(IZkVinHubGateway.NothingToSweep.selector);
        gateway.sweepSurplus();
        (, uint256 hubId) = _askAndDeliver();
        _fulfil(hubId, modelId, input, output);
        uint256 surplus = gateway.surplus();
        assertGt(surplus, 0);
        uint256 before = treasury.balance;
        vm.prank(stranger);
        gateway.sweepSurplus();
        assertEq(treasury.balance - before, surplus);
        assertEq(gateway.surplus(), 0);
        _assertBooks();

        NativeRefuser refuser = new NativeRefuser();
        gateway.setTreasury(address(refuser));
        (, hubId) = _askAndDeliver();
        _fulfil(hubId, modelId, input, output);
        surplus = gateway.surplus();
        vm.expectRevert(abi.encodeWithSelector(IZkVinHubGateway.TransferFailed.selector, address(refuser), surplus));
        gateway.sweepSurplus();
    }

    // ---------------------------------------------------------------- model sync

    function test_syncModel_sendsTheHubsTerms() public {
        vm.prank(modelOwner);
        registry.setRoyalty(modelId, ROYALTY + 1);
        uint256 fee = gateway.quoteSyncModel(SPOKE_EID, modelId);
        vm.expectRevert(abi.encodeWithSelector(IZkVinHubGateway.InsufficientFee.selector, fee, fee - 1));
        gateway.syncModel{value: fee - 1}(SPOKE_EID, modelId);

        uint64 nonce = gateway.syncNonce();
        vm.deal(stranger, fee + 1 ether);
        vm.prank(stranger);
        bytes32 guid = gateway.syncModel{value: fee + 1 ether}(SPOKE_EID, modelId);
        assertEq(stranger.balance, 1 ether, "the endpoint refunds the excess");
        assertEq(gateway.syncNonce(), nonce + 1);
        assertEq(
            _lzReceiveGas(optionsLookup[guid]),
            MODEL_SYNC_GAS + MODEL_SYNC_GAS_PER_INPUT * layout.inputCount,
            "MODEL gas: fixed part + per input feature"
        );
        _assertBooks();
        _deliverToSpoke(); // executes with exactly that gas

        ModelInfo memory info = spoke.model(modelId);
        assertEq(info.hubPrice, market.quote(modelId).total);
        assertEq(info.syncNonce, nonce + 1);
        assertEq(info.inputCount, layout.inputCount);
        assertEq(info.outputCount, layout.outputCount);
        assertEq(info.inputScale, layout.inputScale);
        assertEq(info.outputScale, layout.outputScale);
        assertFalse(info.deprecated);
        InputBound[] memory synced = spoke.inputBounds(modelId);
        InputBound[] memory registered = _featureBounds();
        assertEq(synced.length, registered.length);
        for (uint256 i; i < synced.length; ++i) {
            assertEq(synced[i].min, registered[i].min);
            assertEq(synced[i].max, registered[i].max);
        }
        assertEq(abi.encode(synced), abi.encode(registry.inputBounds(modelId)));
    }

    function test_syncModel_refusesUnknownModelsAndPeers() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotFound.selector, 99));
        gateway.quoteSyncModel(SPOKE_EID, 99);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotFound.selector, 99));
        gateway.syncModel{value: 1 ether}(SPOKE_EID, 99);
        vm.expectRevert(abi.encodeWithSignature("NoPeer(uint32)", uint32(9)));
        gateway.syncModel{value: 1 ether}(9, modelId);
    }

    // ---------------------------------------------------------------- market parameters

    function test_remoteRequest_isEnqueuedWithTheGatewaysSinkGasAndTheSpokesFee() public {
        (uint256 spokeId, uint256 hubId) = _askAndDeliver();
        assertEq(market.request(hubId).callbackGasLimit, SINK_GAS);
        uint256 escrow = spoke.request(spokeId).escrow;
        assertEq(
            market.requestFees(hubId).nodeFee + market.requestFees(hubId).royalty
                + market.requestFees(hubId).protocolFee,
            escrow
        );
        MarketParams memory mp = market.params();
        assertLe(SINK_GAS, mp.maxCallbackGasLimit);
    }
}
