// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Vm} from "forge-std/Vm.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {PausableUpgradeable} from "@openzeppelin/contracts-upgradeable/utils/PausableUpgradeable.sol";
import {
    DeliveryStatus,
    FeeRecord,
    Fees,
    IInferenceMarket,
    MarketParams,
    ModelUsage,
    RemoteRequest,
    Request,
    RequestStatus
} from "../../src/interfaces/IInferenceMarket.sol";
import {IModelRegistry} from "../../src/interfaces/IModelRegistry.sol";
import {INodePool, PoolParams} from "../../src/interfaces/INodePool.sol";
import {Settlement} from "../../src/interfaces/IRemoteResultSink.sol";
import {FieldEncoding} from "../../src/libraries/FieldEncoding.sol";
import {GasLimitedCall} from "../../src/libraries/GasLimitedCall.sol";
import {InputBound, InputBounds} from "../../src/libraries/InputBounds.sol";
import {IOLayout, InstanceLayout} from "../../src/libraries/InstanceLayout.sol";
import {Price} from "../../src/libraries/Pricing.sol";
import {
    ChainingConsumer,
    GasGuzzlingConsumer,
    RecordingConsumer,
    RecordingResultSink,
    ReentrantConsumer,
    RejectingReceiver,
    ReturnBombConsumer
} from "../mocks/TestConsumers.sol";
import {HubTestBase} from "../utils/HubTestBase.sol";

/// @notice Requests only when the assignment lands on `target` (reverting otherwise), as a steering
/// requester would.
contract SteeringRequester {
    function steer(IInferenceMarket m, uint256 modelId, int256[] calldata input, uint256 fee, address target)
        external
        returns (uint256 id)
    {
        id = m.requestInference{value: fee}(modelId, input, 0);
        require(m.request(id).node == target, "not the target");
    }

    receive() external payable {}
}

contract InferenceMarketTest is HubTestBase {
    uint256 internal modelId; // batch 1, 3 inputs, 1 output
    uint256 internal batchModel; // batch 4
    IOLayout internal layout;
    IOLayout internal batchLayout;
    RecordingConsumer internal consumer;
    RecordingResultSink internal sink;
    address internal stranger = makeAddr("stranger");
    uint256 internal price;

    function setUp() public override {
        super.setUp();
        layout = _layout(1, 3, 1);
        batchLayout = _layout(4, 3, 1);
        modelId = _registerModel(layout);
        batchModel = _registerModel(batchLayout);
        uint256[] memory models = new uint256[](2);
        (models[0], models[1]) = (modelId, batchModel);
        _registerNode(nodeA, models, 10_000);
        _nextEpoch();
        consumer = new RecordingConsumer();
        sink = new RecordingResultSink();
        market.grantRole(market.REMOTE_GATEWAY_ROLE(), address(sink));
        price = market.quote(modelId).total;
    }

    function _out(int256 v) internal pure returns (int256[] memory o) {
        o = new int256[](1);
        o[0] = v;
    }

    function _consumerRequest(uint256 model, int256[] memory input, uint32 gas) internal returns (uint256) {
        uint256 p = market.quote(model, gas).total;
        vm.deal(address(this), p);
        return consumer.request{value: p}(market, model, input, gas);
    }

    function _proofFor(uint256 model, int256[][] memory ins, int256[][] memory outs)
        internal
        view
        returns (bytes memory proof, uint256[] memory inst)
    {
        (,,, IOLayout memory l) = registry.fulfilmentTerms(model);
        inst = _instances(l, ins, outs);
        proof = _proof(model, inst);
    }

    // ---------------------------------------------------------------- quote and request

    function test_quote() public view {
        Price memory p = market.quote(modelId);
        assertEq(p.nodeFee, uint256(COMPUTE_UNITS) * UNIT_PRICE);
        assertEq(p.royalty, ROYALTY);
        assertEq(p.protocolFee, PROTOCOL_FEE);
        assertEq(p.total, p.nodeFee + p.royalty + p.protocolFee);
    }

    function test_requestInference_escrowsAssignsAndRecords() public {
        int256[] memory input = _input(3, 1);
        vm.deal(requester, price);
        Fees memory fees = Fees(uint256(COMPUTE_UNITS) * UNIT_PRICE, ROYALTY, PROTOCOL_FEE, 0, 0, SLASH);
        vm.expectEmit(address(market));
        emit IInferenceMarket.InferenceRequested(1, modelId, requester, input, 0, 0, fees);
        vm.prank(requester);
        uint256 id = market.requestInference{value: price}(modelId, input, 0);

        assertEq(id, 1);
        assertEq(market.nextRequestId(), 2);
        Request memory r = market.request(id);
        assertEq(r.requester, requester);
        assertEq(r.modelId, modelId);
        assertEq(uint8(r.status), uint8(RequestStatus.Pending));
        assertEq(r.node, nodeA);
        assertEq(r.deadline, block.number + WINDOW);
        assertEq(r.feesId, 1);
        Fees memory stored = market.requestFees(id);
        assertEq(stored.nodeFee, fees.nodeFee);
        assertEq(stored.royalty, ROYALTY);
        assertEq(stored.protocolFee, PROTOCOL_FEE);
        uint256[] memory felts = new uint256[](3);
        for (uint256 i; i < 3; ++i) {
            felts[i] = FieldEncoding.toFelt(input[i]);
        }
        assertEq(r.payloadDigest, keccak256(abi.encodePacked(felts)));
        assertEq(market.totalEscrowed(), price);
        assertEq(address(market).balance, price);
        assertEq(market.effectiveDeadline(id), r.deadline);
        assertEq(pool.spareCapacity(nodeA), 10_000 - COMPUTE_UNITS);
        assertEq(pool.node(nodeA).pending, 1);
    }

    function test_feeRecords_sharedUntilAPriceChanges() public {
        uint256 a = _request(modelId, _input(3, 1), 0);
        uint256 b = _request(modelId, _input(3, 2), 0);
        assertEq(market.request(a).feesId, market.request(b).feesId, "same prices, same record");

        vm.prank(modelOwner);
        registry.setRoyalty(modelId, ROYALTY * 2);
        FeeRecord memory expected =
            FeeRecord(uint256(COMPUTE_UNITS) * UNIT_PRICE, ROYALTY * 2, PROTOCOL_FEE, CALLBACK_GAS_PRICE, 0, SLASH);
        uint256 newPrice = market.quote(modelId).total;
        vm.deal(requester, newPrice);
        vm.expectEmit(address(market));
        emit IInferenceMarket.FeesRecorded(market.request(a).feesId + 1, expected);
        vm.prank(requester);
        uint256 c = market.requestInference{value: newPrice}(modelId, _input(3, 3), 0);
        assertEq(market.request(c).feesId, market.request(a).feesId + 1);
        assertEq(market.requestFees(c).royalty, ROYALTY * 2);
        assertEq(market.requestFees(a).royalty, ROYALTY, "earlier requests keep their terms");

        // A batch mixing both records pays each request its own terms.
        uint256 other = _request(batchModel, _input(3, 4), 0);
        assertTrue(market.request(other).feesId != market.request(c).feesId, "records are per model");
        _fulfil(a, modelId, _input(3, 1), _out(1));
        _fulfil(c, modelId, _input(3, 3), _out(1));
        assertEq(market.claimable(modelOwner), ROYALTY * 3);
    }

    function test_requestInference_usageStatistics() public {
        _request(modelId, _input(3, 1), 0);
        _request(modelId, _input(3, 2), 0);
        _request(modelId, _input(3, 3), 0);
        _consumerRequest(modelId, _input(3, 4), 0);
        ModelUsage memory u = market.modelUsage(modelId);
        assertEq(u.requests, 4);
        assertEq(u.distinctRequesters, 2);
        assertEq(u.repeatRequesters, 1);
        assertEq(market.requestCount(modelId, bytes32(uint256(uint160(requester)))), 3);
    }

    function test_requestInference_reverts() public {
        vm.deal(requester, 10 ether);
        vm.startPrank(requester);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotFound.selector, 99));
        market.requestInference{value: price}(99, _input(3, 1), 0);
        vm.expectRevert(abi.encodeWithSelector(InstanceLayout.InputLengthMismatch.selector, 3, 2));
        market.requestInference{value: price}(modelId, _input(2, 1), 0);
        int256[] memory big = _input(3, 1);
        big[1] = 1e6 + 1;
        vm.expectRevert(abi.encodeWithSelector(InputBounds.InputOutOfBounds.selector, 1, 1e6 + 1, -1e6, 1e6));
        market.requestInference{value: price}(modelId, big, 0);
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.CallbackGasLimitTooHigh.selector, 1_000_001, 1_000_000));
        market.requestInference{value: price}(modelId, _input(3, 1), 1_000_001);
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.IncorrectPayment.selector, price, price - 1));
        market.requestInference{value: price - 1}(modelId, _input(3, 1), 0);
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.IncorrectPayment.selector, price, price + 1));
        market.requestInference{value: price + 1}(modelId, _input(3, 1), 0);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.WrongInputMode.selector, modelId));
        market.requestInferenceWithCommitment{value: price}(modelId, _input(3, 1), 5, 0);
        vm.stopPrank();

        vm.prank(modelOwner);
        registry.deprecateModel(modelId);
        vm.prank(requester);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelIsDeprecated.selector, modelId));
        market.requestInference{value: price}(modelId, _input(3, 1), 0);

        market.pause();
        vm.prank(requester);
        vm.expectRevert(PausableUpgradeable.EnforcedPause.selector);
        market.requestInference{value: price}(batchModel, _input(3, 1), 0);
    }

    function test_requestInference_revertsWithoutCapacity() public {
        uint256 lonely = _registerModel(layout);
        vm.deal(requester, price);
        vm.prank(requester);
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.NoCapacity.selector, lonely));
        market.requestInference{value: price}(lonely, _input(3, 1), 0);
        assertEq(requester.balance, price, "nothing taken");
    }

    // ---------------------------------------------------------------- fulfilment

    function test_fulfil_paysAndDelivers() public {
        int256[] memory input = _input(3, 1);
        uint256 id = _consumerRequest(modelId, input, 200_000);
        (bytes memory proof, uint256[] memory inst) = _proofFor(modelId, _single(input), _single(_out(-42)));

        bytes32 inputDigest = market.request(id).payloadDigest;
        Price memory q = market.quote(modelId, 200_000);
        assertEq(q.callbackFee, 200_000 * uint256(CALLBACK_GAS_PRICE), "the callback gas is priced");
        assertEq(market.requestFees(id).callbackFee, q.callbackFee);
        vm.expectEmit(address(market));
        emit IInferenceMarket.InferenceFulfilled(id, _out(-42));
        vm.expectEmit(address(market));
        emit IInferenceMarket.FulfilmentSettled(
            nodeA, modelId, modelOwner, 1, q.nodeFee + q.callbackFee, q.royalty, q.protocolFee
        );
        vm.prank(nodeA);
        market.fulfil(id, proof, inst);

        Request memory r = market.request(id);
        assertEq(uint8(r.status), uint8(RequestStatus.Fulfilled));
        assertEq(uint8(r.delivery), uint8(DeliveryStatus.Delivered));
        assertEq(r.payloadDigest, inputDigest, "delivered results keep only the event");
        assertEq(consumer.lastOutput(), _out(-42));
        assertEq(consumer.lastRequestId(), id);
        // M-2: the node that forwarded the callback gas is paid for it.
        assertEq(market.claimable(nodeA), uint256(COMPUTE_UNITS) * UNIT_PRICE + q.callbackFee);
        assertEq(market.claimable(modelOwner), ROYALTY);
        assertEq(market.claimable(treasury), PROTOCOL_FEE);
        assertEq(market.totalEscrowed(), 0);
        assertEq(market.totalClaimable(), q.total);
        assertEq(pool.node(nodeA).pending, 0);
        assertEq(market.modelUsage(modelId).fulfilled, 1);

        vm.prank(nodeA);
        vm.expectRevert(
            abi.encodeWithSelector(IInferenceMarket.RequestNotPending.selector, id, RequestStatus.Fulfilled)
        );
        market.fulfil(id, proof, inst);
    }

    function test_fulfil_withoutCallbackLeavesDeliveryNone() public {
        int256[] memory input = _input(3, 1);
        uint256 id = _request(modelId, input, 0);
        _fulfil(id, modelId, input, _out(7));
        assertEq(uint8(market.request(id).delivery), uint8(DeliveryStatus.None));
    }

    function test_fulfil_reverts() public {
        int256[] memory input = _input(3, 1);
        uint256 id = _request(modelId, input, 0);
        (bytes memory proof, uint256[] memory inst) = _proofFor(modelId, _single(input), _single(_out(1)));

        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.NotAssignedNode.selector, id, stranger));
        market.fulfil(id, proof, inst);

        vm.startPrank(nodeA);
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.RequestNotPending.selector, 99, RequestStatus.None));
        market.fulfil(99, proof, inst);

        uint256[] memory wrongLength = new uint256[](5);
        vm.expectRevert(abi.encodeWithSelector(InstanceLayout.InstanceCountMismatch.selector, 4, 5));
        market.fulfil(id, proof, wrongLength);

        bytes memory badProof = abi.encode(bytes32(0), inst);
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.InvalidProof.selector, modelId));
        market.fulfil(id, badProof, inst);

        (bytes memory otherProof, uint256[] memory otherInst) =
            _proofFor(modelId, _single(_input(3, 9)), _single(_out(1)));
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.InputMismatch.selector, id, 0));
        market.fulfil(id, otherProof, otherInst);

        uint256[] memory outOfField = new uint256[](4);
        for (uint256 i; i < 3; ++i) {
            outOfField[i] = inst[i];
        }
        outOfField[3] = FieldEncoding.P;
        bytes memory outOfFieldProof = _proof(modelId, outOfField);
        vm.expectRevert(abi.encodeWithSelector(FieldEncoding.FeltOutOfField.selector, FieldEncoding.P));
        market.fulfil(id, outOfFieldProof, outOfField);
        vm.stopPrank();

        vm.roll(block.number + WINDOW + 1);
        vm.prank(nodeA);
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.DeadlinePassed.selector, id, block.number - 1));
        market.fulfil(id, proof, inst);

        market.pause();
        vm.prank(nodeA);
        vm.expectRevert(PausableUpgradeable.EnforcedPause.selector);
        market.fulfil(id, proof, inst);
    }

    function test_fulfilBatch_fullAndPartial() public {
        uint256[] memory ids = new uint256[](4);
        int256[][] memory ins = new int256[][](4);
        int256[][] memory outs = new int256[][](4);
        for (uint256 s; s < 4; ++s) {
            // casting is safe because the loop index is below a small array length
            // forge-lint: disable-next-line(unsafe-typecast)
            ins[s] = _input(3, int256(s) + 10);
            // casting is safe because the loop index is below a small array length
            // forge-lint: disable-next-line(unsafe-typecast)
            outs[s] = _out(int256(s) * 1000 - 1500);
            ids[s] = _consumerRequest(batchModel, ins[s], 200_000);
        }
        (bytes memory proof, uint256[] memory inst) = _proofFor(batchModel, ins, outs);
        for (uint256 s; s < 4; ++s) {
            vm.expectEmit(address(market));
            emit IInferenceMarket.InferenceFulfilled(ids[s], outs[s]);
        }
        Price memory q = market.quote(batchModel, 200_000);
        vm.expectEmit(address(market));
        emit IInferenceMarket.FulfilmentSettled(
            nodeA, batchModel, modelOwner, 4, 4 * (q.nodeFee + q.callbackFee), 4 * q.royalty, 4 * q.protocolFee
        );
        vm.prank(nodeA);
        market.fulfilBatch(ids, proof, inst);
        for (uint256 s; s < 4; ++s) {
            assertEq(consumer.outputOf(ids[s]), outs[s]);
        }
        assertEq(consumer.calls(), 4);
        assertEq(market.claimable(nodeA), 4 * (uint256(COMPUTE_UNITS) * UNIT_PRICE + q.callbackFee));
        assertEq(market.claimable(modelOwner), 4 * uint256(ROYALTY));

        // Two requests in a batch-4 proof: slots 2 and 3 are padding copies of slot 1.
        uint256[] memory two = new uint256[](2);
        int256[][] memory twoIns = new int256[][](2);
        int256[][] memory twoOuts = new int256[][](2);
        for (uint256 s; s < 2; ++s) {
            // casting is safe because the loop index is below a small array length
            // forge-lint: disable-next-line(unsafe-typecast)
            twoIns[s] = _input(3, int256(s) + 50);
            // casting is safe because the loop index is below a small array length
            // forge-lint: disable-next-line(unsafe-typecast)
            twoOuts[s] = _out(int256(s) + 1);
            two[s] = _consumerRequest(batchModel, twoIns[s], 0);
        }
        (proof, inst) = _proofFor(batchModel, twoIns, twoOuts);
        vm.prank(nodeA);
        market.fulfilBatch(two, proof, inst);
        assertEq(uint8(market.request(two[1]).status), uint8(RequestStatus.Fulfilled));
        assertEq(market.modelUsage(batchModel).fulfilled, 6);
    }

    function test_fulfilBatch_reverts() public {
        int256[][] memory ins = new int256[][](4);
        int256[][] memory outs = new int256[][](4);
        uint256[] memory ids = new uint256[](4);
        for (uint256 s; s < 4; ++s) {
            // casting is safe because the loop index is below a small array length
            // forge-lint: disable-next-line(unsafe-typecast)
            ins[s] = _input(3, int256(s));
            // casting is safe because the loop index is below a small array length
            // forge-lint: disable-next-line(unsafe-typecast)
            outs[s] = _out(int256(s));
            ids[s] = _request(batchModel, ins[s], 0);
        }
        (bytes memory proof, uint256[] memory inst) = _proofFor(batchModel, ins, outs);
        vm.startPrank(nodeA);
        vm.expectRevert(IInferenceMarket.EmptyBatch.selector);
        market.fulfilBatch(new uint256[](0), proof, inst);

        uint256[] memory five = new uint256[](5);
        for (uint256 s; s < 4; ++s) {
            five[s] = ids[s];
        }
        five[4] = ids[3];
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.BatchTooLarge.selector, 5, 4));
        market.fulfilBatch(five, proof, inst);

        // The same request twice cannot be paid twice.
        uint256[] memory dup = new uint256[](2);
        (dup[0], dup[1]) = (ids[0], ids[0]);
        int256[][] memory dupIns = new int256[][](2);
        (dupIns[0], dupIns[1]) = (ins[0], ins[0]);
        (bytes memory dupProof, uint256[] memory dupInst) = _proofFor(batchModel, dupIns, outs);
        vm.expectRevert(
            abi.encodeWithSelector(IInferenceMarket.RequestNotPending.selector, ids[0], RequestStatus.Fulfilled)
        );
        market.fulfilBatch(dup, dupProof, dupInst);

        // Slots must be in request order.
        uint256[] memory swapped = new uint256[](2);
        (swapped[0], swapped[1]) = (ids[1], ids[0]);
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.InputMismatch.selector, ids[1], 0));
        market.fulfilBatch(swapped, proof, inst);
        vm.stopPrank();

        // Requests of another model cannot ride along.
        uint256 single = _request(modelId, ins[0], 0);
        uint256[] memory mixed = new uint256[](2);
        (mixed[0], mixed[1]) = (ids[0], single);
        vm.prank(nodeA);
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.ModelMismatch.selector, single, batchModel, modelId));
        market.fulfilBatch(mixed, proof, inst);
    }

    // ---------------------------------------------------------------- callbacks

    function test_callback_failureIsRecordedAndRetryable() public {
        int256[] memory input = _input(3, 1);
        uint256 id = _consumerRequest(modelId, input, 200_000);
        consumer.setRevert(true);
        (bytes memory proof, uint256[] memory inst) = _proofFor(modelId, _single(input), _single(_out(5)));
        vm.expectEmit(address(market));
        emit IInferenceMarket.CallbackFailed(id, abi.encodeWithSelector(RecordingConsumer.ConsumerRefused.selector, id));
        vm.prank(nodeA);
        market.fulfil(id, proof, inst);

        Request memory r = market.request(id);
        assertEq(uint8(r.status), uint8(RequestStatus.Fulfilled), "the result is kept");
        assertEq(uint8(r.delivery), uint8(DeliveryStatus.Failed));
        assertEq(r.payloadDigest, keccak256(abi.encodePacked(_out(5))), "what a retry must deliver");
        assertEq(
            market.claimable(nodeA), uint256(COMPUTE_UNITS) * UNIT_PRICE + 200_000 * uint256(CALLBACK_GAS_PRICE), "paid"
        );

        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.OutputMismatch.selector, id));
        market.retryDelivery(id, _out(6), 200_000);
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.GasLimitBelowRequested.selector, id, 199_999, 200_000));
        market.retryDelivery(id, _out(5), 199_999);
        vm.expectRevert(
            abi.encodeWithSelector(
                IInferenceMarket.CallbackReverted.selector,
                id,
                abi.encodeWithSelector(RecordingConsumer.ConsumerRefused.selector, id)
            )
        );
        market.retryDelivery(id, _out(5), 200_000);

        consumer.setRevert(false);
        vm.expectEmit(address(market));
        emit IInferenceMarket.CallbackRetried(id);
        vm.prank(stranger);
        market.retryDelivery(id, _out(5), 250_000);
        assertEq(consumer.lastOutput(), _out(5));
        assertEq(uint8(market.request(id).delivery), uint8(DeliveryStatus.Delivered));
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.NothingToRetry.selector, id));
        market.retryDelivery(id, _out(5), 250_000);
    }

    function test_callback_gasGuzzlerCannotBlockFulfilment() public {
        GasGuzzlingConsumer guzzler = new GasGuzzlingConsumer();
        int256[] memory input = _input(3, 1);
        uint256 p = market.quote(modelId, 300_000).total;
        vm.deal(address(guzzler), p);
        vm.prank(address(guzzler));
        uint256 id = market.requestInference{value: p}(modelId, input, 300_000);
        (bytes memory proof, uint256[] memory inst) = _proofFor(modelId, _single(input), _single(_out(5)));
        vm.prank(nodeA);
        market.fulfil{gas: 2_000_000}(id, proof, inst);
        assertEq(uint8(market.request(id).delivery), uint8(DeliveryStatus.Failed));
        assertEq(uint8(market.request(id).status), uint8(RequestStatus.Fulfilled));
    }

    function test_callback_nodeMustForwardTheRequestedGas() public {
        int256[] memory input = _input(3, 1);
        uint256 id = _consumerRequest(modelId, input, 900_000);
        (bytes memory proof, uint256[] memory inst) = _proofFor(modelId, _single(input), _single(_out(5)));
        vm.prank(nodeA);
        vm.expectPartialRevert(GasLimitedCall.InsufficientGasForCall.selector);
        market.fulfil{gas: 400_000}(id, proof, inst);
        assertEq(uint8(market.request(id).status), uint8(RequestStatus.Pending));
    }

    function test_callback_returnBombIsTruncated() public {
        ReturnBombConsumer bomb = new ReturnBombConsumer();
        int256[] memory input = _input(3, 1);
        uint256 p = market.quote(modelId, 500_000).total;
        vm.deal(address(bomb), p);
        vm.prank(address(bomb));
        uint256 id = market.requestInference{value: p}(modelId, input, 500_000);
        (bytes memory proof, uint256[] memory inst) = _proofFor(modelId, _single(input), _single(_out(5)));
        vm.recordLogs();
        vm.prank(nodeA);
        market.fulfil{gas: 3_000_000}(id, proof, inst);
        assertEq(uint8(market.request(id).delivery), uint8(DeliveryStatus.Failed));
        // The recorded reason holds at most MAX_REASON_BYTES of the 100 kB revert payload.
        bytes32 topic = IInferenceMarket.CallbackFailed.selector;
        bool seen;
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].topics[0] == topic) {
                bytes memory reason = abi.decode(logs[i].data, (bytes));
                assertEq(reason.length, GasLimitedCall.MAX_REASON_BYTES);
                seen = true;
            }
        }
        assertTrue(seen);
    }

    function test_callback_reentryIsBlockedButChainingWorks() public {
        ReentrantConsumer reentrant = new ReentrantConsumer(market);
        int256[] memory input = _input(3, 1);
        uint256 p = market.quote(modelId, 200_000).total;
        vm.deal(address(reentrant), p);
        vm.prank(address(reentrant));
        uint256 id = market.requestInference{value: p}(modelId, input, 200_000);
        (bytes memory proof, uint256[] memory inst) = _proofFor(modelId, _single(input), _single(_out(5)));
        vm.prank(nodeA);
        market.fulfil(id, proof, inst);
        assertEq(
            reentrant.lastError(),
            abi.encodeWithSelector(ReentrancyGuardTransient.ReentrancyGuardReentrantCall.selector)
        );

        uint256 withCallback = market.quote(modelId, 500_000).total;
        ChainingConsumer chaining = new ChainingConsumer{value: withCallback + price}(market, modelId);
        uint256 first = chaining.start(input, withCallback);
        (proof, inst) = _proofFor(modelId, _single(input), _single(_out(77)));
        vm.prank(nodeA);
        market.fulfil(first, proof, inst);
        uint256 chained = chaining.chainedRequestId();
        assertEq(chained, first + 1);
        assertEq(uint8(market.request(chained).status), uint8(RequestStatus.Pending));
    }

    // ---------------------------------------------------------------- expiry

    function test_expire_slashesAndReassigns() public {
        _registerNode(nodeB, modelId, 10_000);
        _nextEpoch();
        int256[] memory input = _input(3, 1);
        uint256 id = _request(modelId, input, 0);
        address first = market.request(id).node;
        address second = first == nodeA ? nodeB : nodeA;

        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.NotExpired.selector, id, block.number + WINDOW));
        market.expire(id);

        vm.roll(block.number + WINDOW + 1);
        vm.expectEmit(address(market));
        emit IInferenceMarket.InferenceExpired(id, first, SLASH);
        vm.prank(stranger);
        market.expire(id);

        Request memory r = market.request(id);
        assertEq(r.node, second);
        assertEq(r.reassignments, 1);
        assertEq(r.deadline, block.number + WINDOW);
        assertEq(uint8(r.status), uint8(RequestStatus.Pending));
        assertEq(pool.claimable(requester), 0, "the requester gets no share of a slash (L-4)");
        assertEq(pool.claimable(treasury), SLASH);
        assertEq(pool.node(first).slashed, SLASH);
        assertEq(market.modelUsage(modelId).expired, 1);

        // The new node fulfils within its own deadline.
        _fulfil(id, modelId, input, _out(3));
        assertEq(market.claimable(second), uint256(COMPUTE_UNITS) * UNIT_PRICE);
    }

    function test_expire_refundsWhenNoNodeIsLeft() public {
        int256[] memory input = _input(3, 1);
        uint256 id = _request(modelId, input, 0);
        vm.roll(block.number + WINDOW + 1);
        vm.expectEmit(address(market));
        emit IInferenceMarket.InferenceRefunded(id, requester, price);
        market.expire(id);

        assertEq(uint8(market.request(id).status), uint8(RequestStatus.Refunded));
        assertEq(market.claimable(requester), price);
        assertEq(market.totalEscrowed(), 0);
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.RequestNotPending.selector, id, RequestStatus.Refunded));
        market.expire(id);

        vm.prank(requester);
        market.withdraw(payable(requester));
        assertEq(requester.balance, price);
    }

    function test_expire_refundsAfterMaxReassignments() public {
        _registerNode(nodeB, modelId, 10_000);
        _nextEpoch();
        uint256 id = _request(modelId, _input(3, 1), 0);
        vm.roll(block.number + WINDOW + 1);
        market.expire(id); // reassigned once (maxReassignments = 1)
        vm.roll(block.number + WINDOW + 1);
        market.expire(id);
        assertEq(uint8(market.request(id).status), uint8(RequestStatus.Refunded));
        assertEq(pool.node(nodeA).slashed + pool.node(nodeB).slashed, 2 * uint256(SLASH));
    }

    function test_expire_pausedNotAllowed_andPauseGraceProtectsNodes() public {
        int256[] memory input = _input(3, 1);
        uint256 id = _request(modelId, input, 0);
        uint256 deadline = market.request(id).deadline;
        vm.roll(block.number + 2);
        market.pause();
        vm.roll(deadline + 5);
        vm.expectRevert(PausableUpgradeable.EnforcedPause.selector);
        market.expire(id);
        market.unpause();
        // The deadline fell during the pause: the node gets a full window after the unpause.
        assertEq(market.effectiveDeadline(id), block.number + WINDOW);
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.NotExpired.selector, id, block.number + WINDOW));
        market.expire(id);
        _fulfil(id, modelId, input, _out(1));
        assertEq(uint8(market.request(id).status), uint8(RequestStatus.Fulfilled));

        // A request made after the grace period is judged by its own deadline.
        vm.roll(block.number + WINDOW + 1);
        uint256 later = _request(modelId, input, 0);
        assertEq(market.effectiveDeadline(later), market.request(later).deadline);
    }

    /// @dev L-5: a request never goes back to a node that already failed it (each failed node slashed once).
    function test_expire_neverReassignsToANodeThatFailed() public {
        MarketParams memory mp = market.params();
        mp.maxReassignments = 3;
        market.setParams(mp);
        _registerNode(nodeB, modelId, 10_000);
        _nextEpoch();
        uint256 id = _request(modelId, _input(3, 1), 0);
        address first = market.request(id).node;
        vm.roll(block.number + WINDOW + 1);
        market.expire(id);
        address second = market.request(id).node;
        assertTrue(second != first);
        vm.roll(block.number + WINDOW + 1);
        market.expire(id);
        assertEq(uint8(market.request(id).status), uint8(RequestStatus.Refunded), "no node left that has not failed");
        assertEq(pool.node(first).slashed, SLASH, "slashed once");
        assertEq(pool.node(second).slashed, SLASH);
        (address[] memory failed,) = pool.failedNodes(id);
        assertEq(failed.length, 2);
    }

    /// @dev L-1: the slash amount is recorded when the request is opened; a raise does not reach it.
    function test_expire_slashesTheAmountRecordedAtTheRequest() public {
        uint256 id = _request(modelId, _input(3, 1), 0);
        assertEq(market.requestFees(id).slashAmount, SLASH);
        PoolParams memory pp = pool.params();
        pp.slashAmount = SLASH * 4;
        pool.setParams(pp);
        vm.roll(block.number + WINDOW + 1);
        vm.expectEmit(address(market));
        emit IInferenceMarket.InferenceExpired(id, nodeA, SLASH);
        market.expire(id);
    }

    /// @dev M-2: a refund gives back the callback fee with the rest.
    function test_expire_refundIncludesTheCallbackFee() public {
        int256[] memory input = _input(3, 1);
        Price memory q = market.quote(modelId, 250_000);
        vm.deal(requester, q.total);
        vm.prank(requester);
        uint256 id = market.requestInference{value: q.total}(modelId, input, 250_000);
        vm.roll(block.number + WINDOW + 1);
        vm.expectEmit(address(market));
        emit IInferenceMarket.InferenceRefunded(id, requester, q.total);
        market.expire(id);
        assertEq(market.claimable(requester), q.total);
        assertEq(market.totalEscrowed(), 0);
    }

    /// @dev L-4: a requester contract can still predict the node and revert until its request lands on an
    /// offline one, but the slash no longer pays it anything.
    function test_steeringOntoAnOfflineNodePaysTheRequesterNothing() public {
        _registerNode(nodeB, modelId, 10_000);
        _nextEpoch();
        SteeringRequester attacker = new SteeringRequester();
        int256[] memory input = _input(3, 1);
        vm.deal(address(attacker), 100 * price);
        uint256 id;
        for (uint256 tries; tries < 64 && id == 0; ++tries) {
            try attacker.steer(market, modelId, input, price, nodeB) returns (uint256 got) {
                id = got;
            } catch {
                vm.roll(block.number + 1);
            }
        }
        assertTrue(id != 0, "steering found a block");
        assertEq(market.request(id).node, nodeB);
        vm.roll(block.number + WINDOW + 1);
        market.expire(id);
        assertEq(pool.claimable(address(attacker)), 0, "no share of the slash");
        assertEq(pool.claimable(treasury), SLASH);
    }

    // ---------------------------------------------------------------- hashed inputs

    function test_hashedInput_commitmentIsBound() public {
        IOLayout memory hl = _hashedLayout(1, 3, 1);
        InputBound[] memory bounds = _uniformBounds(3, -1000, 1000);
        bounds[2] = InputBound({min: -500, max: 0});
        uint256 hashed = _registerModel(hl, bounds);
        _registerNode(nodeB, hashed, 1000);
        _nextEpoch();
        uint256 commitment = uint256(keccak256("poseidon(x)")) % FieldEncoding.P;
        int256[] memory input = _input(3, 1);
        uint256 p = market.quote(hashed).total + COMMITMENT_BOND;
        assertEq(market.quote(hashed).bond, COMMITMENT_BOND);
        vm.deal(requester, 3 * p);
        vm.startPrank(requester);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.WrongInputMode.selector, hashed));
        market.requestInference{value: p}(hashed, input, 0);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.CommitmentOutOfField.selector, FieldEncoding.P));
        market.requestInferenceWithCommitment{value: p}(hashed, input, FieldEncoding.P, 0);
        // The bounds apply to the values sent beside the commitment (what the node will prove).
        int256[] memory outside = _input(3, 1);
        outside[2] = 1;
        vm.expectRevert(abi.encodeWithSelector(InputBounds.InputOutOfBounds.selector, 2, 1, -500, 0));
        market.requestInferenceWithCommitment{value: p}(hashed, outside, commitment, 0);
        vm.expectEmit(address(market));
        emit IInferenceMarket.InferenceRequested(
            1,
            hashed,
            requester,
            input,
            commitment,
            0,
            Fees(uint256(COMPUTE_UNITS) * UNIT_PRICE, ROYALTY, PROTOCOL_FEE, 0, COMMITMENT_BOND, SLASH)
        );
        uint256 id = market.requestInferenceWithCommitment{value: p}(hashed, input, commitment, 0);
        vm.stopPrank();
        assertEq(market.request(id).payloadDigest, keccak256(abi.encode(commitment)));

        uint256[] memory inst = new uint256[](2);
        inst[0] = commitment + 1;
        inst[1] = 9;
        bytes memory proof = _proof(hashed, inst);
        vm.prank(nodeB);
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.InputMismatch.selector, id, 0));
        market.fulfil(id, proof, inst);
        inst[0] = commitment;
        proof = _proof(hashed, inst);
        vm.expectEmit(address(market));
        emit IInferenceMarket.InferenceFulfilled(id, _out(9));
        vm.prank(nodeB);
        market.fulfil(id, proof, inst);
        assertEq(uint8(market.request(id).status), uint8(RequestStatus.Fulfilled));
    }

    function test_hashedInput_expiryOnEveryNodeForfeitsTheBond_andReturnsHalfOfEachSlash() public {
        uint256 hashed = _registerModel(_hashedLayout(1, 3, 1));
        _registerNode(nodeB, hashed, 1000);
        _nextEpoch();
        uint256 fee = market.quote(hashed).total;
        vm.deal(requester, fee + COMMITMENT_BOND);
        vm.prank(requester);
        uint256 id = market.requestInferenceWithCommitment{value: fee + COMMITMENT_BOND}(hashed, _input(3, 1), 123, 0);
        assertEq(market.totalEscrowed(), fee + COMMITMENT_BOND);
        vm.roll(block.number + WINDOW + 1);
        vm.expectEmit(address(market));
        emit IInferenceMarket.CommitmentBondForfeited(id, COMMITMENT_BOND);
        market.expire(id);
        assertEq(pool.claimable(requester), 0);
        assertEq(pool.claimable(nodeB), SLASH / 2, "half the slash back: the hub cannot tell who lied");
        assertEq(pool.claimable(treasury), SLASH - SLASH / 2);
        assertEq(pool.totalHeld(), 0);
        assertEq(market.claimable(requester), fee, "the fee itself is refunded, not the bond");
        assertEq(market.claimable(treasury), COMMITMENT_BOND);
        assertEq(market.totalEscrowed(), 0);
    }
    // ---------------------------------------------------------------- remote requests

    function _remote(uint256 model, bytes32 originRequestId, uint256 feePaid)
        internal
        view
        returns (RemoteRequest memory r)
    {
        r.originEid = 30_101;
        r.originRequester = bytes32(uint256(0xC0FFEE));
        r.originRequestId = originRequestId;
        r.modelId = model;
        r.input = _input(3, 1);
        r.callbackGasLimit = 300_000;
        r.feePaid = feePaid;
        r.slashBeneficiary = stranger;
    }

    function test_remote_requestResultAndSettlement() public {
        RemoteRequest memory rr = _remote(modelId, bytes32(uint256(1)), 1e18);
        bytes32 gatewayRole = market.REMOTE_GATEWAY_ROLE();
        vm.prank(stranger);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, gatewayRole)
        );
        market.requestInferenceFromRemote(rr);

        vm.expectEmit(address(market));
        emit IInferenceMarket.RemoteInferenceRequested(
            1, rr.originEid, rr.originRequester, rr.originRequestId, 1e18, stranger
        );
        vm.prank(address(sink));
        uint256 id = market.requestInferenceFromRemote(rr);
        assertEq(market.remoteRequestId(rr.originEid, rr.originRequester, rr.originRequestId), id);
        assertEq(market.totalEscrowed(), 0, "the fee stays on the spoke");
        Request memory r = market.request(id);
        assertTrue(r.remote);
        assertEq(r.requester, address(sink));
        Price memory q = market.quote(modelId);
        Fees memory split = market.requestFees(id);
        assertEq(split.nodeFee, 1e18 * q.nodeFee / q.total);
        assertEq(split.royalty, 1e18 * q.royalty / q.total);
        assertEq(split.nodeFee + split.royalty + split.protocolFee, 1e18);

        vm.prank(address(sink));
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.DuplicateRemoteRequest.selector, id));
        market.requestInferenceFromRemote(rr);

        _fulfil(id, modelId, rr.input, _out(-8));
        assertEq(sink.results(), 1);
        assertEq(sink.lastRequestId(), id);
        assertEq(sink.lastOutput(), _out(-8));
        Settlement memory st = sink.lastSettlement();
        assertEq(st.node, nodeA);
        assertEq(st.nodeAmount, split.nodeFee);
        assertEq(st.modelOwner, modelOwner);
        assertEq(st.royaltyAmount, split.royalty);
        assertEq(st.protocolAmount, split.protocolFee);
        assertEq(market.claimable(nodeA), 0, "remote fees are credited on the spoke");
        assertEq(market.requestCount(modelId, keccak256(abi.encode(rr.originEid, rr.originRequester))), 1);
    }

    function test_remote_reverts() public {
        RemoteRequest memory rr = _remote(modelId, bytes32(uint256(2)), 1e18);
        rr.callbackGasLimit = 0;
        vm.startPrank(address(sink));
        vm.expectRevert(IInferenceMarket.RemoteGasLimitZero.selector);
        market.requestInferenceFromRemote(rr);
        rr = _remote(modelId, bytes32(uint256(2)), uint256(type(uint80).max) + 1);
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.FeeTooLarge.selector, uint256(type(uint80).max) + 1));
        market.requestInferenceFromRemote(rr);
        vm.stopPrank();
    }

    function test_remote_expiryNoticeAndRetry() public {
        RemoteRequest memory rr = _remote(modelId, bytes32(uint256(3)), 5e17);
        vm.prank(address(sink));
        uint256 id = market.requestInferenceFromRemote(rr);
        sink.setRevert(true);
        vm.roll(block.number + WINDOW + 1);
        market.expire(id);
        assertEq(uint8(market.request(id).status), uint8(RequestStatus.Refunded));
        assertEq(uint8(market.request(id).delivery), uint8(DeliveryStatus.Failed));
        assertEq(pool.claimable(stranger), 0, "no slash share for the named beneficiary (decision 0028)");
        assertEq(pool.claimable(treasury), SLASH);
        assertEq(market.claimable(address(sink)), 0, "nothing escrowed on the hub to refund");

        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.GasLimitBelowRequested.selector, id, 1, 300_000));
        market.retryDelivery(id, new int256[](0), 1);
        vm.expectPartialRevert(IInferenceMarket.CallbackReverted.selector);
        market.retryDelivery(id, new int256[](0), 300_000);
        sink.setRevert(false);
        market.retryDelivery(id, new int256[](0), 300_000);
        assertEq(sink.expiries(), 1);
        assertEq(sink.lastRefund(), 5e17);
        assertEq(sink.lastRequestId(), id);
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.NothingToRetry.selector, id));
        market.retryDelivery(id, new int256[](0), 300_000);
    }

    function test_remote_failedResultHookIsRetryable() public {
        RemoteRequest memory rr = _remote(modelId, bytes32(uint256(4)), 1e18);
        vm.prank(address(sink));
        uint256 id = market.requestInferenceFromRemote(rr);
        sink.setRevert(true);
        _fulfil(id, modelId, rr.input, _out(11));
        assertEq(uint8(market.request(id).delivery), uint8(DeliveryStatus.Failed));
        sink.setRevert(false);
        market.retryDelivery(id, _out(11), 300_000);
        assertEq(sink.results(), 1);
        assertEq(sink.lastSettlement().modelOwner, modelOwner);
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.NothingToRetry.selector, id));
        market.retryDelivery(id, _out(11), 300_000);
    }

    // ---------------------------------------------------------------- withdrawals

    function test_withdraw() public {
        int256[] memory input = _input(3, 1);
        uint256 id = _request(modelId, input, 0);
        _fulfil(id, modelId, input, _out(1));
        address payee = makeAddr("payee");
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.NothingToWithdraw.selector, stranger));
        market.withdraw(payable(payee));
        vm.prank(nodeA);
        vm.expectRevert(IInferenceMarket.ZeroAddress.selector);
        market.withdraw(payable(address(0)));

        RejectingReceiver rejecting = new RejectingReceiver();
        uint256 owed = market.claimable(nodeA);
        vm.prank(nodeA);
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.TransferFailed.selector, address(rejecting), owed));
        market.withdraw(payable(address(rejecting)));
        assertEq(market.claimable(nodeA), owed);

        vm.expectEmit(address(market));
        emit IInferenceMarket.Withdrawn(nodeA, payee, owed);
        vm.prank(nodeA);
        market.withdraw(payable(payee));
        assertEq(payee.balance, owed);
        assertEq(market.claimable(nodeA), 0);
        assertEq(address(market).balance, market.totalClaimable() + market.totalEscrowed());
    }

    // ---------------------------------------------------------------- governance

    function test_setParams_boundsAndRoles() public {
        MarketParams memory p = market.params();
        p.unitPrice = 0;
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.ParameterOutOfBounds.selector, "unitPrice", 0));
        market.setParams(p);
        p = market.params();
        p.protocolFee = 1 ether + 1;
        vm.expectRevert(
            abi.encodeWithSelector(IInferenceMarket.ParameterOutOfBounds.selector, "protocolFee", 1 ether + 1)
        );
        market.setParams(p);
        p = market.params();
        p.fulfilmentWindow = 1;
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.ParameterOutOfBounds.selector, "fulfilmentWindow", 1));
        market.setParams(p);
        p = market.params();
        p.maxCallbackGasLimit = 5_000_001;
        vm.expectRevert(
            abi.encodeWithSelector(IInferenceMarket.ParameterOutOfBounds.selector, "maxCallbackGasLimit", 5_000_001)
        );
        market.setParams(p);
        p = market.params();
        p.maxReassignments = 9;
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.ParameterOutOfBounds.selector, "maxReassignments", 9));
        market.setParams(p);

        p = market.params();
        p.unitPrice = 2 gwei;
        vm.expectEmit(address(market));
        emit IInferenceMarket.MarketParamsUpdated(p);
        market.setParams(p);
        assertEq(market.quote(modelId).nodeFee, 2 gwei * uint256(COMPUTE_UNITS));

        market.setTreasury(stranger);
        assertEq(market.treasury(), stranger);
        vm.expectRevert(IInferenceMarket.ZeroAddress.selector);
        market.setTreasury(address(0));
        assertEq(address(market.registry()), address(registry));
        assertEq(address(market.pool()), address(pool));

        bytes32 setter = market.PARAMETER_SETTER_ROLE();
        bytes32 pauser = market.PAUSER_ROLE();
        vm.startPrank(stranger);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, setter)
        );
        market.setParams(p);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, pauser)
        );
        market.pause();
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, pauser)
        );
        market.unpause();
        vm.stopPrank();
    }
}
