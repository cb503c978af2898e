// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC1967Proxy} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol";
import {InferenceMarket} from "../src/hub/InferenceMarket.sol";
import {ModelRegistry} from "../src/hub/ModelRegistry.sol";
import {NodePool} from "../src/hub/NodePool.sol";
import {MarketParams} from "../src/interfaces/IInferenceMarket.sol";
import {IModelRegistry} from "../src/interfaces/IModelRegistry.sol";
import {INodePool, PoolParams} from "../src/interfaces/INodePool.sol";

/// @notice Everything the hub needs at deployment.
struct HubConfig {
    address admin; // receives every role (a timelock in production)
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
    /// @param caller The account whose calls these are (the broadcaster in a script, the test contract in a
    /// test). It is the pool's first admin, to grant MARKET_ROLE, then hands every role to `c.admin`.
    function deploy(HubConfig memory c, address caller) internal returns (HubContracts memory h) {
        h.registryImplementation = address(new ModelRegistry());
        h.poolImplementation = address(new NodePool());
        h.marketImplementation = address(new InferenceMarket());

        h.registry = ModelRegistry(
            address(
                new ERC1967Proxy(
                    h.registryImplementation,
                    abi.encodeCall(ModelRegistry.initialize, (c.admin, c.treasury, c.registrationFee, c.maxRoyalty))
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
                            c.admin,
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
        if (c.admin != caller) {
            h.pool.grantRole(h.pool.DEFAULT_ADMIN_ROLE(), c.admin);
            h.pool.grantRole(h.pool.PAUSER_ROLE(), c.admin);
            h.pool.grantRole(h.pool.PARAMETER_SETTER_ROLE(), c.admin);
            h.pool.renounceRole(h.pool.PARAMETER_SETTER_ROLE(), caller);
            h.pool.renounceRole(h.pool.PAUSER_ROLE(), caller);
            h.pool.renounceRole(h.pool.DEFAULT_ADMIN_ROLE(), caller);
        }
    }
}
