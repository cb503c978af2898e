// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

/// @notice A node operator's standing in the pool.
struct NodeInfo {
    uint112 stake; // bonded stake now (slashes come out of it)
    uint112 slashed; // everything ever slashed
    uint32 withdrawableEpoch; // first epoch the stake may be withdrawn (0: no exit requested)
    uint64 capacity; // compute units per epoch (0: not registered)
    uint64 used; // compute units assigned during `usedEpoch`
    uint32 usedEpoch;
    uint32 activeFrom; // first epoch the node may be assigned work
    uint32 exitEpoch; // first epoch it may no longer be assigned work (0: not exiting)
    uint32 pending; // requests assigned to it that are neither fulfilled nor expired
}

/// @notice Bounded pool parameters.
struct PoolParams {
    uint256 minStakePerComputeUnit; // stake a node must hold per compute unit of capacity to get work
    uint112 slashAmount; // slashed per missed deadline, capped at the node's remaining stake
    uint16 requesterShareBps; // part of a slash credited to the requester; the rest goes to the treasury
    uint16 maxNodesPerModel; // bounds the assignment scan
    uint16 maxModelsPerNode;
    uint32 unbondingEpochs; // epochs between the end of a node's service and its stake's release
}

/// @title INodePool
/// @notice Staked node operators, the models they serve and the compute units they commit per epoch.
/// Epochs are counted in blocks. Work is assigned only to nodes active in the current epoch, with spare
/// capacity and enough stake; missed deadlines are slashed; stake leaves only after an unbonding delay.
interface INodePool {
    event NodeRegistered(
        address indexed node, uint256[] modelIds, uint64 capacity, uint256 stake, uint32 activeFromEpoch
    );
    event StakeAdded(address indexed node, uint256 amount, uint256 stake);
    event NodeExitRequested(address indexed node, uint32 exitEpoch, uint32 withdrawableEpoch);
    event StakeWithdrawn(address indexed node, address indexed to, uint256 amount);
    event CapacityAllocated(
        address indexed node, uint256 indexed modelId, uint32 indexed epoch, uint64 units, uint64 usedInEpoch
    );
    event NodeSlashed(
        address indexed node,
        uint256 indexed requestId,
        address indexed beneficiary,
        uint256 amount,
        uint256 beneficiaryShare,
        uint256 treasuryShare
    );
    event SlashProceedsClaimed(address indexed account, address indexed to, uint256 amount);
    event EpochLengthScheduled(uint32 fromEpoch, uint64 fromBlock, uint32 lengthBlocks);
    event PoolParamsUpdated(PoolParams params);
    event TreasuryUpdated(address indexed treasury);

    error NodeAlreadyRegistered(address node);
    error NodeNotRegistered(address node);
    error NodeAlreadyExiting(address node, uint32 exitEpoch);
    error NodeNotExiting(address node);
    error StakeLocked(address node, uint32 withdrawableEpoch, uint32 currentEpoch);
    error PendingAssignments(address node, uint32 pending);
    error InvalidModelSet();
    error TooManyModels(uint256 count, uint256 max);
    error DuplicateModel(uint256 modelId);
    error ModelUnavailable(uint256 modelId);
    error ModelNodeLimitReached(uint256 modelId, uint256 max);
    error ZeroCapacity();
    error InsufficientStake(uint256 required, uint256 provided);
    error IncorrectNativeValue(uint256 expected, uint256 sent);
    error UnsupportedStakeToken(uint256 expected, uint256 received);
    error ZeroAmount();
    error ZeroAddress();
    error NothingToClaim(address account);
    error TransferFailed(address to, uint256 amount);
    error ParameterOutOfBounds(string name, uint256 value);
    error NoPendingAssignment(address node);

    /// @notice Registers the caller as a node for `modelIds` with `capacity` compute units per epoch and
    /// `stakeAmount` of stake (native: send it as value; ERC-20: approve it first). Work starts next epoch.
    function registerNode(uint256[] calldata modelIds, uint64 capacity, uint256 stakeAmount) external payable;

    /// @notice Adds stake to the caller's node.
    function addStake(uint256 amount) external payable;

    /// @notice Stops new work for the caller's node from the next epoch and starts its unbonding.
    function requestExit() external;

    /// @notice Withdraws the caller's whole stake once unbonded and with no pending work, and forgets the node.
    function withdrawStake(address to) external;

    /// @notice Sends the caller's share of slashed stake (as requester or treasury) to `to`.
    function claimSlashProceeds(address to) external;

    /// @notice Picks a node for a request of `modelId` costing `units` and books the capacity in the current
    /// epoch; returns the zero address when no node can take it. Only the market may call it.
    /// @dev The scan starts at `seed % nodes` among the model's nodes and takes the first eligible one that is
    /// not `exclude`.
    function assign(uint256 modelId, uint64 units, uint256 seed, address exclude)
        external
        returns (address node, uint32 epoch);

    /// @notice Marks `count` of the node's assigned requests as done. Only the market may call it.
    function release(address node, uint32 count) external;

    /// @notice Slashes the node for missing request `requestId`'s deadline; `beneficiary` (zero: none) gets the
    /// requester's share. Also releases that request. Only the market may call it.
    function slash(address node, address beneficiary, uint256 requestId) external returns (uint256 amount);

    function currentEpoch() external view returns (uint32);
    function epochAt(uint256 blockNumber) external view returns (uint32);
    function epochStartBlock(uint32 epoch) external view returns (uint64);
    function epochLength() external view returns (uint32);
    function node(address operator) external view returns (NodeInfo memory);
    function nodeModels(address operator) external view returns (uint256[] memory);
    function modelNodes(uint256 modelId) external view returns (address[] memory);
    function spareCapacity(address operator) external view returns (uint64);
    function isAssignable(address operator, uint64 units) external view returns (bool);
    function claimable(address account) external view returns (uint256);
    function stakeToken() external view returns (address);
    function params() external view returns (PoolParams memory);
    function totalStaked() external view returns (uint256);
    function totalClaimable() external view returns (uint256);
}
