// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IAccessControl} from "@openzeppelin/contracts/access/IAccessControl.sol";
import {ERC1967Utils} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Utils.sol";
import {InferenceMarket} from "../../src/hub/InferenceMarket.sol";
import {ModelRegistry} from "../../src/hub/ModelRegistry.sol";
import {NodePool} from "../../src/hub/NodePool.sol";
import {RequestStatus} from "../../src/interfaces/IInferenceMarket.sol";
import {HubTestBase} from "../utils/HubTestBase.sol";

contract ModelRegistryV2 is ModelRegistry {
    function version() external pure returns (string memory) {
        return "2";
    }
}

contract NodePoolV2 is NodePool {
    function version() external pure returns (string memory) {
        return "2";
    }
}

contract InferenceMarketV2 is InferenceMarket {
    function version() external pure returns (string memory) {
        return "2";
    }
}

contract NotUpgradeable {}

contract UpgradeTest is HubTestBase {
    uint256 internal modelId;
    uint256 internal pendingId;
    uint256 internal doneId;
    int256[] internal input;

    function setUp() public override {
        super.setUp();
        modelId = _registerModel(_layout(1, 3, 1));
        _registerNode(nodeA, modelId, 1000);
        _nextEpoch();
        input = _input(3, 1);
        doneId = _request(modelId, input, 0);
        _fulfil(doneId, modelId, input, _input(1, 4));
        pendingId = _request(modelId, input, 0);
    }

    function _erc7201(string memory id) internal pure returns (bytes32) {
        return keccak256(abi.encode(uint256(keccak256(bytes(id))) - 1)) & ~bytes32(uint256(0xff));
    }

    function test_namespacedStorageSlotsFollowErc7201() public view {
        // The first field of each namespace: modelCount, registry address, registry address.
        assertEq(uint256(vm.load(address(registry), _erc7201("zkvin.storage.ModelRegistry"))), 1);
        assertEq(
            address(uint160(uint256(vm.load(address(pool), _erc7201("zkvin.storage.NodePool"))))), address(registry)
        );
        assertEq(
            address(uint160(uint256(vm.load(address(market), _erc7201("zkvin.storage.InferenceMarket"))))),
            address(registry)
        );
    }

    function test_upgradeKeepsState() public {
        uint256 claimable = market.claimable(nodeA);
        uint256 escrowed = market.totalEscrowed();
        uint256 stake = pool.node(nodeA).stake;
        uint32 epoch = pool.currentEpoch();

        address registryV2 = address(new ModelRegistryV2());
        address poolV2 = address(new NodePoolV2());
        address marketV2 = address(new InferenceMarketV2());
        registry.upgradeToAndCall(registryV2, "");
        pool.upgradeToAndCall(poolV2, "");
        market.upgradeToAndCall(marketV2, "");

        assertEq(address(uint160(uint256(vm.load(address(market), ERC1967Utils.IMPLEMENTATION_SLOT)))), marketV2);
        assertEq(ModelRegistryV2(address(registry)).version(), "2");
        assertEq(NodePoolV2(address(pool)).version(), "2");
        assertEq(InferenceMarketV2(address(market)).version(), "2");

        // Everything the hub knew is still there and still works.
        assertEq(registry.model(modelId).owner, modelOwner);
        assertEq(pool.node(nodeA).stake, stake);
        assertEq(pool.currentEpoch(), epoch);
        assertEq(market.claimable(nodeA), claimable);
        assertEq(market.totalEscrowed(), escrowed);
        assertEq(uint8(market.request(doneId).status), uint8(RequestStatus.Fulfilled));
        assertTrue(pool.hasRole(pool.MARKET_ROLE(), address(market)));
        _fulfil(pendingId, modelId, input, _input(1, 5));
        assertEq(uint8(market.request(pendingId).status), uint8(RequestStatus.Fulfilled));
        assertEq(market.claimable(nodeA), 2 * claimable);
        uint256 next = _request(modelId, input, 0);
        assertEq(next, pendingId + 1);
    }

    /// @dev EIP-170: runtime code above 24,576 bytes cannot be deployed. Keep room for upgrades. The market has
    /// less than the others since the adversarial fixes (callback pricing, bonds, recorded slash amounts); its
    /// parameter checks and quote already live in the linked MarketRules library.
    function test_implementationsFitTheCodeSizeLimitWithRoom() public view {
        assertLt(hub.marketImplementation.code.length, 24_576 - 128, "market");
        assertLt(hub.poolImplementation.code.length, 24_576 - 1_024, "pool");
        assertLt(hub.registryImplementation.code.length, 24_576 - 1_024, "registry");
    }

    function test_upgradeRequiresAdminAndAUupsImplementation() public {
        address marketV2 = address(new InferenceMarketV2());
        address stranger = makeAddr("stranger");
        bytes32 adminRole = market.DEFAULT_ADMIN_ROLE();
        vm.prank(stranger);
        vm.expectRevert(
            abi.encodeWithSelector(IAccessControl.AccessControlUnauthorizedAccount.selector, stranger, adminRole)
        );
        market.upgradeToAndCall(marketV2, "");

        address bogus = address(new NotUpgradeable());
        vm.expectRevert(abi.encodeWithSelector(ERC1967Utils.ERC1967InvalidImplementation.selector, bogus));
        market.upgradeToAndCall(bogus, "");
    }
}
