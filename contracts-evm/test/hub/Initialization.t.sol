// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ERC1967Proxy} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol";
import {HubAccess} from "../../src/hub/HubAccess.sol";
import {InferenceMarket} from "../../src/hub/InferenceMarket.sol";
import {ModelRegistry} from "../../src/hub/ModelRegistry.sol";
import {NodePool} from "../../src/hub/NodePool.sol";
import {IInferenceMarket, MarketParams} from "../../src/interfaces/IInferenceMarket.sol";
import {IModelRegistry} from "../../src/interfaces/IModelRegistry.sol";
import {INodePool, PoolParams} from "../../src/interfaces/INodePool.sol";
import {EpochSchedule} from "../../src/libraries/EpochMath.sol";
import {HubTestBase} from "../utils/HubTestBase.sol";

/// @notice Initializers refuse bad settings; the pool's remaining bounds.
contract InitializationTest is HubTestBase {
    function _registry(address admin_, address treasury_, uint256 fee, uint96 maxRoyalty_) internal {
        new ERC1967Proxy(
            hub.registryImplementation, abi.encodeCall(ModelRegistry.initialize, (admin_, treasury_, fee, maxRoyalty_))
        );
    }

    function _pool(IModelRegistry r, uint32 epochLength, PoolParams memory p) internal {
        new ERC1967Proxy(
            hub.poolImplementation,
            abi.encodeCall(NodePool.initialize, (admin, r, address(0), treasury, epochLength, p))
        );
    }

    function _market(IModelRegistry r, INodePool p, address treasury_, MarketParams memory mp) internal {
        new ERC1967Proxy(
            hub.marketImplementation, abi.encodeCall(InferenceMarket.initialize, (admin, r, p, treasury_, mp))
        );
    }

    function test_registryInitializer() public {
        vm.expectRevert(HubAccess.ZeroAdmin.selector);
        _registry(address(0), treasury, 1, 1);
        vm.expectRevert(IModelRegistry.ZeroAddress.selector);
        _registry(admin, address(0), 1, 1);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ParameterOutOfBounds.selector, "registrationFee", 0));
        _registry(admin, treasury, 0, 1);
        vm.expectRevert(abi.encodeWithSelector(IModelRegistry.ParameterOutOfBounds.selector, "maxRoyalty", 101 ether));
        _registry(admin, treasury, 1, 101 ether);
    }

    function test_poolInitializer() public {
        PoolParams memory p = _hubConfig(address(0)).poolParams;
        IModelRegistry r = IModelRegistry(address(registry));
        vm.expectRevert(INodePool.ZeroAddress.selector);
        _pool(IModelRegistry(address(0)), 10, p);
        vm.expectRevert(abi.encodeWithSelector(INodePool.ParameterOutOfBounds.selector, "epochLength", 0));
        _pool(r, 0, p);
        vm.expectRevert(abi.encodeWithSelector(INodePool.ParameterOutOfBounds.selector, "epochLength", 1_000_001));
        _pool(r, 1_000_001, p);
        p.unbondingEpochs = 10_001;
        vm.expectRevert(abi.encodeWithSelector(INodePool.ParameterOutOfBounds.selector, "unbondingEpochs", 10_001));
        _pool(r, 10, p);
    }

    function test_marketInitializer() public {
        MarketParams memory mp = _hubConfig(address(0)).marketParams;
        IModelRegistry r = IModelRegistry(address(registry));
        INodePool p = INodePool(address(pool));
        vm.expectRevert(IInferenceMarket.ZeroAddress.selector);
        _market(IModelRegistry(address(0)), p, treasury, mp);
        vm.expectRevert(IInferenceMarket.ZeroAddress.selector);
        _market(r, INodePool(address(0)), treasury, mp);
        vm.expectRevert(IInferenceMarket.ZeroAddress.selector);
        _market(r, p, address(0), mp);
        mp.fulfilmentWindow = 100_001;
        vm.expectRevert(
            abi.encodeWithSelector(IInferenceMarket.ParameterOutOfBounds.selector, "fulfilmentWindow", 100_001)
        );
        _market(r, p, treasury, mp);
    }

    function test_poolStakeBoundsAndSchedule() public {
        uint256 modelId = _registerModel(_layout(1, 3, 1));
        uint256[] memory models = new uint256[](1);
        models[0] = modelId;
        uint256 huge = uint256(type(uint112).max) + 1;
        vm.deal(nodeA, huge);
        vm.prank(nodeA);
        vm.expectRevert(abi.encodeWithSelector(INodePool.ParameterOutOfBounds.selector, "stake", huge));
        pool.registerNode{value: huge}(models, 1, huge);

        _registerNode(nodeA, modelId, 100);
        uint256 stake = pool.node(nodeA).stake;
        uint256 overflow = uint256(type(uint112).max) - stake + 1;
        vm.deal(nodeA, overflow);
        vm.prank(nodeA);
        vm.expectRevert(abi.encodeWithSelector(INodePool.ParameterOutOfBounds.selector, "stake", stake + overflow));
        pool.addStake{value: overflow}(overflow);

        vm.expectRevert(abi.encodeWithSelector(INodePool.ParameterOutOfBounds.selector, "epochLength", 1_000_001));
        pool.setEpochLength(1_000_001);
        pool.setEpochLength(7);
        EpochSchedule memory s = pool.epochSchedule();
        assertEq(s.length, 7);
        assertEq(s.prevLength, EPOCH_BLOCKS);
        assertEq(s.anchorEpoch, pool.currentEpoch() + 1);
    }
}
