// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IInferenceMarket, RequestStatus} from "../../src/interfaces/IInferenceMarket.sol";
import {ModelSpec} from "../../src/interfaces/IModelRegistry.sol";
import {EzklAggregatingVerifierAdapter} from "../../src/verifiers/EzklAggregatingVerifierAdapter.sol";
import {EzklVkaVerifierAdapter} from "../../src/verifiers/EzklVkaVerifierAdapter.sol";
import {IProofVerifier} from "../../src/verifiers/IProofVerifier.sol";
import {IHalo2VerifierReusable, IHalo2VerifierReusableDeferred} from "../../src/verifiers/ezkl/IHalo2Verifiers.sol";
import {EzklFixture, EzklFixtures} from "../utils/EzklFixtures.sol";
import {HubTestBase} from "../utils/HubTestBase.sol";

/// @notice Gas of one aggregate of 1, 2, 4, 8 and 16 real EZKL proofs (the committed fixtures of eight
/// circuits: linear regression batch 1/4/16 and hashed, SVM, random forest, tree ensemble, MLP; 16 takes each
/// twice) through EzklAggregatingVerifierAdapter, and of settling one request afterwards with an empty proof,
/// against verifying the same proofs one by one. Run by scripts/gas-table.mjs with `--isolate` (every call its
/// own transaction) and ZKVIN_GAS_OUT set; without it, it only checks that every aggregate passes.
contract AggregationGasTest is HubTestBase {
    EzklVkaVerifierAdapter internal inner;
    EzklAggregatingVerifierAdapter internal agg;

    string[8] internal FIXTURES = [
        "linear_regression",
        "svm_classification",
        "mlp",
        "random_forest",
        "tree_ensemble_regression",
        "linear_regression_b4",
        "linear_regression_hashed",
        "linear_regression_b16"
    ];
    EzklFixture[8] internal fs;

    function setUp() public override {
        super.setUp();
        IHalo2VerifierReusable reusable =
            IHalo2VerifierReusable(deployCode("Halo2VerifierReusable.sol:Halo2VerifierReusable"));
        IHalo2VerifierReusableDeferred deferred = IHalo2VerifierReusableDeferred(
            deployCode("Halo2VerifierReusableDeferred.sol:Halo2VerifierReusableDeferred")
        );
        inner = new EzklVkaVerifierAdapter(reusable, EzklFixtures.canonicalSrs());
        agg = new EzklAggregatingVerifierAdapter(inner, deferred);
        registry.setVerifierApproval(agg, true);
        for (uint256 i; i < 8; ++i) {
            fs[i] = EzklFixtures.load(FIXTURES[i]);
            inner.registerVka(fs[i].vka); // approval off in this test: registering approves
            agg.prepareKey(fs[i].vkaDigest); // once per key, not per aggregate
        }
    }

    function _intrinsic(bytes memory data) internal pure returns (uint256 gas) {
        gas = 21_000;
        for (uint256 i; i < data.length; ++i) {
            gas += data[i] == 0 ? 4 : 16;
        }
    }

    function _aggregateData(uint256 n) internal view returns (bytes memory) {
        bytes32[] memory keys = new bytes32[](n);
        bytes[] memory proofs = new bytes[](n);
        uint256[][] memory instances = new uint256[][](n);
        for (uint256 i; i < n; ++i) {
            EzklFixture storage f = fs[i % 8];
            (keys[i], proofs[i], instances[i]) = (f.vkaDigest, f.proof, f.instances);
        }
        return abi.encodeCall(EzklAggregatingVerifierAdapter.verifyAggregate, (keys, proofs, instances));
    }

    /// @dev Sum over the same n proofs of the inner adapter's verify alone (each its own transaction).
    function _singleVerifyTx(uint256 n) internal returns (uint256 total) {
        for (uint256 i; i < n; ++i) {
            EzklFixture storage f = fs[i % 8];
            bytes memory data = abi.encodeCall(IProofVerifier.verify, (f.vkaDigest, f.proof, f.instances));
            (bool ok, bytes memory ret) = address(inner).call(data);
            assertTrue(ok && abi.decode(ret, (bool)), "single verify");
            total += vm.lastCallGas().gasTotalUsed;
        }
    }

    /// @dev A linear-regression request settled with an empty proof after its statement was aggregated, and
    /// one settled with its own proof: the transaction gas of each.
    function _settleGas() internal returns (uint256 emptyProofTx, uint256 ownProofTx) {
        EzklFixture storage f = fs[0];
        ModelSpec memory spec;
        spec.verifier = agg;
        spec.verifierKey = f.vkaDigest;
        spec.settingsHash = f.settingsHash;
        spec.layout = f.layout;
        spec.inputBounds = EzklFixtures.inputBounds(f);
        spec.computeUnits = f.computeUnits;
        spec.royalty = ROYALTY;
        spec.artifactURI = string.concat("zkvin-artifact:sha256:", f.artifactId);
        vm.deal(modelOwner, REGISTRATION_FEE);
        vm.prank(modelOwner);
        uint256 modelId = registry.registerModel{value: REGISTRATION_FEE}(spec);
        _registerNode(nodeA, modelId, 10_000);
        _nextEpoch();

        // Warm-up round (balances non-zero, as in steady operation), then the measured one.
        uint256 id = _request(modelId, f.inputs[0], 0);
        vm.prank(nodeA);
        market.fulfil(id, f.proof, f.instances);
        id = _request(modelId, f.inputs[0], 0);
        bytes memory data = abi.encodeCall(IInferenceMarket.fulfil, (id, f.proof, f.instances));
        vm.prank(nodeA);
        (bool ok,) = address(market).call(data);
        assertTrue(ok, "own proof");
        ownProofTx = vm.lastCallGas().gasTotalUsed;

        bytes32[] memory keys = new bytes32[](1);
        bytes[] memory proofs = new bytes[](1);
        uint256[][] memory instances = new uint256[][](1);
        (keys[0], proofs[0], instances[0]) = (f.vkaDigest, f.proof, f.instances);
        agg.verifyAggregate(keys, proofs, instances);
        id = _request(modelId, f.inputs[0], 0);
        data = abi.encodeCall(IInferenceMarket.fulfil, (id, "", f.instances));
        vm.prank(nodeA);
        (ok,) = address(market).call(data);
        assertTrue(ok, "empty proof");
        emptyProofTx = vm.lastCallGas().gasTotalUsed;
        assertEq(uint8(market.request(id).status), uint8(RequestStatus.Fulfilled));
    }

    function _run(uint256 n) internal {
        bytes memory data = _aggregateData(n);
        (bool ok,) = address(agg).call(data);
        assertTrue(ok, "aggregate");
        uint256 aggregateTx = vm.lastCallGas().gasTotalUsed;
        uint256 singles = _singleVerifyTx(n);
        (uint256 emptyProofTx, uint256 ownProofTx) = _settleGas();

        string memory key = string.concat("aggregate_", vm.toString(n));
        vm.serializeString(key, "name", key);
        vm.serializeString(key, "kind", "aggregation");
        vm.serializeUint(key, "proofs", n);
        vm.serializeUint(key, "aggregateTransactionGas", aggregateTx);
        vm.serializeUint(key, "aggregateCalldataBytes", data.length);
        vm.serializeUint(key, "aggregateExecutionGas", aggregateTx - _intrinsic(data));
        vm.serializeUint(key, "singleVerifyTransactionGasSum", singles);
        vm.serializeUint(key, "settleEmptyProofTransactionGas", emptyProofTx);
        vm.serializeUint(key, "settleOwnProofTransactionGas", ownProofTx);
        // What one inference costs in all: its share of the aggregate plus its own settlement, against its
        // settlement with its own proof (the linear regression's figures for the settlement).
        vm.serializeUint(key, "perInferenceAggregated", aggregateTx / n + emptyProofTx);
        string memory row = vm.serializeUint(key, "perInferenceSingle", ownProofTx);
        string memory dir = vm.envOr("ZKVIN_GAS_OUT", string(""));
        if (bytes(dir).length != 0) vm.writeJson(row, string.concat(dir, "/", key, ".json"));
    }

    function test_gas_aggregate_1() public {
        _run(1);
    }

    function test_gas_aggregate_2() public {
        _run(2);
    }

    function test_gas_aggregate_4() public {
        _run(4);
    }

    function test_gas_aggregate_8() public {
        _run(8);
    }

    function test_gas_aggregate_16() public {
        _run(16);
    }
}
