// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice What a dishonest registrant would like to bring: a "verifier" that accepts every proof.
contract AcceptAllVerifier {
    function verifyProof(bytes calldata, uint256[] calldata) external pure returns (bool) {
        return true;
    }
}
