// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ExampleInferenceConsumer} from "../../src/consumer/ExampleInferenceConsumer.sol";
import {IInferenceMarket, RequestStatus} from "../../src/interfaces/IInferenceMarket.sol";
import {ModelSpec} from "../../src/interfaces/IModelRegistry.sol";
import {ApprovedCodeVerifierAdapter} from "../../src/verifiers/ApprovedCodeVerifierAdapter.sol";
import {EzklVkaVerifierAdapter} from "../../src/verifiers/EzklVkaVerifierAdapter.sol";
import {IProofVerifier} from "../../src/verifiers/IProofVerifier.sol";
import {IHalo2VerifierReusable} from "../../src/verifiers/ezkl/IHalo2Verifiers.sol";
import {EzklFixture, EzklFixtures} from "../utils/EzklFixtures.sol";
import {HubTestBase} from "../utils/HubTestBase.sol";

/// @notice Gas of fulfilling real EZKL proofs (linear regression, batch 1/4/16) through the market: with the
/// reusable verifier + VKA and with the per-model generated verifier, with and without a consumer callback.
/// Each scenario first fulfils one warm-up round, so that balances are non-zero as in steady operation, then
/// measures a second round. scripts/gas-table.mjs runs it with `--isolate` (every call its own transaction:
/// cold accounts and storage, intrinsic gas included) and ZKVIN_GAS_OUT set, which writes one JSON file
/// per scenario; the script turns them into the README table. Without ZKVIN_GAS_OUT it only checks that
/// every scenario fulfils.
contract FulfilmentGasTest is HubTestBase {
    uint32 internal constant CALLBACK_GAS = 200_000;

    EzklVkaVerifierAdapter internal ezkl;
    ApprovedCodeVerifierAdapter internal approvedCode;

    struct Scenario {
        string name;
        string fixture;
        bool generated; // per-model generated verifier instead of the reusable one
        bool callback;
    }

    struct Measurement {
        uint256 batch;
        uint256 verifyGas; // the adapter's verify alone, execution gas
        uint256 executionGas; // the fulfilment transaction minus its intrinsic gas
        uint256 transactionGas; // what the node pays
        uint256 calldataBytes;
    }

    function setUp() public override {
        super.setUp();
        IHalo2VerifierReusable reusable =
            IHalo2VerifierReusable(deployCode("Halo2VerifierReusable.sol:Halo2VerifierReusable"));
        ezkl = new EzklVkaVerifierAdapter(reusable, EzklFixtures.canonicalSrs());
        ezkl.setApprovalRequired(true);
        approvedCode = new ApprovedCodeVerifierAdapter(admin);
        registry.setVerifierApproval(ezkl, true);
        registry.setVerifierApproval(approvedCode, true);
    }

    function _register(EzklFixture memory f, bool generated) internal returns (uint256 modelId) {
        ModelSpec memory spec;
        if (generated) {
            address v = deployCode(string.concat(f.verifierContract, ".sol:", f.verifierContract));
            approvedCode.approveCodeHash(v.codehash, f.layout.instanceCount);
            spec.verifier = approvedCode;
            spec.verifierKey = approvedCode.keyOf(v);
        } else {
            spec.verifier = ezkl;
            spec.verifierKey = ezkl.registerVka(f.vka);
            ezkl.approveVka(spec.verifierKey);
        }
        spec.settingsHash = f.settingsHash;
        spec.layout = f.layout;
        spec.inputBounds = EzklFixtures.inputBounds(f);
        spec.computeUnits = f.computeUnits;
        spec.royalty = ROYALTY;
        spec.artifactURI = string.concat("zkvin-artifact:sha256:", f.artifactId);
        vm.deal(modelOwner, REGISTRATION_FEE);
        vm.prank(modelOwner);
        modelId = registry.registerModel{value: REGISTRATION_FEE}(spec);
        _registerNode(nodeA, modelId, 10_000);
        _nextEpoch();
    }

    /// @dev Standard intrinsic gas of a transaction with this calldata (EIP-2028): 21000 + 4/16 per byte.
    function _intrinsic(bytes memory data) internal pure returns (uint256 gas) {
        gas = 21_000;
        for (uint256 i; i < data.length; ++i) {
            gas += data[i] == 0 ? 4 : 16;
        }
    }

    function _open(EzklFixture memory f, uint256 modelId, ExampleInferenceConsumer consumer, bool callback)
        internal
        returns (uint256[] memory ids, bytes memory data)
    {
        uint256 price = market.quote(modelId, callback ? consumer.CALLBACK_GAS_LIMIT() : 0).total;
        ids = new uint256[](f.batchSize);
        for (uint256 s; s < f.batchSize; ++s) {
            if (callback) {
                vm.deal(requester, price);
                vm.prank(requester);
                ids[s] = consumer.ask{value: price}(f.inputs[s]);
            } else {
                ids[s] = _request(modelId, f.inputs[s], 0);
            }
        }
        data = f.batchSize == 1
            ? abi.encodeCall(IInferenceMarket.fulfil, (ids[0], f.proof, f.instances))
            : abi.encodeCall(IInferenceMarket.fulfilBatch, (ids, f.proof, f.instances));
    }

    function _run(Scenario memory sc) internal {
        EzklFixture memory f = EzklFixtures.load(sc.fixture);
        uint256 modelId = _register(f, sc.generated);
        ExampleInferenceConsumer consumer = new ExampleInferenceConsumer(market, modelId, CALLBACK_GAS);

        (, bytes memory warmUp) = _open(f, modelId, consumer, sc.callback);
        vm.prank(nodeA);
        (bool ok,) = address(market).call(warmUp);
        assertTrue(ok, "warm-up");

        (uint256[] memory ids, bytes memory data) = _open(f, modelId, consumer, sc.callback);
        for (uint256 s; s < f.batchSize; ++s) {
            vm.expectEmit(address(market));
            emit IInferenceMarket.InferenceFulfilled(ids[s], f.outputs[s]);
        }
        vm.prank(nodeA);
        (ok,) = address(market).call(data);
        assertTrue(ok, sc.name);
        Measurement memory m;
        m.transactionGas = vm.lastCallGas().gasTotalUsed;
        m.executionGas = m.transactionGas - _intrinsic(data);
        m.calldataBytes = data.length;
        m.batch = f.batchSize;
        for (uint256 s; s < f.batchSize; ++s) {
            assertEq(uint8(market.request(ids[s]).status), uint8(RequestStatus.Fulfilled));
            if (sc.callback) assertEq(consumer.result(ids[s]), f.outputs[s]);
        }
        m.verifyGas = _verifyGas(modelId, f);
        _report(sc, m);
    }

    /// @dev The adapter's verify call alone (for the reusable verifier: VKA load + EZKL's verifier).
    function _verifyGas(uint256 modelId, EzklFixture memory f) internal returns (uint256) {
        (, IProofVerifier v, bytes32 key,) = registry.fulfilmentTerms(modelId);
        bytes memory data = abi.encodeCall(IProofVerifier.verify, (key, f.proof, f.instances));
        (bool ok, bytes memory ret) = address(v).call(data);
        assertTrue(ok && abi.decode(ret, (bool)));
        return vm.lastCallGas().gasTotalUsed - _intrinsic(data);
    }

    function _report(Scenario memory sc, Measurement memory m) internal {
        string memory key = sc.name;
        vm.serializeString(key, "name", sc.name);
        vm.serializeString(key, "kind", "fulfilment");
        vm.serializeString(key, "verifier", sc.generated ? "generated per-model" : "reusable + VKA");
        vm.serializeUint(key, "batch", m.batch);
        vm.serializeBool(key, "callback", sc.callback);
        vm.serializeUint(key, "verifyGas", m.verifyGas);
        vm.serializeUint(key, "executionGas", m.executionGas);
        vm.serializeUint(key, "calldataBytes", m.calldataBytes);
        vm.serializeUint(key, "transactionGas", m.transactionGas);
        vm.serializeUint(key, "executionPerInference", m.executionGas / m.batch);
        string memory row = vm.serializeUint(key, "transactionPerInference", m.transactionGas / m.batch);
        string memory dir = vm.envOr("ZKVIN_GAS_OUT", string(""));
        if (bytes(dir).length != 0) vm.writeJson(row, string.concat(dir, "/", sc.name, ".json"));
    }

    function test_gas_reusable_batch1() public {
        _run(Scenario("reusable_b1", "linear_regression", false, false));
    }

    function test_gas_reusable_batch4() public {
        _run(Scenario("reusable_b4", "linear_regression_b4", false, false));
    }

    function test_gas_reusable_batch16() public {
        _run(Scenario("reusable_b16", "linear_regression_b16", false, false));
    }

    function test_gas_generated_batch1() public {
        _run(Scenario("generated_b1", "linear_regression", true, false));
    }

    function test_gas_generated_batch4() public {
        _run(Scenario("generated_b4", "linear_regression_b4", true, false));
    }

    function test_gas_generated_batch16() public {
        _run(Scenario("generated_b16", "linear_regression_b16", true, false));
    }

    function test_gas_generated_batch1_callback() public {
        _run(Scenario("generated_b1_callback", "linear_regression", true, true));
    }

    function test_gas_generated_batch16_callback() public {
        _run(Scenario("generated_b16_callback", "linear_regression_b16", true, true));
    }
}
