// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice A REQUEST from the Cairo spoke, decoded.
struct StarknetRequest {
    uint64 spokeRequestId;
    uint256 requester; // Starknet ContractAddress (< 2^251)
    uint256 modelId;
    uint256 fee; // in the spoke's fee token, escrowed on Starknet
    uint64 deadline; // unix seconds
    int256[] input; // each in the i128 range
}

/// @notice The RESULT the gateway sends to the Cairo spoke (payees are Starknet addresses).
struct StarknetResult {
    uint64 spokeRequestId;
    uint256 node;
    uint256 nodeAmount;
    uint256 modelOwner;
    uint256 modelOwnerAmount;
    uint256 protocolAmount;
    int256[] output;
}

/// @title StarknetCodec
/// @notice The felt payloads exchanged with the Cairo spoke (contracts-cairo/src/messages.cairo; its README's
/// "Messages" section is the reference). Every payload is `[version = 1, kind, ...]`. A u256 is two felts,
/// low 128 bits first; a signed value is an i128 encoded as Cairo encodes it (v >= 0: v; v < 0: P - |v|, with
/// P the STARK field prime); an address is one felt below 2^251 (Cairo's ContractAddress range).
///   REQUEST (L2 -> L1) [1, 1, id, requester, model.lo, model.hi, fee.lo, fee.hi, deadline, n, input_0..n-1]
///   RESULT  (L1 -> L2) [1, 2, id, node, nodeAmt.lo, nodeAmt.hi, owner, ownerAmt.lo, ownerAmt.hi,
///                       protocol.lo, protocol.hi, m, output_0..m-1]
///   EXPIRED (L1 -> L2) [1, 3, id]
/// L1 -> L2 messages go to the spoke's `on_hub_message(from_address, payload: Span<felt252>)`, whose
/// calldata after from_address is the span: `[payload.length, ...payload]` (`handlerCalldata`).
library StarknetCodec {
    /// @notice The STARK field prime P = 2^251 + 17 * 2^192 + 1.
    uint256 internal constant FELT_PRIME = 0x800000000000011000000000000000000000000000000000000000000000001;
    /// @notice Starknet contract addresses are below 2^251.
    uint256 internal constant ADDRESS_BOUND = 1 << 251;
    uint256 internal constant VERSION = 1;
    uint256 internal constant KIND_REQUEST = 1;
    uint256 internal constant KIND_RESULT = 2;
    uint256 internal constant KIND_EXPIRED = 3;
    /// @notice The most values an input or an output may hold (the spoke's and the hub's limit).
    uint256 internal constant MAX_VALUES = 256;
    /// @notice Felts of a REQUEST before its input values.
    uint256 internal constant REQUEST_HEADER = 10;
    /// @notice Felts of a RESULT before its output values.
    uint256 internal constant RESULT_HEADER = 12;
    /// @notice `starknet_keccak("on_hub_message")`, the spoke's L1 handler.
    uint256 internal constant ON_HUB_MESSAGE_SELECTOR =
        0x281a842356294e60a2328d9f8e9543d682305c037245baf36976ef1754500a;

    uint256 private constant U128_MASK = type(uint128).max;
    int256 private constant I128_MIN = type(int128).min;
    int256 private constant I128_MAX = type(int128).max;

    /// @notice The payload is shorter than its layout needs.
    error PayloadTooShort(uint256 length, uint256 needed);
    /// @notice The payload's length disagrees with its value count (`expected` felts).
    error PayloadLengthMismatch(uint256 length, uint256 expected);
    error UnsupportedVersion(uint256 version);
    error UnexpectedKind(uint256 kind);
    /// @notice The felt at `index` is outside its field's range (u64, u128 half, address, i128, felt).
    error WordOutOfRange(uint256 index, uint256 word);
    /// @notice A value count of 0 or above MAX_VALUES.
    error ValueCountOutOfRange(uint256 count);
    /// @notice A value outside the i128 range cannot be sent to the Cairo spoke.
    error ValueOutOfI128Range(int256 value);
    /// @notice A payee address is not a Starknet address.
    error AddressOutOfRange(uint256 value);

    // ---------------------------------------------------------------- values

    /// @notice The felt Cairo uses for the i128 `value`.
    function toFelt(int256 value) internal pure returns (uint256) {
        if (value < I128_MIN || value > I128_MAX) revert ValueOutOfI128Range(value);
        // forge-lint: disable-next-line(unsafe-typecast)
        return value >= 0 ? uint256(value) : FELT_PRIME - uint256(-value);
    }

    /// @notice Whether `value` fits Cairo's i128.
    function fitsI128(int256 value) internal pure returns (bool) {
        return value >= I128_MIN && value <= I128_MAX;
    }

    /// @notice The i128 a felt encodes (as `felt.try_into::<i128>()` in Cairo); `ok` false when it encodes none.
    function tryFromFelt(uint256 felt) internal pure returns (bool ok, int256 value) {
        // Both casts are below 2^127 + 1 in magnitude, checked on the line before each.
        // forge-lint: disable-next-line(unsafe-typecast)
        if (felt <= uint256(I128_MAX)) return (true, int256(felt));
        // forge-lint: disable-next-line(unsafe-typecast)
        if (felt < FELT_PRIME && FELT_PRIME - felt <= uint256(I128_MAX) + 1) {
            // forge-lint: disable-next-line(unsafe-typecast)
            return (true, -int256(FELT_PRIME - felt));
        }
        return (false, 0);
    }

    // ---------------------------------------------------------------- REQUEST

    /// @notice Decodes a REQUEST payload, refusing exactly what the spoke can never write.
    function decodeRequest(uint256[] calldata p) internal pure returns (StarknetRequest memory r) {
        if (p.length < REQUEST_HEADER) revert PayloadTooShort(p.length, REQUEST_HEADER);
        if (p[0] != VERSION) revert UnsupportedVersion(p[0]);
        if (p[1] != KIND_REQUEST) revert UnexpectedKind(p[1]);
        r.spokeRequestId = uint64(_bounded(p, 2, type(uint64).max));
        r.requester = _bounded(p, 3, ADDRESS_BOUND - 1);
        r.modelId = _u256(p, 4);
        r.fee = _u256(p, 6);
        r.deadline = uint64(_bounded(p, 8, type(uint64).max));
        uint256 n = p[9];
        if (n == 0 || n > MAX_VALUES) revert ValueCountOutOfRange(n);
        if (p.length != REQUEST_HEADER + n) revert PayloadLengthMismatch(p.length, REQUEST_HEADER + n);
        r.input = new int256[](n);
        for (uint256 i; i < n; ++i) {
            (bool ok, int256 v) = tryFromFelt(p[REQUEST_HEADER + i]);
            if (!ok) revert WordOutOfRange(REQUEST_HEADER + i, p[REQUEST_HEADER + i]);
            r.input[i] = v;
        }
    }

    /// @notice Encodes a REQUEST as the spoke writes it (tests, tools).
    function encodeRequest(StarknetRequest memory r) internal pure returns (uint256[] memory p) {
        uint256 n = r.input.length;
        if (n == 0 || n > MAX_VALUES) revert ValueCountOutOfRange(n);
        if (r.requester >= ADDRESS_BOUND) revert AddressOutOfRange(r.requester);
        p = new uint256[](REQUEST_HEADER + n);
        (p[0], p[1], p[2], p[3]) = (VERSION, KIND_REQUEST, r.spokeRequestId, r.requester);
        (p[4], p[5]) = _split(r.modelId);
        (p[6], p[7]) = _split(r.fee);
        (p[8], p[9]) = (r.deadline, n);
        for (uint256 i; i < n; ++i) {
            p[REQUEST_HEADER + i] = toFelt(r.input[i]);
        }
    }

    // ---------------------------------------------------------------- RESULT / EXPIRED

    /// @notice Encodes a RESULT; reverts on a payee that is no Starknet address or an output the spoke
    /// cannot hold (count, i128 range).
    function encodeResult(StarknetResult memory r) internal pure returns (uint256[] memory p) {
        uint256 m = r.output.length;
        if (m == 0 || m > MAX_VALUES) revert ValueCountOutOfRange(m);
        if (r.node >= ADDRESS_BOUND) revert AddressOutOfRange(r.node);
        if (r.modelOwner >= ADDRESS_BOUND) revert AddressOutOfRange(r.modelOwner);
        p = new uint256[](RESULT_HEADER + m);
        (p[0], p[1], p[2], p[3]) = (VERSION, KIND_RESULT, r.spokeRequestId, r.node);
        (p[4], p[5]) = _split(r.nodeAmount);
        p[6] = r.modelOwner;
        (p[7], p[8]) = _split(r.modelOwnerAmount);
        (p[9], p[10]) = _split(r.protocolAmount);
        p[11] = m;
        for (uint256 i; i < m; ++i) {
            p[RESULT_HEADER + i] = toFelt(r.output[i]);
        }
    }

    /// @notice Encodes an EXPIRED (the spoke refunds the whole fee).
    function encodeExpired(uint64 spokeRequestId) internal pure returns (uint256[] memory p) {
        p = new uint256[](3);
        (p[0], p[1], p[2]) = (VERSION, KIND_EXPIRED, spokeRequestId);
    }

    /// @notice The calldata of `on_hub_message` after from_address: the Span<felt252> serialization.
    function handlerCalldata(uint256[] memory payload) internal pure returns (uint256[] memory c) {
        uint256 n = payload.length;
        c = new uint256[](n + 1);
        c[0] = n;
        for (uint256 i; i < n; ++i) {
            c[i + 1] = payload[i];
        }
    }

    // ---------------------------------------------------------------- internals

    function _bounded(uint256[] calldata p, uint256 i, uint256 max) private pure returns (uint256) {
        if (p[i] > max) revert WordOutOfRange(i, p[i]);
        return p[i];
    }

    function _u256(uint256[] calldata p, uint256 i) private pure returns (uint256) {
        return _bounded(p, i, U128_MASK) | (_bounded(p, i + 1, U128_MASK) << 128);
    }

    function _split(uint256 v) private pure returns (uint256 low, uint256 high) {
        return (v & U128_MASK, v >> 128);
    }
}
