// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {LowLevelCall} from "@openzeppelin/contracts/utils/LowLevelCall.sol";
import {CodeStore} from "../libraries/CodeStore.sol";
import {IProofVerifier} from "./IProofVerifier.sol";
import {IHalo2VerifierReusable} from "./ezkl/IHalo2Verifiers.sol";

/// @title EzklVkaVerifierAdapter
/// @notice Verifies EZKL (Halo2/KZG over BN254) proofs with one shared `Halo2VerifierReusable` and a
/// per-model verifying-key artifact (VKA). A model's key is keccak256 of its VKA words, the digest the
/// reusable verifier itself computes and returns, so a proof can only pass for the exact VKA registered.
/// @dev A VKA carries the SRS points its pairing check uses. Whoever knows the secret behind an SRS can
/// forge proofs, so `registerVka` only accepts VKAs whose SRS words equal the network's canonical SRS,
/// fixed when this adapter is deployed. A VKA also describes the circuit the reusable verifier checks (its
/// commitments and the verification steps), so a crafted VKA is verifier code in all but name: while
/// `approvalRequired` is on (the deploy script turns it on), a registered VKA is accepted only once
/// VKA_APPROVER_ROLE has approved it (after rebuilding it from the model's published artifacts), and
/// revoking stops it at once and for good: a revoked key can be neither registered nor approved again.
/// Off, registering a VKA on the canonical SRS approves it (throwaway development networks); switching the
/// requirement on or off does not change VKAs already approved, pending or revoked.
/// Approving a VKA admits a circuit, not a model: which instance slots are inputs and outputs, the input
/// bounds and the owner are bound by the model registry's own approval (ModelRegistry.approveModel).
/// VKAs are stored as contract code (CodeStore) and read back with EXTCODECOPY at verification time.
contract EzklVkaVerifierAdapter is IProofVerifier, AccessControl {
    /// @notice Index of the first SRS word in a VKA: the G1 generator (2 words), the G2 generator (4 words)
    /// and [s]G2 (4 words), as ezkl 23's reusable verifier template reads them (memory 0x260..0x380).
    uint256 public constant SRS_WORD_OFFSET = 14;
    /// @notice Number of SRS words in a VKA.
    uint256 public constant SRS_WORD_COUNT = 10;
    /// @notice Index of the VKA word holding the circuit's number of public instances.
    uint256 public constant INSTANCE_COUNT_WORD = 2;
    /// @notice The fixed VKA header runs through word 33 (the challenge-length word); nothing shorter is a VKA.
    uint256 public constant MIN_VKA_WORDS = 34;

    /// @notice May approve and revoke VKAs.
    bytes32 public constant VKA_APPROVER_ROLE = keccak256("VKA_APPROVER_ROLE");

    /// @notice The shared EZKL reusable verifier.
    IHalo2VerifierReusable public immutable VERIFIER;
    /// @notice Whether a registered VKA needs VKA_APPROVER_ROLE's approval before it verifies anything.
    bool public approvalRequired;
    /// @notice keccak256 of the canonical SRS words.
    bytes32 public immutable CANONICAL_SRS_DIGEST;
    /// @dev Code pointer holding the canonical SRS words (for `canonicalSrs`).
    address private immutable SRS_POINTER;

    /// @dev A stored VKA, whether it may verify, and whether it was revoked (one slot, read once per
    /// verification).
    struct VkaRecord {
        address pointer;
        bool approved;
        bool revoked;
    }

    mapping(bytes32 key => VkaRecord) private _vkas;

    /// @notice A VKA was checked against the canonical SRS and stored; `key` is keccak256 of its words.
    event VkaRegistered(bytes32 indexed key, address indexed registrant, address pointer, uint256 instanceCount);
    /// @notice Governance approved a registered VKA.
    event VkaApproved(bytes32 indexed key);
    /// @notice Governance revoked a VKA for good.
    event VkaRevoked(bytes32 indexed key);
    /// @notice Governance switched the approval requirement on or off.
    event ApprovalRequirementSet(bool required);

    /// @notice The canonical SRS given at deployment does not have SRS_WORD_COUNT words.
    error InvalidCanonicalSrs(uint256 words);
    /// @notice The VKA is shorter than the fixed header.
    error VkaTooShort(uint256 words);
    /// @notice The VKA was built on another SRS than the network's canonical one.
    error SrsMismatch(bytes32 expectedDigest, bytes32 actualDigest);
    /// @notice The reusable verifier did not register the VKA under the digest this adapter computed.
    error VkaDigestMismatch(bytes32 expected, bytes32 actual);
    /// @notice Only a registered VKA can be approved.
    error VkaNotRegistered(bytes32 key);
    /// @notice The VKA was revoked; it can be neither registered nor approved again.
    error VkaIsRevoked(bytes32 key);

    /// @param verifier The deployed EZKL reusable verifier.
    /// @param srsWords The network's canonical SRS as the ten VKA words 14..23.
    /// @dev The deployer receives DEFAULT_ADMIN_ROLE and VKA_APPROVER_ROLE (and hands them on).
    constructor(IHalo2VerifierReusable verifier, bytes32[] memory srsWords) {
        if (srsWords.length != SRS_WORD_COUNT) revert InvalidCanonicalSrs(srsWords.length);
        _grantRole(DEFAULT_ADMIN_ROLE, msg.sender);
        _grantRole(VKA_APPROVER_ROLE, msg.sender);
        VERIFIER = verifier;
        CANONICAL_SRS_DIGEST = keccak256(abi.encodePacked(srsWords));
        SRS_POINTER = CodeStore.write(abi.encodePacked(srsWords));
    }

    /// @notice Checks a VKA's SRS points against the canonical SRS, stores it, and registers it with the
    /// reusable verifier. Anyone may call it; registering an already registered VKA returns its key. A
    /// revoked VKA is refused (VkaIsRevoked), so that registering it again cannot approve it again.
    /// @param words The VKA as EZKL's `create_evm_vka` writes it (bytes32 words).
    /// @return key keccak256 of the words: the `verifierKey` to register a model with.
    function registerVka(bytes32[] calldata words) external returns (bytes32 key) {
        if (words.length < MIN_VKA_WORDS) revert VkaTooShort(words.length);
        bytes32 srsDigest = keccak256(abi.encodePacked(words[SRS_WORD_OFFSET:SRS_WORD_OFFSET + SRS_WORD_COUNT]));
        if (srsDigest != CANONICAL_SRS_DIGEST) revert SrsMismatch(CANONICAL_SRS_DIGEST, srsDigest);
        key = keccak256(abi.encodePacked(words));
        VkaRecord storage record = _vkas[key];
        if (record.revoked) revert VkaIsRevoked(key);
        bool autoApprove = !approvalRequired;
        if (record.pointer != address(0)) {
            if (autoApprove && !record.approved) _approve(record, key);
            return key;
        }

        address pointer = CodeStore.write(abi.encodePacked(words));
        record.pointer = pointer;
        emit VkaRegistered(key, msg.sender, pointer, uint256(words[INSTANCE_COUNT_WORD]));
        if (autoApprove) _approve(record, key);

        bytes32 registered = VERIFIER.registerVka(words);
        if (registered != key) revert VkaDigestMismatch(key, registered);
    }

    /// @notice Switches the approval requirement on (production) or off (development networks).
    function setApprovalRequired(bool required) external onlyRole(DEFAULT_ADMIN_ROLE) {
        approvalRequired = required;
        emit ApprovalRequirementSet(required);
    }

    /// @notice Approves a registered VKA for verification (never a revoked one).
    function approveVka(bytes32 key) external onlyRole(VKA_APPROVER_ROLE) {
        VkaRecord storage record = _vkas[key];
        if (record.pointer == address(0)) revert VkaNotRegistered(key);
        if (record.revoked) revert VkaIsRevoked(key);
        _approve(record, key);
    }

    /// @notice Revokes a VKA for good (registered or not, so a known-bad key can be refused in advance);
    /// models using it stop verifying.
    function revokeVka(bytes32 key) external onlyRole(VKA_APPROVER_ROLE) {
        VkaRecord storage record = _vkas[key];
        record.approved = false;
        record.revoked = true;
        emit VkaRevoked(key);
    }

    /// @notice Whether a VKA was revoked (for good).
    function isRevoked(bytes32 key) external view returns (bool) {
        return _vkas[key].revoked;
    }

    /// @notice Whether a VKA with this key was registered (approved or not).
    function isRegistered(bytes32 key) external view returns (bool) {
        return _vkas[key].pointer != address(0);
    }

    /// @notice Whether a registered VKA may verify proofs.
    function approved(bytes32 key) external view returns (bool) {
        return _vkas[key].approved;
    }

    /// @notice The stored VKA words for `key` (empty when unknown).
    function vka(bytes32 key) external view returns (bytes32[] memory words) {
        return _load(_vkas[key].pointer);
    }

    /// @notice The canonical SRS words every registered VKA carries.
    function canonicalSrs() external view returns (bytes32[] memory words) {
        return _load(SRS_POINTER);
    }

    /// @inheritdoc IProofVerifier
    function isKeyAccepted(bytes32 key) external view returns (bool) {
        return _accepted(key) != address(0);
    }

    /// @inheritdoc IProofVerifier
    function instanceCount(bytes32 key) external view returns (uint256) {
        address pointer = _accepted(key);
        if (pointer == address(0)) return 0;
        bytes32 word;
        assembly ("memory-safe") {
            // Word INSTANCE_COUNT_WORD of the data, which starts after the STOP byte.
            extcodecopy(pointer, 0x00, add(1, mul(INSTANCE_COUNT_WORD, 0x20)), 0x20)
            word := mload(0x00)
        }
        return uint256(word);
    }

    /// @inheritdoc IProofVerifier
    function verify(bytes32 key, bytes calldata proof, uint256[] calldata instances) external view returns (bool) {
        address pointer = _accepted(key);
        if (pointer == address(0)) return false;
        bytes memory data = abi.encodeCall(IHalo2VerifierReusable.verifyProof, (proof, instances, _load(pointer)));
        (bool ok, bytes32 success, bytes32 digest) = LowLevelCall.staticcallReturn64Bytes(address(VERIFIER), data);
        return ok && LowLevelCall.returnDataSize() >= 0x40 && uint256(success) == 1 && digest == key;
    }

    /// @dev The VKA's code pointer if it is registered and approved, else zero.
    function _accepted(bytes32 key) private view returns (address) {
        VkaRecord storage record = _vkas[key];
        return record.approved ? record.pointer : address(0);
    }

    function _approve(VkaRecord storage record, bytes32 key) private {
        record.approved = true;
        emit VkaApproved(key);
    }

    /// @dev Reads stored words back as a bytes32[] (the byte length word becomes the word count in place).
    function _load(address pointer) private view returns (bytes32[] memory words) {
        bytes memory raw = CodeStore.read(pointer);
        assembly ("memory-safe") {
            mstore(raw, shr(5, mload(raw)))
            words := raw
        }
    }
}
