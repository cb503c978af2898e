// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {InferenceMarket} from "../../src/hub/InferenceMarket.sol";
import {ModelRegistry} from "../../src/hub/ModelRegistry.sol";
import {NodePool} from "../../src/hub/NodePool.sol";
import {RemoteRequest, Request, RequestStatus} from "../../src/interfaces/IInferenceMarket.sol";
import {NodeInfo} from "../../src/interfaces/INodePool.sol";
import {FieldEncoding} from "../../src/libraries/FieldEncoding.sol";
import {InputBound} from "../../src/libraries/InputBounds.sol";
import {IOLayout} from "../../src/libraries/InstanceLayout.sol";
import {MockProofVerifier} from "../mocks/MockProofVerifier.sol";
import {RecordingConsumer, RecordingResultSink} from "../mocks/TestConsumers.sol";

/// @notice Drives the hub with random but well-formed actions (requests, fulfilments, batches, expiries,
/// withdrawals, stake changes, exits, remote requests, failing callbacks) and keeps ghost records the
/// invariants compare the contracts against.
contract HubHandler is Test {
    InferenceMarket public market;
    NodePool public pool;
    ModelRegistry public registry;
    MockProofVerifier public verifier;
    RecordingConsumer public consumer;
    RecordingResultSink public gateway;

    uint256[] public models;
    address[] public nodes;
    address[] public requesters;
    uint256[] public requestIds;

    mapping(uint256 requestId => int256[]) internal _inputs;
    mapping(uint256 requestId => uint256) public fulfilments;
    mapping(uint256 requestId => bytes32) public expectedOutputDigest;
    mapping(address node => uint256) public depositedSinceRegistration;
    mapping(address node => mapping(uint32 epoch => uint256)) public ghostUnits;
    mapping(address node => mapping(uint32 epoch => uint256)) public ghostCapacity;
    address[] public touchedNodes;
    uint32[] public touchedEpochs;

    /// @notice How many actions of each kind went through (printed with -vv after each run).
    uint256 public opened;
    uint256 public fulfilled;
    uint256 public expiredCalls;
    uint256 public refunded;
    uint256 public nodesWithdrawn;

    constructor(
        InferenceMarket market_,
        NodePool pool_,
        ModelRegistry registry_,
        MockProofVerifier verifier_,
        uint256[] memory models_,
        address[] memory nodes_
    ) {
        market = market_;
        pool = pool_;
        registry = registry_;
        verifier = verifier_;
        models = models_;
        nodes = nodes_;
        for (uint256 i; i < nodes_.length; ++i) {
            depositedSinceRegistration[nodes_[i]] = pool_.node(nodes_[i]).stake;
        }
        consumer = new RecordingConsumer();
        gateway = new RecordingResultSink();
        requesters.push(makeAddr("alice"));
        requesters.push(makeAddr("bob"));
        requesters.push(address(consumer));
    }

    // ---------------------------------------------------------------- views for the invariants

    function requestCount() external view returns (uint256) {
        return requestIds.length;
    }

    function nodeCount() external view returns (uint256) {
        return nodes.length;
    }

    function touchedCount() external view returns (uint256) {
        return touchedNodes.length;
    }

    function allRequesters() external view returns (address[] memory) {
        return requesters;
    }

    function allNodes() external view returns (address[] memory) {
        return nodes;
    }

    /// @notice keccak256 of the felts of the input a request was opened with.
    function inputDigest(uint256 id) external view returns (bytes32) {
        int256[] storage input = _inputs[id];
        uint256[] memory felts = new uint256[](input.length);
        for (uint256 i; i < felts.length; ++i) {
            felts[i] = FieldEncoding.toFelt(input[i]);
        }
        return keccak256(abi.encodePacked(felts));
    }

    // ---------------------------------------------------------------- requests

    function request(uint256 actorSeed, uint256 modelSeed, int256 inputSeed, bool withCallback) external {
        uint256 modelId = models[modelSeed % models.length];
        address requester = requesters[actorSeed % requesters.length];
        int256[] memory input = _inputFor(modelId, inputSeed);
        uint256 price = market.quote(modelId).total;
        vm.deal(requester, requester.balance + price);
        uint32 gasLimit = withCallback || requester == address(consumer) ? 300_000 : 0;
        vm.prank(requester);
        try market.requestInference{value: price}(modelId, input, gasLimit) returns (uint256 id) {
            _recordNew(id, input);
            ++opened;
        } catch {}
    }

    function requestRemote(uint256 modelSeed, int256 inputSeed, uint80 feePaid) external {
        uint256 modelId = models[modelSeed % models.length];
        RemoteRequest memory rr;
        rr.originEid = 30_110;
        rr.originRequester = bytes32(uint256(0xABCD));
        rr.originRequestId = bytes32(requestIds.length + 1);
        rr.modelId = modelId;
        rr.input = _inputFor(modelId, inputSeed);
        rr.callbackGasLimit = 300_000;
        rr.feePaid = feePaid;
        rr.slashBeneficiary = address(gateway);
        vm.prank(address(gateway));
        try market.requestInferenceFromRemote(rr) returns (uint256 id) {
            _recordNew(id, rr.input);
            ++opened;
        } catch {}
    }

    // ---------------------------------------------------------------- fulfilment

    function fulfil(uint256 requestSeed, int256 outputSeed) external {
        if (requestIds.length == 0) return;
        uint256 id = _pickPending(requestSeed);
        Request memory r = market.request(id);
        uint256[] memory ids = new uint256[](1);
        ids[0] = id;
        (bytes memory proof, uint256[] memory inst, bytes32[] memory digests) = _proofFor(r.modelId, ids, outputSeed);
        vm.prank(r.node);
        try market.fulfil(id, proof, inst) {
            ++fulfilled;
            fulfilments[id] += 1;
            expectedOutputDigest[id] = digests[0];
        } catch {}
    }

    function fulfilBatch(uint256 startSeed, uint256 countSeed, int256 outputSeed) external {
        if (requestIds.length == 0) return;
        uint256 start = startSeed % requestIds.length;
        uint256 first = requestIds[start];
        Request memory head = market.request(first);
        (,,, IOLayout memory l) = registry.fulfilmentTerms(head.modelId);
        uint256 want = 1 + countSeed % l.batchSize;
        uint256[] memory picked = new uint256[](want);
        uint256 n;
        for (uint256 i; i < requestIds.length && n < want; ++i) {
            uint256 id = requestIds[(start + i) % requestIds.length];
            Request memory r = market.request(id);
            if (r.modelId == head.modelId && r.node == head.node && r.status == RequestStatus.Pending) {
                picked[n++] = id;
            }
        }
        if (n == 0) return;
        uint256[] memory ids = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            ids[i] = picked[i];
        }
        (bytes memory proof, uint256[] memory inst, bytes32[] memory digests) = _proofFor(head.modelId, ids, outputSeed);
        vm.prank(head.node);
        try market.fulfilBatch(ids, proof, inst) {
            fulfilled += n;
            for (uint256 i; i < n; ++i) {
                fulfilments[ids[i]] += 1;
                expectedOutputDigest[ids[i]] = digests[i];
            }
        } catch {}
    }

    function retryDelivery(uint256 requestSeed) external {
        if (requestIds.length == 0) return;
        consumer.setRevert(false);
        gateway.setRevert(false);
        uint256 id = requestIds[requestSeed % requestIds.length];
        // The handler does not keep outputs, only their digests; retries with a wrong output must fail.
        Request memory r = market.request(id);
        // Results are only retried with the right output; the handler keeps only its digest, so it tries an
        // empty output, which must be refused for fulfilled requests. Expiry notices need no output.
        try market.retryDelivery(id, new int256[](0), 400_000) {
            if (r.status == RequestStatus.Fulfilled) revert("retry accepted an output that does not match");
        } catch {}
    }

    function setCallbacksFailing(bool failing) external {
        consumer.setRevert(failing);
        gateway.setRevert(failing);
    }

    // ---------------------------------------------------------------- time and expiry

    function roll(uint256 blocks) external {
        vm.roll(block.number + bound(blocks, 1, 30));
    }

    function expire(uint256 requestSeed) external {
        if (requestIds.length == 0) return;
        uint256 id = _pickPending(requestSeed);
        try market.expire(id) {
            ++expiredCalls;
            Request memory r = market.request(id);
            if (r.status == RequestStatus.Refunded) ++refunded;
            if (r.status == RequestStatus.Pending) _recordAssignment(id); // handed to another node
        } catch {}
    }

    // ---------------------------------------------------------------- money out

    function withdraw(uint256 actorSeed) external {
        address account = _anyAccount(actorSeed);
        if (market.claimable(account) == 0) return;
        vm.prank(account);
        market.withdraw(payable(makeAddr("sink-of-withdrawals")));
    }

    function claimSlashProceeds(uint256 actorSeed) external {
        address account = _anyAccount(actorSeed);
        if (pool.claimable(account) == 0) return;
        vm.prank(account);
        pool.claimSlashProceeds(makeAddr("sink-of-withdrawals"));
    }

    // ---------------------------------------------------------------- nodes

    function addStake(uint256 nodeSeed, uint256 amount) external {
        address node = nodes[nodeSeed % nodes.length];
        amount = bound(amount, 1, 1 ether);
        if (pool.node(node).capacity == 0) return;
        vm.deal(node, node.balance + amount);
        vm.prank(node);
        pool.addStake{value: amount}(amount);
        depositedSinceRegistration[node] += amount;
    }

    function requestExit(uint256 nodeSeed) external {
        address node = nodes[nodeSeed % nodes.length];
        NodeInfo memory n = pool.node(node);
        if (n.capacity == 0 || n.exitEpoch != 0) return;
        vm.prank(node);
        pool.requestExit();
    }

    function withdrawStake(uint256 nodeSeed) external {
        address node = nodes[nodeSeed % nodes.length];
        vm.prank(node);
        try pool.withdrawStake(node) {
            ++nodesWithdrawn;
            depositedSinceRegistration[node] = 0;
        } catch {}
    }

    function registerNode(uint256 nodeSeed, uint64 capacity) external {
        address node = nodes[nodeSeed % nodes.length];
        if (pool.node(node).capacity != 0) return;
        capacity = uint64(bound(capacity, 100, 1_000));
        uint256 stake = pool.params().minStakePerComputeUnit * capacity + 0.2 ether;
        vm.deal(node, node.balance + stake);
        vm.prank(node);
        pool.registerNode{value: stake}(models, capacity, stake);
        depositedSinceRegistration[node] = stake;
    }

    // ---------------------------------------------------------------- internals

    /// @dev Each feature within its own registered bound.
    function _inputFor(uint256 modelId, int256 seed) internal view returns (int256[] memory input) {
        InputBound[] memory b = registry.inputBounds(modelId);
        input = new int256[](b.length);
        for (uint256 i; i < input.length; ++i) {
            input[i] = bound(seed / int256(i + 1), b[i].min, b[i].max);
        }
    }

    function _recordNew(uint256 id, int256[] memory input) internal {
        requestIds.push(id);
        _inputs[id] = input;
        _recordAssignment(id);
    }

    function _recordAssignment(uint256 id) internal {
        Request memory r = market.request(id);
        uint32 epoch = pool.currentEpoch();
        if (ghostUnits[r.node][epoch] == 0) {
            touchedNodes.push(r.node);
            touchedEpochs.push(epoch);
        }
        ghostUnits[r.node][epoch] += registry.modelTerms(r.modelId).computeUnits;
        ghostCapacity[r.node][epoch] = pool.node(r.node).capacity;
    }

    function _proofFor(uint256 modelId, uint256[] memory ids, int256 outputSeed)
        internal
        view
        returns (bytes memory proof, uint256[] memory inst, bytes32[] memory digests)
    {
        (,, bytes32 key, IOLayout memory l) = registry.fulfilmentTerms(modelId);
        inst = new uint256[](l.instanceCount);
        digests = new bytes32[](ids.length);
        for (uint256 slot; slot < l.batchSize; ++slot) {
            uint256 src = slot < ids.length ? slot : ids.length - 1;
            int256[] storage input = _inputs[ids[src]];
            if (input.length != l.inputCount) return (proof, inst, digests); // another model's request
            for (uint256 j; j < l.inputCount; ++j) {
                inst[l.inputOffset + slot * l.inputCount + j] = FieldEncoding.toFelt(input[j]);
            }
            int256[] memory out = new int256[](l.outputCount);
            for (uint256 j; j < l.outputCount; ++j) {
                out[j] = bound(outputSeed / int256(src + j + 1), -1e30, 1e30);
                inst[l.outputOffset + slot * l.outputCount + j] = FieldEncoding.toFelt(out[j]);
            }
            if (slot < ids.length) digests[slot] = keccak256(abi.encodePacked(out));
        }
        proof = abi.encode(key, inst);
    }

    /// @dev Mostly a pending request (so that actions tend to succeed); every fourth pick is any request,
    /// so that repeated fulfilments and expiries of settled requests are tried too.
    function _pickPending(uint256 seed) internal view returns (uint256) {
        uint256 len = requestIds.length;
        uint256 start = seed % len;
        if (seed % 4 == 0) return requestIds[start];
        for (uint256 i; i < len; ++i) {
            uint256 id = requestIds[(start + i) % len];
            if (market.request(id).status == RequestStatus.Pending) return id;
        }
        return requestIds[start];
    }

    function _anyAccount(uint256 seed) internal view returns (address) {
        uint256 total = requesters.length + nodes.length + 3;
        uint256 i = seed % total;
        if (i < requesters.length) return requesters[i];
        i -= requesters.length;
        if (i < nodes.length) return nodes[i];
        i -= nodes.length;
        if (i == 0) return market.treasury();
        if (i == 1) return address(gateway);
        return registry.model(models[0]).owner;
    }
}
