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
    Refunded // expired or rejected on the hub; the escrow went back to the requester
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
    uint128 escrow; // inference fee held here until the hub settles it
    uint32 callbackGasLimit;
    uint64 hubRequestId; // the market's id, once a result or an expiry names it
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
