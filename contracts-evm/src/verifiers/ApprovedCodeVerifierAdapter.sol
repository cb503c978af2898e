// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {LowLevelCall} from "@openzeppelin/contracts/utils/LowLevelCall.sol";
import {IProofVerifier} from "./IProofVerifier.sol";
import {IHalo2Verifier} from "./ezkl/IHalo2Verifiers.sol";

/// @title ApprovedCodeVerifierAdapter
/// @notice Verifies proofs with per-model verifier contracts (EZKL's generated `Halo2Verifier`, one per
/// circuit), but only those whose runtime code hash governance has approved. A registrant therefore cannot
/// bring verifier code of its own choosing (a verifier that accepts anything would make "verified"
/// meaningless): governance approves the exact bytecode EZKL generates for a circuit, after rebuilding it
/// from the model's published artifacts. A model's key is its verifier's address as a bytes32.
/// @dev The code hash is checked again at every verification, so revoking an approval stops the models
/// that use that code at once; a revoked code hash stays revoked (it cannot be approved again), as a revoked
/// VKA does in EzklVkaVerifierAdapter. Approving code admits a circuit, not a model: the model registry's
/// own approval binds the layout, bounds and owner.
contract ApprovedCodeVerifierAdapter is IProofVerifier, AccessControl {
    /// @notice May approve and revoke verifier code hashes.
    bytes32 public constant CODE_APPROVER_ROLE = keccak256("CODE_APPROVER_ROLE");

    /// @notice Public instances a verifier with this code hash expects; 0 means not approved.
    mapping(bytes32 codeHash => uint256 instances) public approvedInstanceCount;
    /// @notice Code hashes revoked for good.
    mapping(bytes32 codeHash => bool) public revokedCodeHash;

    /// @notice Governance approved verifier code (`instanceCount` public instances per proof).
    event CodeHashApproved(bytes32 indexed codeHash, uint256 instanceCount);
    /// @notice Governance revoked verifier code for good.
    event CodeHashRevoked(bytes32 indexed codeHash);

    /// @notice An approval needs a non-zero instance count.
    error ZeroInstanceCount(bytes32 codeHash);
    /// @notice The code hash was revoked; it cannot be approved again.
    error CodeHashIsRevoked(bytes32 codeHash);
    /// @notice The zero address cannot administer the adapter.
    error ZeroAdmin();

    constructor(address admin) {
        if (admin == address(0)) revert ZeroAdmin();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(CODE_APPROVER_ROLE, admin);
    }

    /// @notice Approves verifier runtime code with this hash (`address.codehash` of a deployed verifier).
    function approveCodeHash(bytes32 codeHash, uint256 instanceCount_) external onlyRole(CODE_APPROVER_ROLE) {
        if (instanceCount_ == 0) revert ZeroInstanceCount(codeHash);
        if (revokedCodeHash[codeHash]) revert CodeHashIsRevoked(codeHash);
        approvedInstanceCount[codeHash] = instanceCount_;
        emit CodeHashApproved(codeHash, instanceCount_);
    }

    /// @notice Revokes verifier code for good; models whose verifier has this code stop verifying.
    function revokeCodeHash(bytes32 codeHash) external onlyRole(CODE_APPROVER_ROLE) {
        delete approvedInstanceCount[codeHash];
        revokedCodeHash[codeHash] = true;
        emit CodeHashRevoked(codeHash);
    }

    /// @notice The key under which a model names `verifier`.
    function keyOf(address verifier) external pure returns (bytes32) {
        return bytes32(uint256(uint160(verifier)));
    }

    /// @inheritdoc IProofVerifier
    function isKeyAccepted(bytes32 key) public view returns (bool) {
        return _approvedInstances(key) != 0;
    }

    /// @inheritdoc IProofVerifier
    function instanceCount(bytes32 key) external view returns (uint256) {
        return _approvedInstances(key);
    }

    /// @inheritdoc IProofVerifier
    function verify(bytes32 key, bytes calldata proof, uint256[] calldata instances) external view returns (bool) {
        if (_approvedInstances(key) == 0) return false;
        bytes memory data = abi.encodeCall(IHalo2Verifier.verifyProof, (proof, instances));
        (bool ok, bytes32 result,) = LowLevelCall.staticcallReturn64Bytes(address(uint160(uint256(key))), data);
        return ok && LowLevelCall.returnDataSize() >= 0x20 && uint256(result) == 1;
    }

    function _approvedInstances(bytes32 key) private view returns (uint256) {
        if (uint256(key) >> 160 != 0) return 0;
        address verifier = address(uint160(uint256(key)));
        if (verifier.code.length == 0) return 0;
        return approvedInstanceCount[verifier.codehash];
    }
}
