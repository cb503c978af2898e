// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Vm} from "forge-std/Vm.sol";
import {LayerZeroStack} from "./LocalLayerZero.sol";

/// @title LayerZeroStackJson
/// @notice The JSON file that records one chain's local LayerZero stack, written by DeployLocalLayerZero,
/// read back by WireLocalLayerZero, and consumed by the deployments file and the relayer's config.
/// @dev Format (every address checksummed, numbers as JSON numbers):
/// { "chainId", "eid", "owner", "operator", "endpoint", "sendUln302", "receiveUln302", "priceFeed",
///   "executor", "executorFeeLib", "dvn", "dvnFeeLib" }
library LayerZeroStackJson {
    /// @notice The stack file describes another chain than the one the script runs against.
    error StackFileForOtherChain(string path, uint256 fileChainId, uint256 chainId);

    Vm private constant VM = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));
    string private constant KEY = "layerzero-stack";

    /// @notice Writes `s` deployed on the current chain, owned by `owner`, operated by `operator`.
    function write(LayerZeroStack memory s, address owner, address operator, string memory path) internal {
        VM.serializeUint(KEY, "chainId", block.chainid);
        VM.serializeUint(KEY, "eid", s.eid);
        VM.serializeAddress(KEY, "owner", owner);
        VM.serializeAddress(KEY, "operator", operator);
        VM.serializeAddress(KEY, "endpoint", s.endpoint);
        VM.serializeAddress(KEY, "sendUln302", s.sendUln302);
        VM.serializeAddress(KEY, "receiveUln302", s.receiveUln302);
        VM.serializeAddress(KEY, "priceFeed", s.priceFeed);
        VM.serializeAddress(KEY, "executor", s.executor);
        VM.serializeAddress(KEY, "executorFeeLib", s.executorFeeLib);
        VM.serializeAddress(KEY, "dvn", s.dvn);
        string memory json = VM.serializeAddress(KEY, "dvnFeeLib", s.dvnFeeLib);
        VM.writeJson(json, path);
    }

    /// @notice Reads the stack recorded at `path`; reverts unless it was deployed on the current chain.
    function read(string memory path) internal view returns (LayerZeroStack memory s) {
        string memory json = VM.readFile(path);
        uint256 fileChainId = VM.parseJsonUint(json, ".chainId");
        if (fileChainId != block.chainid) revert StackFileForOtherChain(path, fileChainId, block.chainid);
        s.eid = uint32(VM.parseJsonUint(json, ".eid"));
        s.endpoint = VM.parseJsonAddress(json, ".endpoint");
        s.sendUln302 = VM.parseJsonAddress(json, ".sendUln302");
        s.receiveUln302 = VM.parseJsonAddress(json, ".receiveUln302");
        s.priceFeed = VM.parseJsonAddress(json, ".priceFeed");
        s.executor = VM.parseJsonAddress(json, ".executor");
        s.executorFeeLib = VM.parseJsonAddress(json, ".executorFeeLib");
        s.dvn = VM.parseJsonAddress(json, ".dvn");
        s.dvnFeeLib = VM.parseJsonAddress(json, ".dvnFeeLib");
    }
}
