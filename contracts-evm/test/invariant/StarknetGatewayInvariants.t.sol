// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {StarknetGateway} from "../../src/gateway/StarknetGateway.sol";
import {RequestStatus} from "../../src/interfaces/IInferenceMarket.sol";
import {Settlement} from "../../src/interfaces/IRemoteResultSink.sol";
import {InferenceMarket} from "../../src/hub/InferenceMarket.sol";
import {ModelRegistry} from "../../src/hub/ModelRegistry.sol";
import {IOLayout} from "../../src/libraries/InstanceLayout.sol";
import {FieldEncoding} from "../../src/libraries/FieldEncoding.sol";
import {StarknetCodec, StarknetRequest} from "../../src/messaging/StarknetCodec.sol";
import {StarknetGatewayTestBase} from "../gateway/StarknetGateway.t.sol";
import {IMockStarknetMessaging} from "../utils/StarknetMessagingDeployer.sol";

/// @notice Drives the gateway with random Cairo requests (in and out of bounds), fulfilments, expiries,
/// deposit changes and resends, and keeps what the invariants compare. It owns the gateway (to drain the deposit).
contract StarknetGatewayHandler is Test {
    StarknetGateway internal gateway;
    InferenceMarket internal market;
    ModelRegistry internal registry;
    IMockStarknetMessaging internal messaging;
    uint256 internal spoke;
    uint256 internal modelId;

    uint64 public nextSpokeId = 1;
    bytes32[] public keys;
    uint256[] public hubIds;
    mapping(uint256 hubId => int256[] input) internal _inputs;
    mapping(bytes32 key => int256[] output) internal _heldOutput;
    mapping(bytes32 key => Settlement) internal _heldSettlement;
    uint256 public deposited;
    uint256 public withdrawn;

    constructor(
        StarknetGateway gateway_,
        InferenceMarket market_,
        ModelRegistry registry_,
        IMockStarknetMessaging messaging_,
        uint256 spoke_,
        uint256 modelId_,
        uint256 initialDeposit
    ) {
        (gateway, market, registry, messaging, spoke, modelId) =
        (gateway_, market_, registry_, messaging_, spoke_, modelId_);
        deposited = initialDeposit;
    }

    function keyCount() external view returns (uint256) {
        return keys.length;
    }

    function request(int256 a, int256 b, uint64 fee, bool outOfBounds) external {
        int256[] memory input = new int256[](4);
        input[0] = bound(a, -1000, 1000);
        input[1] = outOfBounds ? int256(5000) : bound(b, -1000, 1000);
        (input[2], input[3]) = (1, -1);
        uint256[] memory p = StarknetCodec.encodeRequest(
            StarknetRequest(nextSpokeId++, 0x777, modelId, uint256(fee) + 1, uint64(block.timestamp + 1 days), input)
        );
        messaging.mockSendMessageFromL2(spoke, uint256(uint160(address(gateway))), p);
        (bytes32 key, uint256 hubId) = gateway.consumeRequest(spoke, p);
        keys.push(key);
        if (hubId != 0) {
            hubIds.push(hubId);
            _inputs[hubId] = input;
        }
    }

    function fulfil(uint256 i, int128 out) external {
        if (hubIds.length == 0) return;
        uint256 hubId = hubIds[i % hubIds.length];
        if (market.request(hubId).status != RequestStatus.Pending) return;
        if (block.number > market.request(hubId).deadline) return;
        (,, bytes32 vkey, IOLayout memory l) = registry.fulfilmentTerms(modelId);
        uint256[] memory inst = new uint256[](l.instanceCount);
        int256[] memory input = _inputs[hubId];
        for (uint256 j; j < 4; ++j) {
            inst[j] = FieldEncoding.toFelt(input[j]);
        }
        inst[4] = FieldEncoding.toFelt(out);
        vm.prank(market.request(hubId).node);
        market.fulfil(hubId, abi.encode(vkey, inst), inst);
        bytes32 key = gateway.keyOfHubRequest(hubId);
        if (gateway.ticket(key).status == StarknetGateway.TicketStatus.AwaitingReply) {
            int256[] memory o = new int256[](1);
            o[0] = out;
            _heldOutput[key] = o;
            (address modelOwner,,,) = registry.fulfilmentTerms(modelId);
            (uint256 nodeFee, uint256 royalty, uint256 protocolFee) = _fees(hubId);
            _heldSettlement[key] = Settlement(market.request(hubId).node, nodeFee, modelOwner, royalty, protocolFee);
        }
    }

    function _fees(uint256 hubId) internal view returns (uint256, uint256, uint256) {
        (uint256 n, uint256 r, uint256 p) = (
            market.requestFees(hubId).nodeFee, market.requestFees(hubId).royalty, market.requestFees(hubId).protocolFee
        );
        return (n, r, p);
    }

    function expire(uint256 i) external {
        if (hubIds.length == 0) return;
        uint256 hubId = hubIds[i % hubIds.length];
        if (market.request(hubId).status != RequestStatus.Pending) return;
        vm.roll(market.effectiveDeadline(hubId) + 1);
        market.expire(hubId);
    }

    function drain() external {
        uint256 bal = address(gateway).balance;
        gateway.withdrawDeposit(payable(address(0xD0)), bal);
        withdrawn += bal;
    }

    function topUpAndResend(uint256 i) external {
        vm.deal(address(this), 0.01 ether);
        gateway.deposit{value: 0.01 ether}();
        deposited += 0.01 ether;
        if (keys.length == 0) return;
        bytes32 key = keys[i % keys.length];
        if (gateway.ticket(key).status != StarknetGateway.TicketStatus.AwaitingReply) return;
        gateway.resendReply(key, _heldOutput[key], _heldSettlement[key]);
    }
}

/// @notice Money is conserved (deposit in = gateway balance + fees paid to StarknetMessaging + withdrawals),
/// every ticket's reply went to L2 exactly once or is held, and no request is left without a way forward.
contract StarknetGatewayInvariants is StarknetGatewayTestBase {
    StarknetGatewayHandler internal handler;
    uint256 internal modelId;

    function setUp() public override {
        super.setUp();
        modelId = _registerModel(_layout(1, 4, 1), _uniformBounds(4, -1000, 1000));
        _registerNode(nodeA, modelId, 100_000);
        _nextEpoch();
        vm.prank(nodeA);
        gateway.setStarknetPayee(NODE_L2);
        vm.prank(modelOwner);
        gateway.setStarknetPayee(OWNER_L2);
        handler = new StarknetGatewayHandler(gateway, market, registry, messaging, SPOKE, modelId, 1 ether);
        gateway.transferOwnership(address(handler));
        vm.prank(address(handler));
        gateway.acceptOwnership();
        targetContract(address(handler));
    }

    function invariant_moneyConserved() public view {
        assertEq(
            address(gateway).balance + address(messaging).balance + handler.withdrawn(),
            handler.deposited(),
            "deposit = balance + L1 message fees + withdrawals"
        );
    }

    function invariant_eachReplySentOnceOrHeld() public view {
        uint256 closed;
        for (uint256 i; i < handler.keyCount(); ++i) {
            StarknetGateway.TicketStatus st = gateway.ticket(handler.keys(i)).status;
            assertTrue(st != StarknetGateway.TicketStatus.None, "every consumed request has a ticket");
            if (st == StarknetGateway.TicketStatus.Closed) ++closed;
        }
        assertEq(messaging.l1ToL2MessageNonce(), closed, "one L1 -> L2 message per closed ticket");
        assertEq(address(messaging).balance, closed * MSG_FEE, "one fee per message");
    }
}
