// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Script} from "forge-std/Script.sol";
import {LayerZeroStack, LocalLayerZero} from "./LocalLayerZero.sol";
import {LayerZeroStackJson} from "./LayerZeroStackJson.sol";

/// @title DeployLocalLayerZero
/// @notice Deploys LayerZero V2 (EndpointV2, ULN302, PriceFeed, Executor, DVN) on one local chain and records
/// the addresses in a JSON file (format: LayerZeroStackJson). Pathways are opened afterwards by
/// WireLocalLayerZero, once every chain's EID is known.
/// @dev Environment:
///   LZ_LOCAL_EID   this chain's EID; local chains use 50000 + n (n = 1, 2, ... in devnet order), see
///                  docs/decisions/0040-local-layerzero-network.md
///   LZ_OPERATOR    the relayer account that signs for the DVN and calls the executor
///   LZ_STACK_FILE  where to write the JSON (inside contracts-evm/ or deployments/, per fs_permissions)
/// Usage: forge script script/layerzero/DeployLocalLayerZero.s.sol --rpc-url $RPC --private-key $KEY --broadcast
contract DeployLocalLayerZero is Script {
    /// @notice Local EIDs live in 50001..59999, clear of LayerZero's published mainnet (30xxx) and testnet
    /// (40xxx) ids.
    error LocalEidOutOfRange(uint256 eid);

    uint256 internal constant LOCAL_EID_MIN = 50_001;
    uint256 internal constant LOCAL_EID_MAX = 59_999;

    /// @notice Deploys the stack described by the environment as the broadcaster and writes LZ_STACK_FILE.
    function run() external returns (LayerZeroStack memory) {
        return deploy(vm.envUint("LZ_LOCAL_EID"), vm.envAddress("LZ_OPERATOR"), vm.envString("LZ_STACK_FILE"));
    }

    /// @notice Deploys a stack with EID `eid` operated by `operator` and writes its JSON to `stackFile`.
    function deploy(uint256 eid, address operator, string memory stackFile)
        public
        returns (LayerZeroStack memory stack)
    {
        if (eid < LOCAL_EID_MIN || eid > LOCAL_EID_MAX) {
            revert LocalEidOutOfRange(eid);
        }
        vm.startBroadcast();
        (, address owner,) = vm.readCallers();
        // eid is within LOCAL_EID_MIN..LOCAL_EID_MAX (checked above), so it fits uint32.
        // forge-lint: disable-next-line(unsafe-typecast)
        stack = LocalLayerZero.deploy(uint32(eid), owner, operator);
        vm.stopBroadcast();

        LayerZeroStackJson.write(stack, owner, operator, stackFile);
    }
}
