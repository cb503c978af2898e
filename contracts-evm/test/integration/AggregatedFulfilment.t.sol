// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IInferenceMarket, RequestStatus} from "../../src/interfaces/IInferenceMarket.sol";
import {ModelSpec} from "../../src/interfaces/IModelRegistry.sol";
import {EzklAggregatingVerifierAdapter} from "../../src/verifiers/EzklAggregatingVerifierAdapter.sol";
import {EzklVkaVerifierAdapter} from "../../src/verifiers/EzklVkaVerifierAdapter.sol";
import {IHalo2VerifierReusable, IHalo2VerifierReusableDeferred} from "../../src/verifiers/ezkl/IHalo2Verifiers.sol";
import {RecordingConsumer} from "../mocks/TestConsumers.sol";
import {EzklFixture, EzklFixtures} from "../utils/EzklFixtures.sol";
import {HubTestBase} from "../utils/HubTestBase.sol";

/// @notice Requests of different models fulfilled with one aggregate: real EZKL proofs (prover/fixtures) of
/// four circuits, their final pairings checked together by EzklAggregatingVerifierAdapter, each request then
/// settled by the market with an empty proof and its own instances.
contract AggregatedFulfilmentTest is HubTestBase {
    uint32 internal constant CALLBACK_GAS = 200_000;

    EzklVkaVerifierAdapter internal inner;
    EzklAggregatingVerifierAdapter internal agg;
    IHalo2VerifierReusableDeferred internal deferred;
    RecordingConsumer internal consumer;

    EzklFixture internal lr;
    EzklFixture internal svm;
    EzklFixture internal mlp;
    EzklFixture internal b4;
    uint256 internal lrModel;
    uint256 internal svmModel;
    uint256 internal mlpModel;
    uint256 internal b4Model;

    function setUp() public override {
        super.setUp();
        IHalo2VerifierReusable reusable =
            IHalo2VerifierReusable(deployCode("Halo2VerifierReusable.sol:Halo2VerifierReusable"));
        deferred = IHalo2VerifierReusableDeferred(
            deployCode("Halo2VerifierReusableDeferred.sol:Halo2VerifierReusableDeferred")
        );
        inner = new EzklVkaVerifierAdapter(reusable, EzklFixtures.canonicalSrs());
        inner.setApprovalRequired(true);
        agg = new EzklAggregatingVerifierAdapter(inner, deferred);
        registry.setModelApprovalRequired(true);
        registry.setVerifierApproval(agg, true);
        consumer = new RecordingConsumer();

        lr = EzklFixtures.load("linear_regression");
        svm = EzklFixtures.load("svm_classification");
        mlp = EzklFixtures.load("mlp");
        b4 = EzklFixtures.load("linear_regression_b4");
        lrModel = _register(lr);
        svmModel = _register(svm);
        mlpModel = _register(mlp);
        b4Model = _register(b4);

        uint256[] memory models = new uint256[](4);
        (models[0], models[1], models[2], models[3]) = (lrModel, svmModel, mlpModel, b4Model);
        _registerNode(nodeA, models, 1_000);
        _nextEpoch();
    }

    function _register(EzklFixture memory f) internal returns (uint256 modelId) {
        bytes32 key = inner.registerVka(f.vka);
        inner.approveVka(key);
        ModelSpec memory spec;
        spec.verifier = agg;
        spec.verifierKey = key;
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
        registry.approveModel(modelId, registry.specDigest(modelOwner, spec));
    }

    function _request(uint256 modelId, int256[] memory input) internal returns (uint256) {
        uint256 price = market.quote(modelId, CALLBACK_GAS).total;
        vm.deal(address(this), price);
        return consumer.request{value: price}(market, modelId, input, CALLBACK_GAS);
    }

    function _aggregate(EzklFixture memory a, EzklFixture memory b)
        internal
        pure
        returns (bytes32[] memory keys, bytes[] memory proofs, uint256[][] memory instances)
    {
        keys = new bytes32[](2);
        proofs = new bytes[](2);
        instances = new uint256[][](2);
        (keys[0], proofs[0], instances[0]) = (a.vkaDigest, a.proof, a.instances);
        (keys[1], proofs[1], instances[1]) = (b.vkaDigest, b.proof, b.instances);
    }

    // ---------------------------------------------------------------- accepted

    function test_twoModels_oneAggregate_bothRequestsSettled() public {
        uint256 idLr = _request(lrModel, lr.inputs[0]);
        uint256 idSvm = _request(svmModel, svm.inputs[0]);
        (bytes32[] memory keys, bytes[] memory proofs, uint256[][] memory instances) = _aggregate(lr, svm);

        vm.prank(nodeA);
        bytes32[] memory statements = agg.verifyAggregate(keys, proofs, instances);
        assertEq(statements[0], agg.statementOf(lr.vkaDigest, lr.instances));
        assertEq(statements[1], agg.statementOf(svm.vkaDigest, svm.instances));

        uint256 claimableBefore = market.claimable(nodeA);
        vm.startPrank(nodeA);
        market.fulfil(idLr, "", lr.instances);
        market.fulfil(idSvm, "", svm.instances);
        vm.stopPrank();

        assertEq(uint8(market.request(idLr).status), uint8(RequestStatus.Fulfilled));
        assertEq(uint8(market.request(idSvm).status), uint8(RequestStatus.Fulfilled));
        assertEq(consumer.outputOf(idLr), lr.outputs[0]);
        assertEq(consumer.outputOf(idSvm), svm.outputs[0]);
        uint256 earned = market.requestFees(idLr).nodeFee + market.requestFees(idLr).callbackFee
            + market.requestFees(idSvm).nodeFee + market.requestFees(idSvm).callbackFee;
        assertEq(market.claimable(nodeA) - claimableBefore, earned);
    }

    function test_aggregateWithBatchProof_settlesAllSlots() public {
        uint256[] memory ids = new uint256[](4);
        for (uint256 s; s < 4; ++s) {
            ids[s] = _request(b4Model, b4.inputs[s]);
        }
        uint256 idMlp = _request(mlpModel, mlp.inputs[0]);
        (bytes32[] memory keys, bytes[] memory proofs, uint256[][] memory instances) = _aggregate(b4, mlp);
        agg.verifyAggregate(keys, proofs, instances); // anyone may submit it: it only records true statements

        vm.startPrank(nodeA);
        market.fulfilBatch(ids, "", b4.instances);
        market.fulfil(idMlp, "", mlp.instances);
        vm.stopPrank();
        for (uint256 s; s < 4; ++s) {
            assertEq(consumer.outputOf(ids[s]), b4.outputs[s]);
        }
        assertEq(consumer.outputOf(idMlp), mlp.outputs[0]);
    }

    function test_fourModels_oneAggregate() public {
        bytes32[] memory keys = new bytes32[](4);
        bytes[] memory proofs = new bytes[](4);
        uint256[][] memory instances = new uint256[][](4);
        EzklFixture[4] memory fs = [lr, svm, mlp, b4];
        for (uint256 i; i < 4; ++i) {
            (keys[i], proofs[i], instances[i]) = (fs[i].vkaDigest, fs[i].proof, fs[i].instances);
        }
        agg.verifyAggregate(keys, proofs, instances);
        for (uint256 i; i < 4; ++i) {
            assertTrue(agg.verify(fs[i].vkaDigest, "", fs[i].instances));
            assertTrue(agg.isAccepted(fs[i].vkaDigest, fs[i].instances));
        }
    }

    function test_nonEmptyProof_isVerifiedAlone() public {
        uint256 id = _request(lrModel, lr.inputs[0]);
        vm.prank(nodeA);
        market.fulfil(id, lr.proof, lr.instances);
        assertEq(consumer.outputOf(id), lr.outputs[0]);
        assertTrue(agg.verify(lr.vkaDigest, lr.proof, lr.instances));
        assertFalse(agg.isAccepted(lr.vkaDigest, lr.instances), "a single proof records nothing");
    }

    // ---------------------------------------------------------------- refused

    function test_emptyProof_withoutAggregate_isInvalid() public {
        uint256 id = _request(lrModel, lr.inputs[0]);
        vm.prank(nodeA);
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.InvalidProof.selector, lrModel));
        market.fulfil(id, "", lr.instances);
    }

    function test_alteredInnerInstance_rejected() public {
        (bytes32[] memory keys, bytes[] memory proofs, uint256[][] memory instances) = _aggregate(lr, svm);
        uint256 last = instances[1].length - 1;
        instances[1][last] = instances[1][last] + 1; // svm's output changed
        vm.expectRevert(); // the transcript changes: the deferred verifier or the combined pairing refuses it
        agg.verifyAggregate(keys, proofs, instances);
        assertFalse(agg.isAccepted(lr.vkaDigest, lr.instances), "nothing recorded from a failed aggregate");
    }

    function test_alteredInput_rejected() public {
        (bytes32[] memory keys, bytes[] memory proofs, uint256[][] memory instances) = _aggregate(lr, svm);
        instances[0][0] = instances[0][0] + 1; // lr's first input feature changed
        vm.expectRevert();
        agg.verifyAggregate(keys, proofs, instances);
    }

    function test_swappedProofs_rejected() public {
        (bytes32[] memory keys, bytes[] memory proofs, uint256[][] memory instances) = _aggregate(lr, mlp);
        (proofs[0], proofs[1]) = (proofs[1], proofs[0]);
        vm.expectRevert();
        agg.verifyAggregate(keys, proofs, instances);
    }

    function test_proofUnderAnotherModelsKey_rejected() public {
        (bytes32[] memory keys, bytes[] memory proofs, uint256[][] memory instances) = _aggregate(lr, svm);
        keys[0] = mlp.vkaDigest; // lr's proof and instances claimed for the MLP circuit
        vm.expectRevert();
        agg.verifyAggregate(keys, proofs, instances);
    }

    function test_corruptedProofBytes_rejected() public {
        (bytes32[] memory keys, bytes[] memory proofs, uint256[][] memory instances) = _aggregate(lr, svm);
        bytes memory p = proofs[1];
        p[p.length - 40] = bytes1(uint8(p[p.length - 40]) ^ 0x01); // an opening evaluation
        vm.expectRevert();
        agg.verifyAggregate(keys, proofs, instances);
    }

    function test_aggregatedStatement_cannotSettleAnotherRequest() public {
        // The aggregate proves lr's instances (inputs[0]); a request with another input cannot use them.
        int256[] memory other = new int256[](lr.inputs[0].length);
        for (uint256 i; i < other.length; ++i) {
            other[i] = lr.inputs[0][i] == 0 ? int256(1) : lr.inputs[0][i] / 2;
        }
        uint256 otherId = _request(lrModel, other);
        (bytes32[] memory keys, bytes[] memory proofs, uint256[][] memory instances) = _aggregate(lr, svm);
        agg.verifyAggregate(keys, proofs, instances);
        vm.prank(nodeA);
        vm.expectRevert(); // the market binds slot 0's inputs to the request's input
        market.fulfil(otherId, "", lr.instances);
        assertEq(uint8(market.request(otherId).status), uint8(RequestStatus.Pending));
    }

    function test_aggregatedStatement_cannotSettleAnotherModel() public {
        // svm's statement is accepted, but an lr request looks up (lr key, instances): not recorded.
        uint256 id = _request(lrModel, lr.inputs[0]);
        (bytes32[] memory keys, bytes[] memory proofs, uint256[][] memory instances) = _aggregate(svm, mlp);
        agg.verifyAggregate(keys, proofs, instances);
        vm.prank(nodeA);
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.InvalidProof.selector, lrModel));
        market.fulfil(id, "", lr.instances);
    }

    function test_revokedKey_stopsRecordedStatements() public {
        (bytes32[] memory keys, bytes[] memory proofs, uint256[][] memory instances) = _aggregate(lr, svm);
        agg.verifyAggregate(keys, proofs, instances);
        assertTrue(agg.verify(svm.vkaDigest, "", svm.instances));
        inner.revokeVka(svm.vkaDigest);
        assertFalse(agg.verify(svm.vkaDigest, "", svm.instances));
        assertFalse(agg.isKeyAccepted(svm.vkaDigest));
        assertTrue(agg.verify(lr.vkaDigest, "", lr.instances));
    }

    function test_unapprovedKey_refused() public {
        inner.revokeVka(lr.vkaDigest);
        (bytes32[] memory keys, bytes[] memory proofs, uint256[][] memory instances) = _aggregate(lr, svm);
        vm.expectRevert(
            abi.encodeWithSelector(EzklAggregatingVerifierAdapter.AggregateKeyNotAccepted.selector, 0, lr.vkaDigest)
        );
        agg.verifyAggregate(keys, proofs, instances);
    }

    function test_sizeAndLengthChecks() public {
        vm.expectRevert(abi.encodeWithSelector(EzklAggregatingVerifierAdapter.AggregateSize.selector, 0));
        agg.verifyAggregate(new bytes32[](0), new bytes[](0), new uint256[][](0));
        vm.expectRevert(abi.encodeWithSelector(EzklAggregatingVerifierAdapter.AggregateSize.selector, 33));
        agg.verifyAggregate(new bytes32[](33), new bytes[](33), new uint256[][](33));
        vm.expectRevert(
            abi.encodeWithSelector(EzklAggregatingVerifierAdapter.AggregateLengthMismatch.selector, 2, 1, 2)
        );
        agg.verifyAggregate(new bytes32[](2), new bytes[](1), new uint256[][](2));
    }

    function test_deferredVerifier_returnsPointsThatPairForAValidProof() public {
        // One proof alone: the combined check with n = 1 is exactly EZKL's own pairing check.
        bytes32[] memory keys = new bytes32[](1);
        bytes[] memory proofs = new bytes[](1);
        uint256[][] memory instances = new uint256[][](1);
        (keys[0], proofs[0], instances[0]) = (mlp.vkaDigest, mlp.proof, mlp.instances);
        agg.verifyAggregate(keys, proofs, instances);
        assertTrue(agg.isAccepted(mlp.vkaDigest, mlp.instances));
    }
}
