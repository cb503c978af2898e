// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title IProofVerifier
/// @notice One proof system behind one interface. A model is registered with an adapter (approved by
/// governance in the ModelRegistry) and a key inside it: an EZKL VKA digest, a generated verifier's
/// address, ... The adapter decides which keys are acceptable; the market only ever calls `verify`.
interface IProofVerifier {
    /// @notice Whether `key` names a verifying key this adapter will check proofs against.
    function isKeyAccepted(bytes32 key) external view returns (bool);

    /// @notice The number of public instances a proof for `key` carries, or 0 when the adapter cannot tell.
    function instanceCount(bytes32 key) external view returns (uint256);

    /// @notice Whether `proof` is a valid proof for `key` with public `instances`. Never reverts for a bad proof.
    function verify(bytes32 key, bytes calldata proof, uint256[] calldata instances) external view returns (bool);
}
