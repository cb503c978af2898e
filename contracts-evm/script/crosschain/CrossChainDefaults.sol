// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {GatewayParams} from "../../src/gateway/IZkVinHubGateway.sol";
import {SpokeParams} from "../../src/spoke/IZkVinSpoke.sol";

/// @title CrossChainDefaults
/// @notice Starting parameters of the hub gateway and the spokes, used by the deploy scripts and checked
/// end to end against LayerZero's real EndpointV2 + ULN302 + DVN + Executor in
/// test/crosschain/LocalLayerZeroRoundTrip.t.sol (which logs the gas each leg used). The figures below
/// were measured there (forge, one transaction, so partly warm storage): gateway lzReceive accepting a
/// 4-input request 369k (of which the market 253k), refusing one and sending REJECTED 321k, onRemoteResult
/// 230k, spoke lzReceive of a RESULT 226k (of which the consumer's callback 71k), of a MODEL 67k. Gas
/// limits carry 40-100% margin over them; fee figures suit hub chains with gas prices up to 2 gwei and must
/// be raised for dearer ones (a reply that costs more than its budget waits for a top-up, never lost).
library CrossChainDefaults {
    function gatewayParams() internal pure returns (GatewayParams memory) {
        return GatewayParams({
            // onRemoteResult / onRemoteExpiry: quote + ULN302 send of the reply.
            sinkGasLimit: 450_000,
            // Kept back from the market call to send a REJECTED reply.
            rejectionReserveGas: 400_000,
            // A MODEL message on the spoke: its first sync of a model stores the bounds as code (a CREATE) ...
            modelSyncGasLimit: 180_000,
            // ... of 64 bytes per input feature.
            modelSyncGasPerInput: 20_000
        });
    }

    /// @notice A spoke's RECLAIM_DELAY: far beyond the hub's longest time to a result or an expiry notice
    /// (fulfilment window x (1 + reassignments) plus LayerZero's delivery), so that a requester reclaims only
    /// what the hub has lost. Governance changes on the spoke wait this plus one day.
    function reclaimDelay() internal pure returns (uint32) {
        return 1 days;
    }

    function spokeParams() internal pure returns (SpokeParams memory) {
        return SpokeParams({
            // Gateway + market, with the rejection reserve kept back from the market call.
            hubGasBase: 900_000,
            hubGasPerInput: 4_000,
            // Decoding, settlement, result storage and bookkeeping of a reply, the callback excluded.
            returnGasBase: 250_000,
            returnGasPerOutput: 25_000,
            maxCallbackGasLimit: 2_000_000,
            // The hub's LayerZero fee for a reply: about (executor base gas + reply gas) x hub gas price plus
            // the DVN's fee; priced here for 2 gwei on the hub.
            returnFeeBase: 0.0003 ether,
            returnFeePerGas: 2 gwei,
            priceRatio: 1e18
        });
    }
}
