// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Vm} from "forge-std/Vm.sol";
import {DeployHubGateway, GatewayConfig} from "../../script/DeployHubGateway.s.sol";
import {DeploySpoke, SpokeConfig} from "../../script/DeploySpoke.s.sol";
import {ConnectSpoke} from "../../script/crosschain/ConnectSpoke.s.sol";
import {CrossChainDefaults} from "../../script/crosschain/CrossChainDefaults.sol";
import {LayerZeroStack, LocalLayerZero} from "../../script/layerzero/LocalLayerZero.sol";
import {ZkVinHubGateway} from "../../src/gateway/ZkVinHubGateway.sol";
import {ZkVinSpoke} from "../../src/spoke/ZkVinSpoke.sol";
import {LayerZeroRelay, SentPacket} from "../layerzero/LayerZeroRelay.sol";
import {HubTestBase} from "../utils/HubTestBase.sol";

/// @notice The cross-chain deploy scripts against a hub (HubDeployer) and LayerZero's real contracts:
/// gateway next to the market (role granted when the broadcaster may), spoke pointed at it, the hub side
/// connected and a first model synced over the real message path; JSON outputs. (Environment overrides are
/// not exercised here: environment variables are process-wide and other suites' scripts read the same names.)
interface IEndpointDelegates {
    function delegates(address oapp) external view returns (address);
}

contract CrossChainScriptsTest is HubTestBase {
    uint32 internal constant HUB_EID = 50_031;
    uint32 internal constant SPOKE_EID = 50_032;

    address internal deployer = makeAddr("deployer");
    address internal operator;
    uint256 internal operatorKey;
    LayerZeroStack internal hubLz;
    LayerZeroStack internal spokeLz;
    DeployHubGateway internal gatewayScript;
    DeploySpoke internal spokeScript;
    ConnectSpoke internal connectScript;
    string internal dir;
    uint256 internal modelId;

    function setUp() public override {
        super.setUp();
        (operator, operatorKey) = makeAddrAndKey("operator");
        hubLz = LocalLayerZero.deploy(HUB_EID, address(this), operator);
        spokeLz = LocalLayerZero.deploy(SPOKE_EID, address(this), operator);
        LocalLayerZero.connect(hubLz, SPOKE_EID, LocalLayerZero.defaultPathway());
        LocalLayerZero.connect(spokeLz, HUB_EID, LocalLayerZero.defaultPathway());
        gatewayScript = new DeployHubGateway();
        spokeScript = new DeploySpoke();
        connectScript = new ConnectSpoke();
        modelId = _registerModel(_layout(1, 4, 1));
        market.grantRole(market.DEFAULT_ADMIN_ROLE(), deployer);
        vm.deal(deployer, 10 ether);
        // broadcast/ is where forge scripts write anyway (git-ignored, inside fs_permissions).
        dir = string.concat(vm.projectRoot(), "/broadcast/crosschain-tests/");
    }

    function _gatewayConfig(address owner) internal view returns (GatewayConfig memory) {
        return GatewayConfig({
            endpoint: hubLz.endpoint,
            market: market,
            owner: owner,
            treasury: treasury,
            params: CrossChainDefaults.gatewayParams()
        });
    }

    function test_deployConnectAndSync_overTheRealMessagePath() public {
        string memory gatewayOut = string.concat(dir, "gateway.json");
        string memory spokeOut = string.concat(dir, "spoke.json");
        ZkVinHubGateway gateway = gatewayScript.deploy(_gatewayConfig(deployer), deployer, gatewayOut);
        assertTrue(market.hasRole(market.REMOTE_GATEWAY_ROLE(), address(gateway)), "the admin broadcaster grants");
        assertEq(gateway.owner(), deployer);

        SpokeConfig memory c = SpokeConfig({
            endpoint: spokeLz.endpoint,
            hubEid: HUB_EID,
            owner: deployer,
            treasury: treasury,
            hubGateway: address(gateway),
            params: CrossChainDefaults.spokeParams(),
            reclaimDelay: CrossChainDefaults.reclaimDelay()
        });
        ZkVinSpoke spoke = spokeScript.deploy(c, deployer, spokeOut);
        assertEq(spoke.peers(HUB_EID), bytes32(uint256(uint160(address(gateway)))));

        uint256[] memory models = new uint256[](1);
        models[0] = modelId;
        vm.recordLogs();
        bytes32[] memory guids = connectScript.connect(gateway, SPOKE_EID, address(spoke), models, deployer);
        assertEq(gateway.peers(SPOKE_EID), bytes32(uint256(uint160(address(spoke)))));
        SentPacket memory p = LayerZeroRelay.sentPackets(vm.getRecordedLogs(), hubLz.endpoint)[0];
        assertEq(p.guid, guids[0]);
        LayerZeroRelay.deliver(spokeLz, p, operatorKey, operator, gateway.params().modelSyncGasLimit, 0);
        assertEq(spoke.model(modelId).hubPrice, market.quote(modelId).total);

        string memory json = vm.readFile(gatewayOut);
        assertEq(vm.parseJsonAddress(json, ".contracts.ZkVinHubGateway"), address(gateway));
        assertEq(vm.parseJsonUint(json, ".eid"), HUB_EID);
        assertEq(vm.parseJsonAddress(json, ".market"), address(market));
        assertEq(vm.parseJsonAddress(json, ".registry"), address(registry));
        assertTrue(vm.parseJsonBool(json, ".roleGranted"));
        json = vm.readFile(spokeOut);
        assertEq(vm.parseJsonAddress(json, ".contracts.ZkVinSpoke"), address(spoke));
        assertEq(vm.parseJsonUint(json, ".eid"), SPOKE_EID);
        assertEq(vm.parseJsonUint(json, ".hubEid"), HUB_EID);
        assertTrue(vm.parseJsonBool(json, ".peerSet"));
        assertEq(vm.parseJsonUint(json, ".params.hubGasBase"), c.params.hubGasBase);
        assertEq(vm.parseJsonUint(json, ".reclaimDelay"), 1 days);
        assertEq(vm.parseJsonUint(json, ".governanceDelay"), 2 days);
        // The spoke is its own LayerZero delegate: its owner cannot reconfigure the endpoint at once.
        assertEq(IEndpointDelegates(spokeLz.endpoint).delegates(address(spoke)), address(spoke));
        vm.removeFile(gatewayOut);
        vm.removeFile(spokeOut);
    }

    function test_gateway_byANonAdmin_leavesTheRoleToTheAdmin() public {
        address other = makeAddr("other");
        string memory out = string.concat(dir, "gateway-nonadmin.json");
        ZkVinHubGateway gateway = gatewayScript.deploy(_gatewayConfig(other), other, out);
        assertFalse(market.hasRole(market.REMOTE_GATEWAY_ROLE(), address(gateway)));
        assertFalse(vm.parseJsonBool(vm.readFile(out), ".roleGranted"));
        vm.removeFile(out);
    }

    function test_gateway_refusesASinkGasTheMarketWouldRefuse() public {
        GatewayConfig memory c = _gatewayConfig(deployer);
        c.params.sinkGasLimit = market.params().maxCallbackGasLimit + 1;
        vm.expectRevert(
            abi.encodeWithSelector(
                DeployHubGateway.SinkGasAboveMarketLimit.selector, c.params.sinkGasLimit, c.params.sinkGasLimit - 1
            )
        );
        gatewayScript.deploy(c, deployer, string.concat(dir, "never.json"));
    }

    function test_spoke_ownedBySomeoneElse_leavesThePeerToThem() public {
        address multisig = makeAddr("multisig");
        string memory out = string.concat(dir, "spoke-multisig.json");
        SpokeConfig memory c = SpokeConfig({
            endpoint: spokeLz.endpoint,
            hubEid: HUB_EID,
            owner: multisig,
            treasury: multisig,
            hubGateway: address(0xBEEF),
            params: CrossChainDefaults.spokeParams(),
            reclaimDelay: CrossChainDefaults.reclaimDelay()
        });
        ZkVinSpoke spoke = spokeScript.deploy(c, deployer, out);
        assertEq(spoke.owner(), multisig);
        assertEq(spoke.peers(HUB_EID), bytes32(0));
        assertFalse(vm.parseJsonBool(vm.readFile(out), ".peerSet"));
        vm.removeFile(out);
    }
}
