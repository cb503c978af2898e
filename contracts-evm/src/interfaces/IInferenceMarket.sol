// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Price} from "../libraries/Pricing.sol";

enum RequestStatus {
    None,
    Pending, // assigned to a node, waiting for a proof
    Fulfilled, // a verified output was accepted and paid for
    Refunded // expired with no node left to take it; the fee went back
}

/// @notice What happened to the call that hands the result (or a remote expiry) to the requester.
enum DeliveryStatus {
    None, // nothing delivered yet, or no callback was asked for
    Delivered,
    Failed // the call reverted; anyone may retry it
}

/// @notice A request as stored (three slots).
struct Request {
    address requester; // the consumer (local), or the gateway that brought it (remote)
    uint64 modelId;
    RequestStatus status;
    DeliveryStatus delivery;
    bool remote;
    uint8 reassignments;
    address node; // assigned node operator
    uint40 deadline; // last block at which the node may fulfil
    uint24 callbackGasLimit; // 0: no callback (local only)
    uint32 feesId; // what the request pays: see requestFees / FeesRecorded
    // keccak256 of the input's instance words. Replaced by keccak256(abi.encodePacked(output)) when the
    // result could not be delivered, so that a retry can be checked; the output itself is in InferenceFulfilled.
    bytes32 payloadDigest;
}

/// @notice What a request carries (escrowed on the hub, or on the spoke for remote requests). A local request
/// escrows nodeFee + royalty + protocolFee + callbackFee + bond.
struct Fees {
    uint256 nodeFee;
    uint256 royalty;
    uint256 protocolFee;
    uint256 callbackFee; // callbackGasLimit x callbackGasPrice, paid to the node that forwards the gas (local only)
    uint256 bond; // commitment bond of a hashed-input request (local only): returned unless every node failed
    uint256 slashAmount; // most a node assigned to the request can be slashed for missing it
}

/// @notice A fee record, shared by the local requests of one model until a price or parameter changes (each
/// remote request has its own): the per-request parts are derived from it.
struct FeeRecord {
    uint256 nodeFee;
    uint256 royalty;
    uint256 protocolFee;
    uint256 callbackGasPrice; // wei per unit of the request's callbackGasLimit
    uint256 bond;
    uint256 slashAmount; // most a node assigned to one of its requests can be slashed for missing it
}

/// @notice A request that originated on another chain, handed over by a gateway.
struct RemoteRequest {
    uint32 originEid;
    bytes32 originRequester;
    bytes32 originRequestId;
    uint256 modelId;
    int256[] input;
    uint256 inputCommitment; // Poseidon commitment for hashed-input models; must be 0 otherwise
    uint32 callbackGasLimit; // gas the market gives the gateway's IRemoteResultSink calls (non-zero)
    uint256 feePaid; // escrowed on the spoke, in the spoke's unit; split in the hub's price proportions
    // Carried in RemoteInferenceRequested; the market names no slash beneficiary (decision 0028), so slashes of
    // remote requests go to the treasury like every other.
    address slashBeneficiary;
}

/// @notice Usage statistics for model vetting.
struct ModelUsage {
    uint64 requests;
    uint64 fulfilled;
    uint64 expired; // missed deadlines (each slashed, unless the model's key was withdrawn)
    uint32 distinctRequesters;
    uint32 repeatRequesters; // requesters who came back at least once
}

/// @notice Bounded market parameters.
struct MarketParams {
    uint96 unitPrice; // wei per compute unit
    uint64 protocolFee; // wei per request
    uint32 fulfilmentWindow; // blocks between assignment and deadline
    uint32 maxCallbackGasLimit;
    uint8 maxReassignments; // how often an expired request is handed to another node before a refund
    uint64 callbackGasPrice; // wei per unit of callback gas a local requester asks for, paid to the node
    uint96 commitmentBond; // paid beside the fee with every local hashed-input (commitment) request
}

/// @title IInferenceMarket
/// @notice The hub's queue of inference work: escrowed requests, assignment to nodes, proof-checked
/// fulfilment, pull payments, expiry with slashing, and the entry points a cross-chain gateway uses.
interface IInferenceMarket {
    event InferenceRequested(
        uint256 indexed requestId,
        uint256 indexed modelId,
        address indexed requester,
        int256[] input,
        uint256 inputCommitment,
        uint32 callbackGasLimit,
        Fees fees
    );
    event RemoteInferenceRequested(
        uint256 indexed requestId,
        uint32 indexed originEid,
        bytes32 indexed originRequester,
        bytes32 originRequestId,
        uint256 feePaid,
        address slashBeneficiary
    );
    /// @notice A new fee record: requests opened with `feesId` pay these parts. Local requests of one model
    /// share a record until a price changes; every remote request has its own (its fee split).
    event FeesRecorded(uint32 indexed feesId, FeeRecord record);
    event InferenceAssigned(uint256 indexed requestId, address indexed node, uint32 indexed epoch, uint64 deadline);
    /// @notice The verified output of a request (decoded from the proof's instances).
    event InferenceFulfilled(uint256 indexed requestId, int256[] output);
    /// @notice One proof fulfilled `requests` requests for `node` (their InferenceFulfilled events precede this
    /// one in the same transaction, in slot order); the amounts are what the local ones credited to the node,
    /// the model owner and the treasury (remote fees settle on the spoke).
    event FulfilmentSettled(
        address indexed node,
        uint256 indexed modelId,
        address modelOwner,
        uint256 requests,
        uint256 nodeAmount,
        uint256 royaltyAmount,
        uint256 protocolAmount
    );
    event CallbackFailed(uint256 indexed requestId, bytes reason);
    event CallbackRetried(uint256 indexed requestId);
    event InferenceExpired(uint256 indexed requestId, address indexed node, uint256 slashed);
    event InferenceRefunded(uint256 indexed requestId, address indexed requester, uint256 amount);
    /// @notice A hashed-input request expired on every node it was given to: its commitment may open to
    /// nothing, so its bond goes to the treasury (and each failed node gets half its slash back, in the pool).
    event CommitmentBondForfeited(uint256 indexed requestId, uint256 amount);
    /// @notice The model's verifying key is no longer accepted by its adapter (revoked): the request cannot be
    /// proven, so it is refunded in full (InferenceRefunded) and its node is not slashed.
    event InferenceUnprovable(uint256 indexed requestId, address indexed node);
    event Withdrawn(address indexed account, address indexed to, uint256 amount);
    event MarketParamsUpdated(MarketParams params);
    event TreasuryUpdated(address indexed treasury);

    error IncorrectPayment(uint256 expected, uint256 paid);
    error CallbackGasLimitTooHigh(uint32 requested, uint32 max);
    error NoCapacity(uint256 modelId);
    error RequestNotPending(uint256 requestId, RequestStatus status);
    error NotAssignedNode(uint256 requestId, address caller);
    error DeadlinePassed(uint256 requestId, uint256 deadline);
    error NotExpired(uint256 requestId, uint256 deadline);
    error EmptyBatch();
    error BatchTooLarge(uint256 requests, uint256 batchSize);
    error ModelMismatch(uint256 requestId, uint256 expectedModelId, uint256 modelId);
    error InputMismatch(uint256 requestId, uint256 slot);
    error InvalidProof(uint256 modelId);
    error NothingToRetry(uint256 requestId);
    error OutputMismatch(uint256 requestId);
    error GasLimitBelowRequested(uint256 requestId, uint256 gasLimit, uint256 requested);
    error CallbackReverted(uint256 requestId, bytes reason);
    error DuplicateRemoteRequest(uint256 requestId);
    error RemoteGasLimitZero();
    error FeeTooLarge(uint256 fee);
    error NothingToWithdraw(address account);
    error TransferFailed(address to, uint256 amount);
    error ZeroAddress();
    error ParameterOutOfBounds(string name, uint256 value);

    /// @notice Requests an inference of `modelId` on `input` (public-input models), paying exactly
    /// `quote(modelId, callbackGasLimit).total`. The request is assigned to a node at once.
    /// @param input Fixed-point values at the model's input scale, within its registered bounds.
    /// @param callbackGasLimit Gas for `onInferenceResult` on the caller (paid to the node at callbackGasPrice);
    /// 0 for no callback.
    function requestInference(uint256 modelId, int256[] calldata input, uint32 callbackGasLimit)
        external
        payable
        returns (uint256 requestId);

    /// @notice Requests an inference of a hashed-input model: the proof must carry `commitment` (the Poseidon
    /// hash EZKL computes of the input) in the request's input slot; `input` travels in the event for provers.
    /// Pays `quote(modelId, callbackGasLimit).total + bond`: the hub cannot check the commitment, so the bond is
    /// forfeited to the nodes it was given to if every one of them fails it (CommitmentBondForfeited).
    function requestInferenceWithCommitment(
        uint256 modelId,
        int256[] calldata input,
        uint256 commitment,
        uint32 callbackGasLimit
    ) external payable returns (uint256 requestId);

    /// @notice Enqueues a request that originated on another chain; its fee stays escrowed there. Only a
    /// gateway with REMOTE_GATEWAY_ROLE may call it; results and expiries go back to it (IRemoteResultSink).
    function requestInferenceFromRemote(RemoteRequest calldata request) external returns (uint256 requestId);

    /// @notice Fulfils one request with a proof whose instances carry the request's input and the output.
    function fulfil(uint256 requestId, bytes calldata proof, uint256[] calldata instances) external;

    /// @notice Fulfils up to batchSize requests of one model with one proof; request i sits in slot i, the
    /// remaining slots are padding the hub ignores (the proof must still verify). All requests must be
    /// assigned to the caller.
    function fulfilBatch(uint256[] calldata requestIds, bytes calldata proof, uint256[] calldata instances) external;

    /// @notice After the deadline, slashes the assigned node (at most the request's recorded slash amount) and
    /// hands the request to a node that has not failed it yet, or refunds it when none is left. If the model's
    /// key is no longer accepted by its adapter, refunds at once without slashing. Anyone may call it.
    function expire(uint256 requestId) external;

    /// @notice Makes a failed delivery again: the requester's callback or the gateway's result hook for a
    /// fulfilled request, the gateway's expiry hook for a refunded remote one. Anyone may call it; it reverts
    /// (changing nothing) if the call fails again.
    /// @param output The fulfilled output (from InferenceFulfilled), checked against the digest stored when the
    /// delivery failed; ignored for an expiry notice.
    /// @param gasLimit Gas for the call; at least the request's callback gas limit.
    function retryDelivery(uint256 requestId, int256[] calldata output, uint32 gasLimit) external;

    /// @notice Sends the caller's claimable balance (earnings or refunds) to `to`.
    function withdraw(address payable to) external;

    /// @notice The price of a request without a callback (what remote requests are priced at).
    function quote(uint256 modelId) external view returns (Price memory);
    /// @notice The price of a local request asking for `callbackGasLimit` gas of callback: `total` to send
    /// (plus `bond` for a hashed-input model's commitment request).
    function quote(uint256 modelId, uint32 callbackGasLimit) external view returns (Price memory);
    function request(uint256 requestId) external view returns (Request memory);
    /// @notice The fee parts request `requestId` carries (escrowed here, or on the spoke when remote).
    function requestFees(uint256 requestId) external view returns (Fees memory);
    function remoteRequestId(uint32 originEid, bytes32 originRequester, bytes32 originRequestId)
        external
        view
        returns (uint256);
    function claimable(address account) external view returns (uint256);
    function modelUsage(uint256 modelId) external view returns (ModelUsage memory);
    /// @notice Requests made for `modelId` by one requester: key = bytes32(uint256(uint160(address))) for a
    /// hub requester, keccak256(abi.encode(originEid, originRequester)) for a remote one.
    function requestCount(uint256 modelId, bytes32 requesterKey) external view returns (uint256);
    function effectiveDeadline(uint256 requestId) external view returns (uint256);
    function params() external view returns (MarketParams memory);
    function totalEscrowed() external view returns (uint256);
    function totalClaimable() external view returns (uint256);
    function nextRequestId() external view returns (uint256);
}
