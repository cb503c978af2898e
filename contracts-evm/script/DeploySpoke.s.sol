// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Script} from "forge-std/Script.sol";
import {ILayerZeroEndpointV2} from "@layerzerolabs/lz-evm-protocol-v2/contracts/interfaces/ILayerZeroEndpointV2.sol";
import {SpokeParams} from "../src/spoke/IZkVinSpoke.sol";
import {ZkVinSpoke} from "../src/spoke/ZkVinSpoke.sol";
import {CrossChainDefaults} from "./crosschain/CrossChainDefaults.sol";
import {DeploymentFiles} from "./crosschain/DeploymentFiles.sol";

/// @notice What DeploySpoke needs.
struct SpokeConfig {
    address endpoint; // this chain's LayerZero EndpointV2 (LayerZero's published address on public networks)
    uint32 hubEid; // the hub chain's endpoint id
    address owner; // owns the spoke (a multisig in production); the spoke is its own delegate, changes are delayed
    address treasury; // receives the protocol's share of fees on this chain
    address hubGateway; // the hub's ZkVinHubGateway, if already deployed (zero: set the peer later)
    SpokeParams params;
    uint32 reclaimDelay; // RECLAIM_DELAY; governance changes wait this + 1 day
}

/// @title DeploySpoke
/// @notice Deploys a ZkVinSpoke on a consumer chain and, when the hub gateway is known and the broadcaster
/// owns the spoke, points the spoke at it. The hub side of the pathway is a second step on the hub chain:
/// script/crosschain/ConnectSpoke.s.sol (gateway.setPeer(spokeEid, spoke) and the first model syncs).
/// Writes the result as JSON to SPOKE_DEPLOYMENT_OUT (default broadcast/spoke-deployment.<chainId>.json):
/// { chainId, eid, hubEid, endpoint, owner, treasury, startBlock (at or before the deployment), peerSet, params,
/// contracts: { ZkVinSpoke } }.
/// @dev Environment (LayerZero's endpoint addresses and EIDs per network are in lz-evm-sdk-v2's
/// deployments; see contracts-evm/README.md):
///   LZ_ENDPOINT                 this chain's EndpointV2                                      (required)
///   HUB_EID                     the hub chain's EID                                          (required)
///   HUB_GATEWAY                 the hub gateway's address                                    (optional)
///   SPOKE_OWNER                 default: the broadcaster
///   SPOKE_TREASURY              default: SPOKE_OWNER
///   SPOKE_PRICE_RATIO           spoke wei per hub wei x 1e18                                 (default 1e18)
///   SPOKE_RETURN_FEE_BASE, SPOKE_RETURN_FEE_PER_GAS, SPOKE_MAX_CALLBACK_GAS, SPOKE_HUB_GAS_BASE,
///   SPOKE_RETURN_GAS_BASE       override CrossChainDefaults.spokeParams()
///   SPOKE_RECLAIM_DELAY         seconds before a request with no reply can be reclaimed (default
///                               CrossChainDefaults.reclaimDelay(), 1 day; peer and endpoint changes wait
///                               this + 1 day)
/// Usage: forge script script/DeploySpoke.s.sol --rpc-url $RPC --private-key $KEY --broadcast
contract DeploySpoke is Script {
    function run() external returns (ZkVinSpoke spoke) {
        address deployer = msg.sender;
        address owner = vm.envOr("SPOKE_OWNER", deployer);
        SpokeConfig memory c = SpokeConfig({
            endpoint: vm.envAddress("LZ_ENDPOINT"),
            hubEid: uint32(vm.envUint("HUB_EID")),
            owner: owner,
            treasury: vm.envOr("SPOKE_TREASURY", owner),
            hubGateway: vm.envOr("HUB_GATEWAY", address(0)),
            params: params(),
            reclaimDelay: reclaimDelay()
        });
        string memory out = vm.envOr(
            "SPOKE_DEPLOYMENT_OUT", string.concat("broadcast/spoke-deployment.", vm.toString(block.chainid), ".json")
        );
        return deploy(c, deployer, out);
    }

    /// @notice Deploys the spoke described by `c` as `deployer` and writes `out`.
    function deploy(SpokeConfig memory c, address deployer, string memory out) public returns (ZkVinSpoke spoke) {
        uint256 startBlock = block.number;
        vm.startBroadcast(deployer);
        spoke = new ZkVinSpoke(c.endpoint, c.owner, c.hubEid, c.treasury, c.params, c.reclaimDelay);
        bool peerSet = c.hubGateway != address(0) && c.owner == deployer;
        if (peerSet) spoke.setPeer(c.hubEid, bytes32(uint256(uint160(c.hubGateway))));
        vm.stopBroadcast();
        DeploymentFiles.write(_json(spoke, c, startBlock, peerSet), out);
    }

    /// @notice SPOKE_RECLAIM_DELAY, or CrossChainDefaults.reclaimDelay().
    function reclaimDelay() public view returns (uint32) {
        return uint32(vm.envOr("SPOKE_RECLAIM_DELAY", uint256(CrossChainDefaults.reclaimDelay())));
    }

    /// @notice CrossChainDefaults.spokeParams() with the environment's overrides.
    function params() public view returns (SpokeParams memory p) {
        p = CrossChainDefaults.spokeParams();
        p.priceRatio = uint128(vm.envOr("SPOKE_PRICE_RATIO", uint256(p.priceRatio)));
        p.returnFeeBase = uint128(vm.envOr("SPOKE_RETURN_FEE_BASE", uint256(p.returnFeeBase)));
        p.returnFeePerGas = uint128(vm.envOr("SPOKE_RETURN_FEE_PER_GAS", uint256(p.returnFeePerGas)));
        p.maxCallbackGasLimit = uint32(vm.envOr("SPOKE_MAX_CALLBACK_GAS", uint256(p.maxCallbackGasLimit)));
        p.hubGasBase = uint32(vm.envOr("SPOKE_HUB_GAS_BASE", uint256(p.hubGasBase)));
        p.returnGasBase = uint32(vm.envOr("SPOKE_RETURN_GAS_BASE", uint256(p.returnGasBase)));
    }

    function _json(ZkVinSpoke spoke, SpokeConfig memory c, uint256 startBlock, bool peerSet)
        private
        returns (string memory)
    {
        string memory k = "spoke-deployment";
        string memory contracts = vm.serializeAddress("spoke-contracts", "ZkVinSpoke", address(spoke));
        string memory p = _paramsJson(c.params);
        vm.serializeUint(k, "chainId", block.chainid);
        vm.serializeUint(k, "eid", ILayerZeroEndpointV2(c.endpoint).eid());
        vm.serializeUint(k, "hubEid", c.hubEid);
        vm.serializeAddress(k, "endpoint", c.endpoint);
        vm.serializeAddress(k, "owner", c.owner);
        vm.serializeAddress(k, "treasury", c.treasury);
        vm.serializeUint(k, "startBlock", startBlock);
        vm.serializeBool(k, "peerSet", peerSet);
        vm.serializeUint(k, "reclaimDelay", c.reclaimDelay);
        vm.serializeUint(k, "governanceDelay", spoke.GOVERNANCE_DELAY());
        vm.serializeString(k, "params", p);
        return vm.serializeString(k, "contracts", contracts);
    }

    function _paramsJson(SpokeParams memory p) private returns (string memory) {
        string memory k = "spoke-params";
        vm.serializeUint(k, "hubGasBase", p.hubGasBase);
        vm.serializeUint(k, "hubGasPerInput", p.hubGasPerInput);
        vm.serializeUint(k, "returnGasBase", p.returnGasBase);
        vm.serializeUint(k, "returnGasPerOutput", p.returnGasPerOutput);
        vm.serializeUint(k, "maxCallbackGasLimit", p.maxCallbackGasLimit);
        vm.serializeString(k, "returnFeeBase", vm.toString(uint256(p.returnFeeBase)));
        vm.serializeString(k, "returnFeePerGas", vm.toString(uint256(p.returnFeePerGas)));
        return vm.serializeString(k, "priceRatio", vm.toString(uint256(p.priceRatio)));
    }
}
