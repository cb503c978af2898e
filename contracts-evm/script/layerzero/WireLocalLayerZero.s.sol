// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Script} from "forge-std/Script.sol";
import {LayerZeroStack, LocalLayerZero, PathwayConfig} from "./LocalLayerZero.sol";
import {LayerZeroStackJson} from "./LayerZeroStackJson.sol";

/// @title WireLocalLayerZero
/// @notice Opens pathways from one local chain's LayerZero stack (deployed by DeployLocalLayerZero) to the
/// given remote EIDs. Run it once per chain, each time with the other chains' EIDs; a pathway carries
/// messages once both ends are wired.
/// @dev Environment:
///   LZ_STACK_FILE     this chain's stack JSON (written by DeployLocalLayerZero)
///   LZ_REMOTE_EIDS    comma-separated EIDs of the other local chains
///   LZ_CONFIRMATIONS  optional; source blocks on top of a packet before the DVN may attest it (default 0)
/// Usage: forge script script/layerzero/WireLocalLayerZero.s.sol --rpc-url $RPC --private-key $OWNER_KEY --broadcast
contract WireLocalLayerZero is Script {
    /// @notice A chain cannot open a LayerZero pathway to itself.
    error SelfPathway(uint32 eid);
    /// @notice An entry of LZ_REMOTE_EIDS does not fit an EID (uint32).
    error EidOutOfRange(uint256 eid);
    /// @notice LZ_CONFIRMATIONS does not fit the ULN's uint64.
    error ConfirmationsOutOfRange(uint256 confirmations);

    /// @notice Wires every EID in LZ_REMOTE_EIDS as the broadcaster (the stack's owner).
    function run() external returns (LayerZeroStack memory) {
        PathwayConfig memory pathway = LocalLayerZero.defaultPathway();
        uint256 confirmations = vm.envOr("LZ_CONFIRMATIONS", uint256(pathway.confirmations));
        if (confirmations > type(uint64).max) revert ConfirmationsOutOfRange(confirmations);
        // Checked against type(uint64).max just above.
        // forge-lint: disable-next-line(unsafe-typecast)
        pathway.confirmations = uint64(confirmations);
        return wire(vm.envString("LZ_STACK_FILE"), vm.envUint("LZ_REMOTE_EIDS", ","), pathway);
    }

    /// @notice Opens pathways from the stack recorded in `stackFile` to each of `remoteEids`.
    function wire(string memory stackFile, uint256[] memory remoteEids, PathwayConfig memory pathway)
        public
        returns (LayerZeroStack memory stack)
    {
        stack = LayerZeroStackJson.read(stackFile);
        for (uint256 i = 0; i < remoteEids.length; ++i) {
            if (remoteEids[i] > type(uint32).max) revert EidOutOfRange(remoteEids[i]);
            if (remoteEids[i] == stack.eid) revert SelfPathway(stack.eid);
        }
        vm.startBroadcast();
        for (uint256 i = 0; i < remoteEids.length; ++i) {
            LocalLayerZero.connect(stack, uint32(remoteEids[i]), pathway);
        }
        vm.stopBroadcast();
    }
}
