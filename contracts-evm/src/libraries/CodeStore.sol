// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title CodeStore
/// @notice Stores immutable data as the runtime code of a contract (the SSTORE2 pattern): writing costs
/// about 200 gas per byte once, reading costs EXTCODECOPY instead of one SLOAD per word. The code starts
/// with a STOP byte so that the data can never be executed.
library CodeStore {
    /// @notice Creating the data contract failed (out of gas, or data above the code size limit).
    error CodeStoreWriteFailed(uint256 length);

    function write(bytes memory data) internal returns (address pointer) {
        // Creation code: copy the runtime (STOP ++ data) that follows this 10-byte prefix and return it.
        //   61 <len:2> PUSH2 len | 80 DUP1 | 60 0a PUSH1 10 | 3d RETURNDATASIZE(0) | 39 CODECOPY | 3d | f3 RETURN
        bytes memory runtime = abi.encodePacked(hex"00", data);
        if (runtime.length > type(uint16).max) revert CodeStoreWriteFailed(data.length);
        bytes memory creation = abi.encodePacked(hex"61", uint16(runtime.length), hex"80600a3d393df3", runtime);
        assembly ("memory-safe") {
            pointer := create(0, add(creation, 0x20), mload(creation))
        }
        if (pointer == address(0)) revert CodeStoreWriteFailed(data.length);
    }

    function read(address pointer) internal view returns (bytes memory data) {
        uint256 size = pointer.code.length;
        if (size == 0) return data;
        uint256 len = size - 1;
        data = new bytes(len);
        assembly ("memory-safe") {
            extcodecopy(pointer, add(data, 0x20), 1, len)
        }
    }
}
