// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Script} from "forge-std/Script.sol";
import {ZkVinHubGateway} from "../../src/gateway/ZkVinHubGateway.sol";

/// @title ConnectSpoke
/// @notice The hub side of a new spoke, run on the hub chain by the gateway's owner: accepts the spoke as
/// the peer for its EID and sends it the terms of the models it should offer (one MODEL message each,
/// paid by the broadcaster). Model syncs can be repeated by anyone later (gateway.syncModel) whenever a
/// price changes.
/// @dev Environment:
///   HUB_GATEWAY      the ZkVinHubGateway                                              (required)
///   SPOKE_EID        the spoke chain's EID                                            (required)
///   SPOKE_ADDRESS    the ZkVinSpoke                                                   (required)
///   SYNC_MODEL_IDS   comma-separated model ids to send now                            (default none)
/// Usage: forge script script/crosschain/ConnectSpoke.s.sol --rpc-url $HUB_RPC --private-key $KEY --broadcast
contract ConnectSpoke is Script {
    function run() external returns (bytes32[] memory guids) {
        uint256[] memory none = new uint256[](0);
        return connect(
            ZkVinHubGateway(vm.envAddress("HUB_GATEWAY")),
            uint32(vm.envUint("SPOKE_EID")),
            vm.envAddress("SPOKE_ADDRESS"),
            vm.envOr("SYNC_MODEL_IDS", ",", none),
            msg.sender
        );
    }

    /// @notice Sets the peer and syncs `modelIds` as `sender`; returns the MODEL messages' GUIDs.
    function connect(ZkVinHubGateway gateway, uint32 spokeEid, address spoke, uint256[] memory modelIds, address sender)
        public
        returns (bytes32[] memory guids)
    {
        guids = new bytes32[](modelIds.length);
        vm.startBroadcast(sender);
        gateway.setPeer(spokeEid, bytes32(uint256(uint160(spoke))));
        for (uint256 i; i < modelIds.length; ++i) {
            uint256 fee = gateway.quoteSyncModel(spokeEid, modelIds[i]);
            guids[i] = gateway.syncModel{value: fee}(spokeEid, modelIds[i]);
        }
        vm.stopBroadcast();
    }
}
