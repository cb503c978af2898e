// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Settlement} from "../interfaces/IRemoteResultSink.sol";
import {InputBound} from "../libraries/InputBounds.sol";
import {ModelInfo} from "../messaging/ZkVinCodec.sol";
import {FailureReason} from "./IInferenceFailureHandler.sol";
import {IInferenceOracle} from "./IInferenceOracle.sol";

/// @notice Where a spoke request stands.
enum SpokeRequestStatus {
    None,
    Pending, // escrowed here, sent to the hub
    Fulfilled, // a verified result arrived; the escrow was split as the hub said
    Refunded, // expired or rejected on the hub; the escrow went back to the requester
    Reclaimed // no reply within the reclaim delay; the escrow was credited back to the requester
}

/// @notice What happened to the call that hands the result (or the failure notice) to the requester.
enum CallbackStatus {
    None, // nothing delivered yet, or no callback was asked for
    Delivered,
    Failed // a result callback reverted (anyone may retry it), or a failure notice did (not retried)
}

/// @notice A spoke request as stored (two slots).
struct SpokeRequest {
    address requester;
    uint64 modelId;
    SpokeRequestStatus status;
    CallbackStatus callback;
    bool failureHandler; // the requester declared IInferenceFailureHandler (ERC-165) when it asked
    uint96 escrow; // inference fee held here until the hub settles it
    uint32 callbackGasLimit;
    uint64 hubRequestId; // the market's id, once a result or an expiry names it
    uint16 gateway; // the hub gateway the request went to (`gatewayAt`): only its reply settles it
    uint40 requestedAt; // block timestamp of the request; reclaimable from requestedAt + RECLAIM_DELAY
}

/// @notice Bounded settings of a spoke. Gas figures are per message; fee figures are in the hub's native
/// unit (wei on the hub chain) because they fund the hub's reply, except `priceRatio`.
struct SpokeParams {
    uint32 hubGasBase; // lzReceive gas for a REQUEST on the hub: gateway, market, and a possible rejection reply
    uint32 hubGasPerInput; // more hub gas per input value (calldata, event, digest)
    uint32 returnGasBase; // lzReceive gas for a reply here: decoding, settlement, refund, bookkeeping
    uint32 returnGasPerOutput; // more reply gas per output value (storing it)
    uint32 maxCallbackGasLimit; // most gas a requester may ask for its callback
    uint128 returnFeeBase; // the hub's LayerZero fee for a reply here, fixed part (hub wei)
    uint128 returnFeePerGas; // ... plus this much per unit of the reply's lzReceive gas (hub wei)
    uint128 priceRatio; // spoke wei per hub wei, scaled by 1e18 (1e18: same native token at parity)
}

/// @notice The price of one spoke request, by part.
struct FeeQuote {
    uint256 inferenceFee; // hub price x priceRatio, escrowed here (spoke wei)
    uint256 messageFee; // LayerZero fee of the REQUEST, including the reply budget it carries (spoke wei)
    uint128 returnBudget; // native value delivered to the hub gateway to pay the reply (hub wei)
    uint32 hubGasLimit; // lzReceive gas bought for the REQUEST on the hub
    uint32 returnGasLimit; // lzReceive gas the reply will buy here
    uint256 total; // inferenceFee + messageFee: what requestInference takes
}

/// @title IZkVinSpoke
/// @notice zk-VIN on a consumer chain: a LayerZero V2 OApp that escrows the inference fee, sends the
/// request to the hub with the native value for the hub's reply (ABA), and on the reply settles the escrow
/// (result: node, model owner, protocol as the hub says; expiry or rejection: refund) and calls the requester.
interface IZkVinSpoke is IInferenceOracle {
    /// @notice A request was escrowed and sent to the hub in LayerZero message `guid`.
    event InferenceRequested(
        uint256 indexed requestId,
        uint256 indexed modelId,
        address indexed requester,
        bytes32 guid,
        int256[] input,
        uint256 inputCommitment,
        uint32 callbackGasLimit,
        FeeQuote fees
    );
    /// @notice The hub's verified output for `requestId` (the market's request `hubRequestId`).
    event InferenceFulfilled(uint256 indexed requestId, uint256 indexed hubRequestId, int256[] output);
    /// @notice The escrow of `requestId` was credited as the hub said; `unspent` went back to the requester.
    event FeesSettled(uint256 indexed requestId, Settlement settlement, address treasury, uint256 unspent);
    /// @notice The hub gave up on `requestId` (market request `hubRequestId`): no node fulfilled it in time.
    event InferenceExpired(uint256 indexed requestId, uint256 indexed hubRequestId);
    /// @notice The hub refused `requestId`; `reason` is the hub's revert data (a custom error).
    event InferenceRejected(uint256 indexed requestId, bytes reason);
    /// @notice The escrow of a failed request went back to its requester (sent, or credited when the
    /// transfer failed: see Credited).
    event InferenceRefunded(uint256 indexed requestId, address indexed requester, uint256 amount, FailureReason reason);
    event CallbackFailed(uint256 indexed requestId, bytes reason);
    event CallbackRetried(uint256 indexed requestId);
    /// @notice `amount` was added to `account`'s pull balance.
    event Credited(address indexed account, uint256 amount);
    event Withdrawn(address indexed account, address indexed to, uint256 amount);
    /// @notice The hub sent the current terms of `modelId`, with its per-feature input bounds.
    event ModelSynced(uint256 indexed modelId, ModelInfo info, InputBound[] inputBounds);
    /// @notice A model sync older than the one already applied arrived late and was dropped.
    event StaleModelSyncIgnored(uint256 indexed modelId, uint64 syncNonce, uint64 currentNonce);
    /// @notice No reply came within the reclaim delay: the escrow of `requestId` was credited back to its
    /// requester (pull balance).
    event InferenceReclaimed(uint256 indexed requestId, address indexed requester, uint256 amount);
    /// @notice A reply (`messageType`) for a request that was already reclaimed arrived and was dropped: it
    /// pays nobody and changes nothing, and is consumed so the packet does not stay on the endpoint.
    event LateReplyIgnored(uint256 indexed requestId, uint8 messageType, bytes32 gateway);
    /// @notice `peer` became the hub gateway new requests go to (gateway number `gatewayId`).
    event GatewayActivated(bytes32 indexed peer, uint16 gatewayId);
    /// @notice The owner asked to re-point the spoke at `peer`; it can take effect from `eta`.
    event PeerChangeScheduled(bytes32 indexed peer, uint256 eta);
    event PeerChangeCancelled(bytes32 indexed peer);
    /// @notice The owner scheduled a call of the LayerZero endpoint (library or DVN configuration, ...), as
    /// the spoke's delegate; it can be executed from `eta`.
    event EndpointCallScheduled(bytes32 indexed id, bytes data, uint256 eta);
    event EndpointCallExecuted(bytes32 indexed id);
    event EndpointCallCancelled(bytes32 indexed id);
    event ParamsUpdated(SpokeParams params);
    event TreasuryUpdated(address indexed treasury);

    error UnknownModel(uint256 modelId);
    error ModelDeprecated(uint256 modelId);
    error WrongInputMode(uint256 modelId);
    error InputLengthMismatch(uint256 expected, uint256 actual);
    error CommitmentOutOfField(uint256 commitment);
    error CallbackGasLimitTooHigh(uint32 requested, uint32 max);
    error InsufficientFee(uint256 required, uint256 paid);
    error UnexpectedMessage(uint8 messageType);
    error RequestNotPending(uint256 requestId, SpokeRequestStatus status);
    error SettlementExceedsEscrow(uint256 requestId, uint256 settled, uint256 escrow);
    error NothingToRetry(uint256 requestId);
    error GasLimitBelowRequested(uint256 requestId, uint256 gasLimit, uint256 requested);
    error CallbackReverted(uint256 requestId, bytes reason);
    error NothingToWithdraw(address account);
    error TransferFailed(address to, uint256 amount);
    error ZeroAddress();
    error ParameterOutOfBounds(string name, uint256 value);
    /// @notice A reply names another spoke (a redeployment on the same EID): it is not this spoke's to settle.
    error NotForThisSpoke(bytes32 spoke);
    /// @notice A reply came from a hub gateway other than the one the request went to.
    error WrongGateway(uint256 requestId, bytes32 sender, bytes32 expected);
    error ReclaimTooEarly(uint256 requestId, uint256 reclaimableAt);
    error NoPendingChange();
    error ChangeNotReady(uint256 eta);
    /// @notice The spoke is its own LayerZero delegate, for good: configuration goes through
    /// scheduleEndpointCall.
    error DelegateFixed();
    error TooManyGateways();

    /// @notice Requests an inference of a hashed-input model: `commitment` is EZKL's Poseidon hash of
    /// `input`, which the proof must carry; `input` travels to the prover. Pays as `requestInference`.
    function requestInferenceWithCommitment(
        uint256 modelId,
        int256[] calldata input,
        uint256 commitment,
        uint32 callbackGasLimit
    ) external payable returns (uint256 requestId);

    /// @notice The whole native fee `requestInference` takes for these arguments: inference fee + request
    /// message + the reply's budget.
    function quote(uint256 modelId, int256[] calldata input, uint32 callbackGasLimit)
        external
        view
        returns (uint256 total);

    /// @notice The same fee, by part.
    function quoteDetailed(uint256 modelId, int256[] calldata input, uint32 callbackGasLimit)
        external
        view
        returns (FeeQuote memory);

    /// @notice Calls the requester's `onInferenceResult` again after it failed. Anyone may call it.
    /// @param gasLimit Gas for the call; at least the request's callback gas limit.
    function retryCallback(uint256 requestId, uint32 gasLimit) external;

    /// @notice Sends the caller's pull balance (earnings, refunds) to `to`.
    function withdraw(address payable to) external;

    /// @notice Credits the escrow of a request that got no reply by `requestedAt + RECLAIM_DELAY` back to
    /// its requester (pull balance; no callback). Anyone may call it, also while the spoke is paused. A reply
    /// arriving later is dropped (LateReplyIgnored).
    function reclaim(uint256 requestId) external returns (uint256 amount);

    /// @notice When `requestId` can be reclaimed (zero for an unknown request).
    function reclaimableAt(uint256 requestId) external view returns (uint256);
    /// @notice The hub gateway number `id` (1, 2, ...: every gateway the spoke has had, in order).
    function gatewayAt(uint16 id) external view returns (bytes32);
    /// @notice The number of the gateway new requests go to (0 before the first peer).
    function currentGateway() external view returns (uint16);
    /// @notice The peer change waiting for its delay (zero peer: none).
    function pendingPeer() external view returns (bytes32 peer, uint256 eta);
    /// @notice When the scheduled endpoint call `id` (keccak256 of its calldata) can run (zero: not scheduled).
    function endpointCallEta(bytes32 id) external view returns (uint256);

    function request(uint256 requestId) external view returns (SpokeRequest memory);
    /// @notice The verified output of a fulfilled request (empty before).
    function resultOf(uint256 requestId) external view returns (int256[] memory);
    function model(uint256 modelId) external view returns (ModelInfo memory);
    /// @notice The synced model's per-feature input bounds (empty before its first sync).
    function inputBounds(uint256 modelId) external view returns (InputBound[] memory);
    function claimable(address account) external view returns (uint256);
    function params() external view returns (SpokeParams memory);
    function treasury() external view returns (address);
    function totalEscrowed() external view returns (uint256);
    function totalClaimable() external view returns (uint256);
    function nextRequestId() external view returns (uint256);
}
