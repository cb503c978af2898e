// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice A plain ERC-20 anyone can mint: the stake token of the pools that take ERC-20 stake in tests
/// (NodePool.t.sol, and the relayer's and SDK's registration tests on anvil).
contract StakeToken is ERC20 {
    constructor() ERC20("Stake", "STK") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}
