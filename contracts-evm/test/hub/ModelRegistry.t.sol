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
    ModelStatus,
    ModelTerms
} from "../../src/interfaces/IModelRegistry.sol";
import {FieldEncoding} from "../../src/libraries/FieldEncoding.sol";
import {InputBound, InputBounds} from "../../src/libraries/InputBounds.sol";
import {InputMode, IOLayout, InstanceLayout} from "../../src/libraries/InstanceLayout.sol";
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
            // casting is safe because the loop index is below a small array length
            // forge-lint: disable-next-line(unsafe-typecast)
            ins[s] = _input(l.inputCount, seed + int256(s));
            // casting is safe because the loop index is below a small array length
            // forge-lint: disable-next-line(unsafe-typecast)
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

    // ---------------------------------------------------------------- model approval (register -> approve -> live)

    address internal squatter = makeAddr("squatter");

    function _propose(address registrant, ModelSpec memory spec) internal returns (uint256) {
        vm.deal(registrant, registrant.balance + REGISTRATION_FEE);
        vm.prank(registrant);
        return registry.registerModel{value: REGISTRATION_FEE}(spec);
    }

    /// @dev The same key with input and output slots swapped (4 inputs, 1 output over 5 instances).
    function _swapped(ModelSpec memory genuine) internal pure returns (ModelSpec memory spec) {
        spec.verifier = genuine.verifier;
        spec.verifierKey = genuine.verifierKey;
        spec.settingsHash = genuine.settingsHash;
        spec.inputBounds = genuine.inputBounds;
        spec.computeUnits = genuine.computeUnits;
        spec.artifactURI = genuine.artifactURI;
        spec.metadataURI = genuine.metadataURI;
        IOLayout memory l = genuine.layout;
        spec.layout = IOLayout({
            batchSize: 1,
            instanceCount: l.instanceCount,
            inputOffset: 1,
            inputCount: l.inputCount,
            outputOffset: 0,
            outputCount: l.outputCount,
            inputScale: l.inputScale,
            outputScale: l.outputScale,
            inputMode: l.inputMode
        });
        spec.royalty = MAX_ROYALTY;
    }

    function test_approvalOff_registrationIsLiveAtOnce() public {
        assertFalse(registry.modelApprovalRequired(), "off by default (development networks)");
        ModelSpec memory spec = _specFor(_layout(1, 4, 1));
        bytes32 digest = registry.specDigest(modelOwner, spec);
        vm.expectEmit(address(registry));
        emit IModelRegistry.ModelApproved(1, digest, address(0));
        uint256 id = _register(spec);
        assertEq(uint8(registry.modelStatus(id)), uint8(ModelStatus.Live));
        assertEq(registry.model(id).specDigest, digest);
        assertEq(registry.model(id).specDigest, digest);
        assertEq(registry.accruedFees(), REGISTRATION_FEE);
        assertEq(registry.modelIdOf(spec.verifier, spec.verifierKey), id);
    }

    function test_approvalOn_proposalTakesNoRequestsAndHoldsNoKey() public {
        registry.setModelApprovalRequired(true);
        ModelSpec memory spec = _specFor(_layout(1, 4, 1));
        bytes32 digest = registry.specDigest(modelOwner, spec);
        vm.deal(modelOwner, REGISTRATION_FEE);
        vm.expectEmit(address(registry));
        emit IModelRegistry.ModelRegistered(1, modelOwner, spec.verifier, spec);
        vm.expectEmit(address(registry));
        emit IModelRegistry.ModelProposed(1, digest, REGISTRATION_FEE);
        vm.prank(modelOwner);
        uint256 id = registry.registerModel{value: REGISTRATION_FEE}(spec);

        assertEq(uint8(registry.modelStatus(id)), uint8(ModelStatus.Pending));
        assertEq(uint8(registry.model(id).status), uint8(ModelStatus.Pending));
        assertEq(registry.modelIdOf(spec.verifier, spec.verifierKey), 0, "a proposal holds no key");
        assertEq(registry.accruedFees(), 0, "the fee is held, not the treasury's yet");
        assertEq(address(registry).balance, REGISTRATION_FEE, "held by the registry");
        assertTrue(registry.modelTerms(id).deprecated, "takes no requests");
        int256[] memory input = new int256[](4);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotLive.selector, id, ModelStatus.Pending));
        registry.requestTerms(id, input, 0, false);

        // Only a live model changes hands or is deprecated; the owner may still tune it and backtest it.
        vm.startPrank(modelOwner);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotLive.selector, id, ModelStatus.Pending));
        registry.transferModelOwnership(id, stranger);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotLive.selector, id, ModelStatus.Pending));
        registry.deprecateModel(id);
        registry.setRoyalty(id, 7);
        registry.setMetadataURI(id, "ipfs://draft");
        vm.stopPrank();

        vm.expectEmit(address(registry));
        emit IModelRegistry.ModelApproved(id, digest, admin);
        registry.approveModel(id, digest);
        assertEq(uint8(registry.modelStatus(id)), uint8(ModelStatus.Live));
        assertEq(registry.modelIdOf(spec.verifier, spec.verifierKey), id);
        assertEq(registry.accruedFees(), REGISTRATION_FEE);
        assertFalse(registry.modelTerms(id).deprecated);
        (ModelTerms memory t,) = registry.requestTerms(id, input, 0, false);
        assertEq(t.royalty, 7);

        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotPending.selector, id, ModelStatus.Live));
        registry.approveModel(id, digest);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotPending.selector, id, ModelStatus.Live));
        registry.rejectModel(id, "too late");
    }

    /// @notice M-1: a front-runner proposes an approved key under a swapped layout with the maximum royalty.
    /// Its proposal never holds the key, so the genuine owner's proposal goes through and is approved; the
    /// squatter's is rejected and can never go live, and its fee is credited back.
    function test_approvalOn_squatterCannotTakeOrLockTheKey() public {
        registry.setModelApprovalRequired(true);
        ModelSpec memory genuine = _specFor(_layout(1, 4, 1));
        ModelSpec memory swapped = _swapped(genuine);
        uint256 squat = _propose(squatter, swapped);
        uint256 again = _propose(squatter, genuine); // the genuine spec, but the squatter as owner
        uint256 id = _propose(modelOwner, genuine);

        bytes32 genuineDigest = registry.specDigest(modelOwner, genuine);
        assertTrue(registry.specDigest(squatter, genuine) != genuineDigest, "the owner is part of the digest");
        assertTrue(registry.specDigest(modelOwner, swapped) != genuineDigest, "so is the layout");
        // An approval names the spec it checked: it cannot land on another proposal.
        vm.expectRevert(
            abi.encodeWithSelector(
                IModelRegistry.SpecDigestMismatch.selector, squat, registry.model(squat).specDigest, genuineDigest
            )
        );
        registry.approveModel(squat, genuineDigest);
        vm.expectRevert(
            abi.encodeWithSelector(
                IModelRegistry.SpecDigestMismatch.selector, again, registry.model(again).specDigest, genuineDigest
            )
        );
        registry.approveModel(again, genuineDigest);

        registry.approveModel(id, genuineDigest);
        assertEq(registry.modelIdOf(genuine.verifier, genuine.verifierKey), id);
        assertEq(registry.model(id).owner, modelOwner);

        // The key is now held: the squatter's proposals can never go live, and new ones are refused.
        bytes32 squatDigest = registry.model(squat).specDigest;
        vm.expectRevert(
            abi.encodeWithSelector(IModelRegistry.VerifierKeyTaken.selector, verifier, genuine.verifierKey, id)
        );
        registry.approveModel(squat, squatDigest);
        vm.deal(squatter, REGISTRATION_FEE);
        vm.prank(squatter);
        vm.expectRevert(
            abi.encodeWithSelector(IModelRegistry.VerifierKeyTaken.selector, verifier, genuine.verifierKey, id)
        );
        registry.registerModel{value: REGISTRATION_FEE}(swapped);

        vm.expectEmit(address(registry));
        emit IModelRegistry.RegistrationFeeCredited(squatter, squat, REGISTRATION_FEE);
        vm.expectEmit(address(registry));
        emit IModelRegistry.ModelRejected(squat, admin, "swapped layout");
        registry.rejectModel(squat, "swapped layout");
        registry.rejectModel(again, "not the publisher");
        assertEq(uint8(registry.modelStatus(squat)), uint8(ModelStatus.Rejected));
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotPending.selector, squat, ModelStatus.Rejected));
        registry.approveModel(squat, squatDigest);
        int256[] memory input = new int256[](4);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotLive.selector, squat, ModelStatus.Rejected));
        registry.requestTerms(squat, input, 0, false);
        vm.prank(squatter);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotLive.selector, squat, ModelStatus.Rejected));
        registry.transferModelOwnership(squat, stranger);

        // Rejection loses no fee: the squatter claims both back; the treasury keeps the genuine one.
        assertEq(registry.refundOf(squatter), 2 * REGISTRATION_FEE);
        uint256 before = squatter.balance;
        vm.expectEmit(address(registry));
        emit IModelRegistry.RegistrationFeeRefunded(squatter, 2 * REGISTRATION_FEE);
        vm.prank(squatter);
        registry.claimRefund();
        assertEq(squatter.balance - before, 2 * REGISTRATION_FEE);
        assertEq(registry.refundOf(squatter), 0);
        assertEq(registry.accruedFees(), REGISTRATION_FEE);
        assertEq(address(registry).balance, REGISTRATION_FEE);
        vm.prank(squatter);
        vm.expectRevert(IModelRegistry.NothingToWithdraw.selector);
        registry.claimRefund();
    }

    function test_approvalOn_approvalRechecksTheKey() public {
        registry.setModelApprovalRequired(true);
        ModelSpec memory spec = _specFor(_layout(1, 4, 1));
        uint256 id = _propose(modelOwner, spec);
        bytes32 digest = registry.model(id).specDigest;

        verifier.removeKey(spec.verifierKey); // revoked in its adapter meanwhile
        vm.expectRevert(
            abi.encodeWithSelector(IModelRegistry.VerifierKeyNotAccepted.selector, verifier, spec.verifierKey)
        );
        registry.approveModel(id, digest);
        verifier.addKey(spec.verifierKey, 9); // now disagrees with the layout
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.LayoutInstanceCountMismatch.selector, 5, 9));
        registry.approveModel(id, digest);
        verifier.addKey(spec.verifierKey, 5);
        registry.setVerifierApproval(spec.verifier, false);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.VerifierNotApproved.selector, verifier));
        registry.approveModel(id, digest);
        registry.setVerifierApproval(spec.verifier, true);
        registry.approveModel(id, digest);
        assertEq(uint8(registry.modelStatus(id)), uint8(ModelStatus.Live));
    }

    function test_approvalOn_registrantWithdrawsItsProposal() public {
        registry.setModelApprovalRequired(true);
        uint256 id = _propose(modelOwner, _specFor(_layout(1, 4, 1)));
        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.NotModelOwner.selector, id, stranger));
        registry.withdrawModelProposal(id);

        uint256 before = modelOwner.balance;
        vm.expectEmit(address(registry));
        emit IModelRegistry.RegistrationFeeCredited(modelOwner, id, REGISTRATION_FEE);
        vm.expectEmit(address(registry));
        emit IModelRegistry.ModelProposalWithdrawn(id);
        vm.prank(modelOwner);
        registry.withdrawModelProposal(id);
        assertEq(uint8(registry.modelStatus(id)), uint8(ModelStatus.Withdrawn));
        assertEq(registry.refundOf(modelOwner), REGISTRATION_FEE);
        vm.expectEmit(address(registry));
        emit IModelRegistry.RegistrationFeeRefunded(modelOwner, REGISTRATION_FEE);
        vm.prank(modelOwner);
        registry.claimRefund();
        assertEq(modelOwner.balance - before, REGISTRATION_FEE);
        assertEq(address(registry).balance, 0);

        vm.prank(modelOwner);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotPending.selector, id, ModelStatus.Withdrawn));
        registry.withdrawModelProposal(id);
        bytes32 digest = registry.model(id).specDigest;
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotPending.selector, id, ModelStatus.Withdrawn));
        registry.approveModel(id, digest);

        // A live model cannot be withdrawn (deprecate it instead).
        registry.setModelApprovalRequired(false);
        uint256 live = _register(_specFor(_layout(1, 4, 1)));
        vm.prank(modelOwner);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotPending.selector, live, ModelStatus.Live));
        registry.withdrawModelProposal(live);
    }

    function test_approvalOn_refusedRefundStaysClaimable() public {
        registry.setModelApprovalRequired(true);
        address refuser = address(new RejectingReceiver());
        uint256 id = _propose(refuser, _specFor(_layout(1, 4, 1)));
        registry.rejectModel(id, "bad artifacts"); // a registrant that refuses ether cannot block a rejection
        assertEq(registry.refundOf(refuser), REGISTRATION_FEE);
        vm.prank(refuser);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.TransferFailed.selector, refuser, REGISTRATION_FEE));
        registry.claimRefund();
        assertEq(registry.refundOf(refuser), REGISTRATION_FEE);
    }

    function test_approvalOn_rolesAndSwitch() public {
        assertTrue(registry.hasRole(registry.MODEL_APPROVER_ROLE(), admin));
        vm.expectEmit(address(registry));
        emit IModelRegistry.ModelApprovalRequirementSet(true);
        registry.setModelApprovalRequired(true);
        uint256 id = _propose(modelOwner, _specFor(_layout(1, 4, 1)));
        bytes32 digest = registry.model(id).specDigest;
        bytes32 approver = registry.MODEL_APPROVER_ROLE();
        bytes32 adminRole = registry.DEFAULT_ADMIN_ROLE();
        vm.startPrank(modelOwner);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, modelOwner, approver)
        );
        registry.approveModel(id, digest);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, modelOwner, approver)
        );
        registry.rejectModel(id, "");
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, modelOwner, adminRole)
        );
        registry.setModelApprovalRequired(false);
        vm.stopPrank();

        // Switching approval off leaves pending proposals pending; they still need an approval.
        registry.setModelApprovalRequired(false);
        assertEq(uint8(registry.modelStatus(id)), uint8(ModelStatus.Pending));
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotFound.selector, 99));
        registry.approveModel(99, digest);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ModelNotFound.selector, 99));
        registry.modelStatus(99);
    }

    function testFuzz_specDigest_bindsTheWholeSpecAndOwner(uint8 field) public {
        ModelSpec memory a = _specFor(_layout(1, 4, 1));
        bytes32 base = registry.specDigest(modelOwner, a);
        assertEq(base, keccak256(abi.encode(block.chainid, address(registry), modelOwner, a)));
        field = uint8(bound(field, 0, 11));
        if (field == 0) a.verifier = IProofVerifier(stranger);
        else if (field == 1) a.verifierKey = bytes32(uint256(a.verifierKey) ^ 1);
        else if (field == 2) a.settingsHash = bytes32(uint256(a.settingsHash) ^ 1);
        else if (field == 3) a.layout.outputOffset = 0;
        else if (field == 4) a.layout.inputScale += 1;
        else if (field == 5) a.inputBounds[2].max -= 1;
        else if (field == 6) a.computeUnits += 1;
        else if (field == 7) a.artifactURI = "ipfs://other";
        else if (field == 8) a.layout.inputMode = InputMode.Hashed;
        else if (field == 9) a.royalty += 1;
        else if (field == 10) a.metadataURI = "ipfs://other-metadata";
        assertTrue(field == 11 || registry.specDigest(modelOwner, a) != base);
        assertTrue(registry.specDigest(stranger, a) != registry.specDigest(modelOwner, a), "the owner binds too");
    }
}
