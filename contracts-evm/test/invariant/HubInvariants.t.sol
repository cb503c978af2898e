// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {console} from "forge-std/console.sol";
import {
    DeliveryStatus,
    Fees,
    IInferenceMarket,
    Request,
    RequestStatus
} from "../../src/interfaces/IInferenceMarket.sol";
import {NodeInfo} from "../../src/interfaces/INodePool.sol";
import {InputBound} from "../../src/libraries/InputBounds.sol";
import {HubTestBase} from "../utils/HubTestBase.sol";
import {HubHandler} from "./HubHandler.sol";

/// @notice Invariants of the hub under random sequences of HubHandler actions.
contract HubInvariantTest is HubTestBase {
    HubHandler internal handler;
    address internal nodeD = makeAddr("nodeD");

    function setUp() public override {
        super.setUp();
        uint256[] memory models = new uint256[](3);
        // Each feature its own bound (the handler draws every input within them).
        InputBound[] memory three = new InputBound[](3);
        three[0] = InputBound({min: -1e6, max: 1e6});
        three[1] = InputBound({min: 0, max: 255});
        three[2] = InputBound({min: -5000, max: -4000});
        InputBound[] memory two = new InputBound[](2);
        two[0] = InputBound({min: 7, max: 7});
        two[1] = InputBound({min: -1e12, max: 1e3});
        models[0] = _registerModel(_layout(1, 3, 1), three);
        models[1] = _registerModel(_layout(4, 2, 2), two);
        models[2] = _registerModel(_hashedLayout(2, 3, 1), three); // commitment requests: bonds, held slashes
        address[] memory nodes = new address[](4);
        (nodes[0], nodes[1], nodes[2], nodes[3]) = (nodeA, nodeB, nodeC, nodeD);
        for (uint256 i; i < nodes.length; ++i) {
            // casting to 'uint64' is safe because i < 4
            // forge-lint: disable-next-line(unsafe-typecast)
            _registerNode(nodes[i], models, uint64(300 + 200 * i));
        }
        _nextEpoch();
        handler = new HubHandler(market, pool, registry, verifier, models, nodes);
        market.grantRole(market.REMOTE_GATEWAY_ROLE(), address(handler.gateway()));
        targetContract(address(handler));
    }

    function afterInvariant() external view {
        console.log("opened", handler.opened(), "fulfilled", handler.fulfilled());
        console.log("expired", handler.expiredCalls(), "refunded", handler.refunded());
        console.log("node withdrawals", handler.nodesWithdrawn(), "evictions", handler.evictions());
        console.log(
            "expected reverts: RequestNotPending", handler.expectedReverts(IInferenceMarket.RequestNotPending.selector)
        );
        console.log("  NotExpired", handler.expectedReverts(IInferenceMarket.NotExpired.selector));
        console.log("  DeadlinePassed", handler.expectedReverts(IInferenceMarket.DeadlinePassed.selector));
        console.log("  NoCapacity", handler.expectedReverts(IInferenceMarket.NoCapacity.selector));
    }

    /// @notice Every revert in the run was one the handler provoked on purpose, with its documented error: a
    /// valid request, fulfilment, expiry or withdrawal that reverts fails the run.
    function invariant_noUnexpectedRevert() public view {
        if (handler.unexpectedReverts() != 0) {
            console.log("unexpected revert in", handler.lastUnexpectedAction());
            console.logBytes(handler.lastUnexpectedReason());
        }
        assertEq(handler.unexpectedReverts(), 0, "unexpected reverts");
    }

    function _accounts() internal view returns (address[] memory all) {
        address[] memory reqs = handler.allRequesters();
        address[] memory nodes = handler.allNodes();
        all = new address[](reqs.length + nodes.length + 3);
        uint256 k;
        for (uint256 i; i < reqs.length; ++i) {
            all[k++] = reqs[i];
        }
        for (uint256 i; i < nodes.length; ++i) {
            all[k++] = nodes[i];
        }
        all[k++] = treasury;
        all[k++] = modelOwner;
        all[k++] = address(handler.gateway());
    }

    /// @notice The market holds exactly the escrow of pending local requests plus everyone's claimable balance.
    function invariant_marketBalanceIsEscrowPlusClaimables() public view {
        assertEq(address(market).balance, market.totalEscrowed() + market.totalClaimable());
        uint256 escrow;
        for (uint256 i; i < handler.requestCount(); ++i) {
            uint256 id = handler.requestIds(i);
            Request memory r = market.request(id);
            if (r.status == RequestStatus.Pending && !r.remote) {
                Fees memory f = market.requestFees(id);
                escrow += f.nodeFee + f.royalty + f.protocolFee + f.callbackFee + f.bond;
            }
        }
        assertEq(escrow, market.totalEscrowed());
        address[] memory accounts = _accounts();
        uint256 claimables;
        for (uint256 i; i < accounts.length; ++i) {
            claimables += market.claimable(accounts[i]);
        }
        assertEq(claimables, market.totalClaimable());
    }

    /// @notice The pool holds exactly the nodes' stakes plus the slash proceeds not yet claimed plus the slashes
    /// held for unsettled hashed-input requests (held only while such a request is pending).
    function invariant_poolBalanceIsStakesPlusClaimables() public view {
        assertEq(address(pool).balance, pool.totalStaked() + pool.totalClaimable() + pool.totalHeld());
        uint256 held;
        for (uint256 i; i < handler.requestCount(); ++i) {
            uint256 id = handler.requestIds(i);
            uint256 h = pool.held(id);
            if (h != 0) assertEq(uint8(market.request(id).status), uint8(RequestStatus.Pending), "held: pending");
            held += h;
        }
        assertEq(held, pool.totalHeld());
        address[] memory nodes = handler.allNodes();
        uint256 stakes;
        for (uint256 i; i < nodes.length; ++i) {
            stakes += pool.node(nodes[i]).stake;
        }
        assertEq(stakes, pool.totalStaked());
        address[] memory accounts = _accounts();
        uint256 claimables;
        for (uint256 i; i < accounts.length; ++i) {
            claimables += pool.claimable(accounts[i]);
        }
        assertEq(claimables, pool.totalClaimable());
    }

    /// @notice No request is fulfilled (and paid) twice. A request keeps its input digest, unless its
    /// result could not be delivered: then it holds the digest of the proven output, for retries.
    function invariant_requestFulfilledAtMostOnce() public view {
        for (uint256 i; i < handler.requestCount(); ++i) {
            uint256 id = handler.requestIds(i);
            uint256 times = handler.fulfilments(id);
            assertLe(times, 1);
            Request memory r = market.request(id);
            assertEq(r.status == RequestStatus.Fulfilled, times == 1);
            if (r.status == RequestStatus.Fulfilled && r.delivery == DeliveryStatus.Failed) {
                assertEq(r.payloadDigest, handler.expectedOutputDigest(id));
            } else {
                assertEq(r.payloadDigest, handler.inputDigest(id));
            }
        }
    }

    /// @notice No node is ever assigned more compute units in an epoch than it committed.
    function invariant_capacityNeverExceeded() public view {
        for (uint256 i; i < handler.touchedCount(); ++i) {
            address node = handler.touchedNodes(i);
            uint32 epoch = handler.touchedEpochs(i);
            assertLe(handler.ghostUnits(node, epoch), handler.ghostCapacity(node, epoch));
        }
        address[] memory nodes = handler.allNodes();
        for (uint256 i; i < nodes.length; ++i) {
            NodeInfo memory n = pool.node(nodes[i]);
            assertLe(n.used, n.capacity);
        }
    }

    /// @notice Slashing never takes more than a node staked: stake + slashed = everything deposited.
    function invariant_slashedNeverExceedsStaked() public view {
        address[] memory nodes = handler.allNodes();
        for (uint256 i; i < nodes.length; ++i) {
            NodeInfo memory n = pool.node(nodes[i]);
            uint256 deposited = handler.depositedSinceRegistration(nodes[i]);
            assertLe(n.slashed, deposited);
            assertEq(uint256(n.stake) + n.slashed, deposited);
        }
    }

    /// @notice Registration fees are all accounted for.
    function invariant_registryBalanceIsAccruedFees() public view {
        assertEq(address(registry).balance, registry.accruedFees());
    }
}
