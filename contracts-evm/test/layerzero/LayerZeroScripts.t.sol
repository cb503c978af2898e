// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {OptionsBuilder} from "@layerzerolabs/oapp-evm/contracts/oapp/libs/OptionsBuilder.sol";
import {DeployLocalLayerZero} from "../../script/layerzero/DeployLocalLayerZero.s.sol";
import {WireLocalLayerZero} from "../../script/layerzero/WireLocalLayerZero.s.sol";
import {LayerZeroStack, LocalLayerZero, PathwayConfig} from "../../script/layerzero/LocalLayerZero.sol";
import {LayerZeroStackJson} from "../../script/layerzero/LayerZeroStackJson.sol";
import {IEndpointV2Admin, IReceiveUln302, UlnConfig} from "../../script/layerzero/LayerZeroInterfaces.sol";
import {LayerZeroRelay, SentPacket} from "./LayerZeroRelay.sol";
import {PingPong} from "./PingPong.sol";

/// The deploy and wire scripts as the devnet runs them: stack JSON written by one, read by the other, and
/// a message carried over the result.
contract LayerZeroScriptsTest is Test {
    using OptionsBuilder for bytes;

    DeployLocalLayerZero internal deployer;
    WireLocalLayerZero internal wirer;
    address internal operator;
    uint256 internal operatorKey;
    string internal dir;

    function setUp() public {
        (operator, operatorKey) = makeAddrAndKey("operator");
        deployer = new DeployLocalLayerZero();
        wirer = new WireLocalLayerZero();
        // broadcast/ is where forge scripts write anyway (git-ignored, inside fs_permissions).
        dir = string.concat(vm.projectRoot(), "/broadcast/layerzero-tests/");
        vm.createDir(dir, true);
    }

    function test_deployAndWire_recordTheStackAndCarryAMessage() public {
        string memory fileA = _file("carry-a");
        string memory fileB = _file("carry-b");
        LayerZeroStack memory a = deployer.deploy(50_011, operator, fileA);
        LayerZeroStack memory b = deployer.deploy(50_012, operator, fileB);

        string memory json = vm.readFile(fileA);
        assertEq(vm.parseJsonUint(json, ".chainId"), block.chainid);
        assertEq(vm.parseJsonUint(json, ".eid"), 50_011);
        assertEq(vm.parseJsonAddress(json, ".operator"), operator);
        assertEq(vm.parseJsonAddress(json, ".endpoint"), a.endpoint);
        assertEq(vm.parseJsonAddress(json, ".dvn"), a.dvn);
        assertEq(vm.parseJsonAddress(json, ".executor"), a.executor);
        assertEq(vm.parseJsonAddress(json, ".receiveUln302"), a.receiveUln302);
        LayerZeroStack memory readBack = LayerZeroStackJson.read(fileB);
        assertEq(keccak256(abi.encode(readBack)), keccak256(abi.encode(b)));

        PathwayConfig memory pathway = LocalLayerZero.defaultPathway();
        pathway.confirmations = 2;
        wirer.wire(fileA, _eids(50_012), pathway);
        wirer.wire(fileB, _eids(50_011), pathway);
        assertEq(IEndpointV2Admin(a.endpoint).defaultSendLibrary(50_012), a.sendUln302);
        UlnConfig memory uln = IReceiveUln302(b.receiveUln302).getUlnConfig(address(0xbeef), 50_011);
        assertEq(uln.confirmations, 2);

        PingPong appA = new PingPong(a.endpoint, address(this));
        PingPong appB = new PingPong(b.endpoint, address(this));
        appA.setPeer(50_012, bytes32(uint256(uint160(address(appB)))));
        appB.setPeer(50_011, bytes32(uint256(uint160(address(appA)))));
        bytes memory options = OptionsBuilder.newOptions().addExecutorLzReceiveOption(150_000, 0);
        uint256 fee = appA.quote(50_012, 1, 1, options, "");
        vm.recordLogs();
        appA.send{value: fee}(50_012, 1, 1, options, "");
        SentPacket memory p = LayerZeroRelay.sentPackets(vm.getRecordedLogs(), a.endpoint)[0];
        LayerZeroRelay.dvnVerify(b, p, operatorKey, operator, 2);
        LayerZeroRelay.commit(b, p);
        LayerZeroRelay.execute(b, p, operator, 150_000, 0);
        assertEq(appB.deliveries(p.guid), 1);

        vm.removeFile(fileA);
        vm.removeFile(fileB);
    }

    function test_run_readsItsParametersFromTheEnvironment() public {
        string memory file = _file("env");
        vm.setEnv("LZ_LOCAL_EID", "50021");
        vm.setEnv("LZ_OPERATOR", vm.toString(operator));
        vm.setEnv("LZ_STACK_FILE", file);
        LayerZeroStack memory s = deployer.run();
        assertEq(s.eid, 50_021);
        vm.setEnv("LZ_REMOTE_EIDS", "50022,50023");
        vm.setEnv("LZ_CONFIRMATIONS", "3");
        wirer.run();
        assertEq(IEndpointV2Admin(s.endpoint).defaultReceiveLibrary(50_023), s.receiveUln302);
        assertEq(IReceiveUln302(s.receiveUln302).getUlnConfig(address(1), 50_022).confirmations, 3);
        vm.removeFile(file);
    }

    function test_deploy_revertsForAnEidOutsideTheLocalRange() public {
        string memory file = _file("range");
        vm.expectRevert(abi.encodeWithSelector(DeployLocalLayerZero.LocalEidOutOfRange.selector, 40_161));
        deployer.deploy(40_161, operator, file);
        vm.expectRevert(abi.encodeWithSelector(DeployLocalLayerZero.LocalEidOutOfRange.selector, 60_000));
        deployer.deploy(60_000, operator, file);
    }

    function test_wire_revertsForAPathwayToItself() public {
        string memory file = _file("self");
        deployer.deploy(50_031, operator, file);
        PathwayConfig memory pathway = LocalLayerZero.defaultPathway();
        vm.expectRevert(abi.encodeWithSelector(WireLocalLayerZero.SelfPathway.selector, uint32(50_031)));
        wirer.wire(file, _eids(50_031), pathway);
        vm.expectRevert(abi.encodeWithSelector(WireLocalLayerZero.EidOutOfRange.selector, uint256(1) << 32));
        wirer.wire(file, _eids(uint256(1) << 32), pathway);
        vm.removeFile(file);
    }

    function test_wire_revertsForAStackFileOfAnotherChain() public {
        string memory file = _file("other-chain");
        deployer.deploy(50_041, operator, file);
        uint256 deployedOn = block.chainid;
        vm.chainId(deployedOn + 1);
        PathwayConfig memory pathway = LocalLayerZero.defaultPathway();
        vm.expectRevert(
            abi.encodeWithSelector(LayerZeroStackJson.StackFileForOtherChain.selector, file, deployedOn, deployedOn + 1)
        );
        wirer.wire(file, _eids(50_042), pathway);
        vm.removeFile(file);
    }

    function _file(string memory name) internal view returns (string memory) {
        return string.concat(dir, name, ".json");
    }

    function _eids(uint256 eid) internal pure returns (uint256[] memory eids) {
        eids = new uint256[](1);
        eids[0] = eid;
    }
}
