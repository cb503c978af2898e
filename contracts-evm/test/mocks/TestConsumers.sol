// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IInferenceConsumer} from "../../src/consumer/IInferenceConsumer.sol";
import {IInferenceMarket} from "../../src/interfaces/IInferenceMarket.sol";
import {IRemoteResultSink, Settlement} from "../../src/interfaces/IRemoteResultSink.sol";

/// @notice Records every callback; can be told to revert.
contract RecordingConsumer is IInferenceConsumer {
    bool public shouldRevert;
    uint256 public calls;
    uint256 public lastRequestId;
    uint256 public lastModelId;
    int256[] internal _last;
    mapping(uint256 requestId => int256[]) internal _outputs;

    error ConsumerRefused(uint256 requestId);

    function setRevert(bool v) external {
        shouldRevert = v;
    }

    function onInferenceResult(uint256 requestId, uint256 modelId, int256[] calldata output) external {
        if (shouldRevert) revert ConsumerRefused(requestId);
        calls += 1;
        lastRequestId = requestId;
        lastModelId = modelId;
        _last = output;
        _outputs[requestId] = output;
    }

    function lastOutput() external view returns (int256[] memory) {
        return _last;
    }

    function outputOf(uint256 requestId) external view returns (int256[] memory) {
        return _outputs[requestId];
    }

    function request(IInferenceMarket market, uint256 modelId, int256[] calldata input, uint32 gas)
        external
        payable
        returns (uint256)
    {
        return market.requestInference{value: msg.value}(modelId, input, gas);
    }
}

/// @notice Burns all gas it is given.
contract GasGuzzlingConsumer is IInferenceConsumer {
    function onInferenceResult(uint256, uint256, int256[] calldata) external pure {
        while (true) {}
    }
}

/// @notice Reverts with a huge payload (return-data bomb).
contract ReturnBombConsumer is IInferenceConsumer {
    function onInferenceResult(uint256, uint256, int256[] calldata) external pure {
        assembly {
            revert(0, 100000)
        }
    }
}

/// @notice Tries to re-enter the market (expire its own request) from inside its callback and records
/// how the market answered.
contract ReentrantConsumer is IInferenceConsumer {
    IInferenceMarket public market;
    bytes public lastError;

    constructor(IInferenceMarket m) {
        market = m;
    }

    function onInferenceResult(uint256 requestId, uint256, int256[] calldata) external {
        try market.expire(requestId) {}
        catch (bytes memory e) {
            lastError = e;
        }
    }
}

/// @notice A consumer that asks for a new inference from inside its callback (allowed).
contract ChainingConsumer is IInferenceConsumer {
    IInferenceMarket public market;
    uint256 public modelId;
    uint256 public chainedRequestId;
    int256[] internal _input;

    constructor(IInferenceMarket m, uint256 model) payable {
        market = m;
        modelId = model;
    }

    function start(int256[] calldata input, uint256 fee) external returns (uint256) {
        _input = input;
        return market.requestInference{value: fee}(modelId, input, 500_000);
    }

    function onInferenceResult(uint256, uint256, int256[] calldata) external {
        if (chainedRequestId != 0) return;
        uint256 fee = market.quote(modelId).total;
        chainedRequestId = market.requestInference{value: fee}(modelId, _input, 0);
    }
}

/// @notice A stand-in for the cross-chain gateway: records what the market hands back.
contract RecordingResultSink is IRemoteResultSink {
    bool public shouldRevert;
    uint256 public results;
    uint256 public expiries;
    uint256 public lastRequestId;
    uint256 public lastRefund;
    Settlement internal _settlement;
    int256[] internal _output;

    function setRevert(bool v) external {
        shouldRevert = v;
    }

    function onRemoteResult(uint256 requestId, uint256, int256[] calldata output, Settlement calldata settlement)
        external
    {
        require(!shouldRevert, "sink down");
        results += 1;
        lastRequestId = requestId;
        _settlement = settlement;
        _output = output;
    }

    function onRemoteExpiry(uint256 requestId, uint256 refundAmount) external {
        require(!shouldRevert, "sink down");
        expiries += 1;
        lastRequestId = requestId;
        lastRefund = refundAmount;
    }

    function lastSettlement() external view returns (Settlement memory) {
        return _settlement;
    }

    function lastOutput() external view returns (int256[] memory) {
        return _output;
    }
}

/// @notice Refuses native transfers.
contract RejectingReceiver {
    receive() external payable {
        revert("no thanks");
    }
}
