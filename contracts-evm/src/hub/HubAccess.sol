// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {AccessControlUpgradeable} from "@openzeppelin/contracts-upgradeable/access/AccessControlUpgradeable.sol";
import {PausableUpgradeable} from "@openzeppelin/contracts-upgradeable/utils/PausableUpgradeable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts/proxy/utils/UUPSUpgradeable.sol";

/// @title HubAccess
/// @notice Governance shared by the hub contracts: roles, pause and UUPS upgrades. Each hub contract sits
/// behind an ERC-1967 proxy; DEFAULT_ADMIN_ROLE (a timelock in production) grants roles and upgrades.
abstract contract HubAccess is AccessControlUpgradeable, PausableUpgradeable, UUPSUpgradeable {
    /// @notice May pause and unpause.
    bytes32 public constant PAUSER_ROLE = keccak256("PAUSER_ROLE");
    /// @notice May change bounded economic and timing parameters.
    bytes32 public constant PARAMETER_SETTER_ROLE = keccak256("PARAMETER_SETTER_ROLE");

    /// @notice The admin passed to an initializer was the zero address.
    error ZeroAdmin();

    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    // forge-lint: disable-next-line(mixed-case-function)
    function __HubAccess_init(address admin) internal onlyInitializing {
        if (admin == address(0)) revert ZeroAdmin();
        __AccessControl_init();
        __Pausable_init();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _grantRole(PAUSER_ROLE, admin);
        _grantRole(PARAMETER_SETTER_ROLE, admin);
    }

    /// @notice Stops the contract's entry points marked `whenNotPaused`.
    function pause() external virtual onlyRole(PAUSER_ROLE) {
        _pause();
    }

    /// @notice Resumes them.
    function unpause() external virtual onlyRole(PAUSER_ROLE) {
        _unpause();
    }

    function _authorizeUpgrade(address) internal view override onlyRole(DEFAULT_ADMIN_ROLE) {}
}
