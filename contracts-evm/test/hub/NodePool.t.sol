// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {PausableUpgradeable} from "@openzeppelin/contracts-upgradeable/utils/PausableUpgradeable.sol";
import {EvictionReason, INodePool, NodeInfo, PoolParams} from "../../src/interfaces/INodePool.sol";
import {StakeToken} from "../mocks/StakeToken.sol";
import {RejectingReceiver} from "../mocks/TestConsumers.sol";
import {HubTestBase} from "../utils/HubTestBase.sol";

/// @notice Takes a 1% fee on every transfer: the pool must refuse it as a stake token.
contract FeeOnTransferToken is ERC20 {
    constructor() ERC20("Fee", "FEE") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function _update(address from, address to, uint256 value) internal override {
        if (from != address(0) && to != address(0)) {
            uint256 fee = value / 100;
            super._update(from, address(0xdead), fee);
            value -= fee;
        }
        super._update(from, to, value);
    }
}

contract NodePoolTest is HubTestBase {
    uint256 internal modelId;
    uint256 internal otherModel;
    address internal market_ = makeAddr("marketRole");
    address internal stranger = makeAddr("stranger");

    function setUp() public override {
        super.setUp();
        modelId = _registerModel(_layout(1, 3, 1));
        otherModel = _registerModel(_layout(1, 3, 1));
        pool.grantRole(pool.MARKET_ROLE(), market_);
    }

    function _models(uint256 a) internal pure returns (uint256[] memory m) {
        m = new uint256[](1);
        m[0] = a;
    }

    function _models(uint256 a, uint256 b) internal pure returns (uint256[] memory m) {
        m = new uint256[](2);
        (m[0], m[1]) = (a, b);
    }

    function _expectRegisterRevert(uint256[] memory models, uint64 capacity, uint256 stake, bytes memory err) internal {
        vm.deal(nodeA, stake);
        vm.prank(nodeA);
        vm.expectRevert(err);
        pool.registerNode{value: stake}(models, capacity, stake);
    }

    // ---------------------------------------------------------------- registration

    function test_registerNode_activeFromNextEpoch() public {
        uint256 stake = _stakeFor(100);
        vm.deal(nodeA, stake);
        vm.expectEmit(address(pool));
        emit INodePool.NodeRegistered(nodeA, _models(modelId, otherModel), 100, stake, 1);
        vm.prank(nodeA);
        pool.registerNode{value: stake}(_models(modelId, otherModel), 100, stake);

        NodeInfo memory n = pool.node(nodeA);
        assertEq(n.stake, stake);
        assertEq(n.capacity, 100);
        assertEq(n.activeFrom, 1);
        assertEq(pool.nodeModels(nodeA), _models(modelId, otherModel));
        assertEq(pool.modelNodes(modelId).length, 1);
        assertEq(pool.totalStaked(), stake);
        assertEq(address(pool).balance, stake);
        assertFalse(pool.isAssignable(nodeA, 1));

        vm.prank(market_);
        (address chosen,,) = pool.assign(modelId, 10, 0, 0);
        assertEq(chosen, address(0), "not active in the registration epoch");

        _nextEpoch();
        assertTrue(pool.isAssignable(nodeA, 100));
        assertFalse(pool.isAssignable(nodeA, 101));
        vm.prank(market_);
        (chosen,,) = pool.assign(modelId, 10, 0, 0);
        assertEq(chosen, nodeA);
    }

    function test_registerNode_reverts() public {
        uint256 stake = _stakeFor(100);
        _expectRegisterRevert(_models(modelId), 0, stake, abi.encodeWithSelector(INodePool.ZeroCapacity.selector));
        _expectRegisterRevert(
            _models(modelId),
            100,
            MIN_STAKE_PER_UNIT * 100 - 1,
            abi.encodeWithSelector(
                INodePool.InsufficientStake.selector, MIN_STAKE_PER_UNIT * 100, MIN_STAKE_PER_UNIT * 100 - 1
            )
        );
        _expectRegisterRevert(new uint256[](0), 100, stake, abi.encodeWithSelector(INodePool.InvalidModelSet.selector));
        _expectRegisterRevert(_models(99), 100, stake, abi.encodeWithSelector(INodePool.ModelUnavailable.selector, 99));
        _expectRegisterRevert(
            _models(modelId, modelId), 100, stake, abi.encodeWithSelector(INodePool.DuplicateModel.selector, modelId)
        );
        uint256[] memory many = new uint256[](9);
        _expectRegisterRevert(many, 100, stake, abi.encodeWithSelector(INodePool.TooManyModels.selector, 9, 8));

        vm.prank(modelOwner);
        registry.deprecateModel(otherModel);
        _expectRegisterRevert(
            _models(otherModel), 100, stake, abi.encodeWithSelector(INodePool.ModelUnavailable.selector, otherModel)
        );

        vm.deal(nodeA, stake);
        vm.prank(nodeA);
        vm.expectRevert(abi.encodeWithSelector(INodePool.IncorrectNativeValue.selector, stake, stake - 1));
        pool.registerNode{value: stake - 1}(_models(modelId), 100, stake);

        _registerNode(nodeA, modelId, 100);
        _expectRegisterRevert(
            _models(modelId), 100, stake, abi.encodeWithSelector(INodePool.NodeAlreadyRegistered.selector, nodeA)
        );

        pool.pause();
        vm.deal(nodeB, stake);
        vm.prank(nodeB);
        vm.expectRevert(PausableUpgradeable.EnforcedPause.selector);
        pool.registerNode{value: stake}(_models(modelId), 100, stake);
    }

    function test_registerNode_enforcesNodesPerModel() public {
        PoolParams memory p = pool.params();
        p.maxNodesPerModel = 2;
        pool.setParams(p);
        _registerNode(nodeA, modelId, 100);
        _registerNode(nodeB, modelId, 100);
        uint256 stake = _stakeFor(10);
        vm.deal(nodeC, stake);
        vm.prank(nodeC);
        vm.expectRevert(abi.encodeWithSelector(INodePool.ModelNodeLimitReached.selector, modelId, 2));
        pool.registerNode{value: stake}(_models(modelId), 100, stake);
    }

    /// @dev M-3: a node whose capacity cannot hold one inference would sit on the model's list for ever.
    function test_registerNode_refusesCapacityBelowTheModelsUnits() public {
        _expectRegisterRevert(
            _models(modelId),
            COMPUTE_UNITS - 1,
            _stakeFor(COMPUTE_UNITS - 1),
            abi.encodeWithSelector(
                INodePool.CapacityBelowModelUnits.selector, modelId, COMPUTE_UNITS - 1, COMPUTE_UNITS
            )
        );
    }

    /// @dev M-3: a full list of nodes that can no longer work (exited, under-staked) is cleared by anyone, so an
    /// honest node can join.
    function test_evict_ineligibleNodesMakeRoom() public {
        PoolParams memory p = pool.params();
        p.maxNodesPerModel = 2;
        pool.setParams(p);
        _registerNode(nodeA, _models(modelId, otherModel), 100);
        _registerNode(nodeB, modelId, 100);
        _nextEpoch();

        vm.prank(stranger);
        vm.expectRevert(abi.encodeWithSelector(INodePool.NodeStillEligible.selector, modelId, nodeA));
        pool.evict(modelId, nodeA);
        vm.expectRevert(abi.encodeWithSelector(INodePool.NotServingModel.selector, otherModel, nodeB));
        pool.evict(otherModel, nodeB);

        vm.prank(nodeA);
        pool.requestExit();
        assertEq(uint8(pool.evictionReason(modelId, nodeA)), uint8(EvictionReason.None), "serves out its epoch");
        _nextEpoch();
        vm.expectEmit(address(pool));
        emit INodePool.NodeEvicted(nodeA, modelId, EvictionReason.Exited);
        vm.prank(stranger);
        pool.evict(modelId, nodeA);
        assertEq(pool.modelNodes(modelId).length, 1);
        assertEq(pool.nodeModels(nodeA).length, 1);
        assertEq(pool.nodeModels(nodeA)[0], otherModel);

        p.minStakePerComputeUnit = 1 ether; // nodeB now holds less than its capacity requires
        pool.setParams(p);
        vm.expectEmit(address(pool));
        emit INodePool.NodeEvicted(nodeB, modelId, EvictionReason.UnderStaked);
        vm.prank(stranger);
        pool.evict(modelId, nodeB);
        p.minStakePerComputeUnit = MIN_STAKE_PER_UNIT;
        pool.setParams(p);

        _registerNode(nodeC, modelId, 100); // room again
        assertEq(pool.modelNodes(modelId).length, 1);
        // An evicted node still leaves cleanly.
        vm.roll(pool.epochStartBlock(pool.node(nodeA).withdrawableEpoch));
        vm.prank(nodeA);
        pool.withdrawStake(nodeA);
        assertEq(pool.modelNodes(otherModel).length, 0);
    }

    function test_addStake() public {
        vm.deal(nodeA, 1 ether);
        vm.prank(nodeA);
        vm.expectRevert(abi.encodeWithSelector(INodePool.NodeNotRegistered.selector, nodeA));
        pool.addStake{value: 1}(1);

        _registerNode(nodeA, modelId, 100);
        uint256 before = pool.node(nodeA).stake;
        vm.expectEmit(address(pool));
        emit INodePool.StakeAdded(nodeA, 5, before + 5);
        vm.prank(nodeA);
        pool.addStake{value: 5}(5);
        assertEq(pool.node(nodeA).stake, before + 5);
        assertEq(pool.totalStaked(), before + 5);

        vm.prank(nodeA);
        vm.expectRevert(INodePool.ZeroAmount.selector);
        pool.addStake(0);
        vm.prank(nodeA);
        vm.expectRevert(abi.encodeWithSelector(INodePool.IncorrectNativeValue.selector, 5, 4));
        pool.addStake{value: 4}(5);
    }

    // ---------------------------------------------------------------- capacity

    function test_assign_booksCapacityPerEpochAndNeverExceedsIt() public {
        _registerNode(nodeA, modelId, 100);
        _nextEpoch();
        uint32 epoch = pool.currentEpoch();
        vm.startPrank(market_);
        vm.expectEmit(address(pool));
        emit INodePool.CapacityAllocated(nodeA, modelId, epoch, 60, 60);
        (address chosen, uint32 e,) = pool.assign(modelId, 60, 7, 0);
        assertEq(chosen, nodeA);
        assertEq(e, epoch);
        assertEq(pool.spareCapacity(nodeA), 40);
        (chosen,,) = pool.assign(modelId, 41, 7, 0);
        assertEq(chosen, address(0));
        (chosen,,) = pool.assign(modelId, 40, 7, 0);
        assertEq(chosen, nodeA);
        assertEq(pool.spareCapacity(nodeA), 0);
        assertEq(pool.node(nodeA).pending, 2);
        vm.stopPrank();

        _nextEpoch();
        assertEq(pool.spareCapacity(nodeA), 100, "capacity renews each epoch");
        vm.prank(market_);
        (chosen,,) = pool.assign(modelId, 100, 0, 0);
        assertEq(chosen, nodeA);
    }

    function test_assign_skipsExcludedUnderstakedAndUnknownModels() public {
        _registerNode(nodeA, modelId, 100);
        _registerNode(nodeB, modelId, 100);
        _nextEpoch();
        vm.startPrank(market_);
        (address first,,) = pool.assign(modelId, 1, 0, 7);
        assertEq(first, nodeA);
        pool.slash(nodeA, 7, modelId, SLASH);
        // Request 7 never goes back to a node slashed for it.
        for (uint256 seed; seed < 4; ++seed) {
            (address chosen,,) = pool.assign(modelId, 1, seed, 7);
            assertEq(chosen, nodeB);
        }
        (address[] memory failed, uint256[] memory lost) = pool.failedNodes(7);
        assertEq(failed.length, 1);
        assertEq(failed[0], nodeA);
        assertEq(lost[0], SLASH);
        (address none,,) = pool.assign(otherModel, 1, 0, 0);
        assertEq(none, address(0));
        vm.stopPrank();

        PoolParams memory p = pool.params();
        p.minStakePerComputeUnit = 1 ether; // nobody holds 100 ether now
        pool.setParams(p);
        assertFalse(pool.isAssignable(nodeA, 1));
        vm.prank(market_);
        (none,,) = pool.assign(modelId, 1, 0, 0);
        assertEq(none, address(0));
    }

    function test_assign_startsAtSeed() public {
        _registerNode(nodeA, modelId, 100);
        _registerNode(nodeB, modelId, 100);
        _registerNode(nodeC, modelId, 100);
        _nextEpoch();
        address[] memory nodes = pool.modelNodes(modelId);
        vm.startPrank(market_);
        for (uint256 seed; seed < 6; ++seed) {
            (address chosen,,) = pool.assign(modelId, 1, seed, 0);
            assertEq(chosen, nodes[seed % 3]);
        }
        vm.stopPrank();
    }

    function test_marketOnlyFunctions() public {
        bytes32 role = pool.MARKET_ROLE();
        vm.startPrank(stranger);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, role)
        );
        pool.assign(modelId, 1, 0, 0);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, role)
        );
        pool.release(nodeA, 1);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, role)
        );
        pool.slash(nodeA, 1, modelId, SLASH);
        vm.stopPrank();
    }

    function test_release() public {
        _registerNode(nodeA, modelId, 100);
        _nextEpoch();
        vm.startPrank(market_);
        pool.assign(modelId, 1, 0, 0);
        pool.assign(modelId, 1, 0, 0);
        pool.release(nodeA, 2);
        assertEq(pool.node(nodeA).pending, 0);
        vm.expectRevert(abi.encodeWithSelector(INodePool.NoPendingAssignment.selector, nodeA));
        pool.release(nodeA, 1);
        vm.stopPrank();
    }

    // ---------------------------------------------------------------- slashing

    function test_slash_goesToTheTreasury() public {
        _registerNode(nodeA, modelId, 100);
        _nextEpoch();
        uint256 stake = pool.node(nodeA).stake;
        vm.startPrank(market_);
        pool.assign(modelId, 1, 0, 0);
        vm.expectEmit(address(pool));
        emit INodePool.NodeSlashed(nodeA, 42, address(0), SLASH, 0, SLASH);
        (uint256 amount, bool provable) = pool.slash(nodeA, 42, modelId, SLASH);
        vm.stopPrank();

        assertTrue(provable);
        assertEq(amount, SLASH);
        assertEq(pool.node(nodeA).stake, stake - SLASH);
        assertEq(pool.node(nodeA).slashed, SLASH);
        assertEq(pool.node(nodeA).pending, 0);
        assertEq(pool.claimable(requester), 0, "no requester share: steering onto an offline node pays nothing");
        assertEq(pool.claimable(treasury), SLASH);
        assertEq(pool.totalStaked() + pool.totalClaimable(), address(pool).balance);

        vm.prank(market_);
        vm.expectRevert(abi.encodeWithSelector(INodePool.NoPendingAssignment.selector, nodeA));
        pool.slash(nodeA, 43, modelId, SLASH);
    }

    /// @dev L-1: a request is slashed at most what was in force when it was opened; a raise does not reach it,
    /// a cut does. The amount itself is bounded.
    function test_slash_atMostTheRecordedAmount_andBounded() public {
        _registerNode(nodeA, modelId, 1_000);
        _nextEpoch();
        PoolParams memory p = pool.params();
        p.slashAmount = pool.MAX_SLASH_AMOUNT() + 1;
        vm.expectRevert(
            abi.encodeWithSelector(INodePool.ParameterOutOfBounds.selector, "slashAmount", uint256(p.slashAmount))
        );
        pool.setParams(p);

        vm.prank(market_);
        (,, uint256 recorded) = pool.assign(modelId, 1, 0, 0);
        assertEq(recorded, SLASH);
        p.slashAmount = SLASH * 3; // raised after the assignment
        pool.setParams(p);
        vm.prank(market_);
        (uint256 amount,) = pool.slash(nodeA, 1, modelId, recorded);
        assertEq(amount, SLASH, "a raise does not reach work already taken");

        vm.prank(market_);
        (,, recorded) = pool.assign(modelId, 1, 0, 0);
        p.slashAmount = SLASH / 2; // cut after the assignment
        pool.setParams(p);
        vm.prank(market_);
        (amount,) = pool.slash(nodeA, 2, modelId, recorded);
        assertEq(amount, SLASH / 2, "a cut applies at once");
    }

    function test_slash_withoutBeneficiaryGoesToTreasury_andIsCappedAtStake() public {
        _registerNode(nodeA, modelId, 100);
        _nextEpoch();
        PoolParams memory p = pool.params();
        p.slashAmount = 100 ether;
        pool.setParams(p);
        uint256 stake = pool.node(nodeA).stake;
        vm.startPrank(market_);
        pool.assign(modelId, 1, 0, 0);
        (uint256 amount,) = pool.slash(nodeA, 1, modelId, 100 ether);
        vm.stopPrank();
        assertEq(amount, stake);
        assertEq(pool.node(nodeA).stake, 0);
        assertEq(pool.claimable(treasury), stake);
        assertFalse(pool.isAssignable(nodeA, 1), "a node without stake gets no work");
    }

    function test_claimSlashProceeds() public {
        _registerNode(nodeA, modelId, 100);
        _nextEpoch();
        vm.startPrank(market_);
        pool.assign(modelId, 1, 0, 0);
        pool.slash(nodeA, 1, modelId, SLASH);
        vm.stopPrank();
        uint256 share = pool.claimable(treasury);
        address payee = makeAddr("payee");
        vm.expectEmit(address(pool));
        emit INodePool.SlashProceedsClaimed(treasury, payee, share);
        vm.prank(treasury);
        pool.claimSlashProceeds(payee);
        assertEq(payee.balance, share);
        assertEq(pool.claimable(treasury), 0);

        vm.prank(requester);
        vm.expectRevert(abi.encodeWithSelector(INodePool.NothingToClaim.selector, requester));
        pool.claimSlashProceeds(payee);
        vm.prank(treasury);
        vm.expectRevert(INodePool.ZeroAddress.selector);
        pool.claimSlashProceeds(address(0));

        vm.startPrank(market_);
        pool.assign(modelId, 1, 0, 0);
        pool.slash(nodeA, 2, modelId, SLASH);
        vm.stopPrank();
        RejectingReceiver rejecting = new RejectingReceiver();
        uint256 treasuryShare = pool.claimable(treasury);
        vm.prank(treasury);
        vm.expectRevert(abi.encodeWithSelector(INodePool.TransferFailed.selector, address(rejecting), treasuryShare));
        pool.claimSlashProceeds(address(rejecting));
        assertEq(pool.claimable(treasury), treasuryShare, "a failed transfer keeps the balance");
    }

    // ---------------------------------------------------------------- exit and unbonding

    function test_exit_unbondingAndWithdrawal() public {
        _registerNode(nodeA, modelId, 100);
        _registerNode(nodeB, modelId, 100);
        _nextEpoch();
        uint32 epoch = pool.currentEpoch();
        vm.prank(market_);
        pool.assign(modelId, 1, 0, 0); // nodeA (first in the list)

        vm.prank(nodeA);
        vm.expectRevert(abi.encodeWithSelector(INodePool.NodeNotExiting.selector, nodeA));
        pool.withdrawStake(nodeA);

        vm.expectEmit(address(pool));
        emit INodePool.NodeExitRequested(nodeA, epoch + 1, epoch + 1 + UNBONDING);
        vm.prank(nodeA);
        pool.requestExit();
        vm.prank(nodeA);
        vm.expectRevert(abi.encodeWithSelector(INodePool.NodeAlreadyExiting.selector, nodeA, epoch + 1));
        pool.requestExit();
        assertTrue(pool.isAssignable(nodeA, 1), "serves out the current epoch");

        _nextEpoch();
        assertFalse(pool.isAssignable(nodeA, 1));
        vm.prank(nodeA);
        vm.expectRevert(abi.encodeWithSelector(INodePool.StakeLocked.selector, nodeA, epoch + 1 + UNBONDING, epoch + 1));
        pool.withdrawStake(nodeA);

        _nextEpoch();
        _nextEpoch();
        vm.prank(nodeA);
        vm.expectRevert(abi.encodeWithSelector(INodePool.PendingAssignments.selector, nodeA, 1));
        pool.withdrawStake(nodeA);

        vm.prank(market_);
        pool.release(nodeA, 1);
        uint256 stake = pool.node(nodeA).stake;
        address payee = makeAddr("payee");
        vm.prank(nodeA);
        vm.expectRevert(INodePool.ZeroAddress.selector);
        pool.withdrawStake(address(0));
        vm.expectEmit(address(pool));
        emit INodePool.StakeWithdrawn(nodeA, payee, stake);
        vm.prank(nodeA);
        pool.withdrawStake(payee);
        assertEq(payee.balance, stake);
        assertEq(pool.node(nodeA).capacity, 0);
        assertEq(pool.nodeModels(nodeA).length, 0);
        address[] memory left = pool.modelNodes(modelId);
        assertEq(left.length, 1);
        assertEq(left[0], nodeB);
        assertEq(pool.totalStaked(), address(pool).balance);

        // The operator may register again, from the next epoch.
        _registerNode(nodeA, modelId, 100);
        assertEq(pool.node(nodeA).activeFrom, pool.currentEpoch() + 1);
    }

    function test_exitRequiresRegistration() public {
        vm.prank(nodeA);
        vm.expectRevert(abi.encodeWithSelector(INodePool.NodeNotRegistered.selector, nodeA));
        pool.requestExit();
        vm.prank(nodeA);
        vm.expectRevert(abi.encodeWithSelector(INodePool.NodeNotRegistered.selector, nodeA));
        pool.withdrawStake(nodeA);
    }

    // ---------------------------------------------------------------- epochs

    function test_epochs_countBlocksAndLengthChangesAtBoundary() public {
        uint64 start = pool.epochStartBlock(0);
        assertEq(pool.epochLength(), EPOCH_BLOCKS);
        vm.roll(start + EPOCH_BLOCKS * 3 + 5);
        assertEq(pool.currentEpoch(), 3);

        vm.expectEmit(address(pool));
        emit INodePool.EpochLengthScheduled(4, start + EPOCH_BLOCKS * 4, 5);
        pool.setEpochLength(5);
        assertEq(pool.currentEpoch(), 3, "the current epoch keeps its length");
        assertEq(pool.epochLength(), EPOCH_BLOCKS);
        vm.roll(start + EPOCH_BLOCKS * 4);
        assertEq(pool.currentEpoch(), 4);
        assertEq(pool.epochLength(), 5);
        vm.roll(start + EPOCH_BLOCKS * 4 + 12);
        assertEq(pool.currentEpoch(), 6);
        assertEq(pool.epochStartBlock(6), start + EPOCH_BLOCKS * 4 + 10);
        assertEq(pool.epochStartBlock(3), start + EPOCH_BLOCKS * 3);
        assertEq(pool.epochAt(start + EPOCH_BLOCKS * 3 + 1), 3);

        vm.expectRevert(abi.encodeWithSelector(INodePool.ParameterOutOfBounds.selector, "epochLength", 0));
        pool.setEpochLength(0);
    }

    // ---------------------------------------------------------------- ERC-20 stake

    function test_erc20Stake() public {
        StakeToken token = new StakeToken();
        _deployHub(address(token));
        modelId = _registerModel(_layout(1, 3, 1));
        pool.grantRole(pool.MARKET_ROLE(), market_);
        uint256 stake = _stakeFor(100);
        token.mint(nodeA, stake);

        vm.startPrank(nodeA);
        token.approve(address(pool), stake);
        vm.deal(nodeA, 1);
        vm.expectRevert(abi.encodeWithSelector(INodePool.IncorrectNativeValue.selector, 0, 1));
        pool.registerNode{value: 1}(_models(modelId), 100, stake);
        pool.registerNode(_models(modelId), 100, stake);
        vm.stopPrank();
        assertEq(pool.stakeToken(), address(token));
        assertEq(token.balanceOf(address(pool)), stake);

        _nextEpoch();
        vm.startPrank(market_);
        pool.assign(modelId, 1, 0, 0);
        pool.slash(nodeA, 1, modelId, SLASH);
        vm.stopPrank();
        vm.prank(treasury);
        pool.claimSlashProceeds(treasury);
        assertEq(token.balanceOf(treasury), SLASH);
        assertEq(token.balanceOf(address(pool)), pool.totalStaked() + pool.totalClaimable());

        vm.prank(nodeA);
        pool.requestExit();
        vm.roll(pool.epochStartBlock(pool.node(nodeA).withdrawableEpoch));
        vm.prank(nodeA);
        pool.withdrawStake(nodeA);
        assertEq(token.balanceOf(nodeA), stake - SLASH);
    }

    function test_erc20Stake_refusesFeeOnTransferTokens() public {
        FeeOnTransferToken token = new FeeOnTransferToken();
        _deployHub(address(token));
        modelId = _registerModel(_layout(1, 3, 1));
        uint256 stake = _stakeFor(100);
        token.mint(nodeA, stake);
        vm.startPrank(nodeA);
        token.approve(address(pool), stake);
        vm.expectRevert(abi.encodeWithSelector(INodePool.UnsupportedStakeToken.selector, stake, stake - stake / 100));
        pool.registerNode(_models(modelId), 100, stake);
        vm.stopPrank();
    }

    // ---------------------------------------------------------------- governance

    function test_setParams_bounds() public {
        PoolParams memory p = pool.params();
        p.requesterShareBps = 10_001;
        vm.expectRevert(abi.encodeWithSelector(INodePool.ParameterOutOfBounds.selector, "requesterShareBps", 10_001));
        pool.setParams(p);
        p = pool.params();
        p.maxNodesPerModel = 0;
        vm.expectRevert(abi.encodeWithSelector(INodePool.ParameterOutOfBounds.selector, "maxNodesPerModel", 0));
        pool.setParams(p);
        p = pool.params();
        p.maxModelsPerNode = 65;
        vm.expectRevert(abi.encodeWithSelector(INodePool.ParameterOutOfBounds.selector, "maxModelsPerNode", 65));
        pool.setParams(p);
        p = pool.params();
        p.unbondingEpochs = 0;
        vm.expectRevert(abi.encodeWithSelector(INodePool.ParameterOutOfBounds.selector, "unbondingEpochs", 0));
        pool.setParams(p);
        p = pool.params();
        p.minStakePerComputeUnit = uint256(type(uint112).max) + 1;
        vm.expectRevert(
            abi.encodeWithSelector(
                INodePool.ParameterOutOfBounds.selector, "minStakePerComputeUnit", p.minStakePerComputeUnit
            )
        );
        pool.setParams(p);

        p = pool.params();
        p.slashAmount = 7;
        vm.expectEmit(address(pool));
        emit INodePool.PoolParamsUpdated(p);
        pool.setParams(p);
        assertEq(pool.params().slashAmount, 7);

        pool.setTreasury(stranger);
        assertEq(pool.treasury(), stranger);
        vm.expectRevert(INodePool.ZeroAddress.selector);
        pool.setTreasury(address(0));
        assertEq(address(pool.registry()), address(registry));
    }

    function test_governance_requiresRoles() public {
        PoolParams memory p = pool.params();
        bytes32 setter = pool.PARAMETER_SETTER_ROLE();
        bytes32 adminRole = pool.DEFAULT_ADMIN_ROLE();
        vm.startPrank(stranger);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, setter)
        );
        pool.setParams(p);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, setter)
        );
        pool.setEpochLength(3);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, adminRole)
        );
        pool.setTreasury(stranger);
        vm.stopPrank();
    }
}
