// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title GasLimitedCall
/// @notice Calls untrusted code (consumer callbacks, result sinks) with a fixed gas budget. The callee gets
/// exactly the budget or the caller reverts, so a transaction sender cannot starve the callee on purpose;
/// return data is never copied in full, so a callee cannot make the caller pay for a huge revert payload.
library GasLimitedCall {
    /// @notice Revert data kept from a failed callee (the rest is dropped).
    uint256 internal constant MAX_REASON_BYTES = 256;
    /// @notice Gas the CALL itself may cost before the callee starts (cold account, memory expansion).
    uint256 internal constant CALL_OVERHEAD = 5000;

    /// @notice The transaction left too little gas to give the callee its full budget.
    error InsufficientGasForCall(uint256 gasLimit, uint256 gasLeft);

    /// @return ok Whether the callee returned without reverting.
    /// @return reason Up to MAX_REASON_BYTES of the callee's revert data (empty on success).
    function call(address target, uint256 gasLimit, bytes memory data) internal returns (bool ok, bytes memory reason) {
        uint256 left = gasleft();
        // EIP-150 forwards at most 63/64 of what remains after the CALL's own cost.
        if (left < CALL_OVERHEAD || (left - CALL_OVERHEAD) - (left - CALL_OVERHEAD) / 64 < gasLimit) {
            revert InsufficientGasForCall(gasLimit, left);
        }
        assembly ("memory-safe") {
            ok := call(gasLimit, target, 0, add(data, 0x20), mload(data), 0, 0)
        }
        if (ok) return (true, reason);
        assembly ("memory-safe") {
            let size := returndatasize()
            if gt(size, MAX_REASON_BYTES) { size := MAX_REASON_BYTES }
            reason := mload(0x40)
            mstore(reason, size)
            returndatacopy(add(reason, 0x20), 0, size)
            mstore(0x40, add(add(reason, 0x20), and(add(size, 0x1f), not(0x1f))))
        }
    }
}
