// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Origin} from "@layerzerolabs/lz-evm-protocol-v2/contracts/interfaces/ILayerZeroEndpointV2.sol";

// Minimal ABIs of the LayerZero V2 contracts that the local network deploys from the Hardhat artifacts
// of @layerzerolabs/lz-evm-protocol-v2 and @layerzerolabs/lz-evm-messagelib-v2. The messagelib sources
// need OpenZeppelin 4 and cannot be compiled beside this project's OpenZeppelin 5, so the structs and
// functions used here are restated; their layouts must match the audited builds exactly (the tests in
// test/layerzero/ call the deployed bytecode through them).

/// @dev messagelib `UlnBase.UlnConfig`.
struct UlnConfig {
    uint64 confirmations;
    uint8 requiredDVNCount;
    uint8 optionalDVNCount;
    uint8 optionalDVNThreshold;
    address[] requiredDVNs;
    address[] optionalDVNs;
}

/// @dev messagelib `UlnBase.SetDefaultUlnConfigParam`.
struct SetDefaultUlnConfigParam {
    uint32 eid;
    UlnConfig config;
}

/// @dev messagelib `SendLibBase.ExecutorConfig`.
struct ExecutorConfig {
    uint32 maxMessageSize;
    address executor;
}

/// @dev messagelib `SendLibBase.SetDefaultExecutorConfigParam`.
struct SetDefaultExecutorConfigParam {
    uint32 eid;
    ExecutorConfig config;
}

/// @dev messagelib `IExecutor.DstConfigParam`.
struct ExecutorDstConfigParam {
    uint32 dstEid;
    uint64 lzReceiveBaseGas;
    uint64 lzComposeBaseGas;
    uint16 multiplierBps;
    uint128 floorMarginUSD;
    uint128 nativeCap;
}

/// @dev messagelib `IDVN.DstConfigParam`.
struct DVNDstConfigParam {
    uint32 dstEid;
    uint64 gas;
    uint16 multiplierBps;
    uint128 floorMarginUSD;
}

/// @dev messagelib `ILayerZeroPriceFeed.Price`.
struct Price {
    uint128 priceRatio;
    uint64 gasPriceInUnit;
    uint32 gasPerByte;
}

/// @dev messagelib `ILayerZeroPriceFeed.UpdatePrice`.
struct UpdatePrice {
    uint32 eid;
    Price price;
}

/// @dev messagelib `DVN.ExecuteParam`: one instruction signed by the DVN's signer quorum.
struct DVNExecuteParam {
    uint32 vid;
    address target;
    bytes callData;
    uint256 expiration;
    bytes signatures;
}

/// @dev messagelib `IExecutor.ExecutionParams`.
struct ExecutionParams {
    address receiver;
    Origin origin;
    bytes32 guid;
    bytes message;
    bytes extraData;
    uint256 gasLimit;
}

interface IEndpointV2Admin {
    function registerLibrary(address lib) external;
    function setDefaultSendLibrary(uint32 eid, address lib) external;
    function setDefaultReceiveLibrary(uint32 eid, address lib, uint256 gracePeriod) external;
    function defaultSendLibrary(uint32 eid) external view returns (address);
    function defaultReceiveLibrary(uint32 eid) external view returns (address);
}

interface IUlnAdmin {
    function setDefaultUlnConfigs(SetDefaultUlnConfigParam[] calldata params) external;
    function getUlnConfig(address oapp, uint32 remoteEid) external view returns (UlnConfig memory);
    function isSupportedEid(uint32 eid) external view returns (bool);
}

interface ISendUlnAdmin is IUlnAdmin {
    function setDefaultExecutorConfigs(SetDefaultExecutorConfigParam[] calldata params) external;
    function getExecutorConfig(address oapp, uint32 remoteEid) external view returns (ExecutorConfig memory);
}

interface IReceiveUln302 is IUlnAdmin {
    function verify(bytes calldata packetHeader, bytes32 payloadHash, uint64 confirmations) external;
    function commitVerification(bytes calldata packetHeader, bytes32 payloadHash) external;
    function hashLookup(bytes32 headerHash, bytes32 payloadHash, address dvn)
        external
        view
        returns (bool submitted, uint64 confirmations);
}

interface IExecutorAdmin {
    function initialize(
        address endpoint,
        address receiveUln301,
        address[] memory messageLibs,
        address priceFeed,
        address roleAdmin,
        address[] memory admins
    ) external;
    function setWorkerFeeLib(address lib) external;
    function setDstConfig(ExecutorDstConfigParam[] memory params) external;
}

interface IExecutor302 {
    function execute302(ExecutionParams calldata params) external payable;
}

interface IDVNAdmin {
    function setWorkerFeeLib(address lib) external;
    function setDstConfig(DVNDstConfigParam[] calldata params) external;
}

interface IDVN {
    function vid() external view returns (uint32);
    function execute(DVNExecuteParam[] calldata params) external;
    function hashCallData(uint32 vid, address target, bytes calldata callData, uint256 expiration)
        external
        pure
        returns (bytes32);
}

interface IPriceFeedAdmin {
    function initialize(address priceUpdater) external;
    function setPrice(UpdatePrice[] calldata prices) external;
    function setNativeTokenPriceUSD(uint128 price) external;
}
