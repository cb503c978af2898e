// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Script} from "forge-std/Script.sol";
import {ILayerZeroEndpointV2} from "@layerzerolabs/lz-evm-protocol-v2/contracts/interfaces/ILayerZeroEndpointV2.sol";
import {GatewayParams} from "../src/gateway/IZkVinHubGateway.sol";
import {ZkVinHubGateway} from "../src/gateway/ZkVinHubGateway.sol";
import {InferenceMarket} from "../src/hub/InferenceMarket.sol";
import {IInferenceMarket} from "../src/interfaces/IInferenceMarket.sol";
import {IModelRegistry} from "../src/interfaces/IModelRegistry.sol";
import {CrossChainDefaults} from "./crosschain/CrossChainDefaults.sol";
import {DeploymentFiles} from "./crosschain/DeploymentFiles.sol";

/// @notice What DeployHubGateway needs.
struct GatewayConfig {
    address endpoint; // the hub chain's LayerZero EndpointV2
    InferenceMarket market; // the hub market (proxy)
    address owner; // owns the gateway (peers, parameters) and is its endpoint delegate
    address treasury; // receives surplus reply budgets
    GatewayParams params;
}

/// @title DeployHubGateway
/// @notice Deploys the hub's ZkVinHubGateway next to a deployed hub (script/DeployHub.s.sol) and grants it
/// the market's REMOTE_GATEWAY_ROLE when the broadcaster holds the market's admin role (otherwise the admin,
/// a timelock in production, must grant it: the JSON says `roleGranted: false`). Writes
/// GATEWAY_DEPLOYMENT_OUT (default broadcast/gateway-deployment.<chainId>.json):
/// { chainId, eid, endpoint, market, registry, owner, treasury, startBlock, roleGranted, contracts: { ZkVinHubGateway } }.
/// @dev Environment:
///   LZ_ENDPOINT            the hub chain's EndpointV2                                  (required)
///   HUB_MARKET             the InferenceMarket proxy                                   (required)
///   GATEWAY_OWNER          default: the broadcaster
///   GATEWAY_TREASURY       default: the market's treasury
///   GATEWAY_SINK_GAS, GATEWAY_REJECTION_RESERVE, GATEWAY_MODEL_SYNC_GAS, GATEWAY_MODEL_SYNC_GAS_PER_INPUT
///                          override CrossChainDefaults
/// Usage: forge script script/DeployHubGateway.s.sol --rpc-url $RPC --private-key $KEY --broadcast
contract DeployHubGateway is Script {
    /// @notice The market would refuse every request: it gives result hooks at most `max` gas.
    error SinkGasAboveMarketLimit(uint32 sinkGasLimit, uint32 max);

    function run() external returns (ZkVinHubGateway gateway) {
        address deployer = msg.sender;
        InferenceMarket market = InferenceMarket(vm.envAddress("HUB_MARKET"));
        GatewayConfig memory c = GatewayConfig({
            endpoint: vm.envAddress("LZ_ENDPOINT"),
            market: market,
            owner: vm.envOr("GATEWAY_OWNER", deployer),
            treasury: vm.envOr("GATEWAY_TREASURY", market.treasury()),
            params: params()
        });
        string memory out = vm.envOr(
            "GATEWAY_DEPLOYMENT_OUT",
            string.concat("broadcast/gateway-deployment.", vm.toString(block.chainid), ".json")
        );
        return deploy(c, deployer, out);
    }

    /// @notice Deploys the gateway described by `c` as `deployer` and writes `out`.
    function deploy(GatewayConfig memory c, address deployer, string memory out)
        public
        returns (ZkVinHubGateway gateway)
    {
        uint32 max = c.market.params().maxCallbackGasLimit;
        if (c.params.sinkGasLimit > max) revert SinkGasAboveMarketLimit(c.params.sinkGasLimit, max);
        uint256 startBlock = block.number;
        IModelRegistry registry = IModelRegistry(address(c.market.registry()));
        bytes32 role = c.market.REMOTE_GATEWAY_ROLE();
        bool roleGranted = c.market.hasRole(c.market.DEFAULT_ADMIN_ROLE(), deployer);

        vm.startBroadcast(deployer);
        gateway = new ZkVinHubGateway(
            c.endpoint, c.owner, IInferenceMarket(address(c.market)), registry, c.treasury, c.params
        );
        if (roleGranted) c.market.grantRole(role, address(gateway));
        vm.stopBroadcast();

        string memory k = "gateway-deployment";
        string memory contracts = vm.serializeAddress("gateway-contracts", "ZkVinHubGateway", address(gateway));
        vm.serializeUint(k, "chainId", block.chainid);
        vm.serializeUint(k, "eid", ILayerZeroEndpointV2(c.endpoint).eid());
        vm.serializeAddress(k, "endpoint", c.endpoint);
        vm.serializeAddress(k, "market", address(c.market));
        vm.serializeAddress(k, "registry", address(registry));
        vm.serializeAddress(k, "owner", c.owner);
        vm.serializeAddress(k, "treasury", c.treasury);
        vm.serializeUint(k, "startBlock", startBlock);
        vm.serializeBool(k, "roleGranted", roleGranted);
        DeploymentFiles.write(vm.serializeString(k, "contracts", contracts), out);
    }

    /// @notice CrossChainDefaults.gatewayParams() with the environment's overrides.
    function params() public view returns (GatewayParams memory p) {
        p = CrossChainDefaults.gatewayParams();
        p.sinkGasLimit = uint32(vm.envOr("GATEWAY_SINK_GAS", uint256(p.sinkGasLimit)));
        p.rejectionReserveGas = uint32(vm.envOr("GATEWAY_REJECTION_RESERVE", uint256(p.rejectionReserveGas)));
        p.modelSyncGasLimit = uint32(vm.envOr("GATEWAY_MODEL_SYNC_GAS", uint256(p.modelSyncGasLimit)));
        p.modelSyncGasPerInput = uint32(vm.envOr("GATEWAY_MODEL_SYNC_GAS_PER_INPUT", uint256(p.modelSyncGasPerInput)));
    }
}
