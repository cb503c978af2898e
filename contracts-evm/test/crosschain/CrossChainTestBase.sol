// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Vm} from "forge-std/Vm.sol";
import {TestHelperOz5} from "@layerzerolabs/test-devtools-evm-foundry/contracts/TestHelperOz5.sol";
import {ZkVinHubGateway} from "../../src/gateway/ZkVinHubGateway.sol";
import {GatewayParams} from "../../src/gateway/IZkVinHubGateway.sol";
import {IInferenceMarket, RequestStatus} from "../../src/interfaces/IInferenceMarket.sol";
import {IModelRegistry} from "../../src/interfaces/IModelRegistry.sol";
import {ZkVinSpoke} from "../../src/spoke/ZkVinSpoke.sol";
import {FeeQuote, SpokeParams} from "../../src/spoke/IZkVinSpoke.sol";
import {HubTestBase} from "../utils/HubTestBase.sol";

/// @notice The real hub (HubDeployer, mock proof verifier unless a test registers EZKL's), a hub gateway
/// and one spoke, wired over TestHelperOz5's LayerZero endpoints: EID 1 is the hub chain, EID 2 the spoke
/// chain. Packets are carried with `verifyPackets`, which executes them with exactly the gas and native
/// value their executor options ask for.
abstract contract CrossChainTestBase is TestHelperOz5, HubTestBase {
    uint32 internal constant HUB_EID = 1;
    uint32 internal constant SPOKE_EID = 2;

    // TestHelperOz5's send library stores every packet in the test contract (~350k gas for a RESULT), so
    // sends cost more here than on the real ULN302 (see LocalLayerZeroRoundTrip.t.sol for real figures).
    uint32 internal constant SINK_GAS = 1_000_000;
    uint32 internal constant REJECTION_RESERVE_GAS = 900_000;
    uint32 internal constant MODEL_SYNC_GAS = 200_000;
    uint32 internal constant MODEL_SYNC_GAS_PER_INPUT = 20_000;
    uint32 internal constant CALLBACK_GAS = 200_000;
    uint32 internal constant RECLAIM_DELAY = 1 days;

    ZkVinHubGateway internal gateway;
    ZkVinSpoke internal spoke;
    address internal spokeTreasury = makeAddr("spokeTreasury");

    function setUp() public virtual override(TestHelperOz5, HubTestBase) {
        TestHelperOz5.setUp();
        setExecutorValueCap(10 ether);
        setUpEndpoints(2, LibraryType.UltraLightNode);
        HubTestBase.setUp();
        vm.deal(address(this), 1_000 ether);

        gateway = new ZkVinHubGateway(
            endpoints[HUB_EID],
            address(this),
            IInferenceMarket(address(market)),
            IModelRegistry(address(registry)),
            treasury,
            _gatewayParams()
        );
        market.grantRole(market.REMOTE_GATEWAY_ROLE(), address(gateway));
        spoke =
            new ZkVinSpoke(endpoints[SPOKE_EID], address(this), HUB_EID, spokeTreasury, _spokeParams(), RECLAIM_DELAY);
        gateway.setPeer(SPOKE_EID, addressToBytes32(address(spoke)));
        spoke.setPeer(HUB_EID, addressToBytes32(address(gateway)));
    }

    function _gatewayParams() internal pure returns (GatewayParams memory) {
        return GatewayParams({
            sinkGasLimit: SINK_GAS,
            rejectionReserveGas: REJECTION_RESERVE_GAS,
            modelSyncGasLimit: MODEL_SYNC_GAS,
            modelSyncGasPerInput: MODEL_SYNC_GAS_PER_INPUT
        });
    }

    function _spokeParams() internal pure returns (SpokeParams memory) {
        return SpokeParams({
            hubGasBase: 1_600_000,
            hubGasPerInput: 5_000,
            returnGasBase: 250_000,
            returnGasPerOutput: 30_000,
            maxCallbackGasLimit: 2_000_000,
            returnFeeBase: 0.001 ether,
            returnFeePerGas: 0,
            priceRatio: 1e18
        });
    }

    // ---------------------------------------------------------------- carrying packets

    /// @dev Executes every packet waiting for the gateway (REQUESTs).
    function _deliverToHub() internal {
        verifyPackets(HUB_EID, addressToBytes32(address(gateway)));
    }

    /// @dev Executes every packet waiting for the spoke (replies, model syncs).
    function _deliverToSpoke() internal {
        verifyPackets(SPOKE_EID, addressToBytes32(address(spoke)));
    }

    /// @dev Sends the hub's terms of `modelId` to the spoke and delivers them.
    function _syncModel(uint256 modelId) internal {
        uint256 fee = gateway.quoteSyncModel(SPOKE_EID, modelId);
        gateway.syncModel{value: fee}(SPOKE_EID, modelId);
        _deliverToSpoke();
    }

    // ---------------------------------------------------------------- requests

    /// @dev `who` requests on the spoke, paying exactly the quote.
    function _spokeRequest(address who, uint256 modelId, int256[] memory input, uint32 gas)
        internal
        returns (uint256 id, FeeQuote memory q)
    {
        q = spoke.quoteDetailed(modelId, input, gas);
        vm.deal(who, who.balance + q.total);
        vm.prank(who);
        id = spoke.requestInference{value: q.total}(modelId, input, gas);
    }

    /// @dev The market's id of spoke request `spokeRequestId`.
    function _hubId(uint256 spokeRequestId, address requester) internal view returns (uint256) {
        return _hubIdOf(spoke, spokeRequestId, requester);
    }

    /// @dev The market's id of request `spokeRequestId` of the spoke at `s`.
    function _hubIdOf(ZkVinSpoke s, uint256 spokeRequestId, address requester) internal view returns (uint256) {
        return market.remoteRequestId(
            SPOKE_EID,
            bytes32(uint256(uint160(requester))),
            gateway.originRequestId(addressToBytes32(address(s)), spokeRequestId)
        );
    }

    /// @dev The gateway's ticket of spoke request `spokeRequestId`.
    function _ticketKey(uint256 spokeRequestId) internal view returns (bytes32) {
        return gateway.ticketKey(SPOKE_EID, addressToBytes32(address(spoke)), spokeRequestId);
    }

    /// @dev Expires hub request `hubId` for good (every node it is assigned to misses its deadline).
    function _expireForGood(uint256 hubId) internal {
        while (market.request(hubId).status == RequestStatus.Pending) {
            vm.roll(market.effectiveDeadline(hubId) + 1);
            market.expire(hubId);
        }
    }

    /// @dev Balances of the spoke's and the gateway's books.
    function _assertBooks() internal view {
        assertEq(address(spoke).balance, spoke.totalEscrowed() + spoke.totalClaimable(), "spoke books");
        assertEq(address(gateway).balance, gateway.totalBudgets() + gateway.surplus(), "gateway books");
    }

    function _logs(Vm.Log[] memory logs, address emitter, bytes32 topic) internal pure returns (uint256 n) {
        for (uint256 i; i < logs.length; ++i) {
            if (logs[i].emitter == emitter && logs[i].topics[0] == topic) ++n;
        }
    }
}
