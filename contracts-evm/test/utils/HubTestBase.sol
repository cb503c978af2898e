// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {HubConfig, HubContracts, HubDeployer} from "../../script/HubDeployer.sol";
import {InferenceMarket} from "../../src/hub/InferenceMarket.sol";
import {ModelRegistry} from "../../src/hub/ModelRegistry.sol";
import {NodePool} from "../../src/hub/NodePool.sol";
import {MarketParams} from "../../src/interfaces/IInferenceMarket.sol";
import {ModelSpec} from "../../src/interfaces/IModelRegistry.sol";
import {PoolParams} from "../../src/interfaces/INodePool.sol";
import {FieldEncoding} from "../../src/libraries/FieldEncoding.sol";
import {InputBound} from "../../src/libraries/InputBounds.sol";
import {IOLayout, InputMode} from "../../src/libraries/InstanceLayout.sol";
import {IProofVerifier} from "../../src/verifiers/IProofVerifier.sol";
import {MockProofVerifier} from "../mocks/MockProofVerifier.sol";

/// @notice Deploys the hub through the same HubDeployer the deploy script uses, with a mock verifier
/// adapter, and offers helpers to register models and nodes and to build proofs for the mock.
abstract contract HubTestBase is Test {
    ModelRegistry internal registry;
    NodePool internal pool;
    InferenceMarket internal market;
    MockProofVerifier internal verifier;
    HubContracts internal hub;

    address internal admin = address(this);
    address internal treasury = makeAddr("treasury");
    address internal modelOwner = makeAddr("modelOwner");
    address internal nodeA = makeAddr("nodeA");
    address internal nodeB = makeAddr("nodeB");
    address internal nodeC = makeAddr("nodeC");
    address internal requester = makeAddr("requester");

    uint256 internal constant REGISTRATION_FEE = 0.01 ether;
    uint96 internal constant MAX_ROYALTY = 1 ether;
    uint32 internal constant EPOCH_BLOCKS = 20;
    uint96 internal constant UNIT_PRICE = 1 gwei;
    uint64 internal constant PROTOCOL_FEE = 0.0001 ether;
    uint32 internal constant WINDOW = 10;
    uint256 internal constant MIN_STAKE_PER_UNIT = 0.0001 ether;
    uint112 internal constant SLASH = 0.05 ether;
    uint16 internal constant REQUESTER_SHARE_BPS = 5000;
    uint32 internal constant UNBONDING = 2;
    uint64 internal constant CALLBACK_GAS_PRICE = 1 gwei;
    /// @dev (maxReassignments + 1) x SLASH / 2: a forfeited bond pays each failed node half its slash.
    uint96 internal constant COMMITMENT_BOND = 0.05 ether;
    uint32 internal constant COMPUTE_UNITS = 100;
    uint96 internal constant ROYALTY = 0.001 ether;
    /// @dev Every feature's bound unless a test registers others: [-INPUT_LIMIT, INPUT_LIMIT].
    int256 internal constant INPUT_LIMIT = 1e6;

    uint256 private _keyNonce;

    function setUp() public virtual {
        _deployHub(address(0));
    }

    function _hubConfig(address stakeToken) internal view returns (HubConfig memory c) {
        c.admin = admin;
        c.treasury = treasury;
        c.stakeToken = stakeToken;
        c.epochLengthBlocks = EPOCH_BLOCKS;
        c.registrationFee = REGISTRATION_FEE;
        c.maxRoyalty = MAX_ROYALTY;
        c.poolParams = PoolParams({
            minStakePerComputeUnit: MIN_STAKE_PER_UNIT,
            slashAmount: SLASH,
            requesterShareBps: REQUESTER_SHARE_BPS,
            maxNodesPerModel: 16,
            maxModelsPerNode: 8,
            unbondingEpochs: UNBONDING
        });
        c.marketParams = MarketParams({
            unitPrice: UNIT_PRICE,
            protocolFee: PROTOCOL_FEE,
            fulfilmentWindow: WINDOW,
            maxCallbackGasLimit: 1_000_000,
            maxReassignments: 1,
            callbackGasPrice: CALLBACK_GAS_PRICE,
            commitmentBond: COMMITMENT_BOND
        });
    }

    function _deployHub(address stakeToken) internal {
        hub = HubDeployer.deploy(_hubConfig(stakeToken), address(this));
        registry = hub.registry;
        pool = hub.pool;
        market = hub.market;
        verifier = new MockProofVerifier();
        registry.setVerifierApproval(IProofVerifier(address(verifier)), true);
    }

    // ---------------------------------------------------------------- models

    /// @dev Public inputs first (batch x inputs), then outputs (batch x outputs).
    function _layout(uint16 batch, uint16 inputs, uint16 outputs) internal pure returns (IOLayout memory l) {
        l.batchSize = batch;
        l.inputCount = inputs;
        l.outputCount = outputs;
        l.inputOffset = 0;
        l.outputOffset = batch * inputs;
        l.instanceCount = batch * (inputs + outputs);
        l.inputScale = 7;
        l.outputScale = 7;
        l.inputMode = InputMode.Public;
    }

    /// @dev `n` features, each bounded by [lo, hi].
    function _uniformBounds(uint256 n, int256 lo, int256 hi) internal pure returns (InputBound[] memory b) {
        b = new InputBound[](n);
        for (uint256 i; i < n; ++i) {
            b[i] = InputBound({min: lo, max: hi});
        }
    }

    /// @dev One commitment per slot first, then outputs.
    function _hashedLayout(uint16 batch, uint16 inputs, uint16 outputs) internal pure returns (IOLayout memory l) {
        l = _layout(batch, inputs, outputs);
        l.inputMode = InputMode.Hashed;
        l.outputOffset = batch;
        l.instanceCount = batch * (1 + outputs);
    }

    function _spec(IOLayout memory l) internal returns (ModelSpec memory spec) {
        return _spec(l, _uniformBounds(l.inputCount, -INPUT_LIMIT, INPUT_LIMIT));
    }

    function _spec(IOLayout memory l, InputBound[] memory bounds) internal returns (ModelSpec memory spec) {
        bytes32 key = keccak256(abi.encode("key", ++_keyNonce));
        verifier.addKey(key, l.instanceCount);
        spec.verifier = IProofVerifier(address(verifier));
        spec.verifierKey = key;
        spec.settingsHash = keccak256("settings");
        spec.layout = l;
        spec.inputBounds = bounds;
        spec.computeUnits = COMPUTE_UNITS;
        spec.royalty = ROYALTY;
        spec.artifactURI = "ipfs://bafy-artifacts";
        spec.metadataURI = "ipfs://bafy-metadata";
    }

    function _registerModel(IOLayout memory l) internal returns (uint256 modelId) {
        return _registerModel(l, _uniformBounds(l.inputCount, -INPUT_LIMIT, INPUT_LIMIT));
    }

    function _registerModel(IOLayout memory l, InputBound[] memory bounds) internal returns (uint256 modelId) {
        ModelSpec memory spec = _spec(l, bounds);
        vm.deal(modelOwner, modelOwner.balance + REGISTRATION_FEE);
        vm.prank(modelOwner);
        modelId = registry.registerModel{value: REGISTRATION_FEE}(spec);
    }

    // ---------------------------------------------------------------- nodes

    function _stakeFor(uint64 capacity) internal pure returns (uint256) {
        return MIN_STAKE_PER_UNIT * capacity + SLASH * 4;
    }

    function _registerNode(address operator, uint256 modelId, uint64 capacity) internal {
        uint256[] memory models = new uint256[](1);
        models[0] = modelId;
        _registerNode(operator, models, capacity);
    }

    function _registerNode(address operator, uint256[] memory models, uint64 capacity) internal {
        uint256 stake = _stakeFor(capacity);
        vm.deal(operator, operator.balance + stake);
        vm.prank(operator);
        pool.registerNode{value: stake}(models, capacity, stake);
    }

    /// @dev Rolls to the first block of the next epoch.
    function _nextEpoch() internal {
        vm.roll(pool.epochStartBlock(pool.currentEpoch() + 1));
    }

    // ---------------------------------------------------------------- requests and proofs

    function _input(uint256 n, int256 seed) internal pure returns (int256[] memory input) {
        input = new int256[](n);
        for (uint256 i; i < n; ++i) {
            // casting is safe because the loop index is below a small array length
            // forge-lint: disable-next-line(unsafe-typecast)
            input[i] = (seed * 7 + int256(i) * 13) % 1000 - 500;
        }
    }

    function _request(uint256 modelId, int256[] memory input, uint32 gasLimit) internal returns (uint256 id) {
        uint256 price = market.quote(modelId, gasLimit).total;
        vm.deal(requester, requester.balance + price);
        vm.prank(requester);
        id = market.requestInference{value: price}(modelId, input, gasLimit);
    }

    /// @dev Instances for `inputs` (one per slot) and `outputs`; slots past the inputs repeat the last input.
    function _instances(IOLayout memory l, int256[][] memory inputs, int256[][] memory outputs)
        internal
        pure
        returns (uint256[] memory inst)
    {
        inst = new uint256[](l.instanceCount);
        for (uint256 slot; slot < l.batchSize; ++slot) {
            uint256 src = slot < inputs.length ? slot : inputs.length - 1;
            for (uint256 j; j < l.inputCount; ++j) {
                inst[l.inputOffset + slot * l.inputCount + j] = FieldEncoding.toFelt(inputs[src][j]);
            }
            for (uint256 j; j < l.outputCount; ++j) {
                inst[l.outputOffset + slot * l.outputCount + j] = FieldEncoding.toFelt(outputs[src][j]);
            }
        }
    }

    function _single(int256[] memory v) internal pure returns (int256[][] memory a) {
        a = new int256[][](1);
        a[0] = v;
    }

    function _proof(uint256 modelId, uint256[] memory instances) internal view returns (bytes memory) {
        (,, bytes32 key,) = registry.fulfilmentTerms(modelId);
        return abi.encode(key, instances);
    }

    /// @dev Fulfils one request as its assigned node with `output`.
    function _fulfil(uint256 id, uint256 modelId, int256[] memory input, int256[] memory output) internal {
        (,,, IOLayout memory l) = registry.fulfilmentTerms(modelId);
        uint256[] memory inst = _instances(l, _single(input), _single(output));
        bytes memory proof = _proof(modelId, inst);
        address node = market.request(id).node;
        vm.prank(node);
        market.fulfil(id, proof, inst);
    }
}
