// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {FailureReason} from "../../spoke/IInferenceFailureHandler.sol";
import {IInferenceOracle} from "../../spoke/IInferenceOracle.sol";
import {OracleConsumerBase} from "./OracleConsumerBase.sol";

/// @title ClassifierGate
/// @notice Acts on a classifier's answer: anyone submits an item (any 32-byte id: a listing, a document
/// hash, an application) with its features; the verified label of the registered classifier approves the
/// item when it equals APPROVED_LABEL and flags it otherwise. Other contracts read `isApproved`. A failed
/// request leaves the item unchecked (it may be submitted again) and refunds its payer.
/// @dev The classifier's output is its label in fixed point (label * 2^OUTPUT_SCALE, as the benchmark SVM
/// gives it); the gate rounds it to the nearest integer.
contract ClassifierGate is OracleConsumerBase {
    enum Verdict {
        Unchecked,
        Pending,
        Approved,
        Flagged
    }

    uint256 public immutable MODEL_ID;
    uint8 public immutable OUTPUT_SCALE;
    int256 public immutable APPROVED_LABEL;
    uint32 public immutable CALLBACK_GAS_LIMIT;

    mapping(bytes32 item => Verdict) public verdictOf;
    /// @notice The label the classifier gave each checked item.
    mapping(bytes32 item => int256) public labelOf;
    mapping(uint256 requestId => bytes32 item) public itemOf;

    event CheckRequested(uint256 indexed requestId, bytes32 indexed item, address indexed payer);
    event ItemApproved(bytes32 indexed item, uint256 indexed requestId, int256 label);
    event ItemFlagged(bytes32 indexed item, uint256 indexed requestId, int256 label);
    event CheckFailed(bytes32 indexed item, uint256 indexed requestId, FailureReason reason);

    error CheckPending(bytes32 item);
    error EmptyOutput(uint256 requestId);

    /// @param oracle The hub market or a spoke.
    /// @param oracleIsMarket Whether `oracle` is the market.
    /// @param modelId The classifier.
    /// @param outputScale The classifier's output scale (fixed point exponent).
    /// @param approvedLabel The label that approves an item.
    /// @param callbackGasLimit Gas the oracle gives this contract's callbacks.
    constructor(
        IInferenceOracle oracle,
        bool oracleIsMarket,
        uint256 modelId,
        uint8 outputScale,
        int256 approvedLabel,
        uint32 callbackGasLimit
    ) OracleConsumerBase(oracle, oracleIsMarket) {
        MODEL_ID = modelId;
        OUTPUT_SCALE = outputScale;
        APPROVED_LABEL = approvedLabel;
        CALLBACK_GAS_LIMIT = callbackGasLimit;
    }

    /// @notice Asks the classifier about `item`, paying the oracle's price (market: exactly
    /// `quote(MODEL_ID, CALLBACK_GAS_LIMIT).total`, callback gas priced; spoke: at least
    /// `quote(MODEL_ID, features, CALLBACK_GAS_LIMIT)`).
    /// @param features The classifier's input, fixed point at its input scale.
    function check(bytes32 item, int256[] calldata features) external payable returns (uint256 requestId) {
        if (verdictOf[item] == Verdict.Pending) revert CheckPending(item);
        verdictOf[item] = Verdict.Pending;
        requestId = _ask(MODEL_ID, features, CALLBACK_GAS_LIMIT);
        itemOf[requestId] = item;
        emit CheckRequested(requestId, item, msg.sender);
    }

    /// @notice Whether the classifier's verified answer approved `item`.
    function isApproved(bytes32 item) external view returns (bool) {
        return verdictOf[item] == Verdict.Approved;
    }

    /// @notice The label a fixed-point output stands for, rounded half away from zero.
    function labelFromOutput(int256 output) public view returns (int256) {
        int256 one = int256(1) << OUTPUT_SCALE;
        int256 half = one / 2;
        return output >= 0 ? (output + half) / one : (output - half) / one;
    }

    function _onResult(uint256 requestId, uint256, int256[] calldata output) internal override {
        if (output.length == 0) revert EmptyOutput(requestId);
        bytes32 item = itemOf[requestId];
        delete itemOf[requestId];
        int256 label = labelFromOutput(output[0]);
        labelOf[item] = label;
        if (label == APPROVED_LABEL) {
            verdictOf[item] = Verdict.Approved;
            emit ItemApproved(item, requestId, label);
        } else {
            verdictOf[item] = Verdict.Flagged;
            emit ItemFlagged(item, requestId, label);
        }
    }

    function _onFailure(uint256 requestId, uint256, FailureReason reason) internal override {
        bytes32 item = itemOf[requestId];
        delete itemOf[requestId];
        verdictOf[item] = Verdict.Unchecked;
        emit CheckFailed(item, requestId, reason);
    }
}
