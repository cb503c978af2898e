// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IProofVerifier} from "../../src/verifiers/IProofVerifier.sol";

/// @notice Test double for market and registry unit tests: a "proof" is valid iff it equals
/// abi.encode(key, instances), so it binds the key and every instance like a real proof would.
/// The real-proof tests (test/integration) use EZKL's verifier instead.
contract MockProofVerifier is IProofVerifier {
    mapping(bytes32 key => uint256 instances) public instancesOf;

    function addKey(bytes32 key, uint256 instanceCount_) external {
        instancesOf[key] = instanceCount_ == 0 ? type(uint256).max : instanceCount_;
    }

    function removeKey(bytes32 key) external {
        delete instancesOf[key];
    }

    function proofFor(bytes32 key, uint256[] memory instances) external pure returns (bytes memory) {
        return abi.encode(key, instances);
    }

    function isKeyAccepted(bytes32 key) external view returns (bool) {
        return instancesOf[key] != 0;
    }

    function instanceCount(bytes32 key) external view returns (uint256) {
        uint256 n = instancesOf[key];
        return n == type(uint256).max ? 0 : n;
    }

    function verify(bytes32 key, bytes calldata proof, uint256[] calldata instances) external view returns (bool) {
        return instancesOf[key] != 0 && keccak256(proof) == keccak256(abi.encode(key, instances));
    }
}
