// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Script} from "forge-std/Script.sol";
import {SpokeParams} from "../../src/spoke/IZkVinSpoke.sol";
import {ZkVinSpoke} from "../../src/spoke/ZkVinSpoke.sol";
import {DeploySpoke} from "../DeploySpoke.s.sol";
import {LayerZeroStack, LocalLayerZero} from "../layerzero/LocalLayerZero.sol";
import {LocalChainJson} from "./LocalChainJson.sol";

/// @title DeployLocalSpokeChain
/// @notice Deploys a consumer chain of a local devnet in one run: the local LayerZero stack and a ZkVinSpoke
/// talking to the hub's EID. Peers and pathways are set afterwards by ConnectLocalChain, once every chain
/// is deployed. Writes the addresses as one JSON file (LocalChainJson).
/// @dev Environment:
///   DEVNET_EID        this chain's LayerZero EID (50000 + n)
///   DEVNET_HUB_EID    the hub chain's EID
///   DEVNET_OPERATOR   the relayer account: DVN signer, DVN and executor admin
///   DEVNET_OUT        where to write the JSON (inside contracts-evm/ or deployments/)
///   SPOKE_TREASURY    receives the protocol's share on this chain (default: the broadcaster)
///   SPOKE_*           the spoke's parameters, as DeploySpoke reads them (CrossChainDefaults)
/// Usage: forge script script/local/DeployLocalSpokeChain.s.sol --rpc-url $RPC --private-key $KEY --broadcast
contract DeployLocalSpokeChain is Script {
    /// @notice Deploys the spoke chain as the broadcaster and writes DEVNET_OUT.
    function run() external returns (LayerZeroStack memory stack, ZkVinSpoke spoke) {
        address deployer = msg.sender;
        uint32 eid = LocalChainJson.localEid(vm.envUint("DEVNET_EID"));
        uint32 hubEid = LocalChainJson.localEid(vm.envUint("DEVNET_HUB_EID"));
        address operator = vm.envAddress("DEVNET_OPERATOR");
        address treasury = vm.envOr("SPOKE_TREASURY", deployer);
        // DeploySpoke (the script for public networks) holds the parameters; this instance only reads them.
        DeploySpoke deploySpoke = new DeploySpoke();
        SpokeParams memory params = deploySpoke.params();
        uint32 reclaimDelay = deploySpoke.reclaimDelay();

        vm.startBroadcast(deployer);
        stack = LocalLayerZero.deploy(eid, deployer, operator);
        spoke = new ZkVinSpoke(stack.endpoint, deployer, hubEid, treasury, params, reclaimDelay);
        vm.stopBroadcast();

        string memory contracts = vm.serializeAddress("spokeContracts", "ZkVinSpoke", address(spoke));
        LocalChainJson.write(stack, deployer, operator, contracts, vm.envString("DEVNET_OUT"));
    }
}
