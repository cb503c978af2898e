// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {DeployStarknetGateway, StarknetGatewayConfig} from "../../script/DeployStarknetGateway.s.sol";
import {StarknetGateway} from "../../src/gateway/StarknetGateway.sol";
import {IStarknetMessaging} from "../../src/interfaces/IStarknetMessaging.sol";
import {StarknetCodec, StarknetRequest} from "../../src/messaging/StarknetCodec.sol";
import {HubTestBase} from "../utils/HubTestBase.sol";
import {IMockStarknetMessaging, StarknetMessagingDeployer} from "../utils/StarknetMessagingDeployer.sol";

/// @notice The deploy script against the real hub and StarkWare's messaging contract: role, spoke, deposit,
/// the JSON it writes, and a request through the deployed gateway.
contract DeployStarknetGatewayTest is HubTestBase {
    uint256 internal constant SPOKE = 0x0456;
    address internal deployer = makeAddr("deployer");
    DeployStarknetGateway internal script;
    IMockStarknetMessaging internal messaging;
    string internal out;

    function setUp() public override {
        super.setUp();
        script = new DeployStarknetGateway();
        messaging = IMockStarknetMessaging(StarknetMessagingDeployer.deploy(5 days));
        vm.deal(deployer, 10 ether);
        out = string.concat(vm.projectRoot(), "/broadcast/starknet-gateway-tests/gateway.json");
    }

    function _config(address owner) internal view returns (StarknetGatewayConfig memory) {
        return StarknetGatewayConfig({
            market: market,
            messaging: IStarknetMessaging(address(messaging)),
            spoke: SPOKE,
            owner: owner,
            originId: 0x534e,
            l1MessageFee: 1e14,
            sinkGasLimit: 500_000,
            replyReserveGas: 300_000,
            deposit: 1 ether
        });
    }

    function test_deploy_grantsRegistersFundsAndWrites() public {
        market.grantRole(market.DEFAULT_ADMIN_ROLE(), deployer);
        StarknetGateway gateway = script.deploy(_config(deployer), deployer, out);
        assertTrue(market.hasRole(market.REMOTE_GATEWAY_ROLE(), address(gateway)));
        assertTrue(gateway.isSpoke(SPOKE));
        assertEq(gateway.owner(), deployer);
        assertEq(gateway.depositBalance(), 1 ether);
        (uint256 fee, uint32 sink, uint32 reserve) = gateway.params();
        assertEq(fee, 1e14);
        assertEq(sink, 500_000);
        assertEq(reserve, 300_000);

        string memory json = vm.readFile(out);
        assertEq(vm.parseJsonAddress(json, ".contracts.StarknetGateway"), address(gateway));
        assertEq(vm.parseJsonAddress(json, ".messaging"), address(messaging));
        assertEq(vm.parseJsonBytes32(json, ".spoke"), bytes32(SPOKE));
        assertTrue(vm.parseJsonBool(json, ".roleGranted"));
        assertTrue(vm.parseJsonBool(json, ".spokeRegistered"));

        // The deployed gateway takes a request.
        uint256 modelId = _registerModel(_layout(1, 2, 1));
        _registerNode(nodeA, modelId, 1_000);
        _nextEpoch();
        int256[] memory input = _input(2, 1);
        uint256[] memory p = StarknetCodec.encodeRequest(StarknetRequest(1, 0x99, modelId, 1e15, 2e9, input));
        messaging.mockSendMessageFromL2(SPOKE, uint256(uint160(address(gateway))), p);
        (, uint256 hubId) = gateway.consumeRequest(SPOKE, p);
        assertGt(hubId, 0);
    }

    function test_deploy_withoutAdmin_leavesRoleAndSpokeToOthers() public {
        address owner = makeAddr("owner");
        StarknetGateway gateway = script.deploy(_config(owner), deployer, out);
        assertFalse(market.hasRole(market.REMOTE_GATEWAY_ROLE(), address(gateway)));
        assertFalse(gateway.isSpoke(SPOKE));
        assertEq(gateway.owner(), owner);
        string memory json = vm.readFile(out);
        assertFalse(vm.parseJsonBool(json, ".roleGranted"));
        assertFalse(vm.parseJsonBool(json, ".spokeRegistered"));
    }

    function test_deploy_refusesSinkGasAboveMarketLimit() public {
        StarknetGatewayConfig memory c = _config(deployer);
        c.sinkGasLimit = 2_000_000;
        vm.expectRevert(
            abi.encodeWithSelector(DeployStarknetGateway.SinkGasAboveMarketLimit.selector, 2_000_000, 1_000_000)
        );
        script.deploy(c, deployer, out);
    }
}
