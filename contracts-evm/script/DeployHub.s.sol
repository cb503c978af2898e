// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Script} from "forge-std/Script.sol";
import {MarketParams} from "../src/interfaces/IInferenceMarket.sol";
import {PoolParams} from "../src/interfaces/INodePool.sol";
import {ApprovedCodeVerifierAdapter} from "../src/verifiers/ApprovedCodeVerifierAdapter.sol";
import {EzklAggregatingVerifierAdapter} from "../src/verifiers/EzklAggregatingVerifierAdapter.sol";
import {EzklVkaVerifierAdapter} from "../src/verifiers/EzklVkaVerifierAdapter.sol";
import {IHalo2VerifierReusable, IHalo2VerifierReusableDeferred} from "../src/verifiers/ezkl/IHalo2Verifiers.sol";
import {HubConfig, HubContracts, HubDeployer} from "./HubDeployer.sol";

/// @notice Addresses of one hub deployment, as written to the JSON file.
struct HubDeployment {
    HubContracts hub;
    address halo2VerifierReusable;
    EzklVkaVerifierAdapter ezklVkaAdapter;
    ApprovedCodeVerifierAdapter approvedCodeAdapter;
    /// @dev EZKL's reusable verifier with the final pairing deferred (the aggregating adapter's).
    address halo2VerifierReusableDeferred;
    /// @dev Aggregates proofs of any models over the VKA adapter's keys (docs/decisions/0011, 0015).
    EzklAggregatingVerifierAdapter ezklAggregatingAdapter;
    HubConfig config;
}

/// @title DeployHub
/// @notice Deploys the hub (registry, node pool, market behind UUPS proxies), EZKL's reusable verifier (unless
/// HUB_REUSABLE_VERIFIER names a deployed one), the VKA adapter bound to the canonical SRS (VKAs need
/// approval unless HUB_VKA_APPROVAL_REQUIRED=false), the approved-code adapter, and the aggregating adapter
/// over the VKA adapter with its deferred-pairing verifier (unless HUB_DEFERRED_VERIFIER names a deployed
/// one); approves the three adapters in the registry; turns model approval on (register -> approve -> live; unless
/// HUB_MODEL_APPROVAL_REQUIRED=false); hands every role to HUB_ADMIN; writes the
/// addresses as JSON to HUB_DEPLOYMENT_OUT (default broadcast/hub-deployment.<chainId>.json).
/// Every setting has a default suitable for a local devnet (short epochs); see README.md for the list.
///
///   forge script script/DeployHub.s.sol --rpc-url $RPC --private-key $KEY --broadcast
contract DeployHub is Script {
    /// @notice The SRS is the development one (its secret is public: anyone can forge proofs against it) and
    /// `chainId` is not a local development chain.
    error DevSrsOnPublicChain(uint256 chainId, string srsPath);

    /// @notice Chain ids of local development chains (anvil, hardhat, ganache, and the devnet's and the
    /// demo's chains: base 31337 and 33000, spoke n on base + n, at most 8 spokes). The development SRS is
    /// refused on any other chain unless the node says it is a local one (isLocalNode: tests start anvil
    /// with many chain ids); app/src/public/deploy.ts holds the same list.
    function isLocalChain(uint256 chainId) public pure returns (bool) {
        return chainId == 1337 || (chainId >= 31_337 && chainId <= 31_345) || (chainId >= 33_000 && chainId <= 33_008);
    }

    /// @notice Whether the script runs against a local development node (anvil, Hardhat, Ganache: its
    /// `web3_clientVersion`), whatever chain id it was started with; false without an RPC.
    function isLocalNode() public returns (bool) {
        try vm.rpc("web3_clientVersion", "[]") returns (bytes memory r) {
            bytes memory v = bytes(abi.decode(r, (string)));
            return _startsWith(v, "anvil/") || _startsWith(v, "HardhatNetwork/") || _startsWith(v, "Ganache/");
        } catch {
            return false;
        }
    }

    function _startsWith(bytes memory s, bytes memory prefix) private pure returns (bool) {
        if (s.length < prefix.length) return false;
        for (uint256 i; i < prefix.length; ++i) {
            if (s[i] != prefix[i]) return false;
        }
        return true;
    }

    function run() external returns (HubDeployment memory d) {
        address deployer = msg.sender;
        d.config = config(deployer);
        bytes32[] memory srs = canonicalSrs();

        vm.startBroadcast(deployer);
        d.hub = HubDeployer.deploy(d.config, deployer);
        d.halo2VerifierReusable = vm.envOr("HUB_REUSABLE_VERIFIER", address(0));
        if (d.halo2VerifierReusable == address(0)) {
            d.halo2VerifierReusable = deployCode("Halo2VerifierReusable.sol:Halo2VerifierReusable");
        }
        d.ezklVkaAdapter = new EzklVkaVerifierAdapter(IHalo2VerifierReusable(d.halo2VerifierReusable), srs);
        d.ezklVkaAdapter.setApprovalRequired(vkaApprovalRequired());
        d.approvedCodeAdapter = new ApprovedCodeVerifierAdapter(d.config.admin);
        (d.halo2VerifierReusableDeferred, d.ezklAggregatingAdapter) = deployAggregation(d.ezklVkaAdapter);
        d.hub.registry.setVerifierApproval(d.ezklVkaAdapter, true);
        d.hub.registry.setVerifierApproval(d.approvedCodeAdapter, true);
        d.hub.registry.setVerifierApproval(d.ezklAggregatingAdapter, true);
        d.hub.registry.setModelApprovalRequired(modelApprovalRequired());
        HubDeployer.handOver(d.hub, d.config.admin, deployer);
        _handOverAdapter(d.ezklVkaAdapter, d.config.admin, deployer);
        vm.stopBroadcast();

        string memory out = vm.envOr(
            "HUB_DEPLOYMENT_OUT", string.concat("broadcast/hub-deployment.", vm.toString(block.chainid), ".json")
        );
        string memory dir = _parentDir(out);
        if (bytes(dir).length != 0) vm.createDir(dir, true);
        vm.writeJson(toJson(d, deployer), out);
    }

    /// @notice Deploys the deferred-pairing verifier (unless HUB_DEFERRED_VERIFIER names one) and the
    /// aggregating adapter over `inner` (same keys, approvals, revocations and canonical SRS). A model
    /// registered with the aggregating adapter as its verifier is fulfilled with its own proof as usual, or
    /// with an empty proof once an aggregate accepted its statement. Call inside a broadcast.
    function deployAggregation(EzklVkaVerifierAdapter inner)
        public
        returns (address deferred, EzklAggregatingVerifierAdapter adapter)
    {
        deferred = vm.envOr("HUB_DEFERRED_VERIFIER", address(0));
        if (deferred == address(0)) {
            deferred = deployCode("Halo2VerifierReusableDeferred.sol:Halo2VerifierReusableDeferred");
        }
        adapter = new EzklAggregatingVerifierAdapter(inner, IHalo2VerifierReusableDeferred(deferred));
    }

    /// @dev Everything before the last '/', or "" when the path has none.
    function _parentDir(string memory path) private pure returns (string memory) {
        bytes memory b = bytes(path);
        for (uint256 i = b.length; i > 0; --i) {
            if (b[i - 1] == "/") {
                bytes memory dir = new bytes(i - 1);
                for (uint256 j; j < i - 1; ++j) {
                    dir[j] = b[j];
                }
                return string(dir);
            }
        }
        return "";
    }

    /// @notice The deployment settings: environment variables, or devnet defaults.
    function config(address deployer) public view returns (HubConfig memory c) {
        c.admin = vm.envOr("HUB_ADMIN", deployer);
        c.treasury = vm.envOr("HUB_TREASURY", c.admin);
        c.stakeToken = vm.envOr("HUB_STAKE_TOKEN", address(0));
        c.epochLengthBlocks = uint32(vm.envOr("HUB_EPOCH_BLOCKS", uint256(20)));
        c.registrationFee = vm.envOr("HUB_REGISTRATION_FEE", uint256(0.01 ether));
        c.maxRoyalty = uint96(vm.envOr("HUB_MAX_ROYALTY", uint256(1 ether)));
        c.poolParams = PoolParams({
            minStakePerComputeUnit: vm.envOr("HUB_MIN_STAKE_PER_COMPUTE_UNIT", uint256(0.001 ether)),
            slashAmount: uint112(vm.envOr("HUB_SLASH_AMOUNT", uint256(0.01 ether))),
            requesterShareBps: uint16(vm.envOr("HUB_REQUESTER_SHARE_BPS", uint256(5000))),
            maxNodesPerModel: uint16(vm.envOr("HUB_MAX_NODES_PER_MODEL", uint256(32))),
            maxModelsPerNode: uint16(vm.envOr("HUB_MAX_MODELS_PER_NODE", uint256(16))),
            unbondingEpochs: uint32(vm.envOr("HUB_UNBONDING_EPOCHS", uint256(2)))
        });
        c.marketParams = MarketParams({
            unitPrice: uint96(vm.envOr("HUB_UNIT_PRICE", uint256(1 gwei))),
            protocolFee: uint64(vm.envOr("HUB_PROTOCOL_FEE", uint256(0.0001 ether))),
            fulfilmentWindow: uint32(vm.envOr("HUB_FULFILMENT_WINDOW_BLOCKS", uint256(30))),
            maxCallbackGasLimit: uint32(vm.envOr("HUB_MAX_CALLBACK_GAS", uint256(2_000_000))),
            maxReassignments: uint8(vm.envOr("HUB_MAX_REASSIGNMENTS", uint256(2))),
            callbackGasPrice: uint64(vm.envOr("HUB_CALLBACK_GAS_PRICE", uint256(1 gwei))),
            commitmentBond: uint96(vm.envOr("HUB_COMMITMENT_BOND", uint256(0.015 ether)))
        });
    }

    /// @notice Whether VKAs need governance approval (HUB_VKA_APPROVAL_REQUIRED, default true; turn it off
    /// only on throwaway development networks).
    function vkaApprovalRequired() public view returns (bool) {
        return vm.envOr("HUB_VKA_APPROVAL_REQUIRED", true);
    }

    /// @notice Whether a registered model needs MODEL_APPROVER_ROLE's approval before it takes requests
    /// (HUB_MODEL_APPROVAL_REQUIRED, default true; turn it off only on throwaway development networks).
    function modelApprovalRequired() public view returns (bool) {
        return vm.envOr("HUB_MODEL_APPROVAL_REQUIRED", true);
    }

    function _handOverAdapter(EzklVkaVerifierAdapter adapter, address admin, address deployer) private {
        if (admin == deployer) return;
        adapter.grantRole(adapter.DEFAULT_ADMIN_ROLE(), admin);
        adapter.grantRole(adapter.VKA_APPROVER_ROLE(), admin);
        adapter.renounceRole(adapter.VKA_APPROVER_ROLE(), deployer);
        adapter.renounceRole(adapter.DEFAULT_ADMIN_ROLE(), deployer);
    }

    /// @notice The canonical SRS (VKA words 14..23) from HUB_SRS_JSON (`vkaWords`), by default the prover's
    /// development SRS in ../prover/fixtures/srs.json. Production deployments must point it at the SRS of a
    /// powers-of-tau ceremony: an SRS whose `kind` is "dev-insecure" is refused on any chain that is not a
    /// local one (DevSrsOnPublicChain).
    function canonicalSrs() public returns (bytes32[] memory) {
        return canonicalSrsAt(srsPath());
    }

    /// @notice HUB_SRS_JSON, by default the development SRS.
    function srsPath() public view returns (string memory) {
        return vm.envOr("HUB_SRS_JSON", string("../prover/fixtures/srs.json"));
    }

    /// @notice canonicalSrs() from the SRS file at `path`.
    function canonicalSrsAt(string memory path) public returns (bytes32[] memory) {
        string memory json = vm.readFile(path);
        if (isDevSrs(json) && !isLocalChain(block.chainid) && !isLocalNode()) {
            revert DevSrsOnPublicChain(block.chainid, path);
        }
        return vm.parseJsonBytes32Array(json, ".vkaWords");
    }

    /// @notice Whether an SRS file marks itself as the insecure development SRS (`"kind": "dev-insecure"`).
    function isDevSrs(string memory json) public view returns (bool) {
        if (!vm.keyExistsJson(json, ".kind")) return false;
        return keccak256(bytes(vm.parseJsonString(json, ".kind"))) == keccak256("dev-insecure");
    }

    /// @notice The deployment as a flat JSON object (addresses as 0x strings, numbers as numbers).
    function toJson(HubDeployment memory d, address deployer) public returns (string memory) {
        string memory k = "hubDeployment";
        string memory impls = "implementations";
        vm.serializeAddress(impls, "modelRegistry", d.hub.registryImplementation);
        vm.serializeAddress(impls, "nodePool", d.hub.poolImplementation);
        impls = vm.serializeAddress(impls, "inferenceMarket", d.hub.marketImplementation);

        vm.serializeString(k, "schema", "zk-vin/hub-deployment@1");
        vm.serializeUint(k, "chainId", block.chainid);
        vm.serializeUint(k, "startBlock", block.number);
        vm.serializeAddress(k, "deployer", deployer);
        vm.serializeAddress(k, "admin", d.config.admin);
        vm.serializeAddress(k, "treasury", d.config.treasury);
        vm.serializeAddress(k, "stakeToken", d.config.stakeToken);
        vm.serializeUint(k, "epochLengthBlocks", d.config.epochLengthBlocks);
        vm.serializeUint(k, "fulfilmentWindowBlocks", d.config.marketParams.fulfilmentWindow);
        vm.serializeAddress(k, "modelRegistry", address(d.hub.registry));
        vm.serializeAddress(k, "nodePool", address(d.hub.pool));
        vm.serializeAddress(k, "inferenceMarket", address(d.hub.market));
        vm.serializeAddress(k, "halo2VerifierReusable", d.halo2VerifierReusable);
        vm.serializeAddress(k, "ezklVkaAdapter", address(d.ezklVkaAdapter));
        vm.serializeAddress(k, "approvedCodeAdapter", address(d.approvedCodeAdapter));
        vm.serializeAddress(k, "halo2VerifierReusableDeferred", d.halo2VerifierReusableDeferred);
        vm.serializeAddress(k, "ezklAggregatingAdapter", address(d.ezklAggregatingAdapter));
        vm.serializeBytes32(k, "canonicalSrsDigest", d.ezklVkaAdapter.CANONICAL_SRS_DIGEST());
        vm.serializeBool(k, "vkaApprovalRequired", d.ezklVkaAdapter.approvalRequired());
        vm.serializeBool(k, "modelApprovalRequired", d.hub.registry.modelApprovalRequired());
        return vm.serializeString(k, "implementations", impls);
    }
}
