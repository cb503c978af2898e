// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Vm} from "forge-std/Vm.sol";
import {ClassifierGate} from "../../src/consumer/examples/ClassifierGate.sol";
import {OracleConsumerBase} from "../../src/consumer/examples/OracleConsumerBase.sol";
import {RegressionOracleConsumer} from "../../src/consumer/examples/RegressionOracleConsumer.sol";
import {IInferenceConsumer} from "../../src/consumer/IInferenceConsumer.sol";
import {IInferenceMarket, RequestStatus} from "../../src/interfaces/IInferenceMarket.sol";
import {ModelSpec} from "../../src/interfaces/IModelRegistry.sol";
import {FailureReason, IInferenceFailureHandler} from "../../src/spoke/IInferenceFailureHandler.sol";
import {IInferenceOracle} from "../../src/spoke/IInferenceOracle.sol";
import {EzklVkaVerifierAdapter} from "../../src/verifiers/EzklVkaVerifierAdapter.sol";
import {IHalo2VerifierReusable} from "../../src/verifiers/ezkl/IHalo2Verifiers.sol";
import {EzklFixture, EzklFixtures} from "../utils/EzklFixtures.sol";
import {CrossChainTestBase} from "./CrossChainTestBase.sol";

/// @notice The example consumers on both kinds of oracle: ClassifierGate acting on the benchmark SVM's
/// proven label through the hub market, and on a spoke; RegressionOracleConsumer keeping the newest answer
/// per key; refunds owed to payers on both paths.
contract ExampleConsumersTest is CrossChainTestBase {
    uint8 internal constant SCALE = 7; // HubTestBase layouts
    bytes32 internal constant ITEM = keccak256("listing-42");

    EzklFixture internal svm;
    uint256 internal svmModel; // real EZKL verifier
    uint256 internal mockModel; // mock verifier, 4 inputs, 1 output
    address internal payer = makeAddr("payer");
    address internal other = makeAddr("other");
    int256[] internal input;

    function setUp() public override {
        super.setUp();
        IHalo2VerifierReusable reusable =
            IHalo2VerifierReusable(deployCode("Halo2VerifierReusable.sol:Halo2VerifierReusable"));
        EzklVkaVerifierAdapter ezkl = new EzklVkaVerifierAdapter(reusable, EzklFixtures.canonicalSrs());
        registry.setVerifierApproval(ezkl, true);
        svm = EzklFixtures.load("svm_classification");
        ModelSpec memory spec;
        spec.verifier = ezkl;
        spec.verifierKey = ezkl.registerVka(svm.vka);
        spec.settingsHash = svm.settingsHash;
        spec.layout = svm.layout;
        spec.inputBounds = EzklFixtures.inputBounds(svm);
        spec.computeUnits = svm.computeUnits;
        spec.royalty = ROYALTY;
        spec.artifactURI = string.concat("zkvin-artifact:sha256:", svm.artifactId);
        spec.metadataURI = svm.name;
        vm.deal(modelOwner, REGISTRATION_FEE);
        vm.prank(modelOwner);
        svmModel = registry.registerModel{value: REGISTRATION_FEE}(spec);
        mockModel = _registerModel(_layout(1, 4, 1));
        uint256[] memory models = new uint256[](2);
        (models[0], models[1]) = (svmModel, mockModel);
        _registerNode(nodeA, models, 10_000);
        _nextEpoch();
        _syncModel(mockModel);
        input = _input(4, 5);
    }

    function _one(int256 v) internal pure returns (int256[] memory o) {
        o = new int256[](1);
        o[0] = v;
    }

    function _marketGate(int256 approvedLabel) internal returns (ClassifierGate) {
        return new ClassifierGate(
            IInferenceOracle(address(market)), true, svmModel, svm.layout.outputScale, approvedLabel, CALLBACK_GAS
        );
    }

    function _payMarket(uint256 modelId) internal returns (uint256 price) {
        price = market.quote(modelId, CALLBACK_GAS).total; // the consumers ask for CALLBACK_GAS, priced
        vm.deal(payer, payer.balance + price);
    }

    // ---------------------------------------------------------------- ClassifierGate on the hub

    function test_classifierGate_onTheHub_actsOnTheProvenLabel() public {
        assertEq(svm.outputs[0][0], 0, "the fixture's iris sample is class 0");
        ClassifierGate strict = _marketGate(1);
        ClassifierGate lenient = _marketGate(0);

        uint256 price = _payMarket(svmModel);
        vm.prank(payer);
        uint256 a = strict.check{value: price}(ITEM, svm.inputs[0]);
        price = _payMarket(svmModel);
        vm.prank(payer);
        uint256 b = lenient.check{value: price}(ITEM, svm.inputs[0]);
        assertEq(uint8(strict.verdictOf(ITEM)), uint8(ClassifierGate.Verdict.Pending));

        vm.startPrank(nodeA);
        market.fulfil(a, svm.proof, svm.instances);
        market.fulfil(b, svm.proof, svm.instances);
        vm.stopPrank();

        assertEq(uint8(strict.verdictOf(ITEM)), uint8(ClassifierGate.Verdict.Flagged));
        assertFalse(strict.isApproved(ITEM));
        assertEq(uint8(lenient.verdictOf(ITEM)), uint8(ClassifierGate.Verdict.Approved));
        assertTrue(lenient.isApproved(ITEM));
        assertEq(lenient.labelOf(ITEM), 0);
        assertEq(strict.payerOf(a), address(0), "answered");
    }

    function test_classifierGate_refusesASecondCheckWhilePending() public {
        ClassifierGate gate = _marketGate(1);
        uint256 price = _payMarket(svmModel);
        vm.prank(payer);
        gate.check{value: price}(ITEM, svm.inputs[0]);
        price = _payMarket(svmModel);
        vm.prank(payer);
        vm.expectRevert(abi.encodeWithSelector(ClassifierGate.CheckPending.selector, ITEM));
        gate.check{value: price}(ITEM, svm.inputs[0]);
    }

    function testFuzz_labelFromOutput_roundsToTheNearestLabel(int64 label, int256 noise) public {
        ClassifierGate gate = _marketGate(1);
        int256 one = int256(1) << svm.layout.outputScale;
        noise = bound(noise, -one / 2 + 1, one / 2 - 1);
        assertEq(gate.labelFromOutput(int256(label) * one + noise), label);
    }

    // ---------------------------------------------------------------- refunds on the hub

    function test_marketRefund_isOwedToThePayer() public {
        RegressionOracleConsumer c =
            new RegressionOracleConsumer(IInferenceOracle(address(market)), true, mockModel, SCALE, CALLBACK_GAS);
        uint256 price = _payMarket(mockModel);
        vm.prank(payer);
        uint256 id = c.requestValue{value: price}(ITEM, input);
        vm.expectRevert(abi.encodeWithSelector(OracleConsumerBase.NotRefunded.selector, id));
        c.claimMarketRefund(id);

        _expireForGood(id);
        assertEq(uint8(market.request(id).status), uint8(RequestStatus.Refunded));
        assertEq(market.claimable(address(c)), price);
        vm.prank(other);
        c.claimMarketRefund(id); // anyone may collect it for the payer
        assertEq(c.refundOf(payer), price);
        assertEq(address(c).balance, price);
        vm.expectRevert(abi.encodeWithSelector(OracleConsumerBase.NotRefunded.selector, id));
        c.claimMarketRefund(id);

        vm.prank(payer);
        c.withdrawRefund(payable(payer));
        assertEq(payer.balance, price);
        assertEq(c.totalRefundsOwed(), 0);
        vm.prank(payer);
        vm.expectRevert(abi.encodeWithSelector(OracleConsumerBase.NothingToWithdraw.selector, payer));
        c.withdrawRefund(payable(payer));
    }

    // ---------------------------------------------------------------- on a spoke

    function test_classifierGate_onASpoke_approvesAndFails() public {
        ClassifierGate gate =
            new ClassifierGate(IInferenceOracle(address(spoke)), false, mockModel, SCALE, 1, CALLBACK_GAS);
        uint256 fee = spoke.quote(mockModel, input, CALLBACK_GAS);
        vm.deal(payer, 2 * fee + 1 ether);
        vm.prank(payer);
        uint256 id = gate.check{value: fee + 1 ether}(ITEM, input);
        assertEq(gate.refundOf(payer), 1 ether, "the spoke's excess is owed to the payer");
        _deliverToHub();
        uint256 hubId = _hubId(id, address(gate));
        _fulfil(hubId, mockModel, input, _one(int256(1) << SCALE));
        _deliverToSpoke();
        assertTrue(gate.isApproved(ITEM));

        // A second item whose request expires: unchecked again, its fee owed back.
        bytes32 item2 = keccak256("listing-43");
        vm.prank(payer);
        uint256 id2 = gate.check{value: fee}(item2, input);
        _deliverToHub();
        _expireForGood(_hubId(id2, address(gate)));
        _deliverToSpoke();
        assertEq(uint8(gate.verdictOf(item2)), uint8(ClassifierGate.Verdict.Unchecked));
        assertEq(gate.refundOf(payer), 1 ether + spoke.request(id2).escrow);
        assertEq(address(gate).balance, gate.totalRefundsOwed());
        vm.expectRevert(OracleConsumerBase.NotAMarketConsumer.selector);
        gate.claimMarketRefund(id2);
    }

    function test_regressionConsumer_keepsTheNewestAnswer() public {
        RegressionOracleConsumer c =
            new RegressionOracleConsumer(IInferenceOracle(address(spoke)), false, mockModel, SCALE, CALLBACK_GAS);
        uint256 fee = spoke.quote(mockModel, input, CALLBACK_GAS);
        vm.deal(payer, 2 * fee);
        vm.startPrank(payer);
        uint256 first = c.requestValue{value: fee}(ITEM, input);
        uint256 second = c.requestValue{value: fee}(ITEM, input);
        vm.stopPrank();
        assertEq(c.requestsFor(ITEM), 2);
        _deliverToHub();
        uint256 hubFirst = _hubId(first, address(c));
        uint256 hubSecond = _hubId(second, address(c));

        // The newer request is answered first; the older answer arrives late and is not applied.
        _fulfil(hubSecond, mockModel, input, _one(222));
        _deliverToSpoke();
        (int256 value,) = c.latestValue(ITEM);
        assertEq(value, 222);
        _fulfil(hubFirst, mockModel, input, _one(111));
        vm.recordLogs();
        _deliverToSpoke();
        Vm.Log[] memory logs = vm.getRecordedLogs();
        assertEq(_logs(logs, address(c), RegressionOracleConsumer.StaleValueIgnored.selector), 1);
        assertEq(_logs(logs, address(c), RegressionOracleConsumer.ValueUpdated.selector), 0);
        (value,) = c.latestValue(ITEM);
        assertEq(value, 222);
        assertEq(c.latest(ITEM).requestId, second);
        assertEq(c.latest(ITEM).sequence, 2);
    }

    function test_consumers_acceptCallsAndPaymentsOnlyFromTheirOracle() public {
        RegressionOracleConsumer c =
            new RegressionOracleConsumer(IInferenceOracle(address(spoke)), false, mockModel, SCALE, CALLBACK_GAS);
        vm.expectRevert(abi.encodeWithSelector(OracleConsumerBase.OnlyOracle.selector, address(this)));
        c.onInferenceResult(1, mockModel, _one(1));
        vm.expectRevert(abi.encodeWithSelector(OracleConsumerBase.OnlyOracle.selector, address(this)));
        c.onInferenceFailed{value: 1}(1, mockModel, FailureReason.Expired);
        (bool ok,) = address(c).call{value: 1}("");
        assertFalse(ok, "no stray payments");
        assertTrue(c.supportsInterface(type(IInferenceFailureHandler).interfaceId));
        assertTrue(c.supportsInterface(type(IInferenceConsumer).interfaceId));
        assertFalse(c.supportsInterface(0xdeadbeef));
        vm.expectRevert(abi.encodeWithSelector(RegressionOracleConsumer.NoValue.selector, ITEM));
        c.latestValue(ITEM);
    }

    function test_marketAsOracle_isTheSameInterface() public view {
        // The market's requestInference is IInferenceOracle's: one consumer code path for both chains.
        assertEq(IInferenceOracle.requestInference.selector, IInferenceMarket.requestInference.selector);
    }
}
