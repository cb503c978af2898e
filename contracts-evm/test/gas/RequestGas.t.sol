// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IInferenceMarket} from "../../src/interfaces/IInferenceMarket.sol";
import {ModelSpec} from "../../src/interfaces/IModelRegistry.sol";
import {IOLayout} from "../../src/libraries/InstanceLayout.sol";
import {EzklVkaVerifierAdapter} from "../../src/verifiers/EzklVkaVerifierAdapter.sol";
import {IHalo2VerifierReusable} from "../../src/verifiers/ezkl/IHalo2Verifiers.sol";
import {EzklFixture, EzklFixtures} from "../utils/EzklFixtures.sol";
import {HubTestBase} from "../utils/HubTestBase.sol";

/// @notice Gas of asking the hub market for an inference (`requestInference`: the registry's input checks,
/// escrow, assignment to a node, the request record and its events), for the prover's linear regression (4
/// features, registered with its real VKA) and for wider models (16 and 64 features, mock adapter: the request
/// path never calls the verifier). Each scenario first makes one warm-up request, so that the market's
/// balances and the node's capacity counter are non-zero as in steady operation, then measures a second one.
/// scripts/gas-table.mjs runs it with `--isolate` (the request is its own transaction: cold accounts and
/// storage) and ZKVIN_GAS_OUT set, which writes one JSON file per scenario.
contract RequestGasTest is HubTestBase {
    struct Measurement {
        uint256 inputs;
        uint256 executionGas; // the request transaction minus its intrinsic gas
        uint256 transactionGas;
        uint256 calldataBytes;
    }

    /// @dev Standard intrinsic gas of a transaction with this calldata (EIP-2028): 21000 + 4/16 per byte.
    function _intrinsic(bytes memory data) internal pure returns (uint256 gas) {
        gas = 21_000;
        for (uint256 i; i < data.length; ++i) {
            gas += data[i] == 0 ? 4 : 16;
        }
    }

    function _registerLinearRegression() internal returns (uint256 modelId, int256[] memory input) {
        EzklFixture memory f = EzklFixtures.load("linear_regression");
        IHalo2VerifierReusable reusable =
            IHalo2VerifierReusable(deployCode("Halo2VerifierReusable.sol:Halo2VerifierReusable"));
        EzklVkaVerifierAdapter ezkl = new EzklVkaVerifierAdapter(reusable, EzklFixtures.canonicalSrs());
        registry.setVerifierApproval(ezkl, true);
        ModelSpec memory spec;
        spec.verifier = ezkl;
        spec.verifierKey = ezkl.registerVka(f.vka);
        spec.settingsHash = f.settingsHash;
        spec.layout = f.layout;
        spec.inputBounds = EzklFixtures.inputBounds(f);
        spec.computeUnits = f.computeUnits;
        spec.royalty = ROYALTY;
        spec.artifactURI = string.concat("zkvin-artifact:sha256:", f.artifactId);
        vm.deal(modelOwner, REGISTRATION_FEE);
        vm.prank(modelOwner);
        modelId = registry.registerModel{value: REGISTRATION_FEE}(spec);
        input = f.inputs[0];
    }

    function _registerWide(uint16 inputs) internal returns (uint256 modelId, int256[] memory input) {
        IOLayout memory l = _layout(1, inputs, 1);
        modelId = _registerModel(l);
        input = _input(inputs, 3);
    }

    function _run(string memory name, uint256 modelId, int256[] memory input) internal {
        _registerNode(nodeA, modelId, 10_000);
        _nextEpoch();
        _request(modelId, input, 0); // warm-up

        uint256 price = market.quote(modelId).total;
        bytes memory data = abi.encodeCall(IInferenceMarket.requestInference, (modelId, input, 0));
        vm.deal(requester, requester.balance + price);
        uint256 next = market.nextRequestId();
        vm.prank(requester);
        (bool ok,) = address(market).call{value: price}(data);
        Measurement memory m;
        m.transactionGas = vm.lastCallGas().gasTotalUsed;
        assertTrue(ok, name);
        assertEq(market.request(next).node, nodeA, "assigned");

        m.inputs = input.length;
        m.executionGas = m.transactionGas - _intrinsic(data);
        m.calldataBytes = data.length;
        _report(name, m);
    }

    function _report(string memory name, Measurement memory m) internal {
        vm.serializeString(name, "name", name);
        vm.serializeString(name, "kind", "request");
        vm.serializeUint(name, "inputs", m.inputs);
        vm.serializeUint(name, "executionGas", m.executionGas);
        vm.serializeUint(name, "calldataBytes", m.calldataBytes);
        string memory row = vm.serializeUint(name, "transactionGas", m.transactionGas);
        string memory dir = vm.envOr("ZKVIN_GAS_OUT", string(""));
        if (bytes(dir).length != 0) vm.writeJson(row, string.concat(dir, "/", name, ".json"));
    }

    function test_gas_request_linearRegression() public {
        (uint256 modelId, int256[] memory input) = _registerLinearRegression();
        _run("request_linear_regression", modelId, input);
    }

    function test_gas_request_16inputs() public {
        (uint256 modelId, int256[] memory input) = _registerWide(16);
        _run("request_16_inputs", modelId, input);
    }

    function test_gas_request_64inputs() public {
        (uint256 modelId, int256[] memory input) = _registerWide(64);
        _run("request_64_inputs", modelId, input);
    }
}
