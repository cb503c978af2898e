// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Vm} from "forge-std/Vm.sol";
import {StarknetGateway} from "../../src/gateway/StarknetGateway.sol";
import {DeliveryStatus, Fees, RequestStatus} from "../../src/interfaces/IInferenceMarket.sol";
import {ModelSpec} from "../../src/interfaces/IModelRegistry.sol";
import {StarknetCodec} from "../../src/messaging/StarknetCodec.sol";
import {EzklVkaVerifierAdapter} from "../../src/verifiers/EzklVkaVerifierAdapter.sol";
import {IHalo2VerifierReusable} from "../../src/verifiers/ezkl/IHalo2Verifiers.sol";
import {EzklFixture, EzklFixtures} from "../utils/EzklFixtures.sol";
import {StarknetGatewayTestBase} from "../gateway/StarknetGateway.t.sol";

/// @notice A Cairo spoke's REQUEST through StarkWare's StarknetMessaging, the real hub and a real EZKL proof
/// (prover/fixtures linear_regression), back to L2 as a RESULT carrying the proven output and the settlement;
/// then the sequencer's consumption of that L1 -> L2 message.
contract StarknetRealProofTest is StarknetGatewayTestBase {
    EzklVkaVerifierAdapter internal ezkl;
    EzklFixture internal b1;
    uint256 internal modelId;
    uint256 internal constant L2_FEE = 3e15;

    function setUp() public override {
        super.setUp();
        IHalo2VerifierReusable reusable =
            IHalo2VerifierReusable(deployCode("Halo2VerifierReusable.sol:Halo2VerifierReusable"));
        ezkl = new EzklVkaVerifierAdapter(reusable, EzklFixtures.canonicalSrs());
        registry.setVerifierApproval(ezkl, true);
        b1 = EzklFixtures.load("linear_regression");
        bytes32 key = ezkl.registerVka(b1.vka);
        ModelSpec memory spec;
        spec.verifier = ezkl;
        spec.verifierKey = key;
        spec.settingsHash = b1.settingsHash;
        spec.layout = b1.layout;
        spec.inputBounds = EzklFixtures.inputBounds(b1);
        spec.computeUnits = b1.computeUnits;
        spec.royalty = ROYALTY;
        spec.artifactURI = string.concat("zkvin-artifact:sha256:", b1.artifactId);
        spec.metadataURI = b1.name;
        vm.deal(modelOwner, REGISTRATION_FEE);
        vm.prank(modelOwner);
        modelId = registry.registerModel{value: REGISTRATION_FEE}(spec);
        _registerNode(nodeA, modelId, 1_000);
        _nextEpoch();
        vm.prank(nodeA);
        gateway.setStarknetPayee(NODE_L2);
        vm.prank(modelOwner);
        gateway.setStarknetPayee(OWNER_L2);
    }

    function test_cairoRequest_realProof_resultToL2_andSequencerConsumes() public {
        uint256[] memory request = _requestPayload(modelId, b1.inputs[0], L2_FEE);
        _sendFromL2(SPOKE, request);
        (bytes32 key, uint256 hubId) = gateway.consumeRequest(SPOKE, request);
        assertEq(market.request(hubId).node, nodeA);
        assertEq(uint256(market.request(hubId).modelId), modelId);

        vm.recordLogs();
        vm.prank(nodeA);
        market.fulfil(hubId, b1.proof, b1.instances);
        Vm.Log[] memory logs = vm.getRecordedLogs();
        uint256[] memory sent = _sentPayload(logs, SPOKE);

        assertEq(uint8(market.request(hubId).status), uint8(RequestStatus.Fulfilled));
        assertEq(uint8(market.request(hubId).delivery), uint8(DeliveryStatus.Delivered));
        Fees memory f = market.requestFees(hubId);
        assertEq(f.nodeFee + f.royalty + f.protocolFee, L2_FEE, "the L2 fee, split in the hub's proportions");
        assertGt(f.nodeFee, 0);
        assertGt(f.royalty, 0);
        // Remote fees settle on the spoke: nothing is credited on the hub.
        assertEq(market.claimable(nodeA), 0);
        assertEq(market.totalEscrowed(), 0);

        int256[] memory proven = b1.outputs[0];
        assertEq(sent.length, StarknetCodec.RESULT_HEADER + proven.length);
        assertEq(sent[1], StarknetCodec.KIND_RESULT);
        assertEq(sent[2], 1, "spoke request id");
        assertEq(sent[3], NODE_L2);
        assertEq(sent[4] | (sent[5] << 128), f.nodeFee);
        assertEq(sent[6], OWNER_L2);
        assertEq(sent[7] | (sent[8] << 128), f.royalty);
        assertEq(sent[9] | (sent[10] << 128), f.protocolFee);
        assertEq(sent[11], proven.length);
        for (uint256 i; i < proven.length; ++i) {
            (bool ok, int256 v) = StarknetCodec.tryFromFelt(sent[StarknetCodec.RESULT_HEADER + i]);
            assertTrue(ok);
            assertEq(v, proven[i], "the proven output, as the Cairo spoke decodes it");
        }
        assertEq(uint8(gateway.ticket(key).status), uint8(StarknetGateway.TicketStatus.Closed));

        // The sequencer executes on_hub_message on L2 and consumes the message on L1.
        (,, uint256[] memory c, uint256 nonce,) = _lastL1ToL2(logs);
        bytes32 h = messaging.l1ToL2MsgHash(address(gateway), SPOKE, StarknetCodec.ON_HUB_MESSAGE_SELECTOR, c, nonce);
        assertEq(messaging.l1ToL2Messages(h), MSG_FEE + 1);
        messaging.mockConsumeMessageToL2(
            uint256(uint160(address(gateway))), SPOKE, StarknetCodec.ON_HUB_MESSAGE_SELECTOR, c, nonce
        );
        assertEq(messaging.l1ToL2Messages(h), 0);
    }

    function test_cairoRequest_wrongProof_refused_thenExpiry_refunds() public {
        uint256[] memory request = _requestPayload(modelId, b1.inputs[0], L2_FEE);
        _sendFromL2(SPOKE, request);
        (bytes32 key, uint256 hubId) = gateway.consumeRequest(SPOKE, request);
        uint256[] memory forged = b1.instances;
        forged[forged.length - 1] = StarknetCodec.toFelt(b1.outputs[0][0] + 1);
        vm.prank(nodeA);
        vm.expectRevert();
        market.fulfil(hubId, b1.proof, forged);
        vm.roll(block.number + WINDOW + 1);
        vm.recordLogs();
        market.expire(hubId);
        uint256[] memory sent = _sentPayload(vm.getRecordedLogs(), SPOKE);
        assertEq(sent.length, 3);
        assertEq(sent[1], StarknetCodec.KIND_EXPIRED);
        assertEq(uint8(gateway.ticket(key).status), uint8(StarknetGateway.TicketStatus.Closed));
    }
}
