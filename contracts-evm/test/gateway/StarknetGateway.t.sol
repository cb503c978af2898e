// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Vm} from "forge-std/Vm.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {StarknetGateway} from "../../src/gateway/StarknetGateway.sol";
import {DeliveryStatus, Fees, RequestStatus} from "../../src/interfaces/IInferenceMarket.sol";
import {Settlement} from "../../src/interfaces/IRemoteResultSink.sol";
import {IStarknetMessaging} from "../../src/interfaces/IStarknetMessaging.sol";
import {IOLayout} from "../../src/libraries/InstanceLayout.sol";
import {StarknetCodec, StarknetRequest} from "../../src/messaging/StarknetCodec.sol";
import {HubTestBase} from "../utils/HubTestBase.sol";
import {IMockStarknetMessaging, StarknetMessagingDeployer} from "../utils/StarknetMessagingDeployer.sol";

/// @notice Shared set-up: the real hub (HubDeployer), StarkWare's StarknetMessaging bytecode, the gateway
/// with REMOTE_GATEWAY_ROLE, and helpers that play the Cairo spoke and the sequencer.
abstract contract StarknetGatewayTestBase is HubTestBase {
    uint256 internal constant SPOKE = 0x04a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f;
    uint256 internal constant OTHER_SPOKE = 0x0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde;
    uint256 internal constant L2_REQUESTER = 0x0777;
    uint256 internal constant NODE_L2 = 0x0abc01;
    uint256 internal constant OWNER_L2 = 0x0abc02;
    uint32 internal constant ORIGIN = 0x534e; // "SN"
    uint256 internal constant MSG_FEE = 0.001 ether;
    uint32 internal constant SINK_GAS = 500_000;
    uint32 internal constant RESERVE_GAS = 300_000;

    IMockStarknetMessaging internal messaging;
    StarknetGateway internal gateway;
    uint64 internal nextSpokeId = 1;

    function setUp() public virtual override {
        super.setUp();
        messaging = IMockStarknetMessaging(StarknetMessagingDeployer.deploy(5 days));
        gateway = new StarknetGateway(
            admin, market, IStarknetMessaging(address(messaging)), ORIGIN, MSG_FEE, SINK_GAS, RESERVE_GAS
        );
        market.grantRole(market.REMOTE_GATEWAY_ROLE(), address(gateway));
        gateway.setSpoke(SPOKE, true);
        gateway.deposit{value: 1 ether}();
    }

    function _requestPayload(uint256 modelId, int256[] memory input, uint256 fee) internal returns (uint256[] memory) {
        return StarknetCodec.encodeRequest(
            StarknetRequest({
                spokeRequestId: nextSpokeId++,
                requester: L2_REQUESTER,
                modelId: modelId,
                fee: fee,
                deadline: uint64(block.timestamp + 1 days),
                input: input
            })
        );
    }

    /// @dev The spoke's send_message_to_l1_syscall, as the sequencer records it on L1.
    function _sendFromL2(uint256 spoke, uint256[] memory payload) internal {
        messaging.mockSendMessageFromL2(spoke, uint256(uint160(address(gateway))), payload);
    }

    /// @dev The L1 -> L2 message the gateway sent last (from its LogMessageToL2 event).
    function _lastL1ToL2(Vm.Log[] memory logs)
        internal
        view
        returns (uint256 to, uint256 selector, uint256[] memory calldata_, uint256 nonce, uint256 fee)
    {
        bytes32 topic = keccak256("LogMessageToL2(address,uint256,uint256,uint256[],uint256,uint256)");
        bool found;
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter == address(messaging) && logs[i].topics[0] == topic) {
                assertEq(address(uint160(uint256(logs[i].topics[1]))), address(gateway), "L1 sender");
                to = uint256(logs[i].topics[2]);
                selector = uint256(logs[i].topics[3]);
                (calldata_, nonce, fee) = abi.decode(logs[i].data, (uint256[], uint256, uint256));
                found = true;
            }
        }
        assertTrue(found, "an L1 -> L2 message was sent");
    }

    /// @dev Asserts the message is waiting on L1 for L2 and returns the `on_hub_message` payload.
    function _sentPayload(Vm.Log[] memory logs, uint256 spoke) internal view returns (uint256[] memory payload) {
        (uint256 to, uint256 selector, uint256[] memory c, uint256 nonce, uint256 fee) = _lastL1ToL2(logs);
        assertEq(to, spoke, "to the spoke");
        assertEq(selector, StarknetCodec.ON_HUB_MESSAGE_SELECTOR, "on_hub_message");
        assertEq(fee, MSG_FEE, "message fee");
        bytes32 h = messaging.l1ToL2MsgHash(address(gateway), spoke, selector, c, nonce);
        assertEq(messaging.l1ToL2Messages(h), fee + 1, "waiting for the sequencer");
        assertEq(c[0], c.length - 1, "span length prefix");
        payload = new uint256[](c.length - 1);
        for (uint256 i; i < payload.length; ++i) {
            payload[i] = c[i + 1];
        }
    }
}

/// @notice The gateway against the real market (mock proof verifier) and StarkWare's messaging contract.
contract StarknetGatewayTest is StarknetGatewayTestBase {
    uint256 internal modelId; // 4 inputs, 1 output
    int256[] internal input;
    int256[] internal output;
    uint256 internal constant L2_FEE = 5e17; // in the spoke's token

    function setUp() public override {
        super.setUp();
        modelId = _registerModel(_layout(1, 4, 1), _uniformBounds(4, -1000, 1000));
        _registerNode(nodeA, modelId, 1_000);
        _nextEpoch();
        input = _input(4, 3);
        input[0] = -479; // a negative value crosses as P - 479
        output = new int256[](1);
        output[0] = -1234;
        vm.prank(modelOwner);
        gateway.setStarknetPayee(OWNER_L2);
    }

    /// @dev nodeA's Starknet payee (left unset in setUp for the held-payee test).
    function _nodePayee() internal {
        vm.prank(nodeA);
        gateway.setStarknetPayee(NODE_L2);
    }

    function _consume(uint256[] memory payload) internal returns (bytes32 key, uint256 hubId) {
        _sendFromL2(SPOKE, payload);
        (key, hubId) = gateway.consumeRequest(SPOKE, payload);
    }

    function test_request_consumedEnqueuedFulfilled_resultToL2() public {
        _nodePayee();
        uint256[] memory payload = _requestPayload(modelId, input, L2_FEE);
        assertEq(payload[10], StarknetCodec.FELT_PRIME - 479, "i128 felt");
        bytes32 h = messaging.l2ToL1MsgHash(SPOKE, address(gateway), payload);
        _sendFromL2(SPOKE, payload);
        assertEq(messaging.l2ToL1Messages(h), 1);

        (bytes32 key, uint256 hubId) = gateway.consumeRequest(SPOKE, payload);
        assertEq(messaging.l2ToL1Messages(h), 0, "consumed");
        assertEq(key, gateway.ticketKey(SPOKE, 1));
        assertEq(gateway.keyOfHubRequest(hubId), key);
        assertEq(market.remoteRequestId(ORIGIN, bytes32(L2_REQUESTER), key), hubId, "origin key binds the spoke");
        assertTrue(market.request(hubId).remote);
        assertEq(market.request(hubId).requester, address(gateway));

        vm.recordLogs();
        _fulfil(hubId, modelId, input, output);
        uint256[] memory sent = _sentPayload(vm.getRecordedLogs(), SPOKE);

        Fees memory f = market.requestFees(hubId);
        assertEq(f.nodeFee + f.royalty + f.protocolFee, L2_FEE, "split of the L2 fee");
        assertEq(sent.length, 13);
        assertEq(sent[0], 1);
        assertEq(sent[1], 2, "RESULT");
        assertEq(sent[2], 1, "spoke request id");
        assertEq(sent[3], NODE_L2);
        assertEq(sent[4] | (sent[5] << 128), f.nodeFee);
        assertEq(sent[6], OWNER_L2);
        assertEq(sent[7] | (sent[8] << 128), f.royalty);
        assertEq(sent[9] | (sent[10] << 128), f.protocolFee);
        assertEq(sent[11], 1);
        assertEq(sent[12], StarknetCodec.FELT_PRIME - 1234, "output felt");
        assertEq(uint8(gateway.ticket(key).status), uint8(StarknetGateway.TicketStatus.Closed));
        assertEq(uint8(market.request(hubId).delivery), uint8(DeliveryStatus.Delivered));
        assertEq(gateway.depositBalance(), 1 ether - MSG_FEE);
        assertEq(address(messaging).balance, MSG_FEE);
    }

    function test_replay_secondConsumptionRefused() public {
        uint256[] memory payload = _requestPayload(modelId, input, L2_FEE);
        (bytes32 key,) = _consume(payload);
        // The gateway's own ticket check refuses it first...
        vm.expectRevert(abi.encodeWithSelector(StarknetGateway.DuplicateTicket.selector, key));
        gateway.consumeRequest(SPOKE, payload);
        // ...and StarknetMessaging refuses a second consumption by the gateway anyway.
        vm.prank(address(gateway));
        vm.expectRevert(bytes("INVALID_MESSAGE_TO_CONSUME"));
        IStarknetMessaging(address(messaging)).consumeMessageFromL2(SPOKE, payload);
    }

    function test_replay_duplicateTicketRefused_messageStaysOnL1() public {
        uint256[] memory payload = _requestPayload(modelId, input, L2_FEE);
        (bytes32 key,) = _consume(payload);
        _sendFromL2(SPOKE, payload); // the same payload twice (a spoke never does this)
        vm.expectRevert(abi.encodeWithSelector(StarknetGateway.DuplicateTicket.selector, key));
        gateway.consumeRequest(SPOKE, payload);
        assertEq(messaging.l2ToL1Messages(messaging.l2ToL1MsgHash(SPOKE, address(gateway), payload)), 1);
    }

    function test_unknownSpoke_refused() public {
        uint256[] memory payload = _requestPayload(modelId, input, L2_FEE);
        _sendFromL2(OTHER_SPOKE, payload);
        vm.expectRevert(abi.encodeWithSelector(StarknetGateway.UnknownSpoke.selector, OTHER_SPOKE));
        gateway.consumeRequest(OTHER_SPOKE, payload);
    }

    function test_attack_forgedL2Sender_refused() public {
        // An attacker's L2 contract sends a REQUEST; the relayer claims it came from the registered spoke.
        gateway.setSpoke(OTHER_SPOKE, true);
        uint256[] memory payload = _requestPayload(modelId, input, L2_FEE);
        _sendFromL2(0x0bad, payload);
        vm.expectRevert(bytes("INVALID_MESSAGE_TO_CONSUME"));
        gateway.consumeRequest(SPOKE, payload);
        // A message to another L1 contract cannot be consumed by the gateway either.
        messaging.mockSendMessageFromL2(SPOKE, uint256(uint160(address(0xBEEF))), payload);
        vm.expectRevert(bytes("INVALID_MESSAGE_TO_CONSUME"));
        gateway.consumeRequest(SPOKE, payload);
    }

    function test_attack_twoSpokesSameId_doNotCollide() public {
        _nodePayee();
        gateway.setSpoke(OTHER_SPOKE, true);
        uint256[] memory payload = _requestPayload(modelId, input, L2_FEE);
        (bytes32 k1, uint256 id1) = _consume(payload);
        _sendFromL2(OTHER_SPOKE, payload); // same spoke request id and requester
        (bytes32 k2, uint256 id2) = gateway.consumeRequest(OTHER_SPOKE, payload);
        assertTrue(k1 != k2 && id1 != id2);
        // The market's result for one spoke's request goes to that spoke only.
        vm.recordLogs();
        _fulfil(id2, modelId, input, output);
        _sentPayload(vm.getRecordedLogs(), OTHER_SPOKE);
        assertEq(uint8(gateway.ticket(k1).status), uint8(StarknetGateway.TicketStatus.Open));
    }

    function test_attack_onlyMarketCallsSink() public {
        (, uint256 hubId) = _consume(_requestPayload(modelId, input, L2_FEE));
        vm.expectRevert(abi.encodeWithSelector(StarknetGateway.OnlyMarket.selector, address(this)));
        gateway.onRemoteResult(hubId, modelId, output, Settlement(nodeA, 1, modelOwner, 1, 1));
        vm.expectRevert(abi.encodeWithSelector(StarknetGateway.OnlyMarket.selector, address(this)));
        gateway.onRemoteExpiry(hubId, 1);
    }

    function test_malformed_refusedBeforeConsuming() public {
        uint256[] memory payload = _requestPayload(modelId, input, L2_FEE);
        uint256[] memory short_ = new uint256[](payload.length - 1);
        for (uint256 i; i < short_.length; ++i) {
            short_[i] = payload[i];
        }
        _sendFromL2(SPOKE, short_);
        vm.expectRevert(
            abi.encodeWithSelector(StarknetCodec.PayloadLengthMismatch.selector, short_.length, payload.length)
        );
        gateway.consumeRequest(SPOKE, short_);
        payload[1] = 2;
        vm.expectRevert(abi.encodeWithSelector(StarknetCodec.UnexpectedKind.selector, 2));
        gateway.consumeRequest(SPOKE, payload);
    }

    function test_outOfBoundsInput_rejected_expiredToL2() public {
        int256[] memory bad = input;
        bad[1] = 5000; // bounds are [-1000, 1000]
        uint256[] memory payload = _requestPayload(modelId, bad, L2_FEE);
        _sendFromL2(SPOKE, payload);
        vm.recordLogs();
        (bytes32 key, uint256 hubId) = gateway.consumeRequest(SPOKE, payload);
        assertEq(hubId, 0, "not enqueued");
        uint256[] memory sent = _sentPayload(vm.getRecordedLogs(), SPOKE);
        assertEq(sent.length, 3);
        assertEq(sent[0], 1);
        assertEq(sent[1], 3, "EXPIRED");
        assertEq(sent[2], 1);
        assertEq(uint8(gateway.ticket(key).status), uint8(StarknetGateway.TicketStatus.Closed));
    }

    function test_feeAboveMarketBound_rejected() public {
        uint256[] memory payload = _requestPayload(modelId, input, uint256(type(uint80).max) + 1);
        _sendFromL2(SPOKE, payload);
        (, uint256 hubId) = gateway.consumeRequest(SPOKE, payload);
        assertEq(hubId, 0);
    }

    function test_expiry_expiredToL2() public {
        (bytes32 key, uint256 hubId) = _consume(_requestPayload(modelId, input, L2_FEE));
        // maxReassignments = 1 and one node: the first miss reassigns to nobody and refunds.
        vm.roll(block.number + WINDOW + 1);
        vm.recordLogs();
        market.expire(hubId);
        assertEq(uint8(market.request(hubId).status), uint8(RequestStatus.Refunded));
        uint256[] memory sent = _sentPayload(vm.getRecordedLogs(), SPOKE);
        assertEq(sent.length, 3);
        assertEq(sent[1], 3, "EXPIRED");
        assertEq(uint8(gateway.ticket(key).status), uint8(StarknetGateway.TicketStatus.Closed));
    }

    function test_depositExhausted_resultHeld_thenResent() public {
        _nodePayee();
        (bytes32 key, uint256 hubId) = _consume(_requestPayload(modelId, input, L2_FEE));
        gateway.withdrawDeposit(payable(treasury), 1 ether);
        vm.recordLogs();
        _fulfil(hubId, modelId, input, output);
        assertEq(uint8(market.request(hubId).status), uint8(RequestStatus.Fulfilled), "fulfilment goes through");
        assertEq(uint8(market.request(hubId).delivery), uint8(DeliveryStatus.Delivered));
        assertEq(uint8(gateway.ticket(key).status), uint8(StarknetGateway.TicketStatus.AwaitingReply));
        Settlement memory s = _settlementOf(hubId);
        vm.expectRevert(abi.encodeWithSelector(StarknetGateway.ReplyNotSendable.selector, key, true));
        gateway.resendReply(key, output, s);
        int256[] memory forged = new int256[](1);
        forged[0] = 7;
        vm.expectRevert(abi.encodeWithSelector(StarknetGateway.ReplyMismatch.selector, key));
        gateway.resendReply{value: MSG_FEE}(key, forged, s);
        vm.recordLogs();
        gateway.resendReply{value: MSG_FEE}(key, output, s);
        uint256[] memory sent = _sentPayload(vm.getRecordedLogs(), SPOKE);
        assertEq(sent[1], 2);
        assertEq(sent[12], StarknetCodec.FELT_PRIME - 1234);
        assertEq(uint8(gateway.ticket(key).status), uint8(StarknetGateway.TicketStatus.Closed));
        vm.expectRevert(
            abi.encodeWithSelector(StarknetGateway.NotAwaitingReply.selector, key, StarknetGateway.TicketStatus.Closed)
        );
        gateway.resendReply(key, output, s);
    }

    function test_depositExhausted_rejectionHeld_requestStillConsumed() public {
        gateway.withdrawDeposit(payable(treasury), 1 ether);
        int256[] memory bad = input;
        bad[0] = -5000;
        (bytes32 key, uint256 hubId) = _consume(_requestPayload(modelId, bad, L2_FEE));
        assertEq(hubId, 0);
        assertEq(uint8(gateway.ticket(key).status), uint8(StarknetGateway.TicketStatus.AwaitingReply));
        vm.recordLogs();
        gateway.resendReply{value: MSG_FEE}(key, new int256[](0), Settlement(address(0), 0, address(0), 0, 0));
        assertEq(_sentPayload(vm.getRecordedLogs(), SPOKE)[1], 3);
    }

    function test_payeeMissing_resultHeld_untilRegistered() public {
        (bytes32 key, uint256 hubId) = _consume(_requestPayload(modelId, input, L2_FEE));
        _fulfil(hubId, modelId, input, output);
        assertEq(uint8(market.request(hubId).status), uint8(RequestStatus.Fulfilled));
        assertEq(uint8(gateway.ticket(key).status), uint8(StarknetGateway.TicketStatus.AwaitingReply));
        Settlement memory s = _settlementOf(hubId);
        vm.expectRevert(abi.encodeWithSelector(StarknetGateway.ReplyNotSendable.selector, key, false));
        gateway.resendReply(key, output, s);
        vm.prank(nodeA);
        gateway.setStarknetPayee(0x0b0b);
        vm.recordLogs();
        gateway.resendReply(key, output, s);
        uint256[] memory sent = _sentPayload(vm.getRecordedLogs(), SPOKE);
        assertEq(sent[3], 0x0b0b);
        assertEq(sent[6], OWNER_L2);
    }

    function test_governance_onlyOwner_andBounds() public {
        vm.startPrank(requester);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, requester));
        gateway.setSpoke(OTHER_SPOKE, true);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, requester));
        gateway.withdrawDeposit(payable(requester), 1);
        vm.expectRevert(abi.encodeWithSelector(Ownable.OwnableUnauthorizedAccount.selector, requester));
        gateway.setParams(MSG_FEE, SINK_GAS, RESERVE_GAS);
        vm.stopPrank();
        vm.expectRevert(abi.encodeWithSelector(StarknetGateway.ParameterOutOfBounds.selector, "l1MessageFee", 2 ether));
        gateway.setParams(2 ether, SINK_GAS, RESERVE_GAS);
        vm.expectRevert(abi.encodeWithSelector(StarknetGateway.InvalidPayee.selector, 1 << 251));
        gateway.setStarknetPayee(1 << 251);
        gateway.setSpoke(SPOKE, false);
        uint256[] memory payload = _requestPayload(modelId, input, L2_FEE);
        _sendFromL2(SPOKE, payload);
        vm.expectRevert(abi.encodeWithSelector(StarknetGateway.UnknownSpoke.selector, SPOKE));
        gateway.consumeRequest(SPOKE, payload);
    }

    function test_consume_tooLittleGas_revertsAndMessageStays() public {
        uint256[] memory payload = _requestPayload(modelId, input, L2_FEE);
        _sendFromL2(SPOKE, payload);
        (bool ok,) =
            address(gateway).call{gas: 320_000}(abi.encodeCall(StarknetGateway.consumeRequest, (SPOKE, payload)));
        assertFalse(ok);
        assertEq(messaging.l2ToL1Messages(messaging.l2ToL1MsgHash(SPOKE, address(gateway), payload)), 1);
        gateway.consumeRequest(SPOKE, payload);
    }

    function testFuzz_result_outputAsCairoDecodesIt(int128 value, uint72 fee) public {
        _nodePayee();
        vm.assume(fee > 0); // uint72: below the market's 2^80 bound on a remote fee
        (bytes32 key, uint256 hubId) = _consume(_requestPayload(modelId, input, fee));
        int256[] memory out = new int256[](1);
        out[0] = value;
        vm.recordLogs();
        _fulfil(hubId, modelId, input, out);
        uint256[] memory sent = _sentPayload(vm.getRecordedLogs(), SPOKE);
        (bool ok, int256 back) = StarknetCodec.tryFromFelt(sent[12]);
        assertTrue(ok);
        assertEq(back, value);
        uint256 paid = (sent[4] | (sent[5] << 128)) + (sent[7] | (sent[8] << 128)) + (sent[9] | (sent[10] << 128));
        assertEq(paid, fee, "the three amounts add up to the L2 fee");
        assertEq(uint8(gateway.ticket(key).status), uint8(StarknetGateway.TicketStatus.Closed));
    }

    function test_outputOutsideI128_answeredExpired() public {
        (bytes32 key, uint256 hubId) = _consume(_requestPayload(modelId, input, L2_FEE));
        int256[] memory out = new int256[](1);
        out[0] = int256(1) << 130;
        vm.recordLogs();
        _fulfil(hubId, modelId, input, out);
        assertEq(uint8(market.request(hubId).status), uint8(RequestStatus.Fulfilled));
        uint256[] memory sent = _sentPayload(vm.getRecordedLogs(), SPOKE);
        assertEq(sent.length, 3);
        assertEq(sent[1], StarknetCodec.KIND_EXPIRED);
        assertEq(uint8(gateway.ticket(key).status), uint8(StarknetGateway.TicketStatus.Closed));
    }

    function _settlementOf(uint256 hubId) internal view returns (Settlement memory) {
        Fees memory f = market.requestFees(hubId);
        (address owner,,,) = registry.fulfilmentTerms(modelId);
        return Settlement(market.request(hubId).node, f.nodeFee, owner, f.royalty, f.protocolFee);
    }
}
