// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {Settlement} from "../../src/interfaces/IRemoteResultSink.sol";
import {InputBound} from "../../src/libraries/InputBounds.sol";
import {InputMode} from "../../src/libraries/InstanceLayout.sol";
import {
    ExpiryMessage,
    ModelInfo,
    ModelMessage,
    RejectionMessage,
    RequestMessage,
    ResultMessage,
    ZkVinCodec
} from "../../src/messaging/ZkVinCodec.sol";

/// @notice Calls the codec's calldata decoders from outside, as the OApps do.
contract CodecHarness {
    function messageType(bytes calldata m) external pure returns (uint8) {
        return ZkVinCodec.messageType(m);
    }

    function decodeRequest(bytes calldata m) external pure returns (RequestMessage memory) {
        return ZkVinCodec.decodeRequest(m);
    }

    function decodeResult(bytes calldata m) external pure returns (ResultMessage memory) {
        return ZkVinCodec.decodeResult(m);
    }

    function decodeExpiry(bytes calldata m) external pure returns (ExpiryMessage memory) {
        return ZkVinCodec.decodeExpiry(m);
    }

    function decodeRejection(bytes calldata m) external pure returns (RejectionMessage memory) {
        return ZkVinCodec.decodeRejection(m);
    }

    function decodeModel(bytes calldata m) external pure returns (ModelMessage memory) {
        return ZkVinCodec.decodeModel(m);
    }
}

contract ZkVinCodecTest is Test {
    CodecHarness internal h;

    function setUp() public {
        h = new CodecHarness();
    }

    // ---------------------------------------------------------------- round trips

    function testFuzz_request_roundTrips(RequestMessage memory m) public view {
        bytes memory wire = ZkVinCodec.encodeRequest(m);
        assertEq(uint8(wire[0]), ZkVinCodec.VERSION);
        assertEq(h.messageType(wire), ZkVinCodec.REQUEST);
        RequestMessage memory d = h.decodeRequest(wire);
        assertEq(keccak256(abi.encode(d)), keccak256(abi.encode(m)));
        assertEq(d.input, m.input);
        assertEq(d.returnGasLimit, m.returnGasLimit);
    }

    function testFuzz_result_roundTrips(ResultMessage memory m) public view {
        bytes memory wire = ZkVinCodec.encodeResult(m);
        assertEq(h.messageType(wire), ZkVinCodec.RESULT);
        ResultMessage memory d = h.decodeResult(wire);
        assertEq(keccak256(abi.encode(d)), keccak256(abi.encode(m)));
        assertEq(d.output, m.output);
        assertEq(d.settlement.node, m.settlement.node);
    }

    function testFuzz_expiry_roundTrips(ExpiryMessage memory m) public view {
        bytes memory wire = ZkVinCodec.encodeExpiry(m);
        assertEq(h.messageType(wire), ZkVinCodec.EXPIRED);
        assertEq(keccak256(abi.encode(h.decodeExpiry(wire))), keccak256(abi.encode(m)));
    }

    function testFuzz_rejection_roundTripsAndCutsLongReasons(uint256 id, bytes memory reason) public view {
        bytes memory original = bytes.concat(reason); // the encoder shortens its argument in place
        RejectionMessage memory d = h.decodeRejection(
            ZkVinCodec.encodeRejection(RejectionMessage({spoke: bytes32(id), spokeRequestId: id, reason: reason}))
        );
        assertEq(d.spokeRequestId, id);
        assertEq(d.spoke, bytes32(id));
        uint256 kept = original.length > ZkVinCodec.MAX_REASON_BYTES ? ZkVinCodec.MAX_REASON_BYTES : original.length;
        assertEq(d.reason.length, kept);
        for (uint256 i; i < kept; ++i) {
            assertEq(d.reason[i], original[i]);
        }
    }

    function testFuzz_model_roundTrips(
        uint256 modelId,
        uint128 price,
        uint64 nonce,
        uint64 shape,
        uint8 flags,
        InputBound[] memory bounds
    ) public view {
        ModelInfo memory info = ModelInfo({
            hubPrice: price,
            syncNonce: nonce,
            // truncating is intended: the fuzzed word is cut into the packed fields
            // forge-lint: disable-next-line(unsafe-typecast)
            inputCount: uint16(shape),
            // truncating is intended: the fuzzed word is cut into the packed fields
            // forge-lint: disable-next-line(unsafe-typecast)
            outputCount: uint16(shape >> 16),
            // truncating is intended: the fuzzed word is cut into the packed fields
            // forge-lint: disable-next-line(unsafe-typecast)
            inputScale: uint8(shape >> 32),
            // truncating is intended: the fuzzed word is cut into the packed fields
            // forge-lint: disable-next-line(unsafe-typecast)
            outputScale: uint8(shape >> 40),
            inputMode: flags & 1 == 1 ? InputMode.Hashed : InputMode.Public,
            deprecated: flags & 2 == 2
        });
        _checkModelRoundTrip(modelId, info, bounds);
    }

    function _checkModelRoundTrip(uint256 modelId, ModelInfo memory info, InputBound[] memory bounds) internal view {
        ModelMessage memory d =
            h.decodeModel(ZkVinCodec.encodeModel(ModelMessage({modelId: modelId, info: info, inputBounds: bounds})));
        assertEq(d.modelId, modelId);
        assertEq(keccak256(abi.encode(d.info)), keccak256(abi.encode(info)));
        assertEq(keccak256(abi.encode(d.inputBounds)), keccak256(abi.encode(bounds)));
    }

    function test_model_wireFormat_carriesOneBoundPerFeature() public view {
        ModelInfo memory info;
        info.inputCount = 2;
        info.syncNonce = 1;
        InputBound[] memory bounds = new InputBound[](2);
        bounds[0] = InputBound({min: -1577, max: 1338});
        bounds[1] = InputBound({min: 29_082, max: 76_595});
        ModelMessage memory m = ModelMessage({modelId: 4, info: info, inputBounds: bounds});
        bytes memory wire = ZkVinCodec.encodeModel(m);
        assertEq(wire, abi.encodePacked(uint8(3), uint8(5), abi.encode(m)));
        // The message's offset, modelId, ModelInfo (8 words, static), the bounds' offset; then their length and
        // min, max per feature.
        assertEq(wire.length, 2 + 32 * (1 + 1 + 8 + 1 + 1 + 2 * 2));
        assertEq(abi.encode(h.decodeModel(wire).inputBounds), abi.encode(bounds));
    }

    function test_refuses_version1Messages() public {
        // Version 1's MODEL had one [inputMin, inputMax] inside ModelInfo; a peer still speaking it is refused.
        vm.expectRevert(abi.encodeWithSelector(ZkVinCodec.UnsupportedVersion.selector, 1));
        h.decodeModel(abi.encodePacked(uint8(1), uint8(5), abi.encode(uint256(4), new bytes(320))));
    }

    function test_request_wireFormat_isVersionTypeThenAbiEncoding() public pure {
        int256[] memory input = new int256[](2);
        (input[0], input[1]) = (-5, 7);
        RequestMessage memory m = RequestMessage({
            spokeRequestId: 3,
            modelId: 9,
            requester: bytes32(uint256(0xabc)),
            slashBeneficiary: address(0xabc),
            input: input,
            inputCommitment: 0,
            feePaid: 1 ether,
            hubPrice: 2 ether,
            returnGasLimit: 300_000
        });
        assertEq(ZkVinCodec.encodeRequest(m), abi.encodePacked(uint8(3), uint8(1), abi.encode(m)));
    }

    // ---------------------------------------------------------------- refusals

    function test_refuses_tooShort() public {
        vm.expectRevert(abi.encodeWithSelector(ZkVinCodec.MessageTooShort.selector, 0));
        h.messageType("");
        vm.expectRevert(abi.encodeWithSelector(ZkVinCodec.MessageTooShort.selector, 1));
        h.messageType(hex"01");
    }

    function testFuzz_refuses_otherVersions(uint8 version, uint8 t) public {
        vm.assume(version != ZkVinCodec.VERSION);
        vm.expectRevert(abi.encodeWithSelector(ZkVinCodec.UnsupportedVersion.selector, version));
        h.messageType(abi.encodePacked(version, t));
    }

    function testFuzz_refuses_unknownTypes(uint8 t) public {
        vm.assume(t == 0 || t > ZkVinCodec.MODEL);
        vm.expectRevert(abi.encodeWithSelector(ZkVinCodec.UnknownMessageType.selector, t));
        h.messageType(abi.encodePacked(ZkVinCodec.VERSION, t));
    }

    function test_refuses_aMessageOfAnotherType() public {
        bytes memory expiry = ZkVinCodec.encodeExpiry(
            ExpiryMessage({spoke: bytes32(uint256(9)), spokeRequestId: 1, hubRequestId: 2, refundAmount: 3})
        );
        vm.expectRevert(
            abi.encodeWithSelector(ZkVinCodec.UnexpectedMessageType.selector, ZkVinCodec.RESULT, ZkVinCodec.EXPIRED)
        );
        h.decodeResult(expiry);
        vm.expectRevert(
            abi.encodeWithSelector(ZkVinCodec.UnexpectedMessageType.selector, ZkVinCodec.REQUEST, ZkVinCodec.EXPIRED)
        );
        h.decodeRequest(expiry);
    }

    function test_refuses_aTruncatedPayload() public {
        bytes memory wire = ZkVinCodec.encodeResult(
            ResultMessage({
                spoke: bytes32(uint256(9)),
                spokeRequestId: 1,
                hubRequestId: 2,
                output: new int256[](3),
                settlement: Settlement(address(1), 1, address(2), 2, 3)
            })
        );
        bytes memory cut = new bytes(wire.length - 32);
        for (uint256 i; i < cut.length; ++i) {
            cut[i] = wire[i];
        }
        vm.expectRevert();
        h.decodeResult(cut);
    }
}
