// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {InferenceMarket} from "../../src/hub/InferenceMarket.sol";
import {IInferenceMarket} from "../../src/interfaces/IInferenceMarket.sol";
import {INodePool} from "../../src/interfaces/INodePool.sol";
import {ModelRegistry} from "../../src/hub/ModelRegistry.sol";
import {NodePool} from "../../src/hub/NodePool.sol";
import {DeliveryStatus, RemoteRequest, Request, RequestStatus} from "../../src/interfaces/IInferenceMarket.sol";
import {NodeInfo} from "../../src/interfaces/INodePool.sol";
import {FieldEncoding} from "../../src/libraries/FieldEncoding.sol";
import {InputBound} from "../../src/libraries/InputBounds.sol";
import {IOLayout, InputMode} from "../../src/libraries/InstanceLayout.sol";
import {MockProofVerifier} from "../mocks/MockProofVerifier.sol";
import {RecordingConsumer, RecordingResultSink} from "../mocks/TestConsumers.sol";

/// @notice Drives the hub with random but well-formed actions (requests, commitment requests, fulfilments,
/// batches, expiries, withdrawals, stake changes, exits, evictions, remote requests, failing callbacks) and
/// keeps ghost records the invariants compare the contracts against.
/// @dev Every call's revert is classified: a revert the handler deliberately provokes (a settled request, a
/// deadline not reached or passed, no capacity left, a locked stake, ...) must carry one of the documented
/// custom errors for that case and is counted per selector; any other revert, and any revert of an action the
/// handler knows to be valid (a fulfilment by the assigned node within its deadline, an expiry past it, a
/// withdrawal of a positive balance, ...), counts as unexpected, and invariant_noUnexpectedRevert fails.
/// (foundry.toml's fail_on_revert = false would otherwise hide them.)
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
    mapping(uint256 requestId => uint256) public commitmentOf; // hashed-input requests
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
    uint256 public evictions;

    /// @notice Reverts of the kinds the handler provokes on purpose, by error selector.
    mapping(bytes4 selector => uint256) public expectedReverts;
    /// @notice Reverts nothing explains (or of an action that had to succeed); must stay zero.
    uint256 public unexpectedReverts;
    string public lastUnexpectedAction;
    bytes public lastUnexpectedReason;

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
        if (commitmentOf[id] != 0) return keccak256(abi.encode(commitmentOf[id]));
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
        uint32 gasLimit = withCallback || requester == address(consumer) ? 300_000 : 0;
        uint256 price = market.quote(modelId, gasLimit).total;
        if (_isHashed(modelId)) {
            uint256 commitment = uint256(keccak256(abi.encode(input))) % FieldEncoding.P;
            price += market.quote(modelId).bond;
            vm.deal(requester, requester.balance + price);
            vm.prank(requester);
            try market.requestInferenceWithCommitment{value: price}(modelId, input, commitment, gasLimit) returns (
                uint256 id
            ) {
                commitmentOf[id] = commitment;
                _recordNew(id, input);
                ++opened;
            } catch (bytes memory reason) {
                _expect(reason, "requestWithCommitment", _noCapacity());
            }
            return;
        }
        vm.deal(requester, requester.balance + price);
        vm.prank(requester);
        try market.requestInference{value: price}(modelId, input, gasLimit) returns (uint256 id) {
            _recordNew(id, input);
            ++opened;
        } catch (bytes memory reason) {
            _expect(reason, "request", _noCapacity());
        }
    }

    function requestRemote(uint256 modelSeed, int256 inputSeed, uint80 feePaid) external {
        uint256 modelId = models[modelSeed % models.length];
        if (_isHashed(modelId)) return; // remote commitment requests: see the cross-chain invariants
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
        } catch (bytes memory reason) {
            _expect(reason, "requestRemote", _noCapacity());
        }
    }

    // ---------------------------------------------------------------- fulfilment

    function fulfil(uint256 requestSeed, int256 outputSeed) external {
        if (requestIds.length == 0) return;
        uint256 id = _pickPending(requestSeed);
        Request memory r = market.request(id);
        uint256[] memory ids = new uint256[](1);
        ids[0] = id;
        (bytes memory proof, uint256[] memory inst, bytes32[] memory digests) = _proofFor(r.modelId, ids, outputSeed);
        bool valid = _fulfillable(id, r);
        vm.prank(r.node);
        try market.fulfil(id, proof, inst) {
            ++fulfilled;
            fulfilments[id] += 1;
            expectedOutputDigest[id] = digests[0];
        } catch (bytes memory reason) {
            if (valid) _unexpected(reason, "fulfil (valid)");
            else _expect(reason, "fulfil", _settledOrLate());
        }
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
        bool valid = true;
        for (uint256 i; i < n; ++i) {
            ids[i] = picked[i];
            valid = valid && _fulfillable(ids[i], market.request(ids[i]));
        }
        (bytes memory proof, uint256[] memory inst, bytes32[] memory digests) = _proofFor(head.modelId, ids, outputSeed);
        vm.prank(head.node);
        try market.fulfilBatch(ids, proof, inst) {
            fulfilled += n;
            for (uint256 i; i < n; ++i) {
                fulfilments[ids[i]] += 1;
                expectedOutputDigest[ids[i]] = digests[i];
            }
        } catch (bytes memory reason) {
            if (valid) _unexpected(reason, "fulfilBatch (valid)");
            else _expect(reason, "fulfilBatch", _settledOrLate());
        }
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
        bool mustSucceed = r.status == RequestStatus.Refunded && r.delivery == DeliveryStatus.Failed;
        try market.retryDelivery(id, new int256[](0), 400_000) {
            // An empty output never matches a fulfilled request's proven output.
            if (r.status == RequestStatus.Fulfilled) _unexpected("", "retryDelivery accepted a wrong output");
        } catch (bytes memory reason) {
            if (mustSucceed) {
                _unexpected(reason, "retryDelivery of an expiry notice");
            } else {
                bytes4[] memory allowed = new bytes4[](2);
                (allowed[0], allowed[1]) =
                (IInferenceMarket.NothingToRetry.selector, IInferenceMarket.OutputMismatch.selector);
                _expect(reason, "retryDelivery", allowed);
            }
        }
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
        Request memory before = market.request(id);
        bool valid = before.status == RequestStatus.Pending && block.number > market.effectiveDeadline(id);
        try market.expire(id) {
            ++expiredCalls;
            Request memory r = market.request(id);
            if (r.status == RequestStatus.Refunded) ++refunded;
            if (r.status == RequestStatus.Pending) _recordAssignment(id); // handed to another node
        } catch (bytes memory reason) {
            if (valid) {
                _unexpected(reason, "expire (valid)");
            } else {
                bytes4[] memory allowed = new bytes4[](2);
                (allowed[0], allowed[1]) =
                (IInferenceMarket.RequestNotPending.selector, IInferenceMarket.NotExpired.selector);
                _expect(reason, "expire", allowed);
            }
        }
    }

    // ---------------------------------------------------------------- money out

    function withdraw(uint256 actorSeed) external {
        address account = _anyAccount(actorSeed);
        if (market.claimable(account) == 0) return;
        vm.prank(account);
        try market.withdraw(payable(makeAddr("sink-of-withdrawals"))) {}
        catch (bytes memory reason) {
            _unexpected(reason, "withdraw");
        }
    }

    function claimSlashProceeds(uint256 actorSeed) external {
        address account = _anyAccount(actorSeed);
        if (pool.claimable(account) == 0) return;
        vm.prank(account);
        try pool.claimSlashProceeds(makeAddr("sink-of-withdrawals")) {}
        catch (bytes memory reason) {
            _unexpected(reason, "claimSlashProceeds");
        }
    }

    // ---------------------------------------------------------------- nodes

    function addStake(uint256 nodeSeed, uint256 amount) external {
        address node = nodes[nodeSeed % nodes.length];
        amount = bound(amount, 1, 1 ether);
        if (pool.node(node).capacity == 0) return;
        vm.deal(node, node.balance + amount);
        vm.prank(node);
        try pool.addStake{value: amount}(amount) {
            depositedSinceRegistration[node] += amount;
        } catch (bytes memory reason) {
            _unexpected(reason, "addStake");
        }
    }

    function requestExit(uint256 nodeSeed) external {
        address node = nodes[nodeSeed % nodes.length];
        NodeInfo memory n = pool.node(node);
        if (n.capacity == 0 || n.exitEpoch != 0) return;
        vm.prank(node);
        try pool.requestExit() {}
        catch (bytes memory reason) {
            _unexpected(reason, "requestExit");
        }
    }

    function withdrawStake(uint256 nodeSeed) external {
        address node = nodes[nodeSeed % nodes.length];
        vm.prank(node);
        try pool.withdrawStake(node) {
            ++nodesWithdrawn;
            depositedSinceRegistration[node] = 0;
        } catch (bytes memory reason) {
            bytes4[] memory allowed = new bytes4[](4);
            (allowed[0], allowed[1], allowed[2], allowed[3]) =
            (
                INodePool.NodeNotRegistered.selector,
                INodePool.NodeNotExiting.selector,
                INodePool.StakeLocked.selector,
                INodePool.PendingAssignments.selector
            );
            _expect(reason, "withdrawStake", allowed);
        }
    }

    /// @notice Anyone may take a node that can no longer work off a model's list; an eligible one stays.
    function evict(uint256 nodeSeed, uint256 modelSeed) external {
        address node = nodes[nodeSeed % nodes.length];
        uint256 modelId = models[modelSeed % models.length];
        try pool.evict(modelId, node) {
            ++evictions;
        } catch (bytes memory reason) {
            bytes4[] memory allowed = new bytes4[](2);
            (allowed[0], allowed[1]) = (INodePool.NodeStillEligible.selector, INodePool.NotServingModel.selector);
            _expect(reason, "evict", allowed);
        }
    }

    function registerNode(uint256 nodeSeed, uint64 capacity) external {
        address node = nodes[nodeSeed % nodes.length];
        if (pool.node(node).capacity != 0) return;
        capacity = uint64(bound(capacity, 100, 1_000));
        uint256 stake = pool.params().minStakePerComputeUnit * capacity + 0.2 ether;
        vm.deal(node, node.balance + stake);
        vm.prank(node);
        try pool.registerNode{value: stake}(models, capacity, stake) {
            depositedSinceRegistration[node] = stake;
        } catch (bytes memory reason) {
            _unexpected(reason, "registerNode");
        }
    }

    // ---------------------------------------------------------------- internals

    function _expect(bytes memory reason, string memory action, bytes4[] memory allowed) internal {
        bytes4 selector = _selector(reason);
        for (uint256 i; i < allowed.length; ++i) {
            if (selector == allowed[i]) {
                ++expectedReverts[selector];
                return;
            }
        }
        _unexpected(reason, action);
    }

    function _unexpected(bytes memory reason, string memory action) internal {
        ++unexpectedReverts;
        lastUnexpectedAction = action;
        lastUnexpectedReason = reason;
    }

    function _selector(bytes memory reason) internal pure returns (bytes4 selector) {
        if (reason.length < 4) return bytes4(0);
        assembly {
            selector := mload(add(reason, 32))
        }
    }

    function _noCapacity() internal pure returns (bytes4[] memory allowed) {
        allowed = new bytes4[](1);
        allowed[0] = IInferenceMarket.NoCapacity.selector;
    }

    function _settledOrLate() internal pure returns (bytes4[] memory allowed) {
        allowed = new bytes4[](2);
        (allowed[0], allowed[1]) =
        (IInferenceMarket.RequestNotPending.selector, IInferenceMarket.DeadlinePassed.selector);
    }

    /// @dev A pending request within its deadline, fulfilled by its node with a proof of its own input.
    function _fulfillable(uint256 id, Request memory r) internal view returns (bool) {
        return r.status == RequestStatus.Pending && block.number <= market.effectiveDeadline(id);
    }

    function _isHashed(uint256 modelId) internal view returns (bool) {
        (,,, IOLayout memory l) = registry.fulfilmentTerms(modelId);
        return l.inputMode == InputMode.Hashed;
    }

    /// @dev Each feature within its own registered bound.
    function _inputFor(uint256 modelId, int256 seed) internal view returns (int256[] memory input) {
        InputBound[] memory b = registry.inputBounds(modelId);
        input = new int256[](b.length);
        for (uint256 i; i < input.length; ++i) {
            // casting is safe because the loop index is below a small array length
            // forge-lint: disable-next-line(unsafe-typecast)
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
            if (l.inputMode == InputMode.Hashed) {
                inst[l.inputOffset + slot] = commitmentOf[ids[src]];
            } else {
                for (uint256 j; j < l.inputCount; ++j) {
                    inst[l.inputOffset + slot * l.inputCount + j] = FieldEncoding.toFelt(input[j]);
                }
            }
            int256[] memory out = new int256[](l.outputCount);
            for (uint256 j; j < l.outputCount; ++j) {
                // casting is safe because the loop index is below a small array length
                // forge-lint: disable-next-line(unsafe-typecast)
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
