// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IOAppCore} from "@layerzerolabs/oapp-evm/contracts/oapp/interfaces/IOAppCore.sol";
import {Script} from "forge-std/Script.sol";
import {LayerZeroStack, LocalLayerZero} from "../layerzero/LocalLayerZero.sol";
import {LocalChainJson} from "./LocalChainJson.sol";

/// @title ConnectLocalChain
/// @notice Connects one deployed devnet chain to the others: opens the LayerZero pathways to each remote EID
/// and sets the chain's zk-VIN OApp (the hub gateway, or a spoke) to trust the remote OApp on that EID. Run
/// on every chain once all are deployed: the hub lists every spoke, each spoke lists the hub.
/// @dev Environment:
///   DEVNET_CHAIN_FILE    this chain's JSON (written by DeployLocalHubChain / DeployLocalSpokeChain)
///   DEVNET_OAPP          the contract name of this chain's OApp in that file (ZkVinHubGateway or ZkVinSpoke)
///   DEVNET_REMOTE_EIDS   comma-separated remote EIDs
///   DEVNET_REMOTE_PEERS  comma-separated remote OApp addresses, in the same order
/// Usage: forge script script/local/ConnectLocalChain.s.sol --rpc-url $RPC --private-key $OWNER_KEY --broadcast
contract ConnectLocalChain is Script {
    /// @notice DEVNET_REMOTE_EIDS and DEVNET_REMOTE_PEERS differ in length.
    error PeerListMismatch(uint256 eids, uint256 peers);
    /// @notice A chain cannot be its own remote.
    error SelfPathway(uint32 eid);

    /// @notice Connects the chain described by the environment as the broadcaster (the chain's owner).
    function run() external {
        string memory file = vm.envString("DEVNET_CHAIN_FILE");
        uint256[] memory eids = vm.envUint("DEVNET_REMOTE_EIDS", ",");
        address[] memory peers = vm.envAddress("DEVNET_REMOTE_PEERS", ",");
        if (eids.length != peers.length) revert PeerListMismatch(eids.length, peers.length);
        LayerZeroStack memory stack = LocalChainJson.readStack(file);
        IOAppCore oapp = IOAppCore(LocalChainJson.contractAddress(file, vm.envString("DEVNET_OAPP")));

        vm.startBroadcast();
        for (uint256 i; i < eids.length; ++i) {
            uint32 eid = LocalChainJson.localEid(eids[i]);
            if (eid == stack.eid) revert SelfPathway(eid);
            LocalLayerZero.connect(stack, eid, LocalLayerZero.defaultPathway());
            oapp.setPeer(eid, bytes32(uint256(uint160(peers[i]))));
        }
        vm.stopBroadcast();
    }
}
