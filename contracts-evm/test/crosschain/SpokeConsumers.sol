// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IERC165} from "@openzeppelin/contracts/utils/introspection/IERC165.sol";
import {IInferenceConsumer} from "../../src/consumer/IInferenceConsumer.sol";
import {FailureReason, IInferenceFailureHandler} from "../../src/spoke/IInferenceFailureHandler.sol";
import {IZkVinSpoke} from "../../src/spoke/IZkVinSpoke.sol";

/// @notice A spoke consumer that records results and failure notices; it can be told to revert either.
contract RecordingSpokeConsumer is IInferenceConsumer, IInferenceFailureHandler {
    IZkVinSpoke public immutable SPOKE;
    bool public revertResults;
    bool public revertFailures;
    uint256 public results;
    uint256 public failures;
    uint256 public refundsReceived;
    uint256 public lastModelId;
    FailureReason public lastReason;
    mapping(uint256 requestId => int256[]) internal _outputs;

    error Refused(uint256 requestId);

    constructor(IZkVinSpoke spoke) {
        SPOKE = spoke;
    }

    receive() external payable {}

    function setRevertResults(bool v) external {
        revertResults = v;
    }

    function setRevertFailures(bool v) external {
        revertFailures = v;
    }

    function ask(uint256 modelId, int256[] calldata input, uint32 gas) external payable returns (uint256) {
        return SPOKE.requestInference{value: msg.value}(modelId, input, gas);
    }

    function onInferenceResult(uint256 requestId, uint256 modelId, int256[] calldata output) external {
        if (msg.sender != address(SPOKE)) revert Refused(requestId);
        if (revertResults) revert Refused(requestId);
        results += 1;
        lastModelId = modelId;
        _outputs[requestId] = output;
    }

    function onInferenceFailed(uint256 requestId, uint256 modelId, FailureReason reason) external payable {
        if (msg.sender != address(SPOKE) || revertFailures) revert Refused(requestId);
        failures += 1;
        refundsReceived += msg.value;
        lastModelId = modelId;
        lastReason = reason;
    }

    function supportsInterface(bytes4 id) external pure returns (bool) {
        return id == type(IInferenceFailureHandler).interfaceId || id == type(IERC165).interfaceId;
    }

    function outputOf(uint256 requestId) external view returns (int256[] memory) {
        return _outputs[requestId];
    }
}

/// @notice A consumer without a failure handler that cannot take plain transfers either.
contract NoReceiveConsumer is IInferenceConsumer {
    IZkVinSpoke public immutable SPOKE;
    uint256 public results;

    constructor(IZkVinSpoke spoke) {
        SPOKE = spoke;
    }

    function ask(uint256 modelId, int256[] calldata input, uint32 gas) external payable returns (uint256) {
        return SPOKE.requestInference{value: msg.value}(modelId, input, gas);
    }

    function onInferenceResult(uint256, uint256, int256[] calldata) external {
        results += 1;
    }

    function withdrawFromSpoke(address payable to) external {
        SPOKE.withdraw(to);
    }
}

/// @notice Burns every unit of gas it is given.
contract GasBurningConsumer is IInferenceConsumer {
    IZkVinSpoke public immutable SPOKE;

    constructor(IZkVinSpoke spoke) {
        SPOKE = spoke;
    }

    receive() external payable {}

    function ask(uint256 modelId, int256[] calldata input, uint32 gas) external payable returns (uint256) {
        return SPOKE.requestInference{value: msg.value}(modelId, input, gas);
    }

    function onInferenceResult(uint256, uint256, int256[] calldata) external pure {
        while (true) {}
    }
}

/// @notice Reverts with a 100 kB payload (return-data bomb).
contract RevertBombConsumer is IInferenceConsumer {
    IZkVinSpoke public immutable SPOKE;

    constructor(IZkVinSpoke spoke) {
        SPOKE = spoke;
    }

    receive() external payable {}

    function ask(uint256 modelId, int256[] calldata input, uint32 gas) external payable returns (uint256) {
        return SPOKE.requestInference{value: msg.value}(modelId, input, gas);
    }

    function onInferenceResult(uint256, uint256, int256[] calldata) external pure {
        assembly {
            revert(0, 100000)
        }
    }
}

/// @notice Tries to settle again from inside its callback (withdraw and retry on the spoke) and records what
/// the spoke answered.
contract ReenteringConsumer is IInferenceConsumer {
    IZkVinSpoke public immutable SPOKE;
    bytes public withdrawError;
    bytes public retryError;

    constructor(IZkVinSpoke spoke) {
        SPOKE = spoke;
    }

    receive() external payable {}

    function ask(uint256 modelId, int256[] calldata input, uint32 gas) external payable returns (uint256) {
        return SPOKE.requestInference{value: msg.value}(modelId, input, gas);
    }

    function onInferenceResult(uint256 requestId, uint256, int256[] calldata) external {
        try SPOKE.withdraw(payable(address(this))) {}
        catch (bytes memory e) {
            withdrawError = e;
        }
        try SPOKE.retryCallback(requestId, 1_000_000) {}
        catch (bytes memory e) {
            retryError = e;
        }
    }
}
