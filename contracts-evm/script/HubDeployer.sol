// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC1967Proxy} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol";
import {HubAccess} from "../src/hub/HubAccess.sol";
import {InferenceMarket} from "../src/hub/InferenceMarket.sol";
import {ModelRegistry} from "../src/hub/ModelRegistry.sol";
import {NodePool} from "../src/hub/NodePool.sol";
import {MarketParams} from "../src/interfaces/IInferenceMarket.sol";
import {IModelRegistry} from "../src/interfaces/IModelRegistry.sol";
import {INodePool, PoolParams} from "../src/interfaces/INodePool.sol";

/// @notice Everything the hub needs at deployment.
struct HubConfig {
    address admin; // receives every role after the set-up (a timelock in production)
    address treasury;
    address stakeToken; // zero: native token
    uint32 epochLengthBlocks;
    uint256 registrationFee;
    uint96 maxRoyalty;
    PoolParams poolParams;
    MarketParams marketParams;
}

/// @notice The deployed hub: proxies and their first implementations.
struct HubContracts {
    ModelRegistry registry;
    NodePool pool;
    InferenceMarket market;
    address registryImplementation;
    address poolImplementation;
    address marketImplementation;
}

/// @title HubDeployer
/// @notice Deploys the three hub contracts behind ERC-1967 (UUPS) proxies and wires them: the market gets
/// the pool's MARKET_ROLE. Used by script/DeployHub.s.sol and by the tests, so both run the same wiring.
library HubDeployer {
    /// @notice Deploys and wires the hub with `caller` holding every role, so that the caller can finish the
    /// set-up (approve verifier adapters, grant gateway roles) before `handOver`.
    /// @param caller The account whose calls these are (the broadcaster in a script, the test contract in a test).
    function deploy(HubConfig memory c, address caller) internal returns (HubContracts memory h) {
        h.registryImplementation = address(new ModelRegistry());
        h.poolImplementation = address(new NodePool());
        h.marketImplementation = address(new InferenceMarket());

        h.registry = ModelRegistry(
            address(
                new ERC1967Proxy(
                    h.registryImplementation,
                    abi.encodeCall(ModelRegistry.initialize, (caller, c.treasury, c.registrationFee, c.maxRoyalty))
                )
            )
        );
        h.pool = NodePool(
            address(
                new ERC1967Proxy(
                    h.poolImplementation,
                    abi.encodeCall(
                        NodePool.initialize,
                        (
                            caller,
                            IModelRegistry(address(h.registry)),
                            c.stakeToken,
                            c.treasury,
                            c.epochLengthBlocks,
                            c.poolParams
                        )
                    )
                )
            )
        );
        h.market = InferenceMarket(
            address(
                new ERC1967Proxy(
                    h.marketImplementation,
                    abi.encodeCall(
                        InferenceMarket.initialize,
                        (
                            caller,
                            IModelRegistry(address(h.registry)),
                            INodePool(address(h.pool)),
                            c.treasury,
                            c.marketParams
                        )
                    )
                )
            )
        );
        h.pool.grantRole(h.pool.MARKET_ROLE(), address(h.market));
    }

    /// @notice Gives every governance role of the three contracts to `admin` and drops the caller's.
    function handOver(HubContracts memory h, address admin, address caller) internal {
        if (admin == caller) return;
        bytes32 approver = h.registry.MODEL_APPROVER_ROLE();
        h.registry.grantRole(approver, admin);
        h.registry.renounceRole(approver, caller);
        _handOver(HubAccess(address(h.registry)), admin, caller);
        _handOver(HubAccess(address(h.pool)), admin, caller);
        _handOver(HubAccess(address(h.market)), admin, caller);
    }

    function _handOver(HubAccess target, address admin, address caller) private {
        bytes32 adminRole = target.DEFAULT_ADMIN_ROLE();
        bytes32 pauser = target.PAUSER_ROLE();
        bytes32 setter = target.PARAMETER_SETTER_ROLE();
        target.grantRole(adminRole, admin);
        target.grantRole(pauser, admin);
        target.grantRole(setter, admin);
        target.renounceRole(setter, caller);
        target.renounceRole(pauser, caller);
        target.renounceRole(adminRole, caller);
    }
}
