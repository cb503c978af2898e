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
    // Slashed per missed deadline (at most MAX_SLASH_AMOUNT), capped at the node's remaining stake. A request is
    // slashed at most the amount in force when it was opened (the market records it): a raise never reaches
    // work already taken, a cut applies at once.
    uint112 slashAmount;
    // Retired (decision 0028): slashes no longer pay the requester, who could steer assignment onto an offline
    // node to collect them. Kept so that the struct and its ABI stay as deployed; still bounded to 10,000.
    uint16 requesterShareBps;
    uint16 maxNodesPerModel; // bounds the assignment scan
    uint16 maxModelsPerNode;
    uint32 unbondingEpochs; // epochs between the end of a node's service and its stake's release
}

/// @notice Why a node was taken off a model's list.
enum EvictionReason {
    None,
    Exited, // past its exit epoch
    UnderStaked, // stake below minStakePerComputeUnit x capacity
    CapacityBelowUnits // its capacity cannot hold one inference of the model
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
    /// @notice Anyone took `node` off `modelId`'s list because it can no longer be assigned the model's work.
    event NodeEvicted(address indexed node, uint256 indexed modelId, EvictionReason reason);
    event HeldSlashSettled(uint256 indexed requestId, bool proven, uint256 toTreasury, uint256 returnedToNodes);
    event HeldSlashReturned(uint256 indexed requestId, address indexed node, uint256 amount);
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
    error CapacityBelowModelUnits(uint256 modelId, uint64 capacity, uint32 computeUnits);
    error NotServingModel(uint256 modelId, address node);
    error NodeStillEligible(uint256 modelId, address node);
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
    /// The capacity must hold at least one inference of every model (CapacityBelowModelUnits).
    function registerNode(uint256[] calldata modelIds, uint64 capacity, uint256 stakeAmount) external payable;

    /// @notice Adds stake to the caller's node.
    function addStake(uint256 amount) external payable;

    /// @notice Stops new work for the caller's node from the next epoch and starts its unbonding.
    function requestExit() external;

    /// @notice Withdraws the caller's whole stake once unbonded and with no pending work, and forgets the node.
    function withdrawStake(address to) external;

    /// @notice Sends the caller's share of slashed stake (as requester or treasury) to `to`.
    function claimSlashProceeds(address to) external;

    /// @notice Takes `node` off `modelId`'s list when it can no longer serve it: exited, staked below the floor,
    /// or with a capacity below the model's compute units. Anyone may call it (a full list otherwise locks
    /// honest nodes out: ModelNodeLimitReached). Assigned requests stay the node's to fulfil or be slashed for.
    function evict(uint256 modelId, address node) external;

    /// @notice Picks a node for request `requestId` of `modelId` costing `units` and books the capacity in the
    /// current epoch; returns the zero address when no node can take it, and the slash amount in force. Only
    /// the market may call it.
    /// @dev The scan starts at `seed % nodes` among the model's nodes and takes the first eligible one that has
    /// not been slashed for this request (failedNodes).
    function assign(uint256 modelId, uint64 units, uint256 seed, uint256 requestId)
        external
        returns (address node, uint32 epoch, uint256 slashAmount);

    /// @notice Marks `count` of the node's assigned requests as done. Only the market may call it.
    function release(address node, uint32 count) external;

    /// @notice Releases request `requestId` of `modelId` from the node that missed its deadline and slashes it
    /// min(maxAmount, slashAmount, stake), unless the model's key is no longer accepted by its adapter
    /// (`provable` false: nobody could prove it, nobody is slashed). A public-input request's slash goes to the
    /// treasury; a hashed-input request's is held until settleHeld. Only the market may call it.
    /// @param maxAmount The slash amount recorded when the request was opened.
    function slash(address node, uint256 requestId, uint256 modelId, uint256 maxAmount)
        external
        returns (uint256 amount, bool provable);

    /// @notice Settles the slashes held for a hashed-input request: all to the treasury if it was `proven` (the
    /// commitment opened, the failed nodes were lazy); otherwise each failed node gets UNPROVEN_RETURN_BPS of
    /// its slash back (claimable) and the treasury the rest. No-op when nothing is held. Only the market.
    function settleHeld(uint256 requestId, bool proven) external;

    /// @notice The nodes slashed for missing request `requestId`, in order, and what each lost.
    function failedNodes(uint256 requestId) external view returns (address[] memory nodes, uint256[] memory slashed);

    /// @notice Why `node` may be evicted from `modelId`'s list now (None: it may not).
    function evictionReason(uint256 modelId, address node) external view returns (EvictionReason);

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
    /// @notice Slashes held for hashed-input requests that have not settled yet.
    function totalHeld() external view returns (uint256);
    function held(uint256 requestId) external view returns (uint256);
}
