// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Vm} from "forge-std/Vm.sol";

/// @title DeploymentFiles
/// @notice Writing a deploy script's JSON output to a path that may not exist yet.
library DeploymentFiles {
    Vm private constant VM = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    /// @notice Writes `json` to `path`, creating its folder first.
    function write(string memory json, string memory path) internal {
        bytes memory b = bytes(path);
        for (uint256 i = b.length; i > 0; --i) {
            if (b[i - 1] == "/") {
                bytes memory dir = new bytes(i - 1);
                for (uint256 j; j < i - 1; ++j) {
                    dir[j] = b[j];
                }
                VM.createDir(string(dir), true);
                break;
            }
        }
        VM.writeJson(json, path);
    }
}
