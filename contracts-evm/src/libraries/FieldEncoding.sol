// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @title FieldEncoding
/// @notice Maps signed fixed-point values to BN254 scalar-field elements and back, the way EZKL encodes
/// instances: a value v >= 0 is the felt v; a value v < 0 is the felt p - |v|. Decoding treats a felt
/// above (p - 1) / 2 as negative.
library FieldEncoding {
    /// @notice The BN254 scalar field modulus (the field EZKL's Halo2 circuits work in).
    uint256 internal constant P = 21888242871839275222246405745257275088548364400416034343698204186575808495617;
    /// @notice The largest magnitude a signed value may have to round-trip through a felt.
    uint256 internal constant HALF = (P - 1) / 2;

    /// @notice A signed value whose magnitude exceeds (p - 1) / 2 has no unambiguous felt.
    error ValueOutOfField(int256 value);
    /// @notice A felt at or above the field modulus is not a field element.
    error FeltOutOfField(uint256 felt);

    function toFelt(int256 value) internal pure returns (uint256) {
        if (value >= 0) {
            // forge-lint: disable-next-line(unsafe-typecast)
            uint256 positive = uint256(value); // value >= 0 fits
            if (positive > HALF) revert ValueOutOfField(value);
            return positive;
        }
        // -(value + 1) + 1 avoids negating type(int256).min.
        // forge-lint: disable-next-line(unsafe-typecast)
        uint256 magnitude = uint256(-(value + 1)) + 1; // -(value + 1) >= 0 fits
        if (magnitude > HALF) revert ValueOutOfField(value);
        return P - magnitude;
    }

    function toInt(uint256 felt) internal pure returns (int256) {
        if (felt >= P) revert FeltOutOfField(felt);
        // Both casts are of values at most HALF < 2^254, which int256 holds.
        // forge-lint: disable-next-line(unsafe-typecast)
        if (felt > HALF) return -int256(P - felt);
        // forge-lint: disable-next-line(unsafe-typecast)
        return int256(felt);
    }

    /// @notice keccak256 over the felts of `values`, each as a 32-byte word: the digest the market stores for a
    /// request's input and compares with the proof's input instances.
    function feltDigest(int256[] calldata values) internal pure returns (bytes32 digest) {
        uint256 n = values.length;
        uint256[] memory felts = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            felts[i] = toFelt(values[i]);
        }
        assembly ("memory-safe") {
            digest := keccak256(add(felts, 0x20), mul(n, 0x20))
        }
    }
}
