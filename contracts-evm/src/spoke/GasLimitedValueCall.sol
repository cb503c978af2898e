// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title GasLimitedValueCall
/// @notice GasLimitedCall (src/libraries) with native value attached: calls untrusted code with exactly
/// `gasLimit` gas (or reverts, so the transaction sender cannot starve the callee on purpose) and copies at
/// most MAX_REASON_BYTES of its revert data (so the callee cannot make the caller pay for a huge payload).
library GasLimitedValueCall {
    uint256 internal constant MAX_REASON_BYTES = 256;
    /// @notice Gas the CALL itself may cost before the callee starts: cold account (2,600), value transfer
    /// (9,000), a new account (25,000), memory expansion.
    uint256 internal constant CALL_OVERHEAD = 40_000;

    /// @notice The transaction left too little gas to give the callee its full budget.
    error InsufficientGasForCall(uint256 gasLimit, uint256 gasLeft);

    /// @notice Gas a caller must hold for `call` to give the callee `gasLimit` (EIP-150 keeps 1/64 back).
    function gasNeeded(uint256 gasLimit) internal pure returns (uint256) {
        return CALL_OVERHEAD + gasLimit + gasLimit / 63 + 1;
    }

    /// @return ok Whether the callee returned without reverting.
    /// @return reason Up to MAX_REASON_BYTES of the callee's revert data (empty on success).
    function call(address target, uint256 gasLimit, uint256 value, bytes memory data)
        internal
        returns (bool ok, bytes memory reason)
    {
        uint256 left = gasleft();
        if (left < CALL_OVERHEAD || (left - CALL_OVERHEAD) - (left - CALL_OVERHEAD) / 64 < gasLimit) {
            revert InsufficientGasForCall(gasLimit, left);
        }
        assembly ("memory-safe") {
            ok := call(gasLimit, target, value, add(data, 0x20), mload(data), 0, 0)
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
