// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Vm} from "forge-std/Vm.sol";
import {
    DVNDstConfigParam,
    ExecutorConfig,
    ExecutorDstConfigParam,
    IDVNAdmin,
    IEndpointV2Admin,
    IExecutorAdmin,
    IPriceFeedAdmin,
    ISendUlnAdmin,
    IUlnAdmin,
    Price,
    SetDefaultExecutorConfigParam,
    SetDefaultUlnConfigParam,
    UlnConfig,
    UpdatePrice
} from "./LayerZeroInterfaces.sol";

/// @notice Addresses of one chain's LayerZero V2 stack (production message path: ULN302 + DVN + Executor).
struct LayerZeroStack {
    uint32 eid;
    address endpoint;
    address sendUln302;
    address receiveUln302;
    address priceFeed;
    address executor;
    address executorFeeLib;
    address dvn;
    address dvnFeeLib;
}

/// @notice Pathway parameters set by `LocalLayerZero.connect`.
/// @param confirmations source-chain blocks built on top of a packet's block before the DVN may attest it
///        (the receive side requires them; the send side tells DVNs to wait for them)
/// @param maxMessageSize largest message the executor accepts on this pathway, in bytes
/// @param nativeCap most native value the executor delivers per message (ABA return fees ride on it)
struct PathwayConfig {
    uint64 confirmations;
    uint32 maxMessageSize;
    uint128 nativeCap;
}

/// @title LocalLayerZero
/// @notice Deploys LayerZero V2's audited contracts from the Hardhat artifacts shipped in the npm packages
/// (no recompiling of the protocol) and wires pathways between local chains. The DVN and the executor are
/// the real messagelib workers; their single signer and admin is the local relayer (`operator`), which
/// carries packets by calling them exactly as LayerZero's off-chain workers do on public networks.
/// @dev Reading the artifacts needs an fs_permissions read entry for ./node_modules/@layerzerolabs.
library LocalLayerZero {
    /// @notice A local EID below 30000 makes the executor fee library treat the pathway as LayerZero V1,
    /// which rejects native value in executor options (the ABA pattern needs it).
    error EidBelowV2Range(uint32 eid);
    /// @notice An artifact's creation code deployed to no contract (constructor reverted or out of gas).
    error ArtifactDeploymentFailed(string artifact);

    uint32 internal constant V2_EID_FLOOR = 30_000;

    string private constant PROTOCOL = "node_modules/@layerzerolabs/lz-evm-protocol-v2/artifacts/contracts/";
    string private constant MSGLIB = "node_modules/@layerzerolabs/lz-evm-messagelib-v2/artifacts/contracts/";
    Vm private constant VM = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));

    /// Local chains all use the same native token, so fees are quoted at parity. Fee figures only have to
    /// be realistic enough for quotes to be non-zero; nobody is paid on a local network.
    uint128 private constant PRICE_RATIO_PARITY = 1e20; // PriceFeed.PRICE_RATIO_DENOMINATOR
    uint64 private constant GAS_PRICE = 1 gwei;
    uint32 private constant GAS_PER_BYTE = 16;
    uint128 private constant NATIVE_PRICE_USD = 3000e20;
    uint64 private constant EXECUTOR_BASE_GAS = 50_000;
    uint64 private constant DVN_VERIFY_GAS = 100_000;
    uint16 private constant MULTIPLIER_BPS = 10_000;
    uint256 private constant NATIVE_DECIMALS_RATE = 1e18;

    /// @notice Pathway settings for local development: no source confirmations (local chains only reorg
    /// when a test makes them), 10 kB messages, up to 10 ether of native value per message.
    function defaultPathway() internal pure returns (PathwayConfig memory) {
        return PathwayConfig({confirmations: 0, maxMessageSize: 10_000, nativeCap: 10 ether});
    }

    /// @notice Deploys EndpointV2, SendUln302, ReceiveUln302, PriceFeed, Executor (+ fee lib) and one DVN
    /// (+ fee lib) on the current chain and registers both libraries with the endpoint.
    /// @param eid the chain's LayerZero endpoint id (>= 30000)
    /// @param owner the account making the calls (the broadcaster in a script); owns every contract
    /// @param operator the local relayer: the DVN's only signer (quorum 1) and an admin of DVN and executor
    function deploy(uint32 eid, address owner, address operator) internal returns (LayerZeroStack memory s) {
        if (eid < V2_EID_FLOOR) revert EidBelowV2Range(eid);
        s.eid = eid;
        s.endpoint = _deploy(string.concat(PROTOCOL, "EndpointV2.sol/EndpointV2.json"), abi.encode(eid, owner));
        s.sendUln302 = _deploy(
            string.concat(MSGLIB, "uln/uln302/SendUln302.sol/SendUln302.json"),
            abi.encode(s.endpoint, uint256(0), uint256(0))
        );
        s.receiveUln302 =
            _deploy(string.concat(MSGLIB, "uln/uln302/ReceiveUln302.sol/ReceiveUln302.json"), abi.encode(s.endpoint));
        IEndpointV2Admin(s.endpoint).registerLibrary(s.sendUln302);
        IEndpointV2Admin(s.endpoint).registerLibrary(s.receiveUln302);

        s.priceFeed = _deploy(string.concat(MSGLIB, "PriceFeed.sol/PriceFeed.json"), "");
        IPriceFeedAdmin(s.priceFeed).initialize(owner);
        IPriceFeedAdmin(s.priceFeed).setNativeTokenPriceUSD(NATIVE_PRICE_USD);

        address[] memory messageLibs = new address[](1);
        messageLibs[0] = s.sendUln302;
        address[] memory admins = new address[](2);
        admins[0] = owner;
        admins[1] = operator;

        s.executor = _deploy(string.concat(MSGLIB, "Executor.sol/Executor.json"), "");
        IExecutorAdmin(s.executor).initialize(s.endpoint, address(0), messageLibs, s.priceFeed, owner, admins);
        s.executorFeeLib = _deploy(
            string.concat(MSGLIB, "ExecutorFeeLib.sol/ExecutorFeeLib.json"), abi.encode(eid, NATIVE_DECIMALS_RATE)
        );
        IExecutorAdmin(s.executor).setWorkerFeeLib(s.executorFeeLib);

        address[] memory signers = new address[](1);
        signers[0] = operator;
        // The DVN's verifier id (vid) is the chain's EID: signatures name it, so one key cannot be replayed
        // against another chain's DVN.
        s.dvn = _deploy(
            string.concat(MSGLIB, "uln/dvn/DVN.sol/DVN.json"),
            abi.encode(eid, eid, messageLibs, s.priceFeed, signers, uint64(1), admins)
        );
        s.dvnFeeLib = _deploy(
            string.concat(MSGLIB, "uln/dvn/DVNFeeLib.sol/DVNFeeLib.json"), abi.encode(eid, NATIVE_DECIMALS_RATE)
        );
        IDVNAdmin(s.dvn).setWorkerFeeLib(s.dvnFeeLib);
    }

    /// @notice Opens the pathway between `s`'s chain and `remoteEid` in both directions as seen from this
    /// chain: sending to it (send ULN + executor + DVN pricing) and receiving from it (receive ULN). The
    /// remote chain needs the same call with this chain's EID. Must be called by the stack's owner.
    function connect(LayerZeroStack memory s, uint32 remoteEid, PathwayConfig memory p) internal {
        if (remoteEid < V2_EID_FLOOR) revert EidBelowV2Range(remoteEid);
        address[] memory dvns = new address[](1);
        dvns[0] = s.dvn;
        SetDefaultUlnConfigParam[] memory uln = new SetDefaultUlnConfigParam[](1);
        uln[0] = SetDefaultUlnConfigParam(remoteEid, UlnConfig(p.confirmations, 1, 0, 0, dvns, new address[](0)));
        ISendUlnAdmin(s.sendUln302).setDefaultUlnConfigs(uln);
        IUlnAdmin(s.receiveUln302).setDefaultUlnConfigs(uln);

        SetDefaultExecutorConfigParam[] memory executorConfig = new SetDefaultExecutorConfigParam[](1);
        executorConfig[0] = SetDefaultExecutorConfigParam(remoteEid, ExecutorConfig(p.maxMessageSize, s.executor));
        ISendUlnAdmin(s.sendUln302).setDefaultExecutorConfigs(executorConfig);

        // The libraries only accept an EID once its ULN configs exist, so the endpoint defaults come last.
        IEndpointV2Admin(s.endpoint).setDefaultSendLibrary(remoteEid, s.sendUln302);
        IEndpointV2Admin(s.endpoint).setDefaultReceiveLibrary(remoteEid, s.receiveUln302, 0);

        UpdatePrice[] memory prices = new UpdatePrice[](1);
        // PriceFeed keys prices by `eid % 30000` (one price per chain across LayerZero versions).
        prices[0] = UpdatePrice(remoteEid % V2_EID_FLOOR, Price(PRICE_RATIO_PARITY, GAS_PRICE, GAS_PER_BYTE));
        IPriceFeedAdmin(s.priceFeed).setPrice(prices);

        ExecutorDstConfigParam[] memory executorDst = new ExecutorDstConfigParam[](1);
        executorDst[0] =
            ExecutorDstConfigParam(remoteEid, EXECUTOR_BASE_GAS, EXECUTOR_BASE_GAS, MULTIPLIER_BPS, 0, p.nativeCap);
        IExecutorAdmin(s.executor).setDstConfig(executorDst);
        DVNDstConfigParam[] memory dvnDst = new DVNDstConfigParam[](1);
        dvnDst[0] = DVNDstConfigParam(remoteEid, DVN_VERIFY_GAS, MULTIPLIER_BPS, 0);
        IDVNAdmin(s.dvn).setDstConfig(dvnDst);
    }

    function _deploy(string memory artifact, bytes memory args) private returns (address deployed) {
        bytes memory initCode = abi.encodePacked(VM.getCode(artifact), args);
        assembly ("memory-safe") {
            deployed := create(0, add(initCode, 0x20), mload(initCode))
        }
        if (deployed == address(0)) revert ArtifactDeploymentFailed(artifact);
    }
}
