// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {StarknetCodec, StarknetRequest, StarknetResult} from "../../src/messaging/StarknetCodec.sol";

/// @dev decodeRequest reads calldata.
contract StarknetCodecHarness {
    function decodeRequest(uint256[] calldata p) external pure returns (StarknetRequest memory) {
        return StarknetCodec.decodeRequest(p);
    }
}

/// @notice The felt codec: Cairo's i128 and u256 encodings, the layouts, refusals, and the test vectors that
/// contracts-cairo/tests/gateway_vectors.cairo decodes/encodes with the Cairo spoke's own codec.
contract StarknetCodecTest is Test {
    StarknetCodecHarness internal h = new StarknetCodecHarness();
    uint256 internal constant P = StarknetCodec.FELT_PRIME;

    function test_prime_isStarkPrime() public pure {
        assertEq(P, (uint256(1) << 251) + 17 * (uint256(1) << 192) + 1);
    }

    function test_toFelt_vectors() public pure {
        assertEq(StarknetCodec.toFelt(0), 0);
        assertEq(StarknetCodec.toFelt(1), 1);
        assertEq(StarknetCodec.toFelt(-1), P - 1);
        assertEq(StarknetCodec.toFelt(type(int128).max), uint256(uint128(type(int128).max)));
        assertEq(StarknetCodec.toFelt(type(int128).min), P - (uint256(1) << 127));
    }

    function test_toFelt_refusesOutsideI128() public {
        vm.expectRevert(abi.encodeWithSelector(StarknetCodec.ValueOutOfI128Range.selector, int256(1) << 127));
        this.toFelt(int256(1) << 127);
        vm.expectRevert(abi.encodeWithSelector(StarknetCodec.ValueOutOfI128Range.selector, -(int256(1) << 127) - 1));
        this.toFelt(-(int256(1) << 127) - 1);
    }

    function toFelt(int256 v) external pure returns (uint256) {
        return StarknetCodec.toFelt(v);
    }

    function testFuzz_i128_roundTrip(int128 v) public pure {
        (bool ok, int256 back) = StarknetCodec.tryFromFelt(StarknetCodec.toFelt(v));
        assertTrue(ok);
        assertEq(back, v);
    }

    function testFuzz_tryFromFelt_refusesTheGapAndNonFelts(uint256 felt) public pure {
        felt = bound(felt, uint256(1) << 127, P - (uint256(1) << 127) - 1);
        (bool ok,) = StarknetCodec.tryFromFelt(felt);
        assertFalse(ok);
        (ok,) = StarknetCodec.tryFromFelt(P);
        assertFalse(ok);
        (ok,) = StarknetCodec.tryFromFelt(type(uint256).max);
        assertFalse(ok);
    }

    function testFuzz_request_roundTrip(
        uint64 id,
        uint256 requester,
        uint256 modelId,
        uint256 fee,
        uint64 deadline,
        int128[] memory values
    ) public view {
        vm.assume(values.length > 0 && values.length <= 256);
        requester = bound(requester, 0, StarknetCodec.ADDRESS_BOUND - 1);
        int256[] memory input = new int256[](values.length);
        for (uint256 i; i < values.length; ++i) {
            input[i] = values[i];
        }
        StarknetRequest memory r = StarknetRequest(id, requester, modelId, fee, deadline, input);
        uint256[] memory p = StarknetCodec.encodeRequest(r);
        assertEq(p.length, 10 + values.length);
        for (uint256 i; i < p.length; ++i) {
            assertLt(p[i], P, "every word is a felt");
        }
        StarknetRequest memory d = h.decodeRequest(p);
        assertEq(d.spokeRequestId, id);
        assertEq(d.requester, requester);
        assertEq(d.modelId, modelId);
        assertEq(d.fee, fee);
        assertEq(d.deadline, deadline);
        assertEq(d.input, input);
    }

    function testFuzz_result_u256Split(uint256 a, uint256 b, uint256 c) public pure {
        int256[] memory out = new int256[](1);
        uint256[] memory p = StarknetCodec.encodeResult(StarknetResult(1, 2, a, 3, b, c, out));
        assertEq(p[4] | (p[5] << 128), a);
        assertEq(p[7] | (p[8] << 128), b);
        assertEq(p[9] | (p[10] << 128), c);
        assertLe(p[4], type(uint128).max);
        assertLe(p[5], type(uint128).max);
    }

    // ---------------------------------------------------------------- refusals

    function _validRequest() internal pure returns (uint256[] memory p) {
        int256[] memory input = new int256[](2);
        (input[0], input[1]) = (5, -5);
        p = StarknetCodec.encodeRequest(StarknetRequest(7, 0x77, 1, 100, 1000, input));
    }

    function test_decode_refusals() public {
        uint256[] memory p = _validRequest();
        p[0] = 2;
        vm.expectRevert(abi.encodeWithSelector(StarknetCodec.UnsupportedVersion.selector, 2));
        h.decodeRequest(p);
        p = _validRequest();
        p[1] = 3;
        vm.expectRevert(abi.encodeWithSelector(StarknetCodec.UnexpectedKind.selector, 3));
        h.decodeRequest(p);
        p = _validRequest();
        p[2] = uint256(type(uint64).max) + 1;
        vm.expectRevert(abi.encodeWithSelector(StarknetCodec.WordOutOfRange.selector, 2, p[2]));
        h.decodeRequest(p);
        p = _validRequest();
        p[3] = StarknetCodec.ADDRESS_BOUND;
        vm.expectRevert(abi.encodeWithSelector(StarknetCodec.WordOutOfRange.selector, 3, p[3]));
        h.decodeRequest(p);
        p = _validRequest();
        p[5] = uint256(1) << 128;
        vm.expectRevert(abi.encodeWithSelector(StarknetCodec.WordOutOfRange.selector, 5, p[5]));
        h.decodeRequest(p);
        p = _validRequest();
        p[9] = 0;
        vm.expectRevert(abi.encodeWithSelector(StarknetCodec.ValueCountOutOfRange.selector, 0));
        h.decodeRequest(p);
        p[9] = 257;
        vm.expectRevert(abi.encodeWithSelector(StarknetCodec.ValueCountOutOfRange.selector, 257));
        h.decodeRequest(p);
        p = _validRequest();
        p[9] = 1; // trailing felt
        vm.expectRevert(abi.encodeWithSelector(StarknetCodec.PayloadLengthMismatch.selector, 12, 11));
        h.decodeRequest(p);
        p = _validRequest();
        p[11] = uint256(1) << 127; // in the gap between i128 max and P - 2^127
        vm.expectRevert(abi.encodeWithSelector(StarknetCodec.WordOutOfRange.selector, 11, p[11]));
        h.decodeRequest(p);
        vm.expectRevert(abi.encodeWithSelector(StarknetCodec.PayloadTooShort.selector, 3, 10));
        h.decodeRequest(new uint256[](3));
    }

    function test_encodeResult_refusals() public {
        int256[] memory out = new int256[](1);
        vm.expectRevert(abi.encodeWithSelector(StarknetCodec.AddressOutOfRange.selector, StarknetCodec.ADDRESS_BOUND));
        this.encodeResult(StarknetResult(1, StarknetCodec.ADDRESS_BOUND, 0, 0, 0, 0, out));
        vm.expectRevert(abi.encodeWithSelector(StarknetCodec.ValueCountOutOfRange.selector, 0));
        this.encodeResult(StarknetResult(1, 1, 0, 0, 0, 0, new int256[](0)));
        out[0] = int256(1) << 127;
        vm.expectRevert(abi.encodeWithSelector(StarknetCodec.ValueOutOfI128Range.selector, out[0]));
        this.encodeResult(StarknetResult(1, 1, 0, 0, 0, 0, out));
    }

    function encodeResult(StarknetResult memory r) external pure returns (uint256[] memory) {
        return StarknetCodec.encodeResult(r);
    }

    // ---------------------------------------------------------------- vectors shared with the Cairo tests

    /// @dev The RESULT vector contracts-cairo/tests/gateway_vectors.cairo decodes with `decode_hub_message`.
    function test_vector_result() public pure {
        int256[] memory out = new int256[](3);
        (out[0], out[1], out[2]) = (-1234, 0, type(int128).min);
        uint256[] memory p = StarknetCodec.encodeResult(
            StarknetResult({
                spokeRequestId: 42,
                node: 0xabc01,
                nodeAmount: (uint256(5) << 128) | 7,
                modelOwner: 0xabc02,
                modelOwnerAmount: 1000,
                protocolAmount: 0,
                output: out
            })
        );
        uint256[15] memory expected = [
            uint256(1),
            2,
            42,
            0xabc01,
            7,
            5,
            0xabc02,
            1000,
            0,
            0,
            0,
            3,
            0x800000000000011000000000000000000000000000000000000000000000001 - 1234,
            0,
            0x800000000000011000000000000000000000000000000000000000000000001 - (uint256(1) << 127)
        ];
        assertEq(p.length, expected.length);
        for (uint256 i; i < p.length; ++i) {
            assertEq(p[i], expected[i]);
        }
        uint256[] memory e = StarknetCodec.encodeExpired(42);
        assertEq(e.length, 3);
        assertEq(e[0], 1);
        assertEq(e[1], 3);
        assertEq(e[2], 42);
    }

    /// @dev The REQUEST vector contracts-cairo/tests/gateway_vectors.cairo encodes with `encode_request`.
    function test_vector_request() public view {
        uint256[13] memory w = [
            uint256(1),
            1,
            9,
            0x777,
            3,
            0,
            (uint256(1) << 128) - 1,
            1,
            1_800_000_000,
            3,
            479,
            0x800000000000011000000000000000000000000000000000000000000000001 - 479,
            uint256(uint128(type(int128).max))
        ];
        uint256[] memory p = new uint256[](13);
        for (uint256 i; i < 13; ++i) {
            p[i] = w[i];
        }
        StarknetRequest memory r = h.decodeRequest(p);
        assertEq(r.spokeRequestId, 9);
        assertEq(r.requester, 0x777);
        assertEq(r.modelId, 3);
        assertEq(r.fee, (uint256(1) << 129) - 1);
        assertEq(r.deadline, 1_800_000_000);
        assertEq(r.input.length, 3);
        assertEq(r.input[0], 479);
        assertEq(r.input[1], -479);
        assertEq(r.input[2], type(int128).max);
        assertEq(StarknetCodec.handlerCalldata(p).length, 14);
        assertEq(StarknetCodec.handlerCalldata(p)[0], 13);
    }
}
