// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IModelRegistry, ModelTerms} from "../interfaces/IModelRegistry.sol";
import {EvictionReason, INodePool, NodeInfo, PoolParams} from "../interfaces/INodePool.sol";
import {EpochMath, EpochSchedule} from "../libraries/EpochMath.sol";
import {IOLayout, InputMode} from "../libraries/InstanceLayout.sol";
import {IProofVerifier} from "../verifiers/IProofVerifier.sol";
import {HubAccess} from "./HubAccess.sol";

/// @title NodePool
/// @notice Node operators stake (in the native token or in one ERC-20 fixed at deployment) for a set of
/// models and a capacity in compute units per epoch. Registration takes effect from the next epoch. The
/// market books capacity when it assigns a request and slashes a node that misses a deadline; slashed stake
/// is credited (pull payments) to the requester and the treasury. Leaving takes an unbonding delay, so
/// slashing can still reach the stake of a node that stops serving.
/// @dev Invariant: the pool's balance of the stake token equals totalStaked + totalClaimable + totalHeld.
contract NodePool is INodePool, HubAccess, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;
    using EpochMath for EpochSchedule;

    /// @notice The market, the only caller of assign, release and slash.
    bytes32 public constant MARKET_ROLE = keccak256("MARKET_ROLE");

    uint32 public constant MAX_EPOCH_LENGTH = 1_000_000;
    uint32 public constant MAX_UNBONDING_EPOCHS = 10_000;
    uint16 public constant MAX_NODES_PER_MODEL_LIMIT = 256;
    uint16 public constant MAX_MODELS_PER_NODE_LIMIT = 64;
    uint16 public constant BPS = 10_000;
    uint112 public constant MAX_SLASH_AMOUNT = 1_000 ether;
    /// @notice Part of its held slash a node gets back when a hashed-input request ends unproven on every node.
    uint16 public constant UNPROVEN_RETURN_BPS = 5_000;

    /// @custom:storage-location erc7201:zkvin.storage.NodePool
    struct PoolStorage {
        IModelRegistry registry;
        address stakeToken;
        address treasury;
        EpochSchedule schedule;
        PoolParams params;
        uint256 totalStaked;
        uint256 totalClaimable;
        mapping(address operator => NodeInfo) nodes;
        mapping(address operator => uint256[]) nodeModels;
        mapping(uint256 modelId => address[]) modelNodes;
        mapping(uint256 modelId => mapping(address operator => uint256 indexPlusOne)) modelNodeIndex;
        mapping(address account => uint256) claimable;
        mapping(uint256 requestId => FailedNode[]) failures;
        mapping(uint256 requestId => uint256) held; // slashes of a hashed-input request, until it settles
        uint256 totalHeld;
    }

    /// @dev A node slashed for a request, and what it lost.
    struct FailedNode {
        address node;
        uint96 slashed;
    }

    // keccak256(abi.encode(uint256(keccak256("zkvin.storage.NodePool")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_SLOT = 0xd1e33369ab354dde8478fe778f402a9228c848f0072c103947007455f7ff2400;

    function _s() private pure returns (PoolStorage storage s) {
        assembly {
            s.slot := STORAGE_SLOT
        }
    }

    /// @notice Sets up the pool behind its proxy.
    /// @param admin Receives every governance role.
    /// @param registry_ The model registry (models must exist to be served).
    /// @param stakeToken_ ERC-20 used for stake, or the zero address for the native token. Fixed for good.
    /// @param treasury_ Receives the treasury's share of slashes.
    /// @param epochLengthBlocks Epoch length in blocks.
    /// @param params_ Initial bounded parameters.
    function initialize(
        address admin,
        IModelRegistry registry_,
        address stakeToken_,
        address treasury_,
        uint32 epochLengthBlocks,
        PoolParams calldata params_
    ) external initializer {
        __HubAccess_init(admin);
        if (address(registry_) == address(0)) revert ZeroAddress();
        if (epochLengthBlocks == 0 || epochLengthBlocks > MAX_EPOCH_LENGTH) {
            revert ParameterOutOfBounds("epochLength", epochLengthBlocks);
        }
        PoolStorage storage s = _s();
        s.registry = registry_;
        s.stakeToken = stakeToken_;
        s.schedule = EpochMath.init(block.number, epochLengthBlocks);
        emit EpochLengthScheduled(0, uint64(block.number), epochLengthBlocks);
        _setTreasury(treasury_);
        _setParams(params_);
    }

    // ---------------------------------------------------------------- node operators

    /// @inheritdoc INodePool
    function registerNode(uint256[] calldata modelIds, uint64 capacity, uint256 stakeAmount)
        external
        payable
        whenNotPaused
        nonReentrant
    {
        PoolStorage storage s = _s();
        NodeInfo storage n = s.nodes[msg.sender];
        if (n.capacity != 0) revert NodeAlreadyRegistered(msg.sender);
        if (capacity == 0) revert ZeroCapacity();
        uint256 required = s.params.minStakePerComputeUnit * capacity;
        if (stakeAmount < required || stakeAmount == 0) revert InsufficientStake(required, stakeAmount);
        if (stakeAmount > type(uint112).max) revert ParameterOutOfBounds("stake", stakeAmount);
        _addModels(s, msg.sender, modelIds, capacity);

        uint32 activeFrom = _currentEpoch(s) + 1;
        n.capacity = capacity;
        n.activeFrom = activeFrom;
        // forge-lint: disable-next-line(unsafe-typecast)
        n.stake = uint112(stakeAmount); // bounded above
        s.totalStaked += stakeAmount;
        emit NodeRegistered(msg.sender, modelIds, capacity, stakeAmount, activeFrom);
        _pullStake(s, stakeAmount);
    }

    /// @inheritdoc INodePool
    function addStake(uint256 amount) external payable nonReentrant {
        PoolStorage storage s = _s();
        NodeInfo storage n = _registered(s, msg.sender);
        if (amount == 0) revert ZeroAmount();
        uint256 stake = uint256(n.stake) + amount;
        if (stake > type(uint112).max) revert ParameterOutOfBounds("stake", stake);
        // forge-lint: disable-next-line(unsafe-typecast)
        n.stake = uint112(stake); // bounded above
        s.totalStaked += amount;
        emit StakeAdded(msg.sender, amount, stake);
        _pullStake(s, amount);
    }

    /// @inheritdoc INodePool
    function requestExit() external {
        PoolStorage storage s = _s();
        NodeInfo storage n = _registered(s, msg.sender);
        if (n.exitEpoch != 0) revert NodeAlreadyExiting(msg.sender, n.exitEpoch);
        uint32 exitEpoch = _currentEpoch(s) + 1;
        uint32 withdrawable = exitEpoch + s.params.unbondingEpochs;
        n.exitEpoch = exitEpoch;
        n.withdrawableEpoch = withdrawable;
        emit NodeExitRequested(msg.sender, exitEpoch, withdrawable);
    }

    /// @inheritdoc INodePool
    function withdrawStake(address to) external nonReentrant {
        if (to == address(0)) revert ZeroAddress();
        PoolStorage storage s = _s();
        NodeInfo storage n = _registered(s, msg.sender);
        if (n.exitEpoch == 0) revert NodeNotExiting(msg.sender);
        uint32 epoch = _currentEpoch(s);
        if (epoch < n.withdrawableEpoch) revert StakeLocked(msg.sender, n.withdrawableEpoch, epoch);
        if (n.pending != 0) revert PendingAssignments(msg.sender, n.pending);

        uint256 amount = n.stake;
        _removeModels(s, msg.sender);
        delete s.nodes[msg.sender];
        s.totalStaked -= amount;
        emit StakeWithdrawn(msg.sender, to, amount);
        _pushStake(s, to, amount);
    }

    /// @inheritdoc INodePool
    function claimSlashProceeds(address to) external nonReentrant {
        if (to == address(0)) revert ZeroAddress();
        PoolStorage storage s = _s();
        uint256 amount = s.claimable[msg.sender];
        if (amount == 0) revert NothingToClaim(msg.sender);
        s.claimable[msg.sender] = 0;
        s.totalClaimable -= amount;
        emit SlashProceedsClaimed(msg.sender, to, amount);
        _pushStake(s, to, amount);
    }

    /// @inheritdoc INodePool
    function evict(uint256 modelId, address operator) external {
        PoolStorage storage s = _s();
        if (s.modelNodeIndex[modelId][operator] == 0) revert NotServingModel(modelId, operator);
        EvictionReason reason = _evictionReason(s, modelId, operator);
        if (reason == EvictionReason.None) revert NodeStillEligible(modelId, operator);
        _removeModel(s, modelId, operator);
        uint256[] storage models = s.nodeModels[operator];
        uint256 last = models.length - 1;
        for (uint256 i; i <= last; ++i) {
            if (models[i] == modelId) {
                models[i] = models[last];
                models.pop();
                break;
            }
        }
        emit NodeEvicted(operator, modelId, reason);
    }

    // ---------------------------------------------------------------- market

    /// @inheritdoc INodePool
    function assign(uint256 modelId, uint64 units, uint256 seed, uint256 requestId)
        external
        onlyRole(MARKET_ROLE)
        returns (address, uint32 epoch, uint256 slashAmount)
    {
        PoolStorage storage s = _s();
        epoch = _currentEpoch(s);
        return (_scan(s, modelId, units, seed, s.failures[requestId], epoch), epoch, s.params.slashAmount);
    }

    /// @inheritdoc INodePool
    function release(address operator, uint32 count) external onlyRole(MARKET_ROLE) {
        NodeInfo storage n = _s().nodes[operator];
        if (n.pending < count) revert NoPendingAssignment(operator);
        n.pending -= count;
    }

    /// @inheritdoc INodePool
    function slash(address operator, uint256 requestId, uint256 modelId, uint256 maxAmount)
        external
        onlyRole(MARKET_ROLE)
        returns (uint256 amount, bool provable)
    {
        PoolStorage storage s = _s();
        NodeInfo storage n = s.nodes[operator];
        if (n.pending == 0) revert NoPendingAssignment(operator);
        n.pending -= 1;
        // A withdrawn key (or model) makes the request unprovable: nobody is to blame, the request is only
        // released. A registry or adapter that refuses to answer counts as withdrawn, so expiry never sticks.
        (bool accepted, bool hashed) = _provable(s, modelId);
        if (!accepted) return (0, false);

        amount = s.params.slashAmount < maxAmount ? s.params.slashAmount : maxAmount;
        if (n.stake < amount) amount = n.stake;
        // forge-lint: disable-next-line(unsafe-typecast)
        s.failures[requestId].push(FailedNode({node: operator, slashed: uint96(amount)})); // <= MAX_SLASH_AMOUNT
        // forge-lint: disable-next-line(unsafe-typecast)
        n.stake -= uint112(amount); // amount <= stake
        // forge-lint: disable-next-line(unsafe-typecast)
        n.slashed += uint112(amount);
        s.totalStaked -= amount;
        if (hashed) {
            // The hub cannot tell a lazy node from a commitment that opens to nothing until the request settles.
            s.held[requestId] += amount;
            s.totalHeld += amount;
            emit NodeSlashed(operator, requestId, address(0), amount, 0, 0);
        } else {
            s.claimable[s.treasury] += amount;
            s.totalClaimable += amount;
            emit NodeSlashed(operator, requestId, address(0), amount, 0, amount);
        }
        return (amount, true);
    }

    /// @inheritdoc INodePool
    function settleHeld(uint256 requestId, bool proven) external onlyRole(MARKET_ROLE) {
        PoolStorage storage s = _s();
        uint256 total = s.held[requestId];
        if (total == 0) return;
        delete s.held[requestId];
        s.totalHeld -= total;
        s.totalClaimable += total;
        uint256 returned;
        if (!proven) {
            FailedNode[] storage failed = s.failures[requestId];
            for (uint256 i; i < failed.length; ++i) {
                FailedNode memory f = failed[i];
                uint256 back = uint256(f.slashed) * UNPROVEN_RETURN_BPS / BPS;
                if (back == 0) continue;
                s.claimable[f.node] += back;
                returned += back;
                emit HeldSlashReturned(requestId, f.node, back);
            }
        }
        s.claimable[s.treasury] += total - returned;
        emit HeldSlashSettled(requestId, proven, total - returned, returned);
    }

    // ---------------------------------------------------------------- governance

    /// @notice Sets the epoch length (in blocks) from the next epoch on.
    function setEpochLength(uint32 lengthBlocks) external onlyRole(PARAMETER_SETTER_ROLE) {
        if (lengthBlocks == 0 || lengthBlocks > MAX_EPOCH_LENGTH) {
            revert ParameterOutOfBounds("epochLength", lengthBlocks);
        }
        PoolStorage storage s = _s();
        EpochSchedule memory next = s.schedule.reschedule(block.number, lengthBlocks);
        s.schedule = next;
        emit EpochLengthScheduled(next.anchorEpoch, next.anchorBlock, lengthBlocks);
    }

    /// @notice Replaces the bounded pool parameters.
    function setParams(PoolParams calldata params_) external onlyRole(PARAMETER_SETTER_ROLE) {
        _setParams(params_);
    }

    /// @notice Changes where the treasury's share of slashes goes (already credited shares stay).
    function setTreasury(address treasury_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setTreasury(treasury_);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc INodePool
    function currentEpoch() external view returns (uint32) {
        return _currentEpoch(_s());
    }

    /// @inheritdoc INodePool
    function epochAt(uint256 blockNumber) external view returns (uint32) {
        return _s().schedule.epochAt(blockNumber);
    }

    /// @inheritdoc INodePool
    function epochStartBlock(uint32 epoch) external view returns (uint64) {
        return _s().schedule.startBlock(epoch);
    }

    /// @inheritdoc INodePool
    function epochLength() external view returns (uint32) {
        EpochSchedule memory sched = _s().schedule;
        return block.number >= sched.anchorBlock ? sched.length : sched.prevLength;
    }

    /// @notice The epoch schedule (current and previous anchor).
    function epochSchedule() external view returns (EpochSchedule memory) {
        return _s().schedule;
    }

    /// @inheritdoc INodePool
    function node(address operator) external view returns (NodeInfo memory) {
        return _s().nodes[operator];
    }

    /// @inheritdoc INodePool
    function nodeModels(address operator) external view returns (uint256[] memory) {
        return _s().nodeModels[operator];
    }

    /// @inheritdoc INodePool
    function modelNodes(uint256 modelId) external view returns (address[] memory) {
        return _s().modelNodes[modelId];
    }

    /// @inheritdoc INodePool
    function spareCapacity(address operator) external view returns (uint64) {
        PoolStorage storage s = _s();
        NodeInfo storage n = s.nodes[operator];
        uint64 used = n.usedEpoch == _currentEpoch(s) ? n.used : 0;
        return n.capacity - used;
    }

    /// @inheritdoc INodePool
    function isAssignable(address operator, uint64 units) external view returns (bool ok) {
        PoolStorage storage s = _s();
        (ok,) = _fits(s.nodes[operator], _currentEpoch(s), units, s.params.minStakePerComputeUnit);
    }

    /// @inheritdoc INodePool
    function failedNodes(uint256 requestId) external view returns (address[] memory nodes, uint256[] memory slashed) {
        FailedNode[] storage failed = _s().failures[requestId];
        uint256 n = failed.length;
        nodes = new address[](n);
        slashed = new uint256[](n);
        for (uint256 i; i < n; ++i) {
            (nodes[i], slashed[i]) = (failed[i].node, failed[i].slashed);
        }
    }

    /// @inheritdoc INodePool
    function evictionReason(uint256 modelId, address operator) external view returns (EvictionReason) {
        PoolStorage storage s = _s();
        if (s.modelNodeIndex[modelId][operator] == 0) return EvictionReason.None;
        return _evictionReason(s, modelId, operator);
    }

    /// @inheritdoc INodePool
    function claimable(address account) external view returns (uint256) {
        return _s().claimable[account];
    }

    /// @inheritdoc INodePool
    function stakeToken() external view returns (address) {
        return _s().stakeToken;
    }

    /// @inheritdoc INodePool
    function params() external view returns (PoolParams memory) {
        return _s().params;
    }

    /// @inheritdoc INodePool
    function totalStaked() external view returns (uint256) {
        return _s().totalStaked;
    }

    /// @inheritdoc INodePool
    function totalClaimable() external view returns (uint256) {
        return _s().totalClaimable;
    }

    /// @inheritdoc INodePool
    function totalHeld() external view returns (uint256) {
        return _s().totalHeld;
    }

    /// @inheritdoc INodePool
    function held(uint256 requestId) external view returns (uint256) {
        return _s().held[requestId];
    }

    /// @notice The model registry.
    function registry() external view returns (IModelRegistry) {
        return _s().registry;
    }

    /// @notice Where the treasury's share of slashes goes.
    function treasury() external view returns (address) {
        return _s().treasury;
    }

    // ---------------------------------------------------------------- internals

    /// @dev Whether `n` may take `units` more in `epoch`, and what it has used in `epoch` so far.
    function _fits(NodeInfo storage n, uint32 epoch, uint64 units, uint256 minStakePerUnit)
        private
        view
        returns (bool, uint64 used)
    {
        uint64 capacity = n.capacity;
        if (capacity == 0 || epoch < n.activeFrom) return (false, 0);
        if (n.exitEpoch != 0 && epoch >= n.exitEpoch) return (false, 0);
        if (n.stake < minStakePerUnit * capacity) return (false, 0);
        used = n.usedEpoch == epoch ? n.used : 0;
        return (capacity - used >= units, used);
    }

    /// @dev Books `units` of the operator's capacity in `epoch` if it is eligible and has room.
    function _take(PoolStorage storage s, address operator, uint256 modelId, uint64 units, uint32 epoch)
        private
        returns (bool)
    {
        NodeInfo storage n = s.nodes[operator];
        (bool ok, uint64 usedNow) = _fits(n, epoch, units, s.params.minStakePerComputeUnit);
        if (!ok) return false;
        uint64 used = usedNow + units;
        n.used = used;
        n.usedEpoch = epoch;
        n.pending += 1;
        emit CapacityAllocated(operator, modelId, epoch, units, used);
        return true;
    }

    /// @dev Whether the model's key is still accepted by its adapter, and whether its input is hashed.
    function _provable(PoolStorage storage s, uint256 modelId) private view returns (bool accepted, bool hashed) {
        try s.registry.fulfilmentTerms(modelId) returns (
            address, IProofVerifier verifier, bytes32 key, IOLayout memory l
        ) {
            hashed = l.inputMode == InputMode.Hashed;
            try verifier.isKeyAccepted(key) returns (bool ok) {
                accepted = ok;
            } catch {}
        } catch {}
    }

    /// @dev The first node from `seed % count` on that is not excluded and can take `units` now (booked).
    function _scan(
        PoolStorage storage s,
        uint256 modelId,
        uint64 units,
        uint256 seed,
        FailedNode[] storage failed,
        uint32 epoch
    ) private returns (address) {
        address[] storage candidates = s.modelNodes[modelId];
        uint256 count = candidates.length;
        if (count == 0) return address(0);
        uint256 failures = failed.length;
        uint256 start = seed % count;
        for (uint256 k; k < count; ++k) {
            address operator = candidates[(start + k) % count];
            if (failures != 0 && _failed(failed, operator)) continue;
            if (_take(s, operator, modelId, units, epoch)) return operator;
        }
        return address(0);
    }

    function _failed(FailedNode[] storage failed, address operator) private view returns (bool) {
        for (uint256 i; i < failed.length; ++i) {
            if (failed[i].node == operator) return true;
        }
        return false;
    }

    /// @dev Why a node on `modelId`'s list can no longer take its work (None: it still can, or may later).
    function _evictionReason(PoolStorage storage s, uint256 modelId, address operator)
        private
        view
        returns (EvictionReason)
    {
        NodeInfo storage n = s.nodes[operator];
        if (n.exitEpoch != 0 && _currentEpoch(s) >= n.exitEpoch) return EvictionReason.Exited;
        if (n.stake < s.params.minStakePerComputeUnit * n.capacity) return EvictionReason.UnderStaked;
        if (n.capacity < s.registry.modelTerms(modelId).computeUnits) return EvictionReason.CapacityBelowUnits;
        return EvictionReason.None;
    }

    function _currentEpoch(PoolStorage storage s) private view returns (uint32) {
        return s.schedule.epochAt(block.number);
    }

    function _registered(PoolStorage storage s, address operator) private view returns (NodeInfo storage n) {
        n = s.nodes[operator];
        if (n.capacity == 0) revert NodeNotRegistered(operator);
    }

    function _addModels(PoolStorage storage s, address operator, uint256[] calldata modelIds, uint64 capacity) private {
        uint256 count = modelIds.length;
        if (count == 0) revert InvalidModelSet();
        if (count > s.params.maxModelsPerNode) revert TooManyModels(count, s.params.maxModelsPerNode);
        uint256 maxNodes = s.params.maxNodesPerModel;
        for (uint256 i; i < count; ++i) {
            uint256 modelId = modelIds[i];
            if (!s.registry.exists(modelId)) revert ModelUnavailable(modelId);
            ModelTerms memory terms = s.registry.modelTerms(modelId);
            if (terms.deprecated) revert ModelUnavailable(modelId);
            if (capacity < terms.computeUnits) revert CapacityBelowModelUnits(modelId, capacity, terms.computeUnits);
            if (s.modelNodeIndex[modelId][operator] != 0) revert DuplicateModel(modelId);
            address[] storage list = s.modelNodes[modelId];
            if (list.length >= maxNodes) revert ModelNodeLimitReached(modelId, maxNodes);
            list.push(operator);
            s.modelNodeIndex[modelId][operator] = list.length;
            s.nodeModels[operator].push(modelId);
        }
    }

    function _removeModels(PoolStorage storage s, address operator) private {
        uint256[] storage models = s.nodeModels[operator];
        for (uint256 i; i < models.length; ++i) {
            _removeModel(s, models[i], operator);
        }
        delete s.nodeModels[operator];
    }

    /// @dev Takes `operator` off `modelId`'s list (swap with the last entry and pop).
    function _removeModel(PoolStorage storage s, uint256 modelId, address operator) private {
        address[] storage list = s.modelNodes[modelId];
        uint256 index = s.modelNodeIndex[modelId][operator] - 1;
        address last = list[list.length - 1];
        list[index] = last;
        s.modelNodeIndex[modelId][last] = index + 1;
        list.pop();
        delete s.modelNodeIndex[modelId][operator];
    }

    function _pullStake(PoolStorage storage s, uint256 amount) private {
        address token = s.stakeToken;
        if (token == address(0)) {
            if (msg.value != amount) revert IncorrectNativeValue(amount, msg.value);
            return;
        }
        if (msg.value != 0) revert IncorrectNativeValue(0, msg.value);
        uint256 before = IERC20(token).balanceOf(address(this));
        IERC20(token).safeTransferFrom(msg.sender, address(this), amount);
        uint256 received = IERC20(token).balanceOf(address(this)) - before;
        if (received != amount) revert UnsupportedStakeToken(amount, received);
    }

    function _pushStake(PoolStorage storage s, address to, uint256 amount) private {
        address token = s.stakeToken;
        if (token == address(0)) {
            (bool ok,) = to.call{value: amount}("");
            if (!ok) revert TransferFailed(to, amount);
        } else {
            IERC20(token).safeTransfer(to, amount);
        }
    }

    function _setParams(PoolParams calldata p) private {
        if (p.requesterShareBps > BPS) revert ParameterOutOfBounds("requesterShareBps", p.requesterShareBps);
        if (p.maxNodesPerModel == 0 || p.maxNodesPerModel > MAX_NODES_PER_MODEL_LIMIT) {
            revert ParameterOutOfBounds("maxNodesPerModel", p.maxNodesPerModel);
        }
        if (p.maxModelsPerNode == 0 || p.maxModelsPerNode > MAX_MODELS_PER_NODE_LIMIT) {
            revert ParameterOutOfBounds("maxModelsPerNode", p.maxModelsPerNode);
        }
        if (p.unbondingEpochs == 0 || p.unbondingEpochs > MAX_UNBONDING_EPOCHS) {
            revert ParameterOutOfBounds("unbondingEpochs", p.unbondingEpochs);
        }
        if (p.slashAmount > MAX_SLASH_AMOUNT) revert ParameterOutOfBounds("slashAmount", p.slashAmount);
        if (p.minStakePerComputeUnit > type(uint112).max) {
            revert ParameterOutOfBounds("minStakePerComputeUnit", p.minStakePerComputeUnit);
        }
        _s().params = p;
        emit PoolParamsUpdated(p);
    }

    function _setTreasury(address treasury_) private {
        if (treasury_ == address(0)) revert ZeroAddress();
        _s().treasury = treasury_;
        emit TreasuryUpdated(treasury_);
    }
}
