// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {FailureReason} from "../../spoke/IInferenceFailureHandler.sol";
import {IInferenceOracle} from "../../spoke/IInferenceOracle.sol";
import {OracleConsumerBase} from "./OracleConsumerBase.sol";

/// @title RegressionOracleConsumer
/// @notice Keeps the latest verified value of a regression model per key (a price feed, a risk score, a
/// forecast...): anyone pays for an inference on a key's current features, and the proven prediction
/// becomes that key's value with the time it arrived. Answers can arrive out of order; a key keeps the
/// answer to its most recent request, never an older one.
contract RegressionOracleConsumer is OracleConsumerBase {
    /// @notice A key's latest value, fixed point at OUTPUT_SCALE.
    struct Value {
        int256 value;
        uint64 updatedAt; // block timestamp of the answer
        uint64 sequence; // which of the key's requests it answers
        uint256 requestId;
    }

    /// @dev What a pending request is for.
    struct Asked {
        bytes32 key;
        uint64 sequence;
    }

    uint256 public immutable MODEL_ID;
    uint8 public immutable OUTPUT_SCALE;
    uint32 public immutable CALLBACK_GAS_LIMIT;

    mapping(bytes32 key => Value) private _latest;
    mapping(bytes32 key => uint64) public requestsFor;
    mapping(uint256 requestId => Asked) private _asked;

    event ValueRequested(uint256 indexed requestId, bytes32 indexed key, uint64 sequence, address indexed payer);
    event ValueUpdated(bytes32 indexed key, int256 value, uint256 indexed requestId, uint64 sequence);
    /// @notice An answer older than the key's current value arrived and was not applied.
    event StaleValueIgnored(bytes32 indexed key, uint256 indexed requestId, uint64 sequence, uint64 current);
    event ValueRequestFailed(bytes32 indexed key, uint256 indexed requestId, FailureReason reason);

    error NoValue(bytes32 key);
    error EmptyOutput(uint256 requestId);

    /// @param oracle The hub market or a spoke.
    /// @param oracleIsMarket Whether `oracle` is the market.
    /// @param modelId The regression model.
    /// @param outputScale The model's output scale (value = round(y * 2^outputScale)).
    /// @param callbackGasLimit Gas the oracle gives this contract's callbacks.
    constructor(
        IInferenceOracle oracle,
        bool oracleIsMarket,
        uint256 modelId,
        uint8 outputScale,
        uint32 callbackGasLimit
    ) OracleConsumerBase(oracle, oracleIsMarket) {
        MODEL_ID = modelId;
        OUTPUT_SCALE = outputScale;
        CALLBACK_GAS_LIMIT = callbackGasLimit;
    }

    /// @notice Asks for a new value of `key` from `features`, paying the oracle's price (market: exactly
    /// `quote(MODEL_ID, CALLBACK_GAS_LIMIT).total`, callback gas priced; spoke: at least
    /// `quote(MODEL_ID, features, CALLBACK_GAS_LIMIT)`).
    function requestValue(bytes32 key, int256[] calldata features) external payable returns (uint256 requestId) {
        uint64 sequence = ++requestsFor[key];
        requestId = _ask(MODEL_ID, features, CALLBACK_GAS_LIMIT);
        _asked[requestId] = Asked({key: key, sequence: sequence});
        emit ValueRequested(requestId, key, sequence, msg.sender);
    }

    /// @notice The latest value of `key` (fixed point at OUTPUT_SCALE) and when it arrived.
    function latestValue(bytes32 key) external view returns (int256 value, uint64 updatedAt) {
        Value storage v = _latest[key];
        if (v.sequence == 0) revert NoValue(key);
        return (v.value, v.updatedAt);
    }

    /// @notice Everything stored about `key`'s latest value.
    function latest(bytes32 key) external view returns (Value memory) {
        return _latest[key];
    }

    function _onResult(uint256 requestId, uint256, int256[] calldata output) internal override {
        if (output.length == 0) revert EmptyOutput(requestId);
        Asked memory a = _asked[requestId];
        delete _asked[requestId];
        uint64 current = _latest[a.key].sequence;
        if (a.sequence <= current) {
            emit StaleValueIgnored(a.key, requestId, a.sequence, current);
            return;
        }
        _latest[a.key] =
            Value({value: output[0], updatedAt: uint64(block.timestamp), sequence: a.sequence, requestId: requestId});
        emit ValueUpdated(a.key, output[0], requestId, a.sequence);
    }

    function _onFailure(uint256 requestId, uint256, FailureReason reason) internal override {
        bytes32 key = _asked[requestId].key;
        delete _asked[requestId];
        emit ValueRequestFailed(key, requestId, reason);
    }
}
