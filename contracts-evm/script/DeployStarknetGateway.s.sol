// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Script} from "forge-std/Script.sol";
import {StarknetGateway} from "../src/gateway/StarknetGateway.sol";
import {InferenceMarket} from "../src/hub/InferenceMarket.sol";
import {IInferenceMarket} from "../src/interfaces/IInferenceMarket.sol";
import {IStarknetMessaging} from "../src/interfaces/IStarknetMessaging.sol";
import {DeploymentFiles} from "./crosschain/DeploymentFiles.sol";

/// @notice What DeployStarknetGateway needs.
struct StarknetGatewayConfig {
    InferenceMarket market; // the hub market (proxy)
    IStarknetMessaging messaging; // the hub chain's Starknet core contract (StarknetMessaging)
    uint256 spoke; // the Cairo spoke's L2 address (0: register it later with setSpoke)
    address owner; // owns the gateway
    uint32 originId; // RemoteRequest.originEid the market records for Starknet requests
    uint256 l1MessageFee; // paid per reply from the deposit
    uint32 sinkGasLimit;
    uint32 replyReserveGas;
    uint256 deposit; // initial deposit, sent by the broadcaster
}

/// @title DeployStarknetGateway
/// @notice Deploys the hub's StarknetGateway next to a deployed hub, grants it the market's
/// REMOTE_GATEWAY_ROLE when the broadcaster holds the market's admin role (otherwise the admin must: the JSON
/// says `roleGranted: false`), registers the Cairo spoke when the broadcaster is the owner, and funds the reply
/// deposit. Writes STARKNET_GATEWAY_DEPLOYMENT_OUT (default broadcast/starknet-gateway-deployment.<chainId>.json):
/// { chainId, market, messaging, spoke, owner, originId, l1MessageFee, startBlock, roleGranted, spokeRegistered,
///   contracts: { StarknetGateway } } (spoke as a 0x-hex string: it is a felt, not an EVM address).
/// @dev Environment:
///   HUB_MARKET                 the InferenceMarket proxy                                     (required)
///   STARKNET_MESSAGING         the Starknet core contract on the hub chain                    (required)
///   STARKNET_SPOKE             the Cairo spoke's L2 address (felt)                            default: none
///   STARKNET_GATEWAY_OWNER     default: the broadcaster
///   STARKNET_ORIGIN_ID         default 0x534e ("SN")
///   STARKNET_L1_MESSAGE_FEE    wei per reply, default 1e14
///   STARKNET_SINK_GAS, STARKNET_REPLY_RESERVE_GAS   defaults 500000, 300000
///   STARKNET_GATEWAY_DEPOSIT   wei sent to the deposit, default 0
/// Usage: forge script script/DeployStarknetGateway.s.sol --rpc-url $RPC --private-key $KEY --broadcast
contract DeployStarknetGateway is Script {
    /// @notice The market would refuse every request: it gives result hooks at most `max` gas.
    error SinkGasAboveMarketLimit(uint32 sinkGasLimit, uint32 max);

    function run() external returns (StarknetGateway gateway) {
        address deployer = msg.sender;
        StarknetGatewayConfig memory c = StarknetGatewayConfig({
            market: InferenceMarket(vm.envAddress("HUB_MARKET")),
            messaging: IStarknetMessaging(vm.envAddress("STARKNET_MESSAGING")),
            spoke: vm.envOr("STARKNET_SPOKE", uint256(0)),
            owner: vm.envOr("STARKNET_GATEWAY_OWNER", deployer),
            originId: uint32(vm.envOr("STARKNET_ORIGIN_ID", uint256(0x534e))),
            l1MessageFee: vm.envOr("STARKNET_L1_MESSAGE_FEE", uint256(1e14)),
            sinkGasLimit: uint32(vm.envOr("STARKNET_SINK_GAS", uint256(500_000))),
            replyReserveGas: uint32(vm.envOr("STARKNET_REPLY_RESERVE_GAS", uint256(300_000))),
            deposit: vm.envOr("STARKNET_GATEWAY_DEPOSIT", uint256(0))
        });
        string memory out = vm.envOr(
            "STARKNET_GATEWAY_DEPLOYMENT_OUT",
            string.concat("broadcast/starknet-gateway-deployment.", vm.toString(block.chainid), ".json")
        );
        return deploy(c, deployer, out);
    }

    /// @notice Deploys the gateway described by `c` as `deployer` and writes `out`.
    function deploy(StarknetGatewayConfig memory c, address deployer, string memory out)
        public
        returns (StarknetGateway gateway)
    {
        uint32 max = c.market.params().maxCallbackGasLimit;
        if (c.sinkGasLimit > max) revert SinkGasAboveMarketLimit(c.sinkGasLimit, max);
        uint256 startBlock = block.number;
        bool roleGranted = c.market.hasRole(c.market.DEFAULT_ADMIN_ROLE(), deployer);
        bool spokeRegistered = c.spoke != 0 && c.owner == deployer;

        vm.startBroadcast(deployer);
        gateway = new StarknetGateway(
            c.owner,
            IInferenceMarket(address(c.market)),
            c.messaging,
            c.originId,
            c.l1MessageFee,
            c.sinkGasLimit,
            c.replyReserveGas
        );
        if (roleGranted) c.market.grantRole(c.market.REMOTE_GATEWAY_ROLE(), address(gateway));
        if (spokeRegistered) gateway.setSpoke(c.spoke, true);
        if (c.deposit != 0) gateway.deposit{value: c.deposit}();
        vm.stopBroadcast();

        string memory k = "starknet-gateway-deployment";
        string memory contracts = vm.serializeAddress("starknet-gateway-contracts", "StarknetGateway", address(gateway));
        vm.serializeUint(k, "chainId", block.chainid);
        vm.serializeAddress(k, "market", address(c.market));
        vm.serializeAddress(k, "messaging", address(c.messaging));
        vm.serializeString(k, "spoke", vm.toString(bytes32(c.spoke)));
        vm.serializeAddress(k, "owner", c.owner);
        vm.serializeUint(k, "originId", c.originId);
        vm.serializeUint(k, "l1MessageFee", c.l1MessageFee);
        vm.serializeUint(k, "startBlock", startBlock);
        vm.serializeBool(k, "roleGranted", roleGranted);
        vm.serializeBool(k, "spokeRegistered", spokeRegistered);
        DeploymentFiles.write(vm.serializeString(k, "contracts", contracts), out);
    }
}
