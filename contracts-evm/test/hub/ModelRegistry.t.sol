// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Initializable} from "@openzeppelin/contracts/proxy/utils/Initializable.sol";
import {PausableUpgradeable} from "@openzeppelin/contracts-upgradeable/utils/PausableUpgradeable.sol";
import {ModelRegistry} from "../../src/hub/ModelRegistry.sol";
import {
    Backtest,
    BacktestClaim,
    BacktestProof,
    IModelRegistry,
    Model,
    ModelSpec,
    ModelTerms
} from "../../src/interfaces/IModelRegistry.sol";
import {FieldEncoding} from "../../src/libraries/FieldEncoding.sol";
import {InputBound, InputBounds} from "../../src/libraries/InputBounds.sol";
import {IOLayout, InstanceLayout} from "../../src/libraries/InstanceLayout.sol";
import {IProofVerifier} from "../../src/verifiers/IProofVerifier.sol";
import {MockProofVerifier} from "../mocks/MockProofVerifier.sol";
import {RejectingReceiver} from "../mocks/TestConsumers.sol";
import {HubTestBase} from "../utils/HubTestBase.sol";

contract ModelRegistryTest is HubTestBase {
    address internal stranger = makeAddr("stranger");

    function _specFor(IOLayout memory l) internal returns (ModelSpec memory) {
        return _spec(l);
    }

    function _register(ModelSpec memory spec) internal returns (uint256) {
        vm.deal(modelOwner, REGISTRATION_FEE);
        vm.prank(modelOwner);
        return registry.registerModel{value: REGISTRATION_FEE}(spec);
    }

    function _expectRegisterRevert(ModelSpec memory spec, bytes memory err) internal {
        vm.deal(modelOwner, REGISTRATION_FEE);
        vm.prank(modelOwner);
        vm.expectRevert(err);
        registry.registerModel{value: REGISTRATION_FEE}(spec);
    }

    // ---------------------------------------------------------------- initialisation

    function test_initialize_setsParameters() public view {
        assertEq(registry.registrationFee(), REGISTRATION_FEE);
        assertEq(registry.maxRoyalty(), MAX_ROYALTY);
        assertEq(registry.treasury(), treasury);
        assertTrue(registry.hasRole(registry.DEFAULT_ADMIN_ROLE(), admin));
        assertTrue(registry.hasRole(registry.PAUSER_ROLE(), admin));
        assertTrue(registry.hasRole(registry.PARAMETER_SETTER_ROLE(), admin));
    }

    function test_initialize_cannotRunTwice() public {
        vm.expectRevert(Initializable.InvalidInitialization.selector);
        registry.initialize(admin, treasury, REGISTRATION_FEE, MAX_ROYALTY);
    }

    function test_implementation_cannotBeInitialized() public {
        ModelRegistry impl = ModelRegistry(hub.registryImplementation);
        vm.expectRevert(Initializable.InvalidInitialization.selector);
        impl.initialize(admin, treasury, REGISTRATION_FEE, MAX_ROYALTY);
    }

    // ---------------------------------------------------------------- registration

    /// @dev Three features with different bounds: [-10, 10], [0, 500], [-7, -7].
    function _threeBounds() internal pure returns (InputBound[] memory b) {
        b = new InputBound[](3);
        b[0] = InputBound({min: -10, max: 10});
        b[1] = InputBound({min: 0, max: 500});
        b[2] = InputBound({min: -7, max: -7});
    }

    function test_registerModel_storesEverything() public {
        ModelSpec memory spec = _spec(_layout(4, 3, 1), _threeBounds());
        vm.deal(modelOwner, REGISTRATION_FEE);
        vm.expectEmit(true, true, true, true, address(registry));
        emit IModelRegistry.ModelRegistered(1, modelOwner, spec.verifier, spec);
        vm.prank(modelOwner);
        uint256 id = registry.registerModel{value: REGISTRATION_FEE}(spec);

        assertEq(id, 1);
        assertEq(registry.modelCount(), 1);
        assertTrue(registry.exists(1));
        assertFalse(registry.exists(0));
        assertFalse(registry.exists(2));
        Model memory m = registry.model(id);
        assertEq(m.owner, modelOwner);
        assertEq(address(m.verifier), address(verifier));
        assertEq(m.verifierKey, spec.verifierKey);
        assertEq(m.settingsHash, spec.settingsHash);
        assertEq(m.computeUnits, COMPUTE_UNITS);
        assertEq(m.royalty, ROYALTY);
        assertEq(m.artifactURI, spec.artifactURI);
        assertEq(m.metadataURI, spec.metadataURI);
        assertEq(m.layout.batchSize, 4);
        assertEq(m.layout.instanceCount, 16);
        assertEq(abi.encode(m.inputBounds), abi.encode(_threeBounds()));
        assertEq(abi.encode(registry.inputBounds(id)), abi.encode(_threeBounds()));
        assertFalse(m.deprecated);
        assertEq(registry.modelIdOf(spec.verifier, spec.verifierKey), id);
        assertEq(registry.accruedFees(), REGISTRATION_FEE);
        assertEq(address(registry).balance, REGISTRATION_FEE);

        ModelTerms memory t = registry.modelTerms(id);
        assertEq(t.owner, modelOwner);
        assertEq(t.computeUnits, COMPUTE_UNITS);
        assertEq(t.royalty, ROYALTY);
        (address o, IProofVerifier v, bytes32 k, IOLayout memory l) = registry.fulfilmentTerms(id);
        assertEq(o, modelOwner);
        assertEq(address(v), address(verifier));
        assertEq(k, spec.verifierKey);
        assertEq(l.outputOffset, 12);
    }

    function test_registerModel_revertsOnWrongFee() public {
        ModelSpec memory spec = _specFor(_layout(1, 3, 1));
        vm.deal(modelOwner, 1 ether);
        vm.startPrank(modelOwner);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.IncorrectRegistrationFee.selector, REGISTRATION_FEE, 0));
        registry.registerModel(spec);
        vm.expectRevert(
            abi.encodeWithSelector(
                IModelRegistry.IncorrectRegistrationFee.selector, REGISTRATION_FEE, REGISTRATION_FEE + 1
            )
        );
        registry.registerModel{value: REGISTRATION_FEE + 1}(spec);
        vm.stopPrank();
    }

    function test_registerModel_revertsForUnapprovedAdapter() public {
        MockProofVerifier rogue = new MockProofVerifier();
        ModelSpec memory spec = _specFor(_layout(1, 3, 1));
        rogue.addKey(spec.verifierKey, 4);
        spec.verifier = IProofVerifier(address(rogue));
        _expectRegisterRevert(spec, abi.encodeWithSelector(IModelRegistry.VerifierNotApproved.selector, rogue));
    }

    function test_registerModel_revertsForUnknownKey() public {
        ModelSpec memory spec = _specFor(_layout(1, 3, 1));
        spec.verifierKey = keccak256("never registered");
        _expectRegisterRevert(
            spec, abi.encodeWithSelector(IModelRegistry.VerifierKeyNotAccepted.selector, verifier, spec.verifierKey)
        );
    }

    function test_registerModel_revertsWhenKeyTaken() public {
        ModelSpec memory spec = _specFor(_layout(1, 3, 1));
        uint256 id = _register(spec);
        _expectRegisterRevert(
            spec, abi.encodeWithSelector(IModelRegistry.VerifierKeyTaken.selector, verifier, spec.verifierKey, id)
        );
    }

    function test_registerModel_revertsOnInvalidLayout() public {
        ModelSpec memory spec = _specFor(_layout(1, 3, 1));
        spec.layout.batchSize = 0;
        _expectRegisterRevert(spec, abi.encodeWithSelector(InstanceLayout.InvalidLayout.selector, "batchSize"));
    }

    function test_registerModel_revertsOnBadInputBounds() public {
        // One bound per feature.
        ModelSpec memory spec = _spec(_layout(1, 3, 1), _uniformBounds(2, -1, 1));
        _expectRegisterRevert(spec, abi.encodeWithSelector(InputBounds.InputBoundCountMismatch.selector, 3, 2));
        spec.inputBounds = _uniformBounds(4, -1, 1);
        _expectRegisterRevert(spec, abi.encodeWithSelector(InputBounds.InputBoundCountMismatch.selector, 3, 4));
        // A hashed-input model bounds its features too.
        spec = _spec(_hashedLayout(1, 3, 1), new InputBound[](1));
        _expectRegisterRevert(spec, abi.encodeWithSelector(InputBounds.InputBoundCountMismatch.selector, 3, 1));

        // Each non-empty, named by feature.
        spec = _spec(_layout(1, 3, 1), _threeBounds());
        spec.inputBounds[1] = InputBound({min: 3, max: 2});
        _expectRegisterRevert(spec, abi.encodeWithSelector(InputBounds.InputBoundInverted.selector, 1, 3, 2));

        // Each end a signed value the field can carry: |v| <= (p - 1) / 2.
        int256 half = int256(FieldEncoding.HALF);
        spec.inputBounds = _threeBounds();
        spec.inputBounds[2] = InputBound({min: -half - 1, max: 0});
        _expectRegisterRevert(spec, abi.encodeWithSelector(InputBounds.InputBoundOutOfField.selector, 2, -half - 1));
        spec.inputBounds[2] = InputBound({min: 0, max: half + 1});
        _expectRegisterRevert(spec, abi.encodeWithSelector(InputBounds.InputBoundOutOfField.selector, 2, half + 1));
        spec.inputBounds[0] = InputBound({min: type(int256).min, max: type(int256).max});
        _expectRegisterRevert(
            spec, abi.encodeWithSelector(InputBounds.InputBoundOutOfField.selector, 0, type(int256).min)
        );

        // The whole field is a valid bound.
        spec.inputBounds = _uniformBounds(3, -half, half);
        uint256 id = _register(spec);
        int256[] memory input = new int256[](3);
        (input[0], input[1], input[2]) = (-half, half, 0);
        registry.requestTerms(id, input, 0, false);
    }

    function test_registerModel_storesTheBoundsAsCode() public {
        uint256 id = _register(_spec(_layout(1, 3, 1), _threeBounds()));
        // The registry keeps one pointer; its code is STOP || (min || max) per feature.
        bytes memory expected = InputBounds.encode(_threeBounds());
        assertEq(expected.length, 3 * 64);
        bool found;
        for (uint256 nonce = 1; nonce < 5 && !found; ++nonce) {
            address candidate = vm.computeCreateAddress(address(registry), nonce);
            if (candidate.code.length != 0) {
                assertEq(candidate.code, abi.encodePacked(hex"00", expected));
                found = true;
            }
        }
        assertTrue(found, "no bounds contract created by the registry");
        assertEq(abi.encode(registry.inputBounds(id)), abi.encode(_threeBounds()));
    }

    function test_registerModel_revertsWhenLayoutDisagreesWithVerifier() public {
        ModelSpec memory spec = _specFor(_layout(1, 3, 1));
        verifier.addKey(spec.verifierKey, 5);
        _expectRegisterRevert(spec, abi.encodeWithSelector(IModelRegistry.LayoutInstanceCountMismatch.selector, 4, 5));
    }

    function test_registerModel_acceptsWhenVerifierCannotTellInstanceCount() public {
        ModelSpec memory spec = _specFor(_layout(1, 3, 1));
        verifier.addKey(spec.verifierKey, 0);
        assertEq(_register(spec), 1);
    }

    function test_registerModel_revertsOnComputeUnits() public {
        ModelSpec memory spec = _specFor(_layout(1, 3, 1));
        spec.computeUnits = 0;
        _expectRegisterRevert(spec, abi.encodeWithSelector(IModelRegistry.InvalidComputeUnits.selector, 0));
        spec.computeUnits = registry.MAX_COMPUTE_UNITS() + 1;
        _expectRegisterRevert(
            spec, abi.encodeWithSelector(IModelRegistry.InvalidComputeUnits.selector, spec.computeUnits)
        );
    }

    function test_registerModel_revertsOnRoyaltyAboveMax() public {
        ModelSpec memory spec = _specFor(_layout(1, 3, 1));
        spec.royalty = MAX_ROYALTY + 1;
        _expectRegisterRevert(
            spec, abi.encodeWithSelector(IModelRegistry.RoyaltyTooHigh.selector, MAX_ROYALTY + 1, MAX_ROYALTY)
        );
    }

    function test_registerModel_revertsOnEmptyArtifactURI() public {
        ModelSpec memory spec = _specFor(_layout(1, 3, 1));
        spec.artifactURI = "";
        _expectRegisterRevert(spec, abi.encodeWithSelector(IModelRegistry.EmptyArtifactURI.selector));
    }

    function test_registerModel_revertsWhenPaused() public {
        registry.pause();
        ModelSpec memory spec = _specFor(_layout(1, 3, 1));
        _expectRegisterRevert(spec, abi.encodeWithSelector(PausableUpgradeable.EnforcedPause.selector));
        registry.unpause();
        assertEq(_register(spec), 1);
    }

    // ---------------------------------------------------------------- owner actions

    function test_setRoyalty() public {
        uint256 id = _register(_specFor(_layout(1, 3, 1)));
        vm.expectEmit(address(registry));
        emit IModelRegistry.ModelRoyaltyUpdated(id, 5);
        vm.prank(modelOwner);
        registry.setRoyalty(id, 5);
        assertEq(registry.model(id).royalty, 5);

        vm.prank(modelOwner);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.RoyaltyTooHigh.selector, MAX_ROYALTY + 1, MAX_ROYALTY));
        registry.setRoyalty(id, MAX_ROYALTY + 1);

        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.NotModelOwner.selector, id, stranger));
        registry.setRoyalty(id, 1);

        vm.prank(modelOwner);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotFound.selector, 99));
        registry.setRoyalty(99, 1);
    }

    function test_setMetadataURI() public {
        uint256 id = _register(_specFor(_layout(1, 3, 1)));
        vm.expectEmit(address(registry));
        emit IModelRegistry.ModelMetadataUpdated(id, "ipfs://new");
        vm.prank(modelOwner);
        registry.setMetadataURI(id, "ipfs://new");
        assertEq(registry.model(id).metadataURI, "ipfs://new");

        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.NotModelOwner.selector, id, stranger));
        registry.setMetadataURI(id, "x");
    }

    function test_transferModelOwnership() public {
        uint256 id = _register(_specFor(_layout(1, 3, 1)));
        vm.prank(modelOwner);
        vm.expectRevert(IModelRegistry.ZeroAddress.selector);
        registry.transferModelOwnership(id, address(0));

        vm.expectEmit(address(registry));
        emit IModelRegistry.ModelOwnershipTransferred(id, modelOwner, stranger);
        vm.prank(modelOwner);
        registry.transferModelOwnership(id, stranger);
        assertEq(registry.model(id).owner, stranger);

        vm.prank(modelOwner);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.NotModelOwner.selector, id, modelOwner));
        registry.setRoyalty(id, 1);
    }

    function test_deprecateModel() public {
        uint256 id = _register(_specFor(_layout(1, 3, 1)));
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.NotModelOwner.selector, id, stranger));
        registry.deprecateModel(id);

        vm.expectEmit(address(registry));
        emit IModelRegistry.ModelDeprecated(id);
        vm.prank(modelOwner);
        registry.deprecateModel(id);
        assertTrue(registry.model(id).deprecated);
        assertTrue(registry.modelTerms(id).deprecated);

        vm.prank(modelOwner);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelIsDeprecated.selector, id));
        registry.deprecateModel(id);
    }

    function test_requestTerms_checksEachFeatureAgainstItsOwnBound() public {
        uint256 id = _register(_spec(_layout(1, 3, 1), _threeBounds()));
        int256[] memory input = new int256[](3);
        (input[0], input[1], input[2]) = (-10, 500, -7);
        registry.requestTerms(id, input, 0, false);
        (input[0], input[1], input[2]) = (10, 0, -7);
        registry.requestTerms(id, input, 0, false);

        // 11 fits feature 1's bound but not feature 0's; -1 fits feature 0's but not feature 1's.
        input[0] = 11;
        vm.expectRevert(abi.encodeWithSelector(InputBounds.InputOutOfBounds.selector, 0, 11, -10, 10));
        registry.requestTerms(id, input, 0, false);
        (input[0], input[1]) = (-1, -1);
        vm.expectRevert(abi.encodeWithSelector(InputBounds.InputOutOfBounds.selector, 1, -1, 0, 500));
        registry.requestTerms(id, input, 0, false);
        (input[1], input[2]) = (501, -7);
        vm.expectRevert(abi.encodeWithSelector(InputBounds.InputOutOfBounds.selector, 1, 501, 0, 500));
        registry.requestTerms(id, input, 0, false);
        (input[1], input[2]) = (5, -6);
        vm.expectRevert(abi.encodeWithSelector(InputBounds.InputOutOfBounds.selector, 2, -6, -7, -7));
        registry.requestTerms(id, input, 0, false);
        // The first feature out of bounds is the one named.
        (input[0], input[2]) = (-11, 100);
        vm.expectRevert(abi.encodeWithSelector(InputBounds.InputOutOfBounds.selector, 0, -11, -10, 10));
        registry.requestTerms(id, input, 0, false);
        vm.expectRevert(abi.encodeWithSelector(InstanceLayout.InputLengthMismatch.selector, 3, 2));
        registry.requestTerms(id, new int256[](2), 0, false);
    }

    function test_requestTerms_checksInputAndDigestsIt() public {
        uint256 id = _register(_specFor(_layout(1, 3, 1)));
        int256[] memory input = new int256[](3);
        (input[0], input[1], input[2]) = (-5, 0, 7);
        (ModelTerms memory t, bytes32 digest) = registry.requestTerms(id, input, 0, false);
        assertEq(t.owner, modelOwner);
        assertEq(t.computeUnits, COMPUTE_UNITS);
        uint256[] memory felts = new uint256[](3);
        (felts[0], felts[1], felts[2]) = (FieldEncoding.P - 5, 0, 7);
        assertEq(digest, keccak256(abi.encodePacked(felts)));

        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.WrongInputMode.selector, id));
        registry.requestTerms(id, input, 9, true);
        input[2] = 1e6 + 1;
        vm.expectRevert(abi.encodeWithSelector(InputBounds.InputOutOfBounds.selector, 2, 1e6 + 1, -1e6, 1e6));
        registry.requestTerms(id, input, 0, false);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotFound.selector, 99));
        registry.requestTerms(99, input, 0, false);

        uint256 hashed = _register(_specFor(_hashedLayout(1, 3, 1)));
        input[2] = 7;
        (, digest) = registry.requestTerms(hashed, input, 12345, true);
        assertEq(digest, keccak256(abi.encode(uint256(12345))));
        // A hashed-input model's bounds apply to the values sent beside the commitment.
        input[0] = -1e6 - 1;
        vm.expectRevert(abi.encodeWithSelector(InputBounds.InputOutOfBounds.selector, 0, -1e6 - 1, -1e6, 1e6));
        registry.requestTerms(hashed, input, 12345, true);
        input[0] = -5;
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.CommitmentOutOfField.selector, FieldEncoding.P));
        registry.requestTerms(hashed, input, FieldEncoding.P, true);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.WrongInputMode.selector, hashed));
        registry.requestTerms(hashed, input, 0, false);

        vm.prank(modelOwner);
        registry.deprecateModel(id);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelIsDeprecated.selector, id));
        registry.requestTerms(id, input, 0, false);
    }

    function test_views_revertForUnknownModel() public {
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotFound.selector, 7));
        registry.model(7);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotFound.selector, 7));
        registry.modelTerms(7);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotFound.selector, 7));
        registry.fulfilmentTerms(7);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotFound.selector, 7));
        registry.inputBounds(7);
    }

    // ---------------------------------------------------------------- backtests

    function _backtestProof(uint256 id, IOLayout memory l, int256 seed) internal view returns (BacktestProof memory p) {
        int256[][] memory ins = new int256[][](l.batchSize);
        int256[][] memory outs = new int256[][](l.batchSize);
        for (uint256 s; s < l.batchSize; ++s) {
            ins[s] = _input(l.inputCount, seed + int256(s));
            outs[s] = _input(l.outputCount, seed * 3 + int256(s));
        }
        p.instances = _instances(l, ins, outs);
        p.proof = _proof(id, p.instances);
    }

    function _claim(uint32 samples) internal pure returns (BacktestClaim memory c) {
        c.datasetURI = "ipfs://dataset";
        c.datasetHash = keccak256("dataset");
        c.samples = samples;
        c.metric = "mse";
        c.metricValue = 12;
        c.metricScale = 7;
    }

    function test_recordBacktest_recordsDigestsOfProvenSamples() public {
        IOLayout memory l = _layout(4, 3, 1);
        uint256 id = _register(_specFor(l));
        BacktestProof[] memory proofs = new BacktestProof[](2);
        proofs[0] = _backtestProof(id, l, 1);
        proofs[1] = _backtestProof(id, l, 2);

        vm.prank(modelOwner);
        uint256 index = registry.recordBacktest(id, _claim(6), proofs);
        assertEq(index, 0);
        assertEq(registry.backtestCount(id), 1);
        Backtest memory b = registry.backtest(id, 0);
        assertEq(b.samples, 6);
        assertEq(b.metric, "mse");
        assertEq(b.metricValue, 12);
        assertEq(b.datasetHash, keccak256("dataset"));
        assertEq(b.recordedAt, block.number);

        bytes32[] memory inputDigests = new bytes32[](6);
        int256[] memory outputs = new int256[](6);
        for (uint256 s; s < 6; ++s) {
            BacktestProof memory p = proofs[s / 4];
            uint256 slot = s % 4;
            uint256[] memory slice = new uint256[](3);
            for (uint256 j; j < 3; ++j) {
                slice[j] = p.instances[slot * 3 + j];
            }
            inputDigests[s] = keccak256(abi.encodePacked(slice));
            outputs[s] = FieldEncoding.toInt(p.instances[12 + slot]);
        }
        assertEq(b.inputsDigest, keccak256(abi.encodePacked(inputDigests)));
        assertEq(b.outputsDigest, keccak256(abi.encodePacked(outputs)));
    }

    function test_recordBacktest_reverts() public {
        IOLayout memory l = _layout(4, 3, 1);
        uint256 id = _register(_specFor(l));
        BacktestProof[] memory proofs = new BacktestProof[](2);
        proofs[0] = _backtestProof(id, l, 1);
        proofs[1] = _backtestProof(id, l, 2);

        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.NotModelOwner.selector, id, stranger));
        registry.recordBacktest(id, _claim(6), proofs);

        vm.startPrank(modelOwner);
        // The last proof must hold at least one real sample, and no more than fit.
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.BacktestSampleCount.selector, 4, 8));
        registry.recordBacktest(id, _claim(4), proofs);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.BacktestSampleCount.selector, 9, 8));
        registry.recordBacktest(id, _claim(9), proofs);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.BacktestSampleCount.selector, 0, 8));
        registry.recordBacktest(id, _claim(0), proofs);

        proofs[1].instances[0] += 1; // the proof no longer matches its instances
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.BacktestProofRejected.selector, 1));
        registry.recordBacktest(id, _claim(6), proofs);

        uint256[] memory short = new uint256[](3);
        proofs[1].instances = short;
        vm.expectRevert(abi.encodeWithSelector(InstanceLayout.InstanceCountMismatch.selector, 16, 3));
        registry.recordBacktest(id, _claim(6), proofs);
        vm.stopPrank();
    }

    // ---------------------------------------------------------------- treasury and governance

    function test_withdrawRegistrationFees() public {
        _register(_specFor(_layout(1, 3, 1)));
        _register(_specFor(_layout(1, 3, 1)));
        vm.expectEmit(address(registry));
        emit IModelRegistry.RegistrationFeesWithdrawn(treasury, 2 * REGISTRATION_FEE);
        vm.prank(stranger);
        registry.withdrawRegistrationFees();
        assertEq(treasury.balance, 2 * REGISTRATION_FEE);
        assertEq(registry.accruedFees(), 0);
        assertEq(address(registry).balance, 0);

        vm.expectRevert(IModelRegistry.NothingToWithdraw.selector);
        registry.withdrawRegistrationFees();
    }

    function test_withdrawRegistrationFees_keepsFeesWhenTreasuryRefuses() public {
        RejectingReceiver rejecting = new RejectingReceiver();
        registry.setTreasury(address(rejecting));
        _register(_specFor(_layout(1, 3, 1)));
        vm.expectRevert(
            abi.encodeWithSelector(IModelRegistry.TransferFailed.selector, address(rejecting), REGISTRATION_FEE)
        );
        registry.withdrawRegistrationFees();
        assertEq(registry.accruedFees(), REGISTRATION_FEE);
    }

    function test_governance_setters() public {
        vm.expectEmit(address(registry));
        emit IModelRegistry.RegistrationFeeUpdated(2);
        registry.setRegistrationFee(2);
        assertEq(registry.registrationFee(), 2);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ParameterOutOfBounds.selector, "registrationFee", 0));
        registry.setRegistrationFee(0);
        uint256 tooHigh = registry.MAX_REGISTRATION_FEE() + 1;
        vm.expectRevert(
            abi.encodeWithSelector(IModelRegistry.ParameterOutOfBounds.selector, "registrationFee", tooHigh)
        );
        registry.setRegistrationFee(tooHigh);

        registry.setMaxRoyalty(7);
        assertEq(registry.maxRoyalty(), 7);
        uint96 royaltyTooHigh = registry.MAX_ROYALTY_LIMIT() + 1;
        vm.expectRevert(
            abi.encodeWithSelector(IModelRegistry.ParameterOutOfBounds.selector, "maxRoyalty", royaltyTooHigh)
        );
        registry.setMaxRoyalty(royaltyTooHigh);

        registry.setTreasury(stranger);
        assertEq(registry.treasury(), stranger);
        vm.expectRevert(IModelRegistry.ZeroAddress.selector);
        registry.setTreasury(address(0));

        vm.expectEmit(address(registry));
        emit IModelRegistry.VerifierApprovalSet(IProofVerifier(address(verifier)), false);
        registry.setVerifierApproval(IProofVerifier(address(verifier)), false);
        assertFalse(registry.isVerifierApproved(IProofVerifier(address(verifier))));
        vm.expectRevert(IModelRegistry.ZeroAddress.selector);
        registry.setVerifierApproval(IProofVerifier(address(0)), true);
    }

    function test_governance_requiresRoles() public {
        bytes32 setter = registry.PARAMETER_SETTER_ROLE();
        bytes32 adminRole = registry.DEFAULT_ADMIN_ROLE();
        bytes32 pauser = registry.PAUSER_ROLE();
        vm.startPrank(stranger);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, setter)
        );
        registry.setRegistrationFee(1);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, setter)
        );
        registry.setMaxRoyalty(1);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, adminRole)
        );
        registry.setTreasury(stranger);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, adminRole)
        );
        registry.setVerifierApproval(IProofVerifier(address(verifier)), true);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, pauser)
        );
        registry.pause();
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, adminRole)
        );
        registry.upgradeToAndCall(address(1), "");
        vm.stopPrank();
    }
}
