// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Vm} from "forge-std/Vm.sol";
import {OptionsBuilder} from "@layerzerolabs/oapp-evm/contracts/oapp/libs/OptionsBuilder.sol";
import {
    ILayerZeroEndpointV2,
    Origin
} from "@layerzerolabs/lz-evm-protocol-v2/contracts/interfaces/ILayerZeroEndpointV2.sol";
import {Errors} from "@layerzerolabs/lz-evm-protocol-v2/contracts/libs/Errors.sol";
import {CrossChainDefaults} from "../../script/crosschain/CrossChainDefaults.sol";
import {LayerZeroStack, LocalLayerZero} from "../../script/layerzero/LocalLayerZero.sol";
import {RegressionOracleConsumer} from "../../src/consumer/examples/RegressionOracleConsumer.sol";
import {ZkVinHubGateway} from "../../src/gateway/ZkVinHubGateway.sol";
import {IInferenceMarket, RequestStatus} from "../../src/interfaces/IInferenceMarket.sol";
import {GatewayParams} from "../../src/gateway/IZkVinHubGateway.sol";
import {IModelRegistry, ModelSpec} from "../../src/interfaces/IModelRegistry.sol";
import {InputBound} from "../../src/libraries/InputBounds.sol";
import {Pricing} from "../../src/libraries/Pricing.sol";
import {IInferenceOracle} from "../../src/spoke/IInferenceOracle.sol";
import {FeeQuote, SpokeRequestStatus} from "../../src/spoke/IZkVinSpoke.sol";
import {ZkVinSpoke} from "../../src/spoke/ZkVinSpoke.sol";
import {EzklVkaVerifierAdapter} from "../../src/verifiers/EzklVkaVerifierAdapter.sol";
import {IHalo2VerifierReusable} from "../../src/verifiers/ezkl/IHalo2Verifiers.sol";
import {LayerZeroRelay, SentPacket} from "../layerzero/LayerZeroRelay.sol";
import {PingPong} from "../layerzero/PingPong.sol";
import {EzklFixture, EzklFixtures} from "../utils/EzklFixtures.sol";
import {HubTestBase} from "../utils/HubTestBase.sol";

interface IEndpointPayloads {
    function inboundPayloadHash(address receiver, uint32 srcEid, bytes32 sender, uint64 nonce)
        external
        view
        returns (bytes32);
}

/// @notice The spoke -> hub -> spoke round trip over LayerZero V2's real contracts (EndpointV2, ULN302, DVN,
/// Executor deployed from the npm artifacts by LocalLayerZero), carried the way the relayer carries them:
/// DVN attestation signed by the operator, commitVerification, Executor.execute302 with the gas and value
/// each packet's options ask for. The gateway and spokes run with the deploy scripts' default parameters
/// (CrossChainDefaults), so these tests also check that those defaults suffice; the gas each leg used is
/// logged (`forge test -vv`).
contract LocalLayerZeroRoundTripTest is HubTestBase {
    using OptionsBuilder for bytes;

    uint32 internal constant HUB_EID = 50_001;
    uint32 internal constant SPOKE_EID = 50_002;
    uint32 internal constant CALLBACK_GAS = 150_000;
    bytes32 internal constant KEY = keccak256("diabetes-progression:patient-7");

    address internal operator;
    uint256 internal operatorKey;
    LayerZeroStack internal hubLz;
    LayerZeroStack internal spokeLz;
    ZkVinHubGateway internal gateway;
    ZkVinSpoke internal spoke;
    EzklFixture internal lr;
    uint256 internal lrModel;
    RegressionOracleConsumer internal consumer;
    address internal spokeTreasury = makeAddr("spokeTreasury");
    address internal payer = makeAddr("payer");
    SentPacket internal lastRequest;

    function setUp() public override {
        super.setUp();
        (operator, operatorKey) = makeAddrAndKey("operator");
        hubLz = LocalLayerZero.deploy(HUB_EID, address(this), operator);
        spokeLz = LocalLayerZero.deploy(SPOKE_EID, address(this), operator);
        LocalLayerZero.connect(hubLz, SPOKE_EID, LocalLayerZero.defaultPathway());
        LocalLayerZero.connect(spokeLz, HUB_EID, LocalLayerZero.defaultPathway());

        IHalo2VerifierReusable reusable =
            IHalo2VerifierReusable(deployCode("Halo2VerifierReusable.sol:Halo2VerifierReusable"));
        EzklVkaVerifierAdapter ezkl = new EzklVkaVerifierAdapter(reusable, EzklFixtures.canonicalSrs());
        registry.setVerifierApproval(ezkl, true);
        lr = EzklFixtures.load("linear_regression");
        ModelSpec memory spec;
        spec.verifier = ezkl;
        spec.verifierKey = ezkl.registerVka(lr.vka);
        spec.settingsHash = lr.settingsHash;
        spec.layout = lr.layout;
        spec.inputBounds = EzklFixtures.inputBounds(lr);
        spec.computeUnits = lr.computeUnits;
        spec.royalty = ROYALTY;
        spec.artifactURI = string.concat("zkvin-artifact:sha256:", lr.artifactId);
        spec.metadataURI = lr.name;
        vm.deal(modelOwner, REGISTRATION_FEE);
        vm.prank(modelOwner);
        lrModel = registry.registerModel{value: REGISTRATION_FEE}(spec);
        _registerNode(nodeA, lrModel, 1_000);
        _nextEpoch();

        gateway = new ZkVinHubGateway(
            hubLz.endpoint,
            address(this),
            IInferenceMarket(address(market)),
            IModelRegistry(address(registry)),
            treasury,
            CrossChainDefaults.gatewayParams()
        );
        market.grantRole(market.REMOTE_GATEWAY_ROLE(), address(gateway));
        spoke = new ZkVinSpoke(
            spokeLz.endpoint,
            address(this),
            HUB_EID,
            spokeTreasury,
            CrossChainDefaults.spokeParams(),
            CrossChainDefaults.reclaimDelay()
        );
        gateway.setPeer(SPOKE_EID, bytes32(uint256(uint160(address(spoke)))));
        spoke.setPeer(HUB_EID, bytes32(uint256(uint160(address(gateway)))));
        consumer = new RegressionOracleConsumer(
            IInferenceOracle(address(spoke)), false, lrModel, lr.layout.outputScale, CALLBACK_GAS
        );
        vm.deal(address(this), 100 ether);

        _sync(lrModel, "MODEL lzReceive on the spoke (first sync, 4 features)");
        assertEq(spoke.model(lrModel).hubPrice, market.quote(lrModel).total);
        assertEq(abi.encode(spoke.inputBounds(lrModel)), abi.encode(EzklFixtures.inputBounds(lr)));
    }

    /// @dev Syncs `modelId` to the spoke, carried with the gas its MODEL message asks for (fixed part + per
    /// feature).
    function _sync(uint256 modelId, string memory what) internal {
        GatewayParams memory p = gateway.params();
        uint256 gas = p.modelSyncGasLimit + uint256(p.modelSyncGasPerInput) * registry.inputBounds(modelId).length;
        vm.recordLogs();
        gateway.syncModel{value: gateway.quoteSyncModel(SPOKE_EID, modelId)}(SPOKE_EID, modelId);
        _carry(spokeLz, _sent(hubLz), gas, 0, what);
    }

    /// @dev The one packet `src`'s endpoint sent since the logs were last read.
    function _sent(LayerZeroStack memory src) internal returns (SentPacket memory) {
        SentPacket[] memory sent = LayerZeroRelay.sentPackets(vm.getRecordedLogs(), src.endpoint);
        assertEq(sent.length, 1, "one packet");
        return sent[0];
    }

    /// @dev DVN verify + commit + Executor.execute302, logging the gas of the execution.
    function _carry(LayerZeroStack memory dst, SentPacket memory p, uint256 gasLimit, uint256 value, string memory what)
        internal
    {
        LayerZeroRelay.dvnVerify(dst, p, operatorKey, operator, 0);
        LayerZeroRelay.commit(dst, p);
        uint256 g = gasleft();
        LayerZeroRelay.execute(dst, p, operator, gasLimit, value);
        emit log_named_uint(string.concat("gas: Executor.execute302, ", what), g - gasleft());
    }

    function _ask() internal returns (uint256 spokeId, uint256 hubId, FeeQuote memory q) {
        q = spoke.quoteDetailed(lrModel, lr.inputs[0], CALLBACK_GAS);
        vm.deal(payer, q.total);
        vm.recordLogs();
        vm.prank(payer);
        uint256 g = gasleft();
        spokeId = consumer.requestValue{value: q.total}(KEY, lr.inputs[0]);
        emit log_named_uint("gas: consumer.requestValue (spoke escrow + ULN302 send)", g - gasleft());
        SentPacket memory p = _sent(spokeLz);
        lastRequest = p;
        assertEq(p.dstEid, HUB_EID);
        assertEq(p.receiver, address(gateway));
        vm.recordLogs();
        _carry(hubLz, p, q.hubGasLimit, q.returnBudget, "REQUEST lzReceive on the hub (gateway + market)");
        hubId = market.remoteRequestId(
            SPOKE_EID,
            bytes32(uint256(uint160(address(consumer)))),
            gateway.originRequestId(bytes32(uint256(uint160(address(spoke)))), spokeId)
        );
    }

    function test_realLayerZero_requestResult_deliversTheProvenOutput() public {
        (uint256 spokeId, uint256 hubId, FeeQuote memory q) = _ask();
        assertGt(hubId, 0, "enqueued on the hub");
        assertEq(LayerZeroRelay.sentPackets(vm.getRecordedLogs(), hubLz.endpoint).length, 0, "nothing sent back yet");
        assertEq(address(gateway).balance, q.returnBudget, "the reply budget arrived with the request");

        vm.recordLogs();
        vm.prank(nodeA);
        uint256 g = gasleft();
        market.fulfil(hubId, lr.proof, lr.instances);
        emit log_named_uint("gas: market.fulfil (real EZKL proof + gateway reply)", g - gasleft());
        SentPacket memory result = _sent(hubLz);
        assertEq(result.dstEid, SPOKE_EID);
        assertGt(gateway.surplus(), 0, "the budget covered the reply");
        // quoteReply prices a RESULT like this one (same gas, one output) at what it cost.
        assertEq(q.returnBudget - gateway.surplus(), gateway.quoteReply(SPOKE_EID, q.returnGasLimit, 1));

        _carry(spokeLz, result, q.returnGasLimit, 0, "RESULT lzReceive on the spoke (settle + callback)");
        (int256 value,) = consumer.latestValue(KEY);
        assertEq(value, lr.outputs[0][0]);
        assertEq(uint8(spoke.request(spokeId).status), uint8(SpokeRequestStatus.Fulfilled));
        (uint256 n, uint256 r, uint256 t) = Pricing.splitPaid(q.inferenceFee, market.quote(lrModel));
        assertEq(spoke.claimable(nodeA), n);
        assertEq(spoke.claimable(modelOwner), r);
        assertEq(spoke.claimable(spokeTreasury), t);
        assertEq(address(spoke).balance, spoke.totalClaimable());
        assertEq(address(gateway).balance, gateway.surplus());
    }

    function test_realLayerZero_expiry_refundsThePayer() public {
        (uint256 spokeId, uint256 hubId, FeeQuote memory q) = _ask();
        vm.recordLogs();
        vm.roll(market.effectiveDeadline(hubId) + 1);
        market.expire(hubId);
        assertEq(uint8(market.request(hubId).status), uint8(RequestStatus.Refunded));
        _carry(spokeLz, _sent(hubLz), q.returnGasLimit, 0, "EXPIRED lzReceive on the spoke (refund + notice)");
        assertEq(uint8(spoke.request(spokeId).status), uint8(SpokeRequestStatus.Refunded));
        assertEq(consumer.refundOf(payer), q.inferenceFee);
        assertEq(address(spoke).balance, 0);
    }

    function test_realLayerZero_rejection_refundsThePayer() public {
        vm.prank(modelOwner);
        registry.deprecateModel(lrModel);
        (uint256 spokeId, uint256 hubId, FeeQuote memory q) = _ask();
        assertEq(hubId, 0);
        _carry(spokeLz, _sent(hubLz), q.returnGasLimit, 0, "REJECTED lzReceive on the spoke (refund + notice)");
        assertEq(uint8(spoke.request(spokeId).status), uint8(SpokeRequestStatus.Refunded));
        assertEq(consumer.refundOf(payer), q.inferenceFee);
    }

    function test_realLayerZero_replayedRequest_isRefusedByTheEndpoint() public {
        (, uint256 hubId,) = _ask();
        assertGt(hubId, 0);
        SentPacket memory p = lastRequest;
        // Re-verifying an executed nonce is refused, and executing it again finds no payload: the gateway
        // never sees the packet twice.
        LayerZeroRelay.dvnVerify(hubLz, p, operatorKey, operator, 0);
        vm.expectRevert(Errors.LZ_PathNotVerifiable.selector);
        LayerZeroRelay.commit(hubLz, p);
        vm.expectRevert(abi.encodeWithSelector(Errors.LZ_PayloadHashNotFound.selector, bytes32(0), p.payloadHash));
        ILayerZeroEndpointV2(hubLz.endpoint)
            .lzReceive(Origin(p.srcEid, p.sender, p.nonce), address(gateway), p.guid, p.message, "");
        assertEq(market.nextRequestId(), hubId + 1);
    }

    /// @dev Whether the endpoint still holds the payload of packet `p` for `receiver` (not executed).
    function _parked(LayerZeroStack memory dst, address receiver, SentPacket memory p) internal view returns (bool) {
        return IEndpointPayloads(dst.endpoint).inboundPayloadHash(receiver, p.srcEid, p.sender, p.nonce) != bytes32(0);
    }

    /// Issue 10, M-5, over the real stack: the spoke moves to a new gateway while a request is in flight;
    /// the old gateway's RESULT (a path the spoke no longer has as its peer) still settles it. Before the
    /// fix the execution reverted OnlyPeer and the packet stayed parked with the escrow.
    function test_realLayerZero_retiredGateway_settlesTheRequestItCarried() public {
        (uint256 spokeId, uint256 hubId, FeeQuote memory q) = _ask();
        ZkVinHubGateway next = new ZkVinHubGateway(
            hubLz.endpoint,
            address(this),
            IInferenceMarket(address(market)),
            IModelRegistry(address(registry)),
            treasury,
            CrossChainDefaults.gatewayParams()
        );
        market.grantRole(market.REMOTE_GATEWAY_ROLE(), address(next));
        next.setPeer(SPOKE_EID, bytes32(uint256(uint160(address(spoke)))));
        spoke.setPeer(HUB_EID, bytes32(uint256(uint160(address(next)))));
        vm.warp(block.timestamp + spoke.GOVERNANCE_DELAY());
        spoke.activatePeer();

        vm.recordLogs();
        vm.prank(nodeA);
        market.fulfil(hubId, lr.proof, lr.instances);
        SentPacket memory result = _sent(hubLz);
        assertEq(result.sender, bytes32(uint256(uint160(address(gateway)))), "the gateway that carried it answers");
        _carry(spokeLz, result, q.returnGasLimit, 0, "RESULT from a retired gateway");
        assertFalse(_parked(spokeLz, address(spoke), result), "executed");
        assertEq(uint8(spoke.request(spokeId).status), uint8(SpokeRequestStatus.Fulfilled));
        (int256 value,) = consumer.latestValue(KEY);
        assertEq(value, lr.outputs[0][0]);
    }

    /// Issue 10, M-5, over the real stack: a requester reclaims after RECLAIM_DELAY; the hub's result arrives
    /// afterwards, executes (nothing left parked on the endpoint), pays nobody and changes nothing.
    function test_realLayerZero_lateResultAfterAReclaim_isConsumedAndPaysNobody() public {
        (uint256 spokeId, uint256 hubId, FeeQuote memory q) = _ask();
        vm.warp(spoke.reclaimableAt(spokeId));
        spoke.reclaim(spokeId);
        assertEq(spoke.claimable(address(consumer)), q.inferenceFee);

        vm.recordLogs();
        vm.prank(nodeA);
        market.fulfil(hubId, lr.proof, lr.instances);
        SentPacket memory result = _sent(hubLz);
        _carry(spokeLz, result, q.returnGasLimit, 0, "late RESULT after a reclaim");
        assertFalse(_parked(spokeLz, address(spoke), result), "executed, not parked");
        assertEq(uint8(spoke.request(spokeId).status), uint8(SpokeRequestStatus.Reclaimed));
        assertEq(spoke.claimable(nodeA), 0);
        assertEq(spoke.claimable(address(consumer)), q.inferenceFee);
        assertEq(address(spoke).balance, spoke.totalClaimable());
    }

    /// Issue 10, M-4, over the real stack: the spoke is redeployed on its EID while a request of the old one
    /// is in flight. The new spoke's request 1 is enqueued (not a duplicate), and each RESULT reaches the
    /// spoke that asked (the old one is no longer the gateway's peer).
    function test_realLayerZero_redeployedSpoke_eachGetsItsOwnResult() public {
        (uint256 oldId, uint256 oldHubId, FeeQuote memory q) = _ask();
        ZkVinSpoke old = spoke;
        spoke = new ZkVinSpoke(
            spokeLz.endpoint,
            address(this),
            HUB_EID,
            spokeTreasury,
            CrossChainDefaults.spokeParams(),
            CrossChainDefaults.reclaimDelay()
        );
        spoke.setPeer(HUB_EID, bytes32(uint256(uint160(address(gateway)))));
        gateway.setPeer(SPOKE_EID, bytes32(uint256(uint160(address(spoke)))));
        _sync(lrModel, "MODEL lzReceive on the redeployed spoke");
        consumer = new RegressionOracleConsumer(
            IInferenceOracle(address(spoke)), false, lrModel, lr.layout.outputScale, CALLBACK_GAS
        );
        (uint256 newId, uint256 newHubId,) = _ask();
        assertEq(newId, oldId);
        assertGt(newHubId, oldHubId, "enqueued, not taken for a duplicate");

        vm.recordLogs();
        vm.prank(nodeA);
        market.fulfil(oldHubId, lr.proof, lr.instances);
        SentPacket memory result = _sent(hubLz);
        assertEq(result.receiver, address(old), "the reply goes to the spoke that asked");
        _carry(spokeLz, result, q.returnGasLimit, 0, "RESULT to a redeployed spoke's predecessor");
        assertEq(uint8(old.request(oldId).status), uint8(SpokeRequestStatus.Fulfilled));
        assertEq(uint8(spoke.request(newId).status), uint8(SpokeRequestStatus.Pending));
    }

    /// @dev `n` features, each its own bound.
    function _wideModel(uint16 n) internal returns (uint256 modelId, InputBound[] memory bounds) {
        bounds = new InputBound[](n);
        for (uint256 i; i < n; ++i) {
            // forge-lint: disable-next-line(unsafe-typecast)
            bounds[i] = InputBound({min: -int256(i) - 1e9, max: int256(i) * 1e12});
        }
        modelId = _registerModel(_layout(1, n, 1), bounds);
    }

    function test_realLayerZero_modelSync_theDefaultGasCoversEveryFeatureCountThatFits() public {
        // A resync stores nothing new.
        _sync(lrModel, "MODEL lzReceive on the spoke (resync, 4 features)");
        // One feature, and the most a MODEL message carries within the pathway's 10,000-byte limit (LayerZero's
        // default executor config): 386 + 64 x features bytes, so 150.
        uint16[2] memory widths = [uint16(1), uint16(150)];
        for (uint256 w; w < widths.length; ++w) {
            (uint256 wide, InputBound[] memory bounds) = _wideModel(widths[w]);
            _sync(
                wide, string.concat("MODEL lzReceive on the spoke (first sync, ", vm.toString(widths[w]), " features)")
            );
            assertGt(spoke.model(wide).syncNonce, 0, "synced");
            assertEq(abi.encode(spoke.inputBounds(wide)), abi.encode(bounds));
        }
        // One feature more and the send library refuses the message: the sync reverts, nothing is sent or paid.
        (uint256 wider,) = _wideModel(151);
        uint256 fee = 1 ether;
        vm.expectRevert(abi.encodeWithSignature("LZ_MessageLib_InvalidMessageSize(uint256,uint256)", 10_050, 10_000));
        gateway.syncModel{value: fee}(SPOKE_EID, wider);
    }

    function test_realLayerZero_packetFromAStranger_cannotReachTheSpoke() public {
        PingPong rogue = new PingPong(hubLz.endpoint, address(this));
        rogue.setPeer(SPOKE_EID, bytes32(uint256(uint160(address(spoke)))));
        bytes memory options = OptionsBuilder.newOptions().addExecutorLzReceiveOption(200_000, 0);
        uint8 note = rogue.NOTE();
        uint256 fee = rogue.quote(SPOKE_EID, note, 1, options, "");
        vm.recordLogs();
        rogue.send{value: fee}(SPOKE_EID, note, 1, options, "");
        SentPacket memory p = _sent(hubLz);
        LayerZeroRelay.dvnVerify(spokeLz, p, operatorKey, operator, 0);
        vm.expectRevert(Errors.LZ_PathNotInitializable.selector);
        LayerZeroRelay.commit(spokeLz, p);
    }
}
