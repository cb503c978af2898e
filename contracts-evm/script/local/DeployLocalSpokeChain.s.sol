// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Script} from "forge-std/Script.sol";
import {SpokeParams} from "../../src/spoke/IZkVinSpoke.sol";
import {ZkVinSpoke} from "../../src/spoke/ZkVinSpoke.sol";
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
///   SPOKE_*           the spoke's parameters (see spokeParams; defaults fit the local LayerZero fees)
/// Usage: forge script script/local/DeployLocalSpokeChain.s.sol --rpc-url $RPC --private-key $KEY --broadcast
contract DeployLocalSpokeChain is Script {
    /// @notice Deploys the spoke chain as the broadcaster and writes DEVNET_OUT.
    function run() external returns (LayerZeroStack memory stack, ZkVinSpoke spoke) {
        address deployer = msg.sender;
        uint32 eid = LocalChainJson.localEid(vm.envUint("DEVNET_EID"));
        uint32 hubEid = LocalChainJson.localEid(vm.envUint("DEVNET_HUB_EID"));
        address operator = vm.envAddress("DEVNET_OPERATOR");
        address treasury = vm.envOr("SPOKE_TREASURY", deployer);

        vm.startBroadcast(deployer);
        stack = LocalLayerZero.deploy(eid, deployer, operator);
        spoke = new ZkVinSpoke(stack.endpoint, deployer, hubEid, treasury, spokeParams());
        vm.stopBroadcast();

        string memory contracts = vm.serializeAddress("spokeContracts", "ZkVinSpoke", address(spoke));
        LocalChainJson.write(stack, deployer, operator, contracts, vm.envString("DEVNET_OUT"));
    }

    /// @notice The spoke's parameters: environment variables, or local defaults. Gas figures cover the hub's
    /// REQUEST handling (gateway, market assignment, a possible rejection reply) and the spoke's reply
    /// handling; fee figures cover the hub's LayerZero fee for the reply at the local stack's prices (1 gwei
    /// per gas, DVN and executor base costs), with room to spare: what a reply does not spend is swept to the
    /// hub's treasury.
    function spokeParams() public view returns (SpokeParams memory) {
        return SpokeParams({
            hubGasBase: uint32(vm.envOr("SPOKE_HUB_GAS_BASE", uint256(1_000_000))),
            hubGasPerInput: uint32(vm.envOr("SPOKE_HUB_GAS_PER_INPUT", uint256(10_000))),
            returnGasBase: uint32(vm.envOr("SPOKE_RETURN_GAS_BASE", uint256(300_000))),
            returnGasPerOutput: uint32(vm.envOr("SPOKE_RETURN_GAS_PER_OUTPUT", uint256(30_000))),
            maxCallbackGasLimit: uint32(vm.envOr("SPOKE_MAX_CALLBACK_GAS", uint256(2_000_000))),
            returnFeeBase: uint128(vm.envOr("SPOKE_RETURN_FEE_BASE", uint256(0.001 ether))),
            returnFeePerGas: uint128(vm.envOr("SPOKE_RETURN_FEE_PER_GAS", uint256(2 gwei))),
            priceRatio: uint128(vm.envOr("SPOKE_PRICE_RATIO", uint256(1e18)))
        });
    }
}
