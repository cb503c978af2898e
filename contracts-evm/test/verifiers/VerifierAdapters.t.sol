// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {Test} from "forge-std/Test.sol";
import {ApprovedCodeVerifierAdapter} from "../../src/verifiers/ApprovedCodeVerifierAdapter.sol";
import {EzklVkaVerifierAdapter} from "../../src/verifiers/EzklVkaVerifierAdapter.sol";
import {IHalo2VerifierReusable} from "../../src/verifiers/ezkl/IHalo2Verifiers.sol";
import {AcceptAllVerifier} from "../mocks/AcceptAllVerifier.sol";
import {EzklFixture, EzklFixtures} from "../utils/EzklFixtures.sol";

/// @notice A reusable verifier that registers VKAs under the wrong digest.
contract LyingReusableVerifier {
    function registerVka(bytes32[] memory) external pure returns (bytes32) {
        return bytes32(uint256(1));
    }
}

contract EzklVkaVerifierAdapterTest is Test {
    IHalo2VerifierReusable internal reusable;
    EzklVkaVerifierAdapter internal adapter;
    EzklFixture internal fixture;
    bytes32[] internal srs;

    function setUp() public {
        reusable = IHalo2VerifierReusable(deployCode("Halo2VerifierReusable.sol:Halo2VerifierReusable"));
        srs = EzklFixtures.canonicalSrs();
        adapter = new EzklVkaVerifierAdapter(reusable, srs);
        fixture = EzklFixtures.load("linear_regression");
    }

    function test_constructor_requiresTenSrsWords() public {
        vm.expectRevert(abi.encodeWithSelector(EzklVkaVerifierAdapter.InvalidCanonicalSrs.selector, 9));
        new EzklVkaVerifierAdapter(reusable, new bytes32[](9));
        assertEq(adapter.CANONICAL_SRS_DIGEST(), keccak256(abi.encodePacked(srs)));
        assertEq(address(adapter.VERIFIER()), address(reusable));
    }

    function test_registerVka_storesAndIsIdempotent() public {
        vm.expectEmit(true, true, false, false, address(adapter));
        emit EzklVkaVerifierAdapter.VkaRegistered(fixture.vkaDigest, address(this), address(0), 5);
        vm.expectEmit(address(adapter));
        emit EzklVkaVerifierAdapter.VkaApproved(fixture.vkaDigest); // approval not required: registering approves
        bytes32 key = adapter.registerVka(fixture.vka);
        assertEq(key, fixture.vkaDigest);
        assertTrue(adapter.isKeyAccepted(key));
        assertEq(adapter.instanceCount(key), 5);
        assertEq(adapter.vka(key), fixture.vka);

        vm.recordLogs();
        assertEq(adapter.registerVka(fixture.vka), key);
        assertEq(vm.getRecordedLogs().length, 0, "second registration changes nothing");
    }

    function test_registerVka_rejectsShortAndForeignVkas() public {
        vm.expectRevert(abi.encodeWithSelector(EzklVkaVerifierAdapter.VkaTooShort.selector, 33));
        adapter.registerVka(new bytes32[](33));

        bytes32[] memory forged = fixture.vka;
        forged[20] = bytes32(uint256(forged[20]) ^ 1); // one bit of -[s]G2
        bytes32[] memory forgedSrs = new bytes32[](10);
        for (uint256 i; i < 10; ++i) {
            forgedSrs[i] = forged[14 + i];
        }
        vm.expectRevert(
            abi.encodeWithSelector(
                EzklVkaVerifierAdapter.SrsMismatch.selector,
                adapter.CANONICAL_SRS_DIGEST(),
                keccak256(abi.encodePacked(forgedSrs))
            )
        );
        adapter.registerVka(forged);

        forged = fixture.vka;
        forged[14] = bytes32(uint256(3)); // another G1 generator
        vm.expectPartialRevert(EzklVkaVerifierAdapter.SrsMismatch.selector);
        adapter.registerVka(forged);
    }

    function test_registerVka_checksTheVerifiersDigest() public {
        EzklVkaVerifierAdapter lying =
            new EzklVkaVerifierAdapter(IHalo2VerifierReusable(address(new LyingReusableVerifier())), srs);
        vm.expectRevert(
            abi.encodeWithSelector(
                EzklVkaVerifierAdapter.VkaDigestMismatch.selector, fixture.vkaDigest, bytes32(uint256(1))
            )
        );
        lying.registerVka(fixture.vka);
    }

    function test_approval_gatesKeys() public {
        assertFalse(adapter.approvalRequired(), "open by default (development networks)");
        vm.expectEmit(address(adapter));
        emit EzklVkaVerifierAdapter.ApprovalRequirementSet(true);
        adapter.setApprovalRequired(true);
        bytes32 key = adapter.registerVka(fixture.vka);
        assertTrue(adapter.isRegistered(key));
        assertFalse(adapter.isKeyAccepted(key));
        assertEq(adapter.instanceCount(key), 0);
        assertFalse(adapter.verify(key, fixture.proof, fixture.instances));

        vm.expectEmit(address(adapter));
        emit EzklVkaVerifierAdapter.VkaApproved(key);
        adapter.approveVka(key);
        assertTrue(adapter.approved(key));
        assertTrue(adapter.isKeyAccepted(key));
        assertEq(adapter.instanceCount(key), 5);
        assertTrue(adapter.verify(key, fixture.proof, fixture.instances));

        vm.expectEmit(address(adapter));
        emit EzklVkaVerifierAdapter.VkaRevoked(key);
        adapter.revokeVka(key);
        assertTrue(adapter.isRevoked(key));
        assertFalse(adapter.verify(key, fixture.proof, fixture.instances));
        // Revocation is for good: neither switching the requirement off and registering again, nor an
        // approval, brings the key back.
        adapter.setApprovalRequired(false);
        assertFalse(adapter.verify(key, fixture.proof, fixture.instances));
        vm.expectRevert(abi.encodeWithSelector(EzklVkaVerifierAdapter.VkaIsRevoked.selector, key));
        adapter.registerVka(fixture.vka);
        vm.expectRevert(abi.encodeWithSelector(EzklVkaVerifierAdapter.VkaIsRevoked.selector, key));
        adapter.approveVka(key);
        assertFalse(adapter.isKeyAccepted(key));
        assertFalse(adapter.verify(key, fixture.proof, fixture.instances));

        vm.expectRevert(abi.encodeWithSelector(EzklVkaVerifierAdapter.VkaNotRegistered.selector, bytes32(uint256(7))));
        adapter.approveVka(bytes32(uint256(7)));
    }

    /// @notice L-2: with approval off, registering a revoked VKA again used to approve it again.
    function test_revokedVka_staysRevokedWithApprovalOff() public {
        bytes32 key = adapter.registerVka(fixture.vka); // approval off: registering approves
        assertTrue(adapter.isKeyAccepted(key));
        adapter.revokeVka(key);
        try adapter.registerVka(fixture.vka) {} catch {}
        assertFalse(adapter.isKeyAccepted(key), "a revoked VKA stays revoked");
        assertFalse(adapter.verify(key, fixture.proof, fixture.instances));
        assertEq(adapter.instanceCount(key), 0);
    }

    function test_revokeVka_refusesAnUnregisteredKeyInAdvance() public {
        adapter.revokeVka(fixture.vkaDigest);
        assertFalse(adapter.isRegistered(fixture.vkaDigest));
        vm.expectRevert(abi.encodeWithSelector(EzklVkaVerifierAdapter.VkaIsRevoked.selector, fixture.vkaDigest));
        adapter.registerVka(fixture.vka);
    }

    function test_approval_requiresRoles() public {
        address stranger = makeAddr("stranger");
        bytes32 approver = adapter.VKA_APPROVER_ROLE();
        bytes32 adminRole = adapter.DEFAULT_ADMIN_ROLE();
        assertTrue(adapter.hasRole(approver, address(this)), "the deployer holds the roles");
        vm.startPrank(stranger);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, approver)
        );
        adapter.approveVka(fixture.vkaDigest);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, approver)
        );
        adapter.revokeVka(fixture.vkaDigest);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, adminRole)
        );
        adapter.setApprovalRequired(false);
        vm.stopPrank();
    }

    function test_unknownKeys() public view {
        assertFalse(adapter.isKeyAccepted(fixture.vkaDigest));
        assertEq(adapter.instanceCount(fixture.vkaDigest), 0);
        assertEq(adapter.vka(fixture.vkaDigest).length, 0);
        assertFalse(adapter.verify(fixture.vkaDigest, fixture.proof, fixture.instances));
    }

    function test_verify_falseForBadProofsNeverReverts() public {
        bytes32 key = adapter.registerVka(fixture.vka);
        assertTrue(adapter.verify(key, fixture.proof, fixture.instances));
        bytes memory truncated = new bytes(64);
        assertFalse(adapter.verify(key, truncated, fixture.instances));
        assertFalse(adapter.verify(key, fixture.proof, new uint256[](4)));
        uint256[] memory outOfField = fixture.instances;
        outOfField[1] = type(uint256).max;
        assertFalse(adapter.verify(key, fixture.proof, outOfField));
    }
}

contract ApprovedCodeVerifierAdapterTest is Test {
    ApprovedCodeVerifierAdapter internal adapter;
    address internal stranger = makeAddr("stranger");

    function setUp() public {
        adapter = new ApprovedCodeVerifierAdapter(address(this));
    }

    function test_constructor_requiresAdmin() public {
        vm.expectRevert(ApprovedCodeVerifierAdapter.ZeroAdmin.selector);
        new ApprovedCodeVerifierAdapter(address(0));
    }

    function test_approveAndRevoke() public {
        AcceptAllVerifier v = new AcceptAllVerifier();
        bytes32 key = adapter.keyOf(address(v));
        assertEq(key, bytes32(uint256(uint160(address(v)))));
        assertFalse(adapter.isKeyAccepted(key));
        assertFalse(adapter.verify(key, "", new uint256[](0)));

        vm.expectEmit(address(adapter));
        emit ApprovedCodeVerifierAdapter.CodeHashApproved(address(v).codehash, 3);
        adapter.approveCodeHash(address(v).codehash, 3);
        assertTrue(adapter.isKeyAccepted(key));
        assertEq(adapter.instanceCount(key), 3);
        assertEq(adapter.approvedInstanceCount(address(v).codehash), 3);
        assertTrue(adapter.verify(key, "", new uint256[](0)));

        // The same code at another address is accepted too: approval is of code, not of deployments.
        AcceptAllVerifier twin = new AcceptAllVerifier();
        assertTrue(adapter.isKeyAccepted(adapter.keyOf(address(twin))));

        vm.expectEmit(address(adapter));
        emit ApprovedCodeVerifierAdapter.CodeHashRevoked(address(v).codehash);
        adapter.revokeCodeHash(address(v).codehash);
        assertFalse(adapter.isKeyAccepted(key));
        assertFalse(adapter.verify(key, "", new uint256[](0)));
        assertTrue(adapter.revokedCodeHash(address(v).codehash));

        // Revocation is for good, as for VKAs.
        vm.expectRevert(
            abi.encodeWithSelector(ApprovedCodeVerifierAdapter.CodeHashIsRevoked.selector, address(v).codehash)
        );
        adapter.approveCodeHash(address(v).codehash, 3);
        assertFalse(adapter.isKeyAccepted(key));
    }

    function test_rejectsMalformedKeysAndEmptyCode() public {
        adapter.approveCodeHash(keccak256(""), 1); // even approving the empty code hash accepts no EOA
        assertFalse(adapter.isKeyAccepted(adapter.keyOf(stranger)));
        AcceptAllVerifier v = new AcceptAllVerifier();
        adapter.approveCodeHash(address(v).codehash, 1);
        bytes32 dirty = bytes32(uint256(uint160(address(v))) | (uint256(1) << 200));
        assertFalse(adapter.isKeyAccepted(dirty));
        assertEq(adapter.instanceCount(dirty), 0);
    }

    function test_approval_requiresRoleAndInstances() public {
        vm.expectRevert(
            abi.encodeWithSelector(ApprovedCodeVerifierAdapter.ZeroInstanceCount.selector, bytes32(uint256(5)))
        );
        adapter.approveCodeHash(bytes32(uint256(5)), 0);
        bytes32 role = adapter.CODE_APPROVER_ROLE();
        vm.startPrank(stranger);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, role)
        );
        adapter.approveCodeHash(bytes32(uint256(5)), 1);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, role)
        );
        adapter.revokeCodeHash(bytes32(uint256(5)));
        vm.stopPrank();
    }
}
