// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IInferenceMarket, RequestStatus} from "../../src/interfaces/IInferenceMarket.sol";
import {ModelSpec} from "../../src/interfaces/IModelRegistry.sol";
import {InputMode} from "../../src/libraries/InstanceLayout.sol";
import {EzklVkaVerifierAdapter} from "../../src/verifiers/EzklVkaVerifierAdapter.sol";
import {IHalo2VerifierReusable} from "../../src/verifiers/ezkl/IHalo2Verifiers.sol";
import {EzklFixture, EzklFixtures} from "../utils/EzklFixtures.sol";
import {HubTestBase} from "../utils/HubTestBase.sol";

/// @notice Commitment (hashed-input) requests against a real EZKL proof whose instances carry the Poseidon
/// commitment of the input (prover/fixtures/linear_regression_hashed), and key withdrawal (issue 10: H-1, L-3).
contract HashedCommitmentTest is HubTestBase {
    EzklVkaVerifierAdapter internal ezkl;
    EzklFixture internal f;
    uint256 internal model;
    uint256 internal fee;

    function setUp() public override {
        super.setUp();
        IHalo2VerifierReusable reusable =
            IHalo2VerifierReusable(deployCode("Halo2VerifierReusable.sol:Halo2VerifierReusable"));
        ezkl = new EzklVkaVerifierAdapter(reusable, EzklFixtures.canonicalSrs());
        ezkl.setApprovalRequired(true);
        registry.setVerifierApproval(ezkl, true);
        f = EzklFixtures.load("linear_regression_hashed");
        assertEq(uint8(f.layout.inputMode), uint8(InputMode.Hashed));
        bytes32 key = ezkl.registerVka(f.vka);
        ezkl.approveVka(key);
        ModelSpec memory spec;
        spec.verifier = ezkl;
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
        model = registry.registerModel{value: REGISTRATION_FEE}(spec);
        _registerNode(nodeA, model, 1_000);
        _registerNode(nodeB, model, 1_000);
        _nextEpoch();
        fee = market.quote(model).total;
        assertEq(market.quote(model).bond, COMMITMENT_BOND);
    }

    function _commitmentRequest(uint256 commitment) internal returns (uint256 id) {
        vm.deal(requester, fee + COMMITMENT_BOND);
        vm.prank(requester);
        id = market.requestInferenceWithCommitment{value: fee + COMMITMENT_BOND}(model, f.inputs[0], commitment, 0);
    }

    function _other(address node) internal view returns (address) {
        return node == nodeA ? nodeB : nodeA;
    }

    /// @dev An honest commitment: the lazy node loses its whole slash once another node proves the request,
    /// and the requester gets its bond back.
    function test_honestCommitment_lazyNodeLosesItsSlash_bondReturned() public {
        uint256 id = _commitmentRequest(f.instances[0]);
        address lazy = market.request(id).node;
        vm.roll(block.number + WINDOW + 1);
        market.expire(id);
        assertEq(pool.held(id), SLASH, "held until the request settles");
        address prover = market.request(id).node;
        assertEq(prover, _other(lazy));

        vm.prank(prover);
        market.fulfil(id, f.proof, f.instances);
        assertEq(uint8(market.request(id).status), uint8(RequestStatus.Fulfilled));
        assertEq(pool.held(id), 0);
        assertEq(pool.claimable(lazy), 0, "proven: the failed node was lazy");
        assertEq(pool.claimable(treasury), SLASH);
        assertEq(market.claimable(requester), COMMITMENT_BOND, "the commitment opened: bond back");
        assertEq(market.totalEscrowed(), 0);
    }

    /// @dev A commitment that opens to nothing: no real proof can carry it, every node fails, the griefer loses
    /// its bond and each node loses only half its slash.
    function test_bogusCommitment_griefCostsTheRequesterItsBond() public {
        uint256 bogus = f.instances[0] ^ 1;
        uint256 id = _commitmentRequest(bogus);
        address first = market.request(id).node;
        vm.prank(first);
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.InputMismatch.selector, id, 0));
        market.fulfil(id, f.proof, f.instances);

        vm.roll(block.number + WINDOW + 1);
        market.expire(id);
        address second = market.request(id).node;
        assertEq(second, _other(first));
        vm.roll(block.number + WINDOW + 1);
        market.expire(id);

        assertEq(uint8(market.request(id).status), uint8(RequestStatus.Refunded));
        assertEq(pool.node(first).slashed, SLASH, "each node slashed once");
        assertEq(pool.node(second).slashed, SLASH);
        assertEq(pool.claimable(first), SLASH / 2);
        assertEq(pool.claimable(second), SLASH / 2);
        assertEq(pool.claimable(treasury), SLASH);
        assertEq(market.claimable(requester), fee, "the fee comes back, the bond does not");
        assertEq(market.claimable(treasury), COMMITMENT_BOND);
        // With COMMITMENT_BOND = (maxReassignments + 1) x SLASH / 2 the griefer loses what the nodes lose.
        assertEq(COMMITMENT_BOND, 2 * (SLASH / 2));
    }

    /// @dev L-3: once governance withdraws the key, a pending request cannot be proven; expiry refunds it in full
    /// (bond included) and slashes nobody.
    function test_revokedKey_refundsWithoutSlashing() public {
        uint256 id = _commitmentRequest(f.instances[0]);
        address node = market.request(id).node;
        ezkl.revokeVka(f.vkaDigest);
        vm.prank(node);
        vm.expectRevert(abi.encodeWithSelector(IInferenceMarket.InvalidProof.selector, model));
        market.fulfil(id, f.proof, f.instances);

        vm.roll(block.number + WINDOW + 1);
        vm.expectEmit(address(market));
        emit IInferenceMarket.InferenceUnprovable(id, node);
        market.expire(id);
        assertEq(uint8(market.request(id).status), uint8(RequestStatus.Refunded));
        assertEq(pool.node(node).slashed, 0);
        assertEq(pool.node(node).pending, 0);
        assertEq(market.claimable(requester), fee + COMMITMENT_BOND);
    }
}
