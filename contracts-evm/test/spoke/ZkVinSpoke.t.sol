// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Vm} from "forge-std/Vm.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {
    ILayerZeroEndpointV2,
    MessagingParams,
    Origin
} from "@layerzerolabs/lz-evm-protocol-v2/contracts/interfaces/ILayerZeroEndpointV2.sol";
import {OptionsBuilder} from "@layerzerolabs/oapp-evm/contracts/oapp/libs/OptionsBuilder.sol";
import {OAppReceiver} from "@layerzerolabs/oapp-evm/contracts/oapp/OAppReceiver.sol";
import {IInferenceMarket} from "../../src/interfaces/IInferenceMarket.sol";
import {Settlement} from "../../src/interfaces/IRemoteResultSink.sol";
import {FieldEncoding} from "../../src/libraries/FieldEncoding.sol";
import {InputBound, InputBounds} from "../../src/libraries/InputBounds.sol";
import {IOLayout} from "../../src/libraries/InstanceLayout.sol";
import {Pricing} from "../../src/libraries/Pricing.sol";
import {ModelInfo, ModelMessage, RequestMessage, ResultMessage, ZkVinCodec} from "../../src/messaging/ZkVinCodec.sol";
import {GasLimitedValueCall} from "../../src/spoke/GasLimitedValueCall.sol";
import {FailureReason} from "../../src/spoke/IInferenceFailureHandler.sol";
import {
    CallbackStatus,
    FeeQuote,
    IZkVinSpoke,
    SpokeParams,
    SpokeRequest,
    SpokeRequestStatus
} from "../../src/spoke/IZkVinSpoke.sol";
import {ZkVinSpoke} from "../../src/spoke/ZkVinSpoke.sol";
import {CrossChainTestBase} from "../crosschain/CrossChainTestBase.sol";
import {LayerZeroRelay, SentPacket} from "../layerzero/LayerZeroRelay.sol";
import {NoReceiveConsumer, RecordingSpokeConsumer, ReenteringConsumer} from "../crosschain/SpokeConsumers.sol";

/// @notice ZkVinSpoke against the real hub gateway and market (mock proof verifier): pricing, request
/// checks, refunds of overpayment, model syncs, settlement arithmetic, hashed-input requests, access.
contract ZkVinSpokeTest is CrossChainTestBase {
    using OptionsBuilder for bytes;

    uint256 internal modelId; // 4 public inputs, 2 outputs
    uint256 internal hashedModel; // hashed input, 1 output
    IOLayout internal layout;
    RecordingSpokeConsumer internal consumer;
    int256[] internal input;
    address internal user = makeAddr("user");
    address internal stranger = makeAddr("stranger");

    function setUp() public override {
        super.setUp();
        layout = _layout(1, 4, 2);
        modelId = _registerModel(layout, _featureBounds());
        hashedModel = _registerModel(_hashedLayout(1, 4, 1));
        uint256[] memory models = new uint256[](2);
        (models[0], models[1]) = (modelId, hashedModel);
        _registerNode(nodeA, models, 10_000);
        _nextEpoch();
        _syncModel(modelId);
        _syncModel(hashedModel);
        consumer = new RecordingSpokeConsumer(spoke);
        input = _input(4, 11);
    }

    function _outputs(int256 a, int256 b) internal pure returns (int256[] memory o) {
        o = new int256[](2);
        (o[0], o[1]) = (a, b);
    }

    /// @dev Delivers `message` to the spoke as the endpoint would, from the gateway.
    function _receive(bytes memory message) internal {
        // Arguments are evaluated before the prank so that it applies to the lzReceive call.
        vm.prank(endpoints[SPOKE_EID]);
        spoke.lzReceive(Origin(HUB_EID, addressToBytes32(address(gateway)), 1), bytes32(0), message, address(0), "");
    }

    /// @dev A different bound per feature, each containing the inputs the tests send (`_input(4, 11)` and
    /// `_input(4, 1)`): [-1000, 1000], [-500, 0], [-470, -390], [-600, 600].
    function _featureBounds() internal pure returns (InputBound[] memory b) {
        b = new InputBound[](4);
        b[0] = InputBound({min: -1000, max: 1000});
        b[1] = InputBound({min: -500, max: 0});
        b[2] = InputBound({min: -470, max: -390});
        b[3] = InputBound({min: -600, max: 600});
    }

    function _modelMessage(uint256 id, uint64 nonce, uint128 price) internal view returns (bytes memory) {
        return _modelMessage(id, nonce, price, spoke.inputBounds(modelId));
    }

    function _modelMessage(uint256 id, uint64 nonce, uint128 price, InputBound[] memory bounds)
        internal
        view
        returns (bytes memory)
    {
        ModelInfo memory info = spoke.model(modelId);
        info.syncNonce = nonce;
        info.hubPrice = price;
        return ZkVinCodec.encodeModel(ModelMessage({modelId: id, info: info, inputBounds: bounds}));
    }

    // ---------------------------------------------------------------- construction and governance

    function test_constructor_checksItsArguments() public {
        address ep = endpoints[SPOKE_EID];
        vm.expectRevert(IZkVinSpoke.ZeroAddress.selector);
        new ZkVinSpoke(ep, address(this), HUB_EID, address(0), _spokeParams(), RECLAIM_DELAY);
        SpokeParams memory p = _spokeParams();
        p.priceRatio = 0;
        vm.expectRevert(abi.encodeWithSelector(IZkVinSpoke.ParameterOutOfBounds.selector, "priceRatio", 0));
        new ZkVinSpoke(ep, address(this), HUB_EID, spokeTreasury, p, RECLAIM_DELAY);
        vm.expectRevert(abi.encodeWithSelector(IZkVinSpoke.ParameterOutOfBounds.selector, "reclaimDelay", 59 minutes));
        new ZkVinSpoke(ep, address(this), HUB_EID, spokeTreasury, _spokeParams(), 59 minutes);
        vm.expectRevert(abi.encodeWithSelector(IZkVinSpoke.ParameterOutOfBounds.selector, "reclaimDelay", 31 days));
        new ZkVinSpoke(ep, address(this), HUB_EID, spokeTreasury, _spokeParams(), 31 days);
        assertEq(spoke.RECLAIM_DELAY(), RECLAIM_DELAY);
        assertEq(spoke.GOVERNANCE_DELAY(), RECLAIM_DELAY + 1 days);
        assertEq(spoke.HUB_EID(), HUB_EID);
        assertEq(spoke.treasury(), spokeTreasury);
        assertEq(spoke.nextRequestId(), 1);
    }

    function test_setParams_isBounded() public {
        SpokeParams memory p = _spokeParams();
        p.hubGasBase = 49_999;
        vm.expectRevert(abi.encodeWithSelector(IZkVinSpoke.ParameterOutOfBounds.selector, "hubGasBase", 49_999));
        spoke.setParams(p);
        p = _spokeParams();
        p.returnGasBase = 10_000_001;
        vm.expectRevert(abi.encodeWithSelector(IZkVinSpoke.ParameterOutOfBounds.selector, "returnGasBase", 10_000_001));
        spoke.setParams(p);
        p = _spokeParams();
        p.hubGasPerInput = 100_001;
        vm.expectRevert(abi.encodeWithSelector(IZkVinSpoke.ParameterOutOfBounds.selector, "hubGasPerInput", 100_001));
        spoke.setParams(p);
        p = _spokeParams();
        p.returnGasPerOutput = 100_001;
        vm.expectRevert(
            abi.encodeWithSelector(IZkVinSpoke.ParameterOutOfBounds.selector, "returnGasPerOutput", 100_001)
        );
        spoke.setParams(p);
        p = _spokeParams();
        p.maxCallbackGasLimit = 10_000_001;
        vm.expectRevert(
            abi.encodeWithSelector(IZkVinSpoke.ParameterOutOfBounds.selector, "maxCallbackGasLimit", 10_000_001)
        );
        spoke.setParams(p);

        p = _spokeParams();
        p.priceRatio = 2e18;
        vm.expectEmit(address(spoke));
        emit IZkVinSpoke.ParamsUpdated(p);
        spoke.setParams(p);
        assertEq(spoke.params().priceRatio, 2e18);
    }

    function test_governance_isOwnerOnly() public {
        SpokeParams memory p = _spokeParams();
        vm.startPrank(stranger);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        spoke.setParams(p);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        spoke.setTreasury(stranger);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        spoke.pause();
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, stranger));
        spoke.setPeer(HUB_EID, bytes32(uint256(1)));
        vm.stopPrank();

        vm.expectRevert(IZkVinSpoke.ZeroAddress.selector);
        spoke.setTreasury(address(0));
        spoke.setTreasury(stranger);
        assertEq(spoke.treasury(), stranger);

        spoke.transferOwnership(stranger);
        assertEq(spoke.owner(), address(this), "two steps");
        vm.prank(stranger);
        spoke.acceptOwnership();
        assertEq(spoke.owner(), stranger);
    }

    function test_setPeer_onlyForTheHub() public {
        vm.expectRevert(abi.encodeWithSelector(ZkVinSpoke.PeerNotHub.selector, uint32(3)));
        spoke.setPeer(3, bytes32(uint256(1)));
        // The spoke already has its gateway: a new one is only scheduled.
        bytes32 current = spoke.peers(HUB_EID);
        spoke.setPeer(HUB_EID, bytes32(uint256(7)));
        assertEq(spoke.peers(HUB_EID), current);
        (bytes32 pending,) = spoke.pendingPeer();
        assertEq(pending, bytes32(uint256(7)));
    }

    // ---------------------------------------------------------------- quote

    function test_quote_isInferenceFeePlusTheRequestMessageCarryingTheReplyBudget() public {
        FeeQuote memory q = spoke.quoteDetailed(modelId, input, CALLBACK_GAS);
        SpokeParams memory p = spoke.params();
        assertEq(q.inferenceFee, market.quote(modelId).total, "parity");
        assertEq(q.hubGasLimit, p.hubGasBase + 4 * p.hubGasPerInput);
        assertEq(
            q.returnGasLimit, p.returnGasBase + 2 * p.returnGasPerOutput + GasLimitedValueCall.gasNeeded(CALLBACK_GAS)
        );
        assertEq(q.returnBudget, p.returnFeeBase + uint256(p.returnFeePerGas) * q.returnGasLimit);
        assertGt(q.messageFee, q.returnBudget, "the message fee includes the value delivered to the hub");
        assertEq(q.total, q.inferenceFee + q.messageFee);
        assertEq(spoke.quote(modelId, input, CALLBACK_GAS), q.total);

        // The message fee is what the endpoint charges for the REQUEST with those options.
        RequestMessage memory r;
        r.spokeRequestId = spoke.nextRequestId();
        r.modelId = modelId;
        r.requester = addressToBytes32(address(this));
        r.input = input;
        r.feePaid = q.inferenceFee;
        r.hubPrice = spoke.model(modelId).hubPrice;
        r.returnGasLimit = q.returnGasLimit;
        bytes memory options = OptionsBuilder.newOptions().addExecutorLzReceiveOption(q.hubGasLimit, q.returnBudget);
        uint256 endpointFee =
            ILayerZeroEndpointV2(endpoints[SPOKE_EID])
        .quote(
            MessagingParams(HUB_EID, addressToBytes32(address(gateway)), ZkVinCodec.encodeRequest(r), options, false),
            address(spoke)
        )
        .nativeFee;
        assertEq(q.messageFee, endpointFee);

        // No callback: no callback gas in the reply.
        assertEq(spoke.quoteDetailed(modelId, input, 0).returnGasLimit, p.returnGasBase + 2 * p.returnGasPerOutput);
    }

    function testFuzz_quote_convertsTheHubPriceAtThePriceRatio(uint128 ratio) public {
        ratio = uint128(bound(ratio, 1, 1e24));
        SpokeParams memory p = _spokeParams();
        p.priceRatio = ratio;
        spoke.setParams(p);
        uint256 hubPrice = market.quote(modelId).total;
        FeeQuote memory q = spoke.quoteDetailed(modelId, input, 0);
        assertEq(q.inferenceFee, Math.mulDiv(hubPrice, ratio, 1e18, Math.Rounding.Ceil));
        assertGe(q.inferenceFee * 1e18, hubPrice * ratio, "never below the converted price");
    }

    // ---------------------------------------------------------------- request checks

    function test_request_checksItsArguments() public {
        uint256 fee = 1 ether;
        vm.expectRevert(abi.encodeWithSelector(IZkVinSpoke.UnknownModel.selector, 99));
        spoke.requestInference{value: fee}(99, input, 0);
        vm.expectRevert(abi.encodeWithSelector(IZkVinSpoke.UnknownModel.selector, 99));
        spoke.quote(99, input, 0);

        vm.expectRevert(abi.encodeWithSelector(IZkVinSpoke.WrongInputMode.selector, hashedModel));
        spoke.requestInference{value: fee}(hashedModel, input, 0);
        vm.expectRevert(abi.encodeWithSelector(IZkVinSpoke.WrongInputMode.selector, modelId));
        spoke.requestInferenceWithCommitment{value: fee}(modelId, input, 5, 0);
        vm.expectRevert(abi.encodeWithSelector(ZkVinSpoke.MissingCommitment.selector, hashedModel));
        spoke.requestInferenceWithCommitment{value: fee}(hashedModel, input, 0, 0);
        vm.expectRevert(abi.encodeWithSelector(IZkVinSpoke.CommitmentOutOfField.selector, FieldEncoding.P));
        spoke.requestInferenceWithCommitment{value: fee}(hashedModel, input, FieldEncoding.P, 0);

        int256[] memory short = new int256[](3);
        vm.expectRevert(abi.encodeWithSelector(IZkVinSpoke.InputLengthMismatch.selector, 4, 3));
        spoke.requestInference{value: fee}(modelId, short, 0);
        // Each feature against its own bound: -389 fits every feature's bound but feature 2's [-470, -390].
        int256[] memory high = _input(4, 1);
        high[2] = -389;
        vm.expectRevert(abi.encodeWithSelector(InputBounds.InputOutOfBounds.selector, 2, -389, -470, -390));
        spoke.requestInference{value: fee}(modelId, high, 0);
        high[2] = -471;
        vm.expectRevert(abi.encodeWithSelector(InputBounds.InputOutOfBounds.selector, 2, -471, -470, -390));
        spoke.requestInference{value: fee}(modelId, high, 0);
        high[2] = -470;
        high[1] = 1;
        vm.expectRevert(abi.encodeWithSelector(InputBounds.InputOutOfBounds.selector, 1, 1, -500, 0));
        spoke.requestInference{value: fee}(modelId, high, 0);
        // A hashed-input model's bounds apply to the values sent beside the commitment.
        high = _input(4, 1);
        high[0] = -1e6 - 1;
        vm.expectRevert(abi.encodeWithSelector(InputBounds.InputOutOfBounds.selector, 0, -1e6 - 1, -1e6, 1e6));
        spoke.requestInferenceWithCommitment{value: fee}(hashedModel, high, 5, 0);

        vm.expectRevert(abi.encodeWithSelector(IZkVinSpoke.CallbackGasLimitTooHigh.selector, 2_000_001, 2_000_000));
        spoke.requestInference{value: fee}(modelId, input, 2_000_001);

        uint256 total = spoke.quote(modelId, input, 0);
        vm.expectRevert(abi.encodeWithSelector(IZkVinSpoke.InsufficientFee.selector, total, total - 1));
        spoke.requestInference{value: total - 1}(modelId, input, 0);
        assertEq(spoke.nextRequestId(), 1, "nothing was opened");
        assertEq(address(spoke).balance, 0);
    }

    function test_request_ofADeprecatedModel_isRefusedOnceSynced() public {
        vm.prank(modelOwner);
        registry.deprecateModel(modelId);
        _syncModel(modelId);
        assertTrue(spoke.model(modelId).deprecated);
        vm.expectRevert(abi.encodeWithSelector(IZkVinSpoke.ModelDeprecated.selector, modelId));
        spoke.requestInference{value: 1 ether}(modelId, input, 0);
    }

    function test_request_escrowsSendsAndLogsEverything() public {
        FeeQuote memory q = spoke.quoteDetailed(modelId, input, CALLBACK_GAS);
        vm.deal(user, q.total);
        vm.recordLogs();
        vm.prank(user);
        uint256 id = spoke.requestInference{value: q.total}(modelId, input, CALLBACK_GAS);
        assertEq(id, 1);
        Vm.Log[] memory logs = vm.getRecordedLogs();

        SpokeRequest memory r = spoke.request(id);
        assertEq(r.requester, user);
        assertEq(r.modelId, modelId);
        assertEq(uint8(r.status), uint8(SpokeRequestStatus.Pending));
        assertEq(r.escrow, q.inferenceFee);
        assertEq(r.callbackGasLimit, CALLBACK_GAS);
        assertFalse(r.failureHandler, "an EOA declares no handler");
        assertEq(spoke.totalEscrowed(), q.inferenceFee);
        assertEq(address(spoke).balance, q.inferenceFee);
        assertEq(user.balance, 0);

        bool found;
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter != address(spoke) || logs[i].topics[0] != IZkVinSpoke.InferenceRequested.selector) {
                continue;
            }
            found = true;
            assertEq(uint256(logs[i].topics[1]), id);
            assertEq(uint256(logs[i].topics[2]), modelId);
            assertEq(address(uint160(uint256(logs[i].topics[3]))), user);
            (bytes32 guid, int256[] memory loggedInput, uint256 commitment, uint32 gas, FeeQuote memory fees) =
                abi.decode(logs[i].data, (bytes32, int256[], uint256, uint32, FeeQuote));
            assertTrue(guid != bytes32(0));
            assertEq(loggedInput, input);
            assertEq(commitment, 0);
            assertEq(gas, CALLBACK_GAS);
            assertEq(keccak256(abi.encode(fees)), keccak256(abi.encode(q)));
        }
        assertTrue(found);

        // An EOA's share of a slash is credited to its own address on the hub; a contract's to the treasury.
        assertEq(_slashBeneficiaryOnTheHub(), user);
        uint256 total = spoke.quote(modelId, input, 0);
        consumer.ask{value: total}(modelId, input, 0);
        assertEq(_slashBeneficiaryOnTheHub(), address(0));
    }

    function _slashBeneficiaryOnTheHub() internal returns (address beneficiary) {
        vm.recordLogs();
        _deliverToHub();
        Vm.Log[] memory logs = vm.getRecordedLogs();
        bytes32 topic = IInferenceMarket.RemoteInferenceRequested.selector;
        uint256 found;
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter == address(market) && logs[i].topics[0] == topic) {
                (,, beneficiary) = abi.decode(logs[i].data, (bytes32, uint256, address));
                ++found;
            }
        }
        assertEq(found, 1);
    }

    function test_request_overpayment_isSentBackOrCredited() public {
        uint256 total = spoke.quote(modelId, input, 0);
        vm.deal(user, total + 1 ether);
        vm.prank(user);
        spoke.requestInference{value: total + 1 ether}(modelId, input, 0);
        assertEq(user.balance, 1 ether, "pushed back to an EOA");

        NoReceiveConsumer noReceive = new NoReceiveConsumer(spoke);
        noReceive.ask{value: total + 1 ether}(modelId, input, 0);
        assertEq(spoke.claimable(address(noReceive)), 1 ether, "credited when the push fails");
        _assertBooks();
        noReceive.withdrawFromSpoke(payable(user));
        assertEq(user.balance, 2 ether);
        _assertBooks();
    }

    function test_failureHandler_isDetectedThroughErc165() public {
        uint256 total = spoke.quote(modelId, input, 0);
        uint256 id = consumer.ask{value: total}(modelId, input, 0);
        assertTrue(spoke.request(id).failureHandler);
        NoReceiveConsumer plain = new NoReceiveConsumer(spoke);
        id = plain.ask{value: total}(modelId, input, 0);
        assertFalse(spoke.request(id).failureHandler);
    }

    // ---------------------------------------------------------------- hashed inputs

    function test_hashedInput_roundTrip_carriesTheCommitment() public {
        uint256 commitment = uint256(keccak256("poseidon(x)")) % FieldEncoding.P;
        uint256 total = spoke.quote(hashedModel, input, 0);
        vm.deal(user, total);
        vm.prank(user);
        uint256 id = spoke.requestInferenceWithCommitment{value: total}(hashedModel, input, commitment, 0);
        _deliverToHub();
        uint256 hubId = _hubId(id, user);
        assertGt(hubId, 0);

        // The proof's input slot must hold the commitment.
        uint256[] memory inst = new uint256[](2);
        inst[0] = commitment;
        inst[1] = FieldEncoding.toFelt(42);
        bytes memory proof = _proof(hashedModel, inst);
        vm.prank(nodeA);
        market.fulfil(hubId, proof, inst);
        _deliverToSpoke();
        int256[] memory expected = new int256[](1);
        expected[0] = 42;
        assertEq(spoke.resultOf(id), expected);
        assertEq(uint8(spoke.request(id).callback), uint8(CallbackStatus.None), "no callback was asked for");
    }

    // ---------------------------------------------------------------- replies

    function test_modelSync_storesTheBoundsOnce() public {
        // setUp synced both models: the spoke holds each one's bounds, as registered on the hub.
        assertEq(abi.encode(spoke.inputBounds(modelId)), abi.encode(_featureBounds()));
        assertEq(abi.encode(spoke.inputBounds(hashedModel)), abi.encode(registry.inputBounds(hashedModel)));
        assertEq(spoke.inputBounds(99).length, 0, "an unknown model has none");

        // A later sync with the same bounds creates no new code (the spoke's nonce counts its CREATEs).
        uint64 creates = vm.getNonce(address(spoke));
        uint64 current = spoke.model(modelId).syncNonce;
        InputBound[] memory bounds = _featureBounds();
        vm.expectEmit(address(spoke));
        emit IZkVinSpoke.ModelSynced(modelId, _syncedInfo(current + 1, 77), bounds);
        _receive(_modelMessage(modelId, current + 1, 77, bounds));
        assertEq(vm.getNonce(address(spoke)), creates);

        // Different bounds (a hub never changes a model's, but the spoke keeps whatever the hub says) replace them.
        bounds[3] = InputBound({min: 0, max: 1});
        _receive(_modelMessage(modelId, current + 2, 77, bounds));
        assertEq(vm.getNonce(address(spoke)), creates + 1);
        assertEq(abi.encode(spoke.inputBounds(modelId)), abi.encode(bounds));
        int256[] memory ok = _input(4, 11);
        ok[3] = 1;
        uint256 fee = spoke.quote(modelId, ok, 0);
        spoke.requestInference{value: fee}(modelId, ok, 0);
        ok[3] = 2;
        vm.expectRevert(abi.encodeWithSelector(InputBounds.InputOutOfBounds.selector, 3, 2, 0, 1));
        spoke.requestInference{value: fee}(modelId, ok, 0);

        // A late, older sync changes neither terms nor bounds.
        _receive(_modelMessage(modelId, current + 1, 5, _featureBounds()));
        assertEq(abi.encode(spoke.inputBounds(modelId)), abi.encode(bounds));
    }

    function _syncedInfo(uint64 nonce, uint128 price) internal view returns (ModelInfo memory info) {
        info = spoke.model(modelId);
        info.syncNonce = nonce;
        info.hubPrice = price;
    }

    function test_modelSync_keepsTheNewestAndIgnoresLateOnes() public {
        uint64 current = spoke.model(modelId).syncNonce;
        _receive(_modelMessage(modelId, current + 5, 123));
        assertEq(spoke.model(modelId).hubPrice, 123);
        vm.expectEmit(address(spoke));
        emit IZkVinSpoke.StaleModelSyncIgnored(modelId, current + 4, current + 5);
        _receive(_modelMessage(modelId, current + 4, 456));
        assertEq(spoke.model(modelId).hubPrice, 123);
        assertEq(spoke.model(modelId).syncNonce, current + 5);
    }

    function test_lzReceive_refusesRequestsAndStrangers() public {
        RequestMessage memory r;
        bytes memory request = ZkVinCodec.encodeRequest(r);
        vm.expectRevert(abi.encodeWithSelector(IZkVinSpoke.UnexpectedMessage.selector, ZkVinCodec.REQUEST));
        _receive(request);
        vm.expectRevert(abi.encodeWithSelector(OAppReceiver.OnlyEndpoint.selector, address(this)));
        spoke.lzReceive(Origin(HUB_EID, addressToBytes32(address(gateway)), 1), bytes32(0), request, address(0), "");
        vm.expectRevert(abi.encodeWithSelector(IZkVinSpoke.RequestNotPending.selector, 5, SpokeRequestStatus.None));
        _receive(
            ZkVinCodec.encodeResult(
                ResultMessage({
                    spoke: addressToBytes32(address(spoke)),
                    spokeRequestId: 5,
                    hubRequestId: 1,
                    output: new int256[](1),
                    settlement: Settlement(nodeA, 0, modelOwner, 0, 0)
                })
            )
        );
    }

    function test_reply_withNativeValue_creditsTheTreasury() public {
        bytes memory message = _modelMessage(modelId, 100, 1);
        vm.deal(endpoints[SPOKE_EID], 1 ether);
        vm.prank(endpoints[SPOKE_EID]);
        spoke.lzReceive{value: 1 ether}(
            Origin(HUB_EID, addressToBytes32(address(gateway)), 1), bytes32(0), message, address(0), ""
        );
        assertEq(spoke.claimable(spokeTreasury), 1 ether);
        _assertBooks();
    }

    /// @dev Opens a request from `user` with no callback; returns its id and escrow.
    function _open() internal returns (uint256 id, uint256 escrow) {
        (id,) = _spokeRequest(user, modelId, input, 0);
        escrow = spoke.request(id).escrow;
    }

    function _result(uint256 id, Settlement memory s) internal view returns (bytes memory) {
        return ZkVinCodec.encodeResult(
            ResultMessage({
                spoke: addressToBytes32(address(spoke)),
                spokeRequestId: id,
                hubRequestId: 7,
                output: _outputs(1, 2),
                settlement: s
            })
        );
    }

    function test_result_settlingMoreThanTheEscrow_isRefused() public {
        (uint256 id, uint256 escrow) = _open();
        vm.expectRevert(abi.encodeWithSelector(IZkVinSpoke.SettlementExceedsEscrow.selector, id, escrow + 1, escrow));
        _receive(_result(id, Settlement(nodeA, escrow, modelOwner, 1, 0)));
    }

    function testFuzz_result_creditsExactlyWhatTheHubSays(
        uint256 nodeAmount,
        uint256 royaltyAmount,
        uint256 protocolAmount
    ) public {
        (uint256 id, uint256 escrow) = _open();
        nodeAmount = bound(nodeAmount, 0, escrow);
        royaltyAmount = bound(royaltyAmount, 0, escrow - nodeAmount);
        protocolAmount = bound(protocolAmount, 0, escrow - nodeAmount - royaltyAmount);
        _receive(_result(id, Settlement(nodeA, nodeAmount, modelOwner, royaltyAmount, protocolAmount)));
        assertEq(spoke.claimable(nodeA), nodeAmount);
        assertEq(spoke.claimable(modelOwner), royaltyAmount);
        assertEq(spoke.claimable(spokeTreasury), protocolAmount);
        assertEq(spoke.claimable(user), escrow - nodeAmount - royaltyAmount - protocolAmount, "unspent goes back");
        assertEq(spoke.totalEscrowed(), 0);
        assertEq(spoke.totalClaimable(), escrow);
        _assertBooks();
    }

    function test_result_withoutNodeOrOwner_creditsTheTreasury() public {
        (uint256 id, uint256 escrow) = _open();
        _receive(_result(id, Settlement(address(0), 3, address(0), 4, escrow - 7)));
        assertEq(spoke.claimable(spokeTreasury), escrow);
    }

    function test_callback_cannotReenterTheSpoke() public {
        ReenteringConsumer re = new ReenteringConsumer(spoke);
        uint256 total = spoke.quote(modelId, input, CALLBACK_GAS);
        uint256 id = re.ask{value: total}(modelId, input, CALLBACK_GAS);
        _receive(_result(id, Settlement(nodeA, 1, modelOwner, 0, 0)));
        bytes memory reentrancy = abi.encodeWithSelector(ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector);
        assertEq(re.withdrawError(), reentrancy);
        assertEq(re.retryError(), reentrancy);
        assertEq(uint8(spoke.request(id).callback), uint8(CallbackStatus.Delivered));
    }

    function test_refund_toAContractThatRefusesPayments_isCredited() public {
        NoReceiveConsumer noReceive = new NoReceiveConsumer(spoke);
        uint256 total = spoke.quote(modelId, input, 0);
        uint256 id = noReceive.ask{value: total}(modelId, input, 0);
        uint256 escrow = spoke.request(id).escrow;
        _deliverToHub();
        _expireForGood(_hubId(id, address(noReceive)));
        _deliverToSpoke();
        assertEq(uint8(spoke.request(id).status), uint8(SpokeRequestStatus.Refunded));
        assertEq(spoke.claimable(address(noReceive)), escrow);
        noReceive.withdrawFromSpoke(payable(user));
        assertEq(user.balance, escrow);
        _assertBooks();
    }

    function test_result_executedWithTooLittleGasForTheCallback_revertsAndCanBeRetried() public {
        uint256 total = spoke.quote(modelId, input, CALLBACK_GAS);
        uint256 id = consumer.ask{value: total}(modelId, input, CALLBACK_GAS);
        _deliverToHub();
        vm.recordLogs();
        _fulfil(_hubId(id, address(consumer)), modelId, input, _outputs(5, 6));
        SentPacket memory p = LayerZeroRelay.sentPackets(vm.getRecordedLogs(), endpoints[HUB_EID])[0];
        this.validatePacket(p.encoded, "");
        Origin memory origin = Origin(p.srcEid, p.sender, p.nonce);
        ILayerZeroEndpointV2 ep = ILayerZeroEndpointV2(endpoints[SPOKE_EID]);

        // An executor that gives less gas than the callback needs cannot make the callback fail: the whole
        // execution reverts and the packet stays on the endpoint.
        vm.expectPartialRevert(GasLimitedValueCall.InsufficientGasForCall.selector);
        ep.lzReceive{gas: CALLBACK_GAS + 100_000}(origin, address(spoke), p.guid, p.message, "");
        assertEq(uint8(spoke.request(id).status), uint8(SpokeRequestStatus.Pending));

        ep.lzReceive{gas: spoke.quoteDetailed(modelId, input, CALLBACK_GAS).returnGasLimit}(
            origin, address(spoke), p.guid, p.message, ""
        );
        assertEq(uint8(spoke.request(id).callback), uint8(CallbackStatus.Delivered));
        assertEq(consumer.outputOf(id), _outputs(5, 6));
    }

    // ---------------------------------------------------------------- withdraw

    function test_withdraw_checksAndPays() public {
        vm.expectRevert(abi.encodeWithSelector(IZkVinSpoke.NothingToWithdraw.selector, nodeA));
        vm.prank(nodeA);
        spoke.withdraw(payable(nodeA));
        (uint256 id, uint256 escrow) = _open();
        _receive(_result(id, Settlement(nodeA, escrow, modelOwner, 0, 0)));
        vm.prank(nodeA);
        vm.expectRevert(IZkVinSpoke.ZeroAddress.selector);
        spoke.withdraw(payable(address(0)));

        NoReceiveConsumer refuser = new NoReceiveConsumer(spoke);
        vm.prank(nodeA);
        vm.expectRevert(abi.encodeWithSelector(IZkVinSpoke.TransferFailed.selector, address(refuser), escrow));
        spoke.withdraw(payable(address(refuser)));

        vm.expectEmit(address(spoke));
        emit IZkVinSpoke.Withdrawn(nodeA, nodeA, escrow);
        vm.prank(nodeA);
        spoke.withdraw(payable(nodeA));
        assertEq(nodeA.balance, escrow);
        assertEq(spoke.claimable(nodeA), 0);
        _assertBooks();
    }

    // ---------------------------------------------------------------- fee arithmetic end to end

    /// forge-config: default.fuzz.runs = 40
    /// forge-config: ci.fuzz.runs = 60
    function testFuzz_roundTrip_splitsTheEscrowInTheHubsProportions(uint96 royalty, uint128 ratio, bool overpay)
        public
    {
        royalty = uint96(bound(royalty, 0, MAX_ROYALTY));
        ratio = uint128(bound(ratio, 1e12, 1e21)); // a spoke token worth 1e6 down to 1e-3 hub tokens
        vm.prank(modelOwner);
        registry.setRoyalty(modelId, royalty);
        _syncModel(modelId);
        SpokeParams memory p = _spokeParams();
        p.priceRatio = ratio;
        spoke.setParams(p);

        FeeQuote memory q = spoke.quoteDetailed(modelId, input, CALLBACK_GAS);
        uint256 paid = overpay ? q.total + 12345 : q.total;
        vm.deal(address(this), paid + 100 ether); // the test helper also pays the values packets deliver
        uint256 id = consumer.ask{value: paid}(modelId, input, CALLBACK_GAS);
        _deliverToHub();
        _fulfil(_hubId(id, address(consumer)), modelId, input, _outputs(-3, 4));
        _deliverToSpoke();
        _assertSplit(q.inferenceFee);
        assertEq(consumer.outputOf(id), _outputs(-3, 4));
        _assertBooks();
    }

    function _assertSplit(uint256 escrow) internal view {
        (uint256 n, uint256 r, uint256 t) = Pricing.splitPaid(escrow, market.quote(modelId));
        assertEq(spoke.claimable(nodeA), n);
        assertEq(spoke.claimable(modelOwner), r);
        assertEq(spoke.claimable(spokeTreasury), t);
        assertEq(n + r + t, escrow);
        assertEq(spoke.claimable(address(consumer)), 0);
    }
}
