// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Script} from "forge-std/Script.sol";
import {ClassifierGate} from "../../src/consumer/examples/ClassifierGate.sol";
import {RegressionOracleConsumer} from "../../src/consumer/examples/RegressionOracleConsumer.sol";
import {IInferenceOracle} from "../../src/spoke/IInferenceOracle.sol";

/// @title DeployLocalConsumers
/// @notice Deploys the example consumers of a devnet chain once its models are registered (the consumers
/// bind a model id at construction): a RegressionOracleConsumer per regression model and a ClassifierGate
/// per classifier, all asking the chain's oracle (the hub's market, or the chain's spoke).
/// @dev Environment:
///   DEVNET_ORACLE              the InferenceMarket (hub chain) or the ZkVinSpoke
///   DEVNET_ORACLE_IS_MARKET    true on the hub chain
///   DEVNET_CALLBACK_GAS        gas every consumer asks for its callbacks
///   DEVNET_REGRESSION_MODELS   comma-separated model ids (may be empty)
///   DEVNET_REGRESSION_SCALES   their output scales, same order
///   DEVNET_CLASSIFIER_MODELS   comma-separated model ids (may be empty)
///   DEVNET_CLASSIFIER_SCALES   their output scales, same order
///   DEVNET_APPROVED_LABEL      the label a ClassifierGate approves (default 1)
///   DEVNET_OUT                 where to write { "regression": [...], "classifier": [...] } (addresses)
/// Usage: forge script script/local/DeployLocalConsumers.s.sol --rpc-url $RPC --private-key $KEY --broadcast
contract DeployLocalConsumers is Script {
    /// @notice A model list and its scale list differ in length.
    error ScaleListMismatch(uint256 models, uint256 scales);
    /// @notice A scale does not fit the fixed-point exponent the consumers take (uint8).
    error ScaleOutOfRange(uint256 scale);
    /// @notice DEVNET_CALLBACK_GAS does not fit uint32.
    error CallbackGasOutOfRange(uint256 gas);

    /// @notice Deploys the consumers described by the environment as the broadcaster and writes DEVNET_OUT.
    function run() external returns (address[] memory regression, address[] memory classifier) {
        IInferenceOracle oracle = IInferenceOracle(vm.envAddress("DEVNET_ORACLE"));
        bool isMarket = vm.envBool("DEVNET_ORACLE_IS_MARKET");
        uint256 gas = vm.envUint("DEVNET_CALLBACK_GAS");
        if (gas > type(uint32).max) revert CallbackGasOutOfRange(gas);
        // Checked just above.
        // forge-lint: disable-next-line(unsafe-typecast)
        uint32 callbackGas = uint32(gas);
        (uint256[] memory rModels, uint8[] memory rScales) =
            _models("DEVNET_REGRESSION_MODELS", "DEVNET_REGRESSION_SCALES");
        (uint256[] memory cModels, uint8[] memory cScales) =
            _models("DEVNET_CLASSIFIER_MODELS", "DEVNET_CLASSIFIER_SCALES");
        int256 approvedLabel = vm.envOr("DEVNET_APPROVED_LABEL", int256(1));

        regression = new address[](rModels.length);
        classifier = new address[](cModels.length);
        vm.startBroadcast();
        for (uint256 i; i < rModels.length; ++i) {
            regression[i] = address(new RegressionOracleConsumer(oracle, isMarket, rModels[i], rScales[i], callbackGas));
        }
        for (uint256 i; i < cModels.length; ++i) {
            classifier[i] =
                address(new ClassifierGate(oracle, isMarket, cModels[i], cScales[i], approvedLabel, callbackGas));
        }
        vm.stopBroadcast();

        string memory k = "localConsumers";
        vm.serializeAddress(k, "regression", regression);
        vm.writeJson(vm.serializeAddress(k, "classifier", classifier), vm.envString("DEVNET_OUT"));
    }

    function _models(string memory idsVar, string memory scalesVar)
        private
        view
        returns (uint256[] memory ids, uint8[] memory scales)
    {
        ids = vm.envOr(idsVar, ",", new uint256[](0));
        uint256[] memory raw = vm.envOr(scalesVar, ",", new uint256[](0));
        if (ids.length != raw.length) revert ScaleListMismatch(ids.length, raw.length);
        scales = new uint8[](raw.length);
        for (uint256 i; i < raw.length; ++i) {
            if (raw[i] > type(uint8).max) revert ScaleOutOfRange(raw[i]);
            // Checked just above.
            // forge-lint: disable-next-line(unsafe-typecast)
            scales[i] = uint8(raw[i]);
        }
    }
}
