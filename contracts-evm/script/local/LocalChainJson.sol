// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Vm} from "forge-std/Vm.sol";
import {LayerZeroStack} from "../layerzero/LocalLayerZero.sol";

/// @title LocalChainJson
/// @notice The JSON one local devnet chain's deploy script writes, read back by ConnectLocalChain and by
/// the devnet orchestration (app/src/devnet), which folds it into deployments/local.json.
/// @dev Format (addresses checksummed, numbers as JSON numbers):
/// { "chainId", "eid", "owner", "operator",
///   "layerZero": { "endpoint", "sendUln302", "receiveUln302", "priceFeed", "executor", "executorFeeLib",
///                  "dvn", "dvnFeeLib" },
///   "contracts": { "<name>": "<address>", ... } }
library LocalChainJson {
    /// @notice The file describes another chain than the one the script runs against.
    error ChainFileForOtherChain(string path, uint256 fileChainId, uint256 chainId);
    /// @notice Local EIDs live in 50001..59999 (docs/decisions/0040-local-layerzero-network.md).
    error LocalEidOutOfRange(uint256 eid);

    Vm private constant VM = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    /// @notice `eid` as a uint32 after checking it is a local EID.
    function localEid(uint256 eid) internal pure returns (uint32) {
        if (eid < 50_001 || eid > 59_999) revert LocalEidOutOfRange(eid);
        // Checked just above: it fits uint32.
        // forge-lint: disable-next-line(unsafe-typecast)
        return uint32(eid);
    }

    /// @notice Writes the chain's stack and `contracts` (a JSON object built with vm.serialize*) to `path`.
    function write(
        LayerZeroStack memory s,
        address owner,
        address operator,
        string memory contracts,
        string memory path
    ) internal {
        string memory lz = "localChainLayerZero";
        VM.serializeAddress(lz, "endpoint", s.endpoint);
        VM.serializeAddress(lz, "sendUln302", s.sendUln302);
        VM.serializeAddress(lz, "receiveUln302", s.receiveUln302);
        VM.serializeAddress(lz, "priceFeed", s.priceFeed);
        VM.serializeAddress(lz, "executor", s.executor);
        VM.serializeAddress(lz, "executorFeeLib", s.executorFeeLib);
        VM.serializeAddress(lz, "dvn", s.dvn);
        lz = VM.serializeAddress(lz, "dvnFeeLib", s.dvnFeeLib);

        string memory k = "localChain";
        VM.serializeUint(k, "chainId", block.chainid);
        VM.serializeUint(k, "eid", s.eid);
        VM.serializeAddress(k, "owner", owner);
        VM.serializeAddress(k, "operator", operator);
        VM.serializeString(k, "layerZero", lz);
        VM.writeJson(VM.serializeString(k, "contracts", contracts), path);
    }

    /// @notice The stack recorded at `path`; reverts unless it was deployed on the current chain.
    function readStack(string memory path) internal view returns (LayerZeroStack memory s) {
        string memory json = VM.readFile(path);
        uint256 fileChainId = VM.parseJsonUint(json, ".chainId");
        if (fileChainId != block.chainid) revert ChainFileForOtherChain(path, fileChainId, block.chainid);
        s.eid = localEid(VM.parseJsonUint(json, ".eid"));
        s.endpoint = VM.parseJsonAddress(json, ".layerZero.endpoint");
        s.sendUln302 = VM.parseJsonAddress(json, ".layerZero.sendUln302");
        s.receiveUln302 = VM.parseJsonAddress(json, ".layerZero.receiveUln302");
        s.priceFeed = VM.parseJsonAddress(json, ".layerZero.priceFeed");
        s.executor = VM.parseJsonAddress(json, ".layerZero.executor");
        s.executorFeeLib = VM.parseJsonAddress(json, ".layerZero.executorFeeLib");
        s.dvn = VM.parseJsonAddress(json, ".layerZero.dvn");
        s.dvnFeeLib = VM.parseJsonAddress(json, ".layerZero.dvnFeeLib");
    }

    /// @notice Contract `name` of the chain file at `path`.
    function contractAddress(string memory path, string memory name) internal view returns (address) {
        return VM.parseJsonAddress(VM.readFile(path), string.concat(".contracts.", name));
    }
}
