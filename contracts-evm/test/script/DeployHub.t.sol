// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Test} from "forge-std/Test.sol";
import {HubDeployment, DeployHub} from "../../script/DeployHub.s.sol";
import {InferenceMarket} from "../../src/hub/InferenceMarket.sol";
import {ModelRegistry} from "../../src/hub/ModelRegistry.sol";
import {NodePool} from "../../src/hub/NodePool.sol";
import {EzklVkaVerifierAdapter} from "../../src/verifiers/EzklVkaVerifierAdapter.sol";
import {EzklFixtures} from "../utils/EzklFixtures.sol";

/// @notice Runs the deploy script in-process and checks the wiring and the JSON it writes. (It also runs
/// against a real anvil: see README.md, "Deploy".)
contract DeployHubTest is Test {
    string internal constant OUT = "cache-deploy/hub-deployment.test.json";
    address internal admin = makeAddr("timelock");

    function test_deploysWiresHandsOverAndWritesJson() public {
        vm.setEnv("HUB_ADMIN", vm.toString(admin));
        vm.setEnv("HUB_EPOCH_BLOCKS", "5");
        vm.setEnv("HUB_DEPLOYMENT_OUT", OUT);
        DeployHub script = new DeployHub();
        HubDeployment memory d = script.run();

        ModelRegistry registry = d.hub.registry;
        NodePool pool = d.hub.pool;
        InferenceMarket market = d.hub.market;
        assertTrue(pool.hasRole(pool.MARKET_ROLE(), address(market)));
        assertEq(address(market.registry()), address(registry));
        assertEq(address(market.pool()), address(pool));
        assertEq(pool.epochLength(), 5);
        assertTrue(registry.isVerifierApproved(d.ezklVkaAdapter));
        assertTrue(registry.isVerifierApproved(d.approvedCodeAdapter));
        // The aggregating adapter works over the VKA adapter's keys and the deferred verifier, and is approved.
        assertTrue(registry.isVerifierApproved(d.ezklAggregatingAdapter));
        assertEq(address(d.ezklAggregatingAdapter.INNER()), address(d.ezklVkaAdapter));
        assertEq(address(d.ezklAggregatingAdapter.DEFERRED()), d.halo2VerifierReusableDeferred);
        assertGt(d.halo2VerifierReusableDeferred.code.length, 0);
        assertEq(d.ezklVkaAdapter.canonicalSrs(), EzklFixtures.canonicalSrs());
        assertTrue(d.approvedCodeAdapter.hasRole(d.approvedCodeAdapter.CODE_APPROVER_ROLE(), admin));
        assertTrue(d.ezklVkaAdapter.approvalRequired());
        assertTrue(d.ezklVkaAdapter.hasRole(d.ezklVkaAdapter.VKA_APPROVER_ROLE(), admin));
        assertFalse(d.ezklVkaAdapter.hasRole(d.ezklVkaAdapter.VKA_APPROVER_ROLE(), address(this)));
        assertFalse(d.ezklVkaAdapter.hasRole(d.ezklVkaAdapter.DEFAULT_ADMIN_ROLE(), address(this)));

        // Model approval is on (register -> approve -> live), and the admin approves models.
        assertTrue(registry.modelApprovalRequired());
        assertTrue(registry.hasRole(registry.MODEL_APPROVER_ROLE(), admin));
        assertFalse(registry.hasRole(registry.MODEL_APPROVER_ROLE(), address(this)));

        // Every role went to the admin; the deployer kept none.
        address deployer = address(this);
        bytes32[3] memory roles =
            [registry.DEFAULT_ADMIN_ROLE(), registry.PAUSER_ROLE(), registry.PARAMETER_SETTER_ROLE()];
        for (uint256 i; i < 3; ++i) {
            assertTrue(registry.hasRole(roles[i], admin));
            assertTrue(pool.hasRole(roles[i], admin));
            assertTrue(market.hasRole(roles[i], admin));
            assertFalse(registry.hasRole(roles[i], deployer));
            assertFalse(pool.hasRole(roles[i], deployer));
            assertFalse(market.hasRole(roles[i], deployer));
        }

        string memory json = vm.readFile(OUT);
        assertEq(vm.parseJsonString(json, ".schema"), "zk-vin/hub-deployment@1");
        assertEq(vm.parseJsonAddress(json, ".inferenceMarket"), address(market));
        assertEq(vm.parseJsonAddress(json, ".modelRegistry"), address(registry));
        assertEq(vm.parseJsonAddress(json, ".nodePool"), address(pool));
        assertEq(vm.parseJsonAddress(json, ".ezklVkaAdapter"), address(d.ezklVkaAdapter));
        assertEq(vm.parseJsonAddress(json, ".approvedCodeAdapter"), address(d.approvedCodeAdapter));
        assertEq(vm.parseJsonAddress(json, ".halo2VerifierReusable"), d.halo2VerifierReusable);
        assertEq(vm.parseJsonAddress(json, ".halo2VerifierReusableDeferred"), d.halo2VerifierReusableDeferred);
        assertEq(vm.parseJsonAddress(json, ".ezklAggregatingAdapter"), address(d.ezklAggregatingAdapter));
        assertEq(vm.parseJsonAddress(json, ".implementations.inferenceMarket"), d.hub.marketImplementation);
        assertEq(vm.parseJsonUint(json, ".chainId"), block.chainid);
        assertEq(vm.parseJsonUint(json, ".epochLengthBlocks"), 5);
        assertEq(vm.parseJsonBytes32(json, ".canonicalSrsDigest"), d.ezklVkaAdapter.CANONICAL_SRS_DIGEST());
        assertEq(vm.parseJsonAddress(json, ".admin"), admin);
        assertTrue(vm.parseJsonBool(json, ".vkaApprovalRequired"));
        assertTrue(vm.parseJsonBool(json, ".modelApprovalRequired"));
        vm.removeFile(OUT);
        // Forge runs a contract's tests in parallel in one process and both set the environment: one test.
        _reusesAGivenReusableVerifier();
    }

    /// Before the fix DeployHub bound the hub to the development SRS (whose secret is public) on any chain
    /// when HUB_SRS_JSON was unset.
    function test_refusesTheDevelopmentSrsOnAPublicChain() public {
        // (Forge runs tests in parallel in one process: this one sets no environment variable.)
        DeployHub script = new DeployHub();
        vm.chainId(11_155_111); // Sepolia
        vm.expectRevert(
            abi.encodeWithSelector(DeployHub.DevSrsOnPublicChain.selector, 11_155_111, "../prover/fixtures/srs.json")
        );
        script.run();
        vm.chainId(42_161); // Arbitrum One
        vm.expectRevert(
            abi.encodeWithSelector(DeployHub.DevSrsOnPublicChain.selector, 42_161, "../prover/fixtures/srs.json")
        );
        script.canonicalSrs();
        // Local chains (anvil's default, the devnet's and the demo's ids) keep it.
        uint256[4] memory local = [uint256(31_337), 31_338, 33_000, 33_002];
        for (uint256 i; i < local.length; ++i) {
            vm.chainId(local[i]);
            assertEq(script.canonicalSrs(), EzklFixtures.canonicalSrs());
        }
        assertFalse(script.isLocalChain(1));
        assertFalse(script.isLocalChain(31_346));
    }

    function test_takesANonDevelopmentSrsOnAPublicChain() public {
        string memory ceremony = "cache-deploy/srs-ceremony.test.json";
        // Same words, not marked as the development SRS (as a ceremony's file would be).
        string memory dev = vm.readFile("../prover/fixtures/srs.json");
        string memory json = vm.serializeBytes32("srs", "vkaWords", vm.parseJsonBytes32Array(dev, ".vkaWords"));
        json = vm.serializeString("srs", "kind", "powers-of-tau");
        vm.writeJson(json, ceremony);
        vm.chainId(11_155_111);
        assertEq(new DeployHub().canonicalSrsAt(ceremony), EzklFixtures.canonicalSrs());
        vm.removeFile(ceremony);
    }

    function _reusesAGivenReusableVerifier() internal {
        address existing = deployCode("Halo2VerifierReusable.sol:Halo2VerifierReusable");
        address existingDeferred = deployCode("Halo2VerifierReusableDeferred.sol:Halo2VerifierReusableDeferred");
        vm.setEnv("HUB_REUSABLE_VERIFIER", vm.toString(existing));
        vm.setEnv("HUB_DEFERRED_VERIFIER", vm.toString(existingDeferred));
        vm.setEnv("HUB_DEPLOYMENT_OUT", OUT);
        vm.setEnv("HUB_ADMIN", vm.toString(address(this)));
        vm.setEnv("HUB_VKA_APPROVAL_REQUIRED", "false");
        vm.setEnv("HUB_MODEL_APPROVAL_REQUIRED", "false");
        HubDeployment memory d = new DeployHub().run();
        vm.setEnv("HUB_VKA_APPROVAL_REQUIRED", "true");
        vm.setEnv("HUB_MODEL_APPROVAL_REQUIRED", "true");
        assertFalse(d.ezklVkaAdapter.approvalRequired(), "development networks may switch approval off");
        assertFalse(d.hub.registry.modelApprovalRequired());
        assertEq(d.halo2VerifierReusable, existing);
        assertEq(address(EzklVkaVerifierAdapter(address(d.ezklVkaAdapter)).VERIFIER()), existing);
        assertEq(d.halo2VerifierReusableDeferred, existingDeferred);
        assertEq(address(d.ezklAggregatingAdapter.DEFERRED()), existingDeferred);
        vm.setEnv("HUB_REUSABLE_VERIFIER", vm.toString(address(0)));
        vm.setEnv("HUB_DEFERRED_VERIFIER", vm.toString(address(0)));
        vm.removeFile(OUT);
    }
}
