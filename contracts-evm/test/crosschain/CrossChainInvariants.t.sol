// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test, Vm} from "forge-std/Test.sol";
import {ZkVinHubGateway} from "../../src/gateway/ZkVinHubGateway.sol";
import {IZkVinHubGateway, TicketStatus} from "../../src/gateway/IZkVinHubGateway.sol";
import {InferenceMarket} from "../../src/hub/InferenceMarket.sol";
import {DeliveryStatus, RequestStatus} from "../../src/interfaces/IInferenceMarket.sol";
import {ZkVinSpoke} from "../../src/spoke/ZkVinSpoke.sol";
import {CallbackStatus, IZkVinSpoke, SpokeParams, SpokeRequestStatus} from "../../src/spoke/IZkVinSpoke.sol";
import {CrossChainTestBase} from "./CrossChainTestBase.sol";
import {NoReceiveConsumer, RecordingSpokeConsumer} from "./SpokeConsumers.sol";

/// @notice What the handler needs from the test (TestHelperOz5's packet carrying, the hub helpers).
interface ICrossChainHarness {
    function deliverToHub() external;
    function deliverToSpoke() external;
    function fulfilAs(uint256 hubId, int256[] calldata input, int256 out) external;
    function hubIdOf(uint256 spokeId, address requester) external view returns (uint256);
    function syncModel() external;
    function setRoyalty(uint96 royalty) external;
    function setReplyBudget(uint128 base) external;
}

/// @notice Random traffic across the spoke, the gateway and the market: requests (EOAs, a consumer with a
/// failure handler that may revert, a consumer that refuses payments), packet delivery in both directions,
/// fulfilment, expiry, price changes with and without syncs, underfunded replies and top-ups, withdrawals,
/// callback retries, surplus sweeps, reclaims after the timeout (whose late replies must be dropped). It counts
/// how often each spoke request settles. Nothing here catches a revert: the invariants run with
/// fail-on-revert, so a valid delivery, settlement, expiry or reclaim that reverts fails the run; a handler
/// skips (returns early) only what is not valid to do at that point.
contract CrossChainHandler is Test {
    ICrossChainHarness internal immutable T;
    ZkVinSpoke internal immutable SPOKE;
    ZkVinHubGateway internal immutable GATEWAY;
    InferenceMarket internal immutable MARKET;
    uint256 internal immutable MODEL;
    RecordingSpokeConsumer internal immutable RECORDER;
    NoReceiveConsumer internal immutable NO_RECEIVE;

    address[] internal actors;
    uint256[] public spokeIds;
    mapping(uint256 spokeId => uint256) public settlements;
    mapping(uint256 spokeId => address) public requesterOf;
    mapping(uint256 spokeId => int256[]) internal _inputOf;
    uint256 public maxSettlements;
    uint256 public fulfilled;
    uint256 public refunded;
    uint256 public toppedUp;
    uint256 public reclaimed;
    uint256 public lateReplies;
    bytes[] internal pendingReplies;
    bytes32[] internal pendingKeys;

    constructor(
        ICrossChainHarness t,
        ZkVinSpoke spoke,
        ZkVinHubGateway gateway,
        InferenceMarket market,
        uint256 model,
        RecordingSpokeConsumer recorder,
        NoReceiveConsumer noReceive
    ) {
        T = t;
        SPOKE = spoke;
        GATEWAY = gateway;
        MARKET = market;
        MODEL = model;
        RECORDER = recorder;
        NO_RECEIVE = noReceive;
        actors.push(makeAddr("alice"));
        actors.push(makeAddr("bob"));
        actors.push(address(recorder));
        actors.push(address(noReceive));
    }

    function spokeIdCount() external view returns (uint256) {
        return spokeIds.length;
    }

    function request(uint256 actorSeed, int256 seed, bool withCallback, uint256 overpay, bool deliver) external {
        address actor = actors[actorSeed % actors.length];
        int256[] memory input = new int256[](4);
        for (uint256 i; i < 4; ++i) {
            // casting is safe because the loop index is below a small array length
            // forge-lint: disable-next-line(unsafe-typecast)
            input[i] = (seed % 1000) + int256(i) * 37;
        }
        uint32 gas = withCallback ? 150_000 : 0;
        uint256 fee = SPOKE.quote(MODEL, input, gas) + bound(overpay, 0, 1 ether);
        uint256 id;
        if (actor == address(RECORDER)) {
            id = RECORDER.ask{value: fee}(MODEL, input, gas);
        } else if (actor == address(NO_RECEIVE)) {
            id = NO_RECEIVE.ask{value: fee}(MODEL, input, gas);
        } else {
            vm.deal(actor, actor.balance + fee);
            vm.prank(actor);
            id = SPOKE.requestInference{value: fee}(MODEL, input, gas);
        }
        spokeIds.push(id);
        requesterOf[id] = actor;
        _inputOf[id] = input;
        if (deliver) deliverToHub();
    }

    function deliverToHub() public {
        vm.recordLogs();
        T.deliverToHub();
        _collectUnderfunded(vm.getRecordedLogs());
    }

    function deliverToSpoke() public {
        vm.recordLogs();
        T.deliverToSpoke();
        Vm.Log[] memory logs = vm.getRecordedLogs();
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter != address(SPOKE)) continue;
            bytes32 topic = logs[i].topics[0];
            if (topic == IZkVinSpoke.LateReplyIgnored.selector) ++lateReplies;
            if (topic == IZkVinSpoke.InferenceFulfilled.selector || topic == IZkVinSpoke.InferenceRefunded.selector) {
                uint256 id = uint256(logs[i].topics[1]);
                if (topic == IZkVinSpoke.InferenceFulfilled.selector) ++fulfilled;
                else ++refunded;
                uint256 n = ++settlements[id];
                if (n > maxSettlements) maxSettlements = n;
            }
        }
    }

    function fulfil(uint256 idSeed, int256 out, bool deliver) external {
        (uint256 id, uint256 hubId) = _findPending(idSeed);
        if (hubId == 0 || block.number > MARKET.effectiveDeadline(hubId)) return;
        vm.recordLogs();
        T.fulfilAs(hubId, _inputOf[id], out % 1e6);
        _collectUnderfunded(vm.getRecordedLogs());
        if (deliver) deliverToSpoke();
    }

    function expire(uint256 idSeed, bool deliver) external {
        (, uint256 hubId) = _findPending(idSeed);
        if (hubId == 0) return;
        vm.roll(MARKET.effectiveDeadline(hubId) + 1);
        vm.recordLogs();
        MARKET.expire(hubId);
        _collectUnderfunded(vm.getRecordedLogs());
        if (deliver) deliverToSpoke();
    }

    function changePrice(uint96 royalty, bool sync) external {
        T.setRoyalty(uint96(bound(royalty, 0, 0.01 ether)));
        if (sync) T.syncModel();
    }

    function setReplyBudget(bool funded) external {
        T.setReplyBudget(funded ? 0.001 ether : 0);
    }

    function topUp(uint256 seed) external {
        if (pendingKeys.length == 0) return;
        uint256 i = seed % pendingKeys.length;
        bytes32 key = pendingKeys[i];
        bytes memory message = pendingReplies[i];
        pendingKeys[i] = pendingKeys[pendingKeys.length - 1];
        pendingReplies[i] = pendingReplies[pendingReplies.length - 1];
        pendingKeys.pop();
        pendingReplies.pop();
        if (GATEWAY.ticket(key).status != TicketStatus.AwaitingFunds) return;
        (uint256 fee, uint256 budget) = GATEWAY.quoteReturnMessage(key, message);
        uint256 value = fee > budget ? fee - budget : 0;
        vm.deal(address(this), address(this).balance + value);
        GATEWAY.resendReturnMessage{value: value}(key, message);
        ++toppedUp;
    }

    /// @notice Carries every packet, expires whatever no node answered (retrying failed expiry notices),
    /// tops up every underfunded reply, and carries the replies.
    function drain() external {
        deliverToHub();
        for (uint256 i; i < spokeIds.length; ++i) {
            uint256 id = spokeIds[i];
            uint256 hubId = T.hubIdOf(id, requesterOf[id]);
            if (hubId == 0) continue; // refused by the hub: its REJECTED reply is sent or waits for funds
            vm.recordLogs();
            while (MARKET.request(hubId).status == RequestStatus.Pending) {
                vm.roll(MARKET.effectiveDeadline(hubId) + 1);
                MARKET.expire(hubId);
            }
            if (MARKET.request(hubId).delivery == DeliveryStatus.Failed) {
                MARKET.retryDelivery(hubId, new int256[](0), 2_000_000);
            }
            _collectUnderfunded(vm.getRecordedLogs());
        }
        while (pendingKeys.length != 0) {
            this.topUp(0);
        }
        deliverToSpoke();
    }

    /// @notice Lets a pending spoke request time out and reclaims it (as anyone may); its reply, if the hub
    /// still sends one, must then be dropped without paying anybody.
    function reclaim(uint256 idSeed) external {
        if (spokeIds.length == 0) return;
        uint256 id = spokeIds[idSeed % spokeIds.length];
        if (SPOKE.request(id).status != SpokeRequestStatus.Pending) return;
        uint256 at = SPOKE.reclaimableAt(id);
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp < at) vm.warp(at);
        SPOKE.reclaim(id);
        ++reclaimed;
        uint256 n = ++settlements[id];
        if (n > maxSettlements) maxSettlements = n;
    }

    function toggleRecorder(bool revertResults, bool revertFailures) external {
        RECORDER.setRevertResults(revertResults);
        RECORDER.setRevertFailures(revertFailures);
    }

    function retryCallback(uint256 idSeed) external {
        if (spokeIds.length == 0) return;
        uint256 id = spokeIds[idSeed % spokeIds.length];
        if (SPOKE.request(id).callback != CallbackStatus.Failed) return;
        if (SPOKE.request(id).status != SpokeRequestStatus.Fulfilled) return;
        RECORDER.setRevertResults(false);
        SPOKE.retryCallback(id, 150_000);
    }

    function retryMarketDelivery(uint256 idSeed, int256 out) external {
        uint256 hubId = _hubIdAt(idSeed);
        if (hubId == 0 || MARKET.request(hubId).delivery != DeliveryStatus.Failed) return;
        if (MARKET.request(hubId).status != RequestStatus.Refunded) return; // results need the output
        vm.recordLogs();
        MARKET.retryDelivery(hubId, new int256[](0), 2_000_000);
        _collectUnderfunded(vm.getRecordedLogs());
        out;
    }

    function withdraw(uint256 actorSeed) external {
        address actor = actors[actorSeed % actors.length];
        if (SPOKE.claimable(actor) == 0) return;
        if (actor == address(NO_RECEIVE)) {
            NO_RECEIVE.withdrawFromSpoke(payable(makeAddr("sink")));
        } else if (actor != address(RECORDER)) {
            vm.prank(actor);
            SPOKE.withdraw(payable(actor));
        }
    }

    function sweep() external {
        if (GATEWAY.surplus() == 0) return;
        GATEWAY.sweepSurplus();
    }

    function _hubIdAt(uint256 idSeed) internal view returns (uint256) {
        if (spokeIds.length == 0) return 0;
        uint256 id = spokeIds[idSeed % spokeIds.length];
        return T.hubIdOf(id, requesterOf[id]);
    }

    /// @dev The first spoke request from `idSeed` on (cyclically) that is pending on the hub.
    function _findPending(uint256 idSeed) internal view returns (uint256 id, uint256 hubId) {
        uint256 n = spokeIds.length;
        for (uint256 k; k < n; ++k) {
            id = spokeIds[(idSeed % n + k) % n];
            hubId = T.hubIdOf(id, requesterOf[id]);
            if (hubId != 0 && MARKET.request(hubId).status == RequestStatus.Pending) return (id, hubId);
        }
        return (0, 0);
    }

    function _collectUnderfunded(Vm.Log[] memory logs) internal {
        for (uint256 i; i < logs.length; ++i) {
            if (
                logs[i].emitter == address(GATEWAY)
                    && logs[i].topics[0] == IZkVinHubGateway.ReturnMessageUnderfunded.selector
            ) {
                (bytes memory message,,) = abi.decode(logs[i].data, (bytes, uint256, uint256));
                pendingKeys.push(logs[i].topics[1]);
                pendingReplies.push(message);
            }
        }
    }

    receive() external payable {}
}

/// @notice Invariants of the cross-chain flow: the spoke and the gateway hold exactly what their books say,
/// the spoke's escrow is the sum of its pending requests, and no spoke request settles twice.
contract CrossChainInvariantsTest is CrossChainTestBase, ICrossChainHarness {
    CrossChainHandler internal handler;
    uint256 internal modelId;
    RecordingSpokeConsumer internal recorder;

    function setUp() public override {
        super.setUp();
        modelId = _registerModel(_layout(1, 4, 1));
        address[3] memory nodes = [nodeA, nodeB, nodeC];
        for (uint256 i; i < nodes.length; ++i) {
            _registerNode(nodes[i], modelId, 100_000);
        }
        _nextEpoch();
        _syncModel(modelId);
        recorder = new RecordingSpokeConsumer(spoke);
        NoReceiveConsumer noReceive = new NoReceiveConsumer(spoke);
        handler = new CrossChainHandler(this, spoke, gateway, market, modelId, recorder, noReceive);
        vm.deal(address(recorder), 0);
        vm.deal(address(handler), 1_000 ether);
        targetContract(address(handler));
        bytes4[] memory drain = new bytes4[](1);
        drain[0] = CrossChainHandler.drain.selector;
        excludeSelector(FuzzSelector({addr: address(handler), selectors: drain}));
    }

    // ---------------------------------------------------------------- harness (called by the handler)

    function deliverToHub() external {
        _deliverToHub();
    }

    function deliverToSpoke() external {
        _deliverToSpoke();
    }

    function fulfilAs(uint256 hubId, int256[] calldata input, int256 out) external {
        int256[] memory o = new int256[](1);
        o[0] = out;
        _fulfil(hubId, modelId, input, o);
    }

    function hubIdOf(uint256 spokeId, address requester) external view returns (uint256) {
        return _hubId(spokeId, requester);
    }

    function syncModel() external {
        _syncModel(modelId);
    }

    function setRoyalty(uint96 royalty) external {
        vm.prank(modelOwner);
        registry.setRoyalty(modelId, royalty);
    }

    function setReplyBudget(uint128 base) external {
        SpokeParams memory p = _spokeParams();
        p.returnFeeBase = base;
        spoke.setParams(p);
    }

    // ---------------------------------------------------------------- invariants

    /// forge-config: default.invariant.runs = 32
    /// forge-config: default.invariant.depth = 50
    /// forge-config: default.invariant.fail-on-revert = true
    /// forge-config: ci.invariant.runs = 64
    /// forge-config: ci.invariant.depth = 50
    /// forge-config: ci.invariant.fail-on-revert = true
    function invariant_booksBalance() public view {
        _assertBooks();
        uint256 escrowed;
        uint256 n = handler.spokeIdCount();
        for (uint256 i; i < n; ++i) {
            uint256 id = handler.spokeIds(i);
            if (spoke.request(id).status == SpokeRequestStatus.Pending) escrowed += spoke.request(id).escrow;
        }
        assertEq(spoke.totalEscrowed(), escrowed, "escrow is the sum of pending requests");
        assertLe(handler.maxSettlements(), 1, "a spoke request settles once");
    }

    /// @notice After any history, carrying every packet, expiring whatever no node answers, and topping up
    /// every underfunded reply settles every spoke request: nothing stays escrowed or budgeted.
    function afterInvariant() external {
        handler.drain();
        uint256 n = handler.spokeIdCount();

        for (uint256 i; i < n; ++i) {
            assertTrue(spoke.request(handler.spokeIds(i)).status != SpokeRequestStatus.Pending, "settled");
        }
        assertEq(spoke.totalEscrowed(), 0);
        assertEq(gateway.totalBudgets(), 0);
        assertLe(handler.maxSettlements(), 1, "a spoke request settles once, a reclaim included");
        _assertBooks();
    }
}
