// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IInferenceMarket, RequestStatus} from "../../src/interfaces/IInferenceMarket.sol";
import {
    Backtest,
    BacktestClaim,
    BacktestProof,
    IModelRegistry,
    ModelSpec,
    ModelStatus
} from "../../src/interfaces/IModelRegistry.sol";
import {FieldEncoding} from "../../src/libraries/FieldEncoding.sol";
import {InputBound, InputBounds} from "../../src/libraries/InputBounds.sol";
import {IOLayout} from "../../src/libraries/InstanceLayout.sol";
import {ApprovedCodeVerifierAdapter} from "../../src/verifiers/ApprovedCodeVerifierAdapter.sol";
import {EzklVkaVerifierAdapter} from "../../src/verifiers/EzklVkaVerifierAdapter.sol";
import {IProofVerifier} from "../../src/verifiers/IProofVerifier.sol";
import {IHalo2VerifierReusable} from "../../src/verifiers/ezkl/IHalo2Verifiers.sol";
import {AcceptAllVerifier} from "../mocks/AcceptAllVerifier.sol";
import {RecordingConsumer} from "../mocks/TestConsumers.sol";
import {EzklFixture, EzklFixtures} from "../utils/EzklFixtures.sol";
import {HubTestBase} from "../utils/HubTestBase.sol";

/// @notice The hub against real EZKL proofs made by the prover pipeline from committed models
/// (prover/fixtures), verified by EZKL's generated Solidity verifiers.
contract RealProofTest is HubTestBase {
    uint32 internal constant CALLBACK_GAS = 200_000;

    IHalo2VerifierReusable internal reusable;
    EzklVkaVerifierAdapter internal ezkl;
    ApprovedCodeVerifierAdapter internal approvedCode;
    RecordingConsumer internal consumer;

    EzklFixture internal b1;
    EzklFixture internal b4;
    EzklFixture internal b16;
    EzklFixture internal svm;
    uint256 internal b1Model;
    uint256 internal b4Model;
    uint256 internal b16Model;
    uint256 internal svmModel;

    function setUp() public override {
        super.setUp();
        reusable = IHalo2VerifierReusable(deployCode("Halo2VerifierReusable.sol:Halo2VerifierReusable"));
        ezkl = new EzklVkaVerifierAdapter(reusable, EzklFixtures.canonicalSrs());
        ezkl.setApprovalRequired(true);
        registry.setModelApprovalRequired(true); // as on public networks: register -> approve -> live
        approvedCode = new ApprovedCodeVerifierAdapter(admin);
        registry.setVerifierApproval(ezkl, true);
        registry.setVerifierApproval(approvedCode, true);
        consumer = new RecordingConsumer();

        b1 = EzklFixtures.load("linear_regression");
        b4 = EzklFixtures.load("linear_regression_b4");
        b16 = EzklFixtures.load("linear_regression_b16");
        svm = EzklFixtures.load("svm_classification");
        b1Model = _registerEzkl(b1);
        b4Model = _registerEzkl(b4);
        b16Model = _registerEzkl(b16);
        svmModel = _registerEzkl(svm);

        uint256[] memory models = new uint256[](4);
        (models[0], models[1], models[2], models[3]) = (b1Model, b4Model, b16Model, svmModel);
        _registerNode(nodeA, models, 1_000);
        _nextEpoch();
    }

    function _ezklSpec(EzklFixture memory f, bytes32 key) internal view returns (ModelSpec memory spec) {
        spec.verifier = ezkl;
        spec.verifierKey = key;
        spec.settingsHash = f.settingsHash;
        spec.layout = f.layout;
        spec.inputBounds = EzklFixtures.inputBounds(f);
        spec.computeUnits = f.computeUnits;
        spec.royalty = ROYALTY;
        spec.artifactURI = string.concat("zkvin-artifact:sha256:", f.artifactId);
        spec.metadataURI = f.name;
    }

    function _registerEzkl(EzklFixture memory f) internal returns (uint256 modelId) {
        bytes32 key = ezkl.registerVka(f.vka);
        assertEq(key, f.vkaDigest, "adapter key is EZKL's VKA digest");
        ezkl.approveVka(key); // governance, after rebuilding the VKA from the model's artifacts
        ModelSpec memory spec = _ezklSpec(f, key);
        vm.deal(modelOwner, REGISTRATION_FEE);
        vm.prank(modelOwner);
        modelId = registry.registerModel{value: REGISTRATION_FEE}(spec);
        // Governance again, after checking the whole spec (layout, bounds, owner) against the artifacts.
        registry.approveModel(modelId, registry.specDigest(modelOwner, spec));
    }

    function _consumerRequest(uint256 modelId, int256[] memory input) internal returns (uint256) {
        uint256 price = market.quote(modelId, CALLBACK_GAS).total;
        vm.deal(address(this), price);
        return consumer.request{value: price}(market, modelId, input, CALLBACK_GAS);
    }

    function _requestSlots(uint256 modelId, EzklFixture memory f, uint256 count)
        internal
        returns (uint256[] memory ids)
    {
        ids = new uint256[](count);
        for (uint256 s; s < count; ++s) {
            ids[s] = _consumerRequest(modelId, f.inputs[s]);
        }
    }

    /// @dev Fulfilled, and the consumer received exactly the proven output.
    function _assertFulfilled(uint256 id, int256[] memory expected) internal view {
        assertEq(uint8(market.request(id).status), uint8(RequestStatus.Fulfilled));
        assertEq(consumer.outputOf(id), expected);
    }

    // ---------------------------------------------------------------- accepted

    function test_adapter_verifiesRealProofs() public view {
        assertTrue(ezkl.verify(b1.vkaDigest, b1.proof, b1.instances));
        assertTrue(ezkl.verify(b4.vkaDigest, b4.proof, b4.instances));
        assertTrue(ezkl.verify(b16.vkaDigest, b16.proof, b16.instances));
        assertTrue(ezkl.verify(svm.vkaDigest, svm.proof, svm.instances));
        assertEq(ezkl.instanceCount(b1.vkaDigest), 5);
        assertEq(ezkl.instanceCount(b16.vkaDigest), 80);
        assertEq(ezkl.vka(b1.vkaDigest), b1.vka);
        assertEq(ezkl.canonicalSrs(), EzklFixtures.canonicalSrs());
    }

    function test_fulfil_batch1_realProof_deliversOutputFromInstances() public {
        uint256 id = _consumerRequest(b1Model, b1.inputs[0]);
        assertEq(market.request(id).node, nodeA);
        vm.prank(nodeA);
        market.fulfil(id, b1.proof, b1.instances);

        _assertFulfilled(id, b1.outputs[0]);
        assertEq(consumer.calls(), 1);
        assertEq(consumer.lastRequestId(), id);
        assertEq(consumer.lastModelId(), b1Model);
        assertEq(consumer.lastOutput(), b1.outputs[0]);
        assertEq(market.claimable(nodeA), market.requestFees(id).nodeFee + market.requestFees(id).callbackFee);
        assertEq(market.claimable(modelOwner), ROYALTY);
        assertEq(market.claimable(treasury), PROTOCOL_FEE);
        assertEq(market.totalEscrowed(), 0);
    }

    function test_svm_perFeatureBounds_admitItsProvenRanges() public {
        // The SVM's features have disjoint proven ranges (no single bound could serve them); each is registered.
        InputBound[] memory b = registry.inputBounds(svmModel);
        assertEq(abi.encode(b), abi.encode(EzklFixtures.inputBounds(svm)));
        assertGt(b[0].min, b[3].max, "feature 0's range lies wholly above feature 3's");

        // Every feature at either end of its own bound is accepted; one step past any end is not.
        int256[] memory input = new int256[](4);
        for (uint256 j; j < 4; ++j) {
            input[j] = b[j].min;
        }
        _consumerRequest(svmModel, input);
        for (uint256 j; j < 4; ++j) {
            input[j] = b[j].max;
        }
        _consumerRequest(svmModel, input);
        uint256 price = market.quote(svmModel).total;
        vm.deal(address(this), 2 * price);
        input[3] = b[3].max + 1;
        vm.expectRevert(
            abi.encodeWithSelector(InputBounds.InputOutOfBounds.selector, 3, b[3].max + 1, b[3].min, b[3].max)
        );
        consumer.request{value: price}(market, svmModel, input, CALLBACK_GAS);
        input[3] = b[3].max;
        input[1] = b[1].min - 1;
        vm.expectRevert(
            abi.encodeWithSelector(InputBounds.InputOutOfBounds.selector, 1, b[1].min - 1, b[1].min, b[1].max)
        );
        consumer.request{value: price}(market, svmModel, input, CALLBACK_GAS);

        // And the proven inference of a sample inside them is delivered: its label.
        uint256 id = _consumerRequest(svmModel, svm.inputs[0]);
        vm.prank(nodeA);
        market.fulfil(id, svm.proof, svm.instances);
        _assertFulfilled(id, svm.outputs[0]);
    }

    function test_fulfilBatch_batch4_realProof() public {
        uint256[] memory ids = _requestSlots(b4Model, b4, 4);
        vm.prank(nodeA);
        market.fulfilBatch(ids, b4.proof, b4.instances);
        for (uint256 s; s < 4; ++s) {
            _assertFulfilled(ids[s], b4.outputs[s]);
        }
        assertEq(consumer.calls(), 4);
        assertEq(market.modelUsage(b4Model).fulfilled, 4);
    }

    function test_fulfilBatch_batch16_realProof() public {
        uint256[] memory ids = _requestSlots(b16Model, b16, 16);
        vm.prank(nodeA);
        market.fulfilBatch(ids, b16.proof, b16.instances);
        for (uint256 s; s < 16; ++s) {
            _assertFulfilled(ids[s], b16.outputs[s]);
        }
        assertEq(consumer.calls(), 16);
        assertEq(consumer.lastOutput(), b16.outputs[15]);
    }

    function test_fulfilBatch_partialBatch_ignoresUnclaimedSlots() public {
        uint256[] memory ids = _requestSlots(b4Model, b4, 3);
        vm.prank(nodeA);
        market.fulfilBatch(ids, b4.proof, b4.instances);
        for (uint256 s; s < 3; ++s) {
            _assertFulfilled(ids[s], b4.outputs[s]);
        }
        assertEq(consumer.calls(), 3);
    }

    function test_backtest_recordsRealProofs() public {
        BacktestProof[] memory proofs = new BacktestProof[](1);
        proofs[0] = BacktestProof({proof: b16.proof, instances: b16.instances});
        BacktestClaim memory claim = BacktestClaim({
            datasetURI: "zkvin-dataset:diabetes-rows",
            datasetHash: keccak256("diabetes"),
            samples: 16,
            metric: "mse",
            metricValue: 1234,
            metricScale: 13
        });
        vm.prank(modelOwner);
        registry.recordBacktest(b16Model, claim, proofs);
        Backtest memory b = registry.backtest(b16Model, 0);
        int256[] memory outs = new int256[](16);
        for (uint256 s; s < 16; ++s) {
            outs[s] = b16.outputs[s][0];
        }
        assertEq(b.outputsDigest, keccak256(abi.encodePacked(outs)));
        assertEq(b.samples, 16);
    }

    // ---------------------------------------------------------------- rejected

    function test_rejects_proofForADifferentInput() public {
        int256[] memory changed = b1.inputs[0];
        changed[0] += 1;
        uint256 id = _consumerRequest(b1Model, changed);
        // The proof is valid, but for another input than the request's.
        vm.prank(nodeA);
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.InputMismatch.selector, id, 0));
        market.fulfil(id, b1.proof, b1.instances);

        // Editing the proof's input instance to match the request breaks the proof.
        uint256[] memory edited = b1.instances;
        edited[0] = FieldEncoding.toFelt(changed[0]);
        assertFalse(ezkl.verify(b1.vkaDigest, b1.proof, edited));
        vm.prank(nodeA);
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.InvalidProof.selector, b1Model));
        market.fulfil(id, b1.proof, edited);
        assertEq(uint8(market.request(id).status), uint8(RequestStatus.Pending));
    }

    function test_rejects_changedOutput() public {
        uint256 id = _consumerRequest(b1Model, b1.inputs[0]);
        uint256[] memory edited = b1.instances;
        edited[b1.layout.outputOffset] += 1;
        assertFalse(ezkl.verify(b1.vkaDigest, b1.proof, edited));
        vm.prank(nodeA);
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.InvalidProof.selector, b1Model));
        market.fulfil(id, b1.proof, edited);

        // Also in a batch: one changed output in slot 9 of 16 rejects the whole proof.
        uint256[] memory ids = _requestSlots(b16Model, b16, 16);
        uint256[] memory edited16 = b16.instances;
        edited16[b16.layout.outputOffset + 9] = FieldEncoding.toFelt(-1);
        vm.prank(nodeA);
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.InvalidProof.selector, b16Model));
        market.fulfilBatch(ids, b16.proof, edited16);
    }

    function test_rejects_anotherModelsVka() public {
        // Same instance count (4 inputs, 1 output), different circuit.
        assertEq(svm.layout.instanceCount, b1.layout.instanceCount);
        assertFalse(ezkl.verify(svm.vkaDigest, b1.proof, b1.instances));
        assertFalse(ezkl.verify(b1.vkaDigest, svm.proof, svm.instances));

        // The linear regression's input is not even a valid SVM request: the SVM's features have their own
        // ranges (feature 0, sepal length, 3.55..9.35 at scale 13).
        uint256 price = market.quote(svmModel).total;
        vm.deal(address(this), price);
        vm.expectRevert(
            abi.encodeWithSelector(InputBounds.InputOutOfBounds.selector, 0, b1.inputs[0][0], 29_082, 76_595)
        );
        consumer.request{value: price}(market, svmModel, b1.inputs[0], CALLBACK_GAS);

        // A node assigned an SVM request cannot answer it with a linear-regression proof.
        uint256 id = _consumerRequest(svmModel, svm.inputs[0]);
        vm.prank(nodeA);
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.InvalidProof.selector, svmModel));
        market.fulfil(id, b1.proof, b1.instances);
    }

    function test_rejects_vkaOnAnotherSrs() public {
        bytes32 otherDigest = keccak256(abi.encodePacked(b1.vkaOtherSrs));
        bytes32[] memory srsWords = new bytes32[](10);
        for (uint256 i; i < 10; ++i) {
            srsWords[i] = b1.vkaOtherSrs[14 + i];
        }
        vm.expectRevert(
            abi.encodeWithSelector(
                EzklVkaVerifierAdapter.SrsMismatch.selector,
                ezkl.CANONICAL_SRS_DIGEST(),
                keccak256(abi.encodePacked(srsWords))
            )
        );
        ezkl.registerVka(b1.vkaOtherSrs);

        // EZKL's verifier lets anyone register any VKA; the adapter still refuses to use it.
        reusable.registerVka(b1.vkaOtherSrs);
        assertFalse(ezkl.isKeyAccepted(otherDigest));
        assertFalse(ezkl.verify(otherDigest, b1.proof, b1.instances));
        ModelSpec memory spec = _ezklSpec(b1, otherDigest);
        vm.deal(modelOwner, REGISTRATION_FEE);
        vm.prank(modelOwner);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.VerifierKeyNotAccepted.selector, ezkl, otherDigest));
        registry.registerModel{value: REGISTRATION_FEE}(spec);
    }

    function test_rejects_unapprovedVka() public {
        // A VKA on the canonical SRS is still a circuit description of the registrant's choosing: until
        // governance approves it, no model can use it, and revoking stops a model that does.
        EzklFixture memory mlp = EzklFixtures.load("mlp");
        bytes32 key = ezkl.registerVka(mlp.vka);
        assertTrue(ezkl.isRegistered(key));
        assertFalse(ezkl.isKeyAccepted(key));
        assertFalse(ezkl.verify(key, mlp.proof, mlp.instances));
        ModelSpec memory spec = _ezklSpec(mlp, key);
        vm.deal(modelOwner, REGISTRATION_FEE);
        vm.prank(modelOwner);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.VerifierKeyNotAccepted.selector, ezkl, key));
        registry.registerModel{value: REGISTRATION_FEE}(spec);

        ezkl.approveVka(key);
        assertTrue(ezkl.verify(key, mlp.proof, mlp.instances));
        ezkl.revokeVka(b1.vkaDigest);
        uint256 id = _consumerRequest(b1Model, b1.inputs[0]);
        vm.prank(nodeA);
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.InvalidProof.selector, b1Model));
        market.fulfil(id, b1.proof, b1.instances);
    }

    function test_rejects_unapprovedVerifierContracts() public {
        address generated = deployCode(string.concat(b1.verifierContract, ".sol:", b1.verifierContract));
        address acceptAll = address(new AcceptAllVerifier());
        ModelSpec memory spec = _ezklSpec(b1, approvedCode.keyOf(acceptAll));
        spec.verifier = approvedCode;

        // Neither an accept-anything contract nor a genuine but unapproved verifier can be registered.
        vm.deal(modelOwner, 2 * REGISTRATION_FEE);
        vm.startPrank(modelOwner);
        vm.expectRevert(
            abi.encodeWithSelector(IModelRegistry.VerifierKeyNotAccepted.selector, approvedCode, spec.verifierKey)
        );
        registry.registerModel{value: REGISTRATION_FEE}(spec);
        spec.verifierKey = approvedCode.keyOf(generated);
        vm.expectRevert(
            abi.encodeWithSelector(IModelRegistry.VerifierKeyNotAccepted.selector, approvedCode, spec.verifierKey)
        );
        registry.registerModel{value: REGISTRATION_FEE}(spec);
        vm.stopPrank();
        assertFalse(approvedCode.verify(approvedCode.keyOf(acceptAll), "", b1.instances));

        // Governance approves the exact code EZKL generated for the circuit: the model works end to end.
        approvedCode.approveCodeHash(generated.codehash, b1.layout.instanceCount);
        vm.prank(modelOwner);
        uint256 modelId = registry.registerModel{value: REGISTRATION_FEE}(spec);
        registry.approveModel(modelId, registry.model(modelId).specDigest);
        _registerNode(nodeB, modelId, 100);
        _nextEpoch();
        uint256 id = _consumerRequest(modelId, b1.inputs[0]);
        assertEq(market.request(id).node, nodeB);
        uint256[] memory edited = b1.instances;
        edited[4] += 1;
        vm.prank(nodeB);
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.InvalidProof.selector, modelId));
        market.fulfil(id, b1.proof, edited);
        vm.prank(nodeB);
        market.fulfil(id, b1.proof, b1.instances);
        _assertFulfilled(id, b1.outputs[0]);

        // Revoking the approval stops the verifier at once.
        approvedCode.revokeCodeHash(generated.codehash);
        assertFalse(approvedCode.verify(spec.verifierKey, b1.proof, b1.instances));
        uint256 next = _consumerRequest(modelId, b1.inputs[0]);
        vm.prank(nodeB);
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.InvalidProof.selector, modelId));
        market.fulfil(next, b1.proof, b1.instances);
    }

    // ---------------------------------------------------------------- model approval (M-1)

    /// @dev `genuine` with its input and output slots swapped: the proof's first three input features are
    /// declared the "output", the fourth feature and the three real outputs the "input"; maximum royalty.
    function _swappedSpec(ModelSpec memory genuine, int256 wide) internal pure returns (ModelSpec memory spec) {
        spec.verifier = genuine.verifier;
        spec.verifierKey = genuine.verifierKey;
        spec.settingsHash = genuine.settingsHash;
        spec.computeUnits = genuine.computeUnits;
        spec.artifactURI = genuine.artifactURI;
        spec.metadataURI = genuine.metadataURI;
        IOLayout memory l = genuine.layout;
        spec.layout = IOLayout({
            batchSize: 1,
            instanceCount: l.instanceCount,
            inputOffset: l.outputCount,
            inputCount: l.inputCount,
            outputOffset: 0,
            outputCount: l.outputCount,
            inputScale: l.inputScale,
            outputScale: l.outputScale,
            inputMode: l.inputMode
        });
        spec.inputBounds = new InputBound[](l.inputCount);
        for (uint256 j; j < l.inputCount; ++j) {
            spec.inputBounds[j] = InputBound({min: -wide, max: wide});
        }
        spec.royalty = MAX_ROYALTY;
    }

    /// @notice M-1: approving a VKA admits a circuit, not a model. A front-runner registers the approved
    /// MLP key first under a swapped layout (a genuine proof would then deliver three input features as the
    /// "verified output") with the maximum royalty. Under the model approval flow its registration is only a
    /// proposal: it holds no key, takes no request, cannot be approved in place of the genuine one, and the
    /// genuine owner's model goes live and verifies real proofs.
    function test_modelApproval_swappedLayoutNeverGoesLive() public {
        EzklFixture memory mlp = EzklFixtures.load("mlp");
        assertEq(mlp.layout.instanceCount, 7, "4 input features, 3 outputs");
        bytes32 key = ezkl.registerVka(mlp.vka);
        ezkl.approveVka(key);
        ModelSpec memory genuine = _ezklSpec(mlp, key);
        address squatter = makeAddr("squatter");

        // The squatter is first, with the swapped layout and with the genuine spec under its own name.
        (uint256 squat, uint256 copy) = _squat(squatter, genuine);
        assertEq(uint8(registry.modelStatus(squat)), uint8(ModelStatus.Pending));
        assertEq(registry.modelIdOf(ezkl, key), 0, "a proposal holds no key");
        _expectSwappedRequestRefused(squat, mlp);

        // The genuine owner's registration is not blocked (no VerifierKeyTaken), and only its exact spec
        // digest, owner included, can be approved.
        vm.deal(modelOwner, REGISTRATION_FEE);
        vm.prank(modelOwner);
        uint256 id = registry.registerModel{value: REGISTRATION_FEE}(genuine);
        bytes32 digest = registry.specDigest(modelOwner, genuine);
        assertEq(registry.model(id).specDigest, digest);
        bytes32 copyDigest = registry.model(copy).specDigest;
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.SpecDigestMismatch.selector, copy, copyDigest, digest));
        registry.approveModel(copy, digest);
        registry.approveModel(id, digest);
        assertEq(registry.modelIdOf(ezkl, key), id);

        // From now on the squatter's proposals can never go live; rejecting them refunds the squatter.
        bytes32 squatDigest = registry.model(squat).specDigest;
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.VerifierKeyTaken.selector, ezkl, key, id));
        registry.approveModel(squat, squatDigest);
        registry.rejectModel(squat, "layout does not match the artifact manifest");
        registry.rejectModel(copy, "registrant is not the artifact's publisher");
        assertEq(registry.refundOf(squatter), 2 * REGISTRATION_FEE);

        // The genuine model verifies the real proof and delivers the real outputs, not the inputs.
        _fulfilOnce(id, mlp);
        assertEq(market.claimable(modelOwner), ROYALTY);
        assertEq(market.claimable(squatter), 0);
    }

    function _squat(address squatter, ModelSpec memory genuine) internal returns (uint256 squat, uint256 copy) {
        ModelSpec memory swapped = _swappedSpec(genuine, 1e12);
        vm.deal(squatter, 2 * REGISTRATION_FEE);
        vm.startPrank(squatter);
        squat = registry.registerModel{value: REGISTRATION_FEE}(swapped);
        copy = registry.registerModel{value: REGISTRATION_FEE}(genuine);
        vm.stopPrank();
    }

    /// @dev The swapped "input" (feature 3 and the three real outputs) is refused: the model is not live.
    function _expectSwappedRequestRefused(uint256 squat, EzklFixture memory mlp) internal {
        int256[] memory swappedInput = new int256[](4);
        swappedInput[0] = mlp.inputs[0][3];
        for (uint256 j; j < 3; ++j) {
            swappedInput[j + 1] = mlp.outputs[0][j];
        }
        vm.deal(address(this), 1 ether);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotLive.selector, squat, ModelStatus.Pending));
        consumer.request{value: 1 ether}(market, squat, swappedInput, CALLBACK_GAS);
    }

    function _fulfilOnce(uint256 id, EzklFixture memory f) internal {
        _registerNode(nodeB, id, 100);
        _nextEpoch();
        // Three outputs: the recording consumer needs more than the default callback gas to store them.
        uint32 callbackGas = 1_000_000;
        uint256 price = market.quote(id, callbackGas).total;
        vm.deal(address(this), price);
        uint256 rid = consumer.request{value: price}(market, id, f.inputs[0], callbackGas);
        assertEq(market.request(rid).node, nodeB);
        vm.prank(nodeB);
        market.fulfil(rid, f.proof, f.instances);
        _assertFulfilled(rid, f.outputs[0]);
    }
}
