// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Script} from "forge-std/Script.sol";
import {ZkVinHubGateway} from "../../src/gateway/ZkVinHubGateway.sol";
import {IInferenceMarket} from "../../src/interfaces/IInferenceMarket.sol";
import {IModelRegistry} from "../../src/interfaces/IModelRegistry.sol";
import {ApprovedCodeVerifierAdapter} from "../../src/verifiers/ApprovedCodeVerifierAdapter.sol";
import {EzklAggregatingVerifierAdapter} from "../../src/verifiers/EzklAggregatingVerifierAdapter.sol";
import {EzklVkaVerifierAdapter} from "../../src/verifiers/EzklVkaVerifierAdapter.sol";
import {IHalo2VerifierReusable, IHalo2VerifierReusableDeferred} from "../../src/verifiers/ezkl/IHalo2Verifiers.sol";
import {DeployHub} from "../DeployHub.s.sol";
import {DeployHubGateway} from "../DeployHubGateway.s.sol";
import {HubConfig, HubContracts, HubDeployer} from "../HubDeployer.sol";
import {LayerZeroStack, LocalLayerZero} from "../layerzero/LocalLayerZero.sol";
import {LocalChainJson} from "./LocalChainJson.sol";

/// @title DeployLocalHubChain
/// @notice Deploys everything the hub chain of a local devnet holds in one run: the local LayerZero stack
/// (EndpointV2, ULN302, DVN, executor from LayerZero's npm artifacts), the hub (registry, node pool, market
/// behind proxies, with DeployHub's settings), EZKL's reusable verifier, the VKA and approved-code adapters,
/// the aggregating adapter over the VKA adapter (with EZKL's verifier with the pairing deferred),
/// and the ZkVinHubGateway with the market's REMOTE_GATEWAY_ROLE, with the same settings as DeployHub and
/// DeployHubGateway (the scripts for public networks). The broadcaster keeps every role (it is the local
/// admin, and the VKA approver) and writes the addresses as one JSON file (LocalChainJson).
/// @dev Environment (besides DeployHub's HUB_* and DeployHubGateway's GATEWAY_* settings):
///   DEVNET_EID                 this chain's LayerZero EID (50000 + n, see docs/decisions/0040)
///   DEVNET_OPERATOR            the relayer account: DVN signer, DVN and executor admin
///   DEVNET_OUT                 where to write the JSON (inside contracts-evm/ or deployments/)
/// Usage: forge script script/local/DeployLocalHubChain.s.sol --rpc-url $RPC --private-key $KEY --broadcast
contract DeployLocalHubChain is Script {
    /// @notice The hub contracts, adapters and gateway as deployed.
    struct HubChain {
        LayerZeroStack layerZero;
        HubContracts hub;
        address halo2VerifierReusable;
        EzklVkaVerifierAdapter ezklVkaAdapter;
        ApprovedCodeVerifierAdapter approvedCodeAdapter;
        address halo2VerifierReusableDeferred;
        EzklAggregatingVerifierAdapter ezklAggregatingAdapter;
        ZkVinHubGateway gateway;
    }

    /// @notice Deploys the hub chain as the broadcaster and writes DEVNET_OUT.
    function run() external returns (HubChain memory d) {
        // DeployHub and DeployHubGateway hold the settings and the canonical SRS; these instances only read
        // them (they are created outside the broadcast, so they never reach the chain).
        DeployHub settings = new DeployHub();
        DeployHubGateway gatewaySettings = new DeployHubGateway();
        address deployer = msg.sender;
        HubConfig memory config = settings.config(deployer);
        bytes32[] memory srs = settings.canonicalSrs();
        uint32 eid = LocalChainJson.localEid(vm.envUint("DEVNET_EID"));
        address operator = vm.envAddress("DEVNET_OPERATOR");

        vm.startBroadcast(deployer);
        d.layerZero = LocalLayerZero.deploy(eid, deployer, operator);
        d.hub = HubDeployer.deploy(config, deployer);
        d.halo2VerifierReusable = deployCode("Halo2VerifierReusable.sol:Halo2VerifierReusable");
        d.ezklVkaAdapter = new EzklVkaVerifierAdapter(IHalo2VerifierReusable(d.halo2VerifierReusable), srs);
        d.ezklVkaAdapter.setApprovalRequired(settings.vkaApprovalRequired());
        d.approvedCodeAdapter = new ApprovedCodeVerifierAdapter(config.admin);
        d.halo2VerifierReusableDeferred = deployCode("Halo2VerifierReusableDeferred.sol:Halo2VerifierReusableDeferred");
        d.ezklAggregatingAdapter = new EzklAggregatingVerifierAdapter(
            d.ezklVkaAdapter, IHalo2VerifierReusableDeferred(d.halo2VerifierReusableDeferred)
        );
        d.hub.registry.setVerifierApproval(d.ezklVkaAdapter, true);
        d.hub.registry.setVerifierApproval(d.approvedCodeAdapter, true);
        d.hub.registry.setVerifierApproval(d.ezklAggregatingAdapter, true);
        d.hub.registry.setModelApprovalRequired(settings.modelApprovalRequired());
        d.gateway = new ZkVinHubGateway(
            d.layerZero.endpoint,
            deployer,
            IInferenceMarket(address(d.hub.market)),
            IModelRegistry(address(d.hub.registry)),
            config.treasury,
            gatewaySettings.params()
        );
        d.hub.market.grantRole(d.hub.market.REMOTE_GATEWAY_ROLE(), address(d.gateway));
        HubDeployer.handOver(d.hub, config.admin, deployer);
        vm.stopBroadcast();

        string memory k = "hubContracts";
        vm.serializeAddress(k, "ModelRegistry", address(d.hub.registry));
        vm.serializeAddress(k, "NodePool", address(d.hub.pool));
        vm.serializeAddress(k, "InferenceMarket", address(d.hub.market));
        vm.serializeAddress(k, "Halo2VerifierReusable", d.halo2VerifierReusable);
        vm.serializeAddress(k, "EzklVkaVerifierAdapter", address(d.ezklVkaAdapter));
        vm.serializeAddress(k, "ApprovedCodeVerifierAdapter", address(d.approvedCodeAdapter));
        vm.serializeAddress(k, "Halo2VerifierReusableDeferred", d.halo2VerifierReusableDeferred);
        vm.serializeAddress(k, "EzklAggregatingVerifierAdapter", address(d.ezklAggregatingAdapter));
        string memory contracts = vm.serializeAddress(k, "ZkVinHubGateway", address(d.gateway));
        LocalChainJson.write(d.layerZero, deployer, operator, contracts, vm.envString("DEVNET_OUT"));
    }
}
