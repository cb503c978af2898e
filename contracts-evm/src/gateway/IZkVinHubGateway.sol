// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {IRemoteResultSink} from "../interfaces/IRemoteResultSink.sol";
import {ModelInfo, RequestMessage} from "../messaging/ZkVinCodec.sol";

/// @notice Where the reply to one spoke request stands.
enum TicketStatus {
    None,
    Open, // enqueued in the market; the reply's budget waits here for the result or the expiry
    AwaitingFunds, // the reply cost more than its budget; anyone may top it up and send it
    Closed // the reply was sent
}

/// @notice The reply budget of one spoke request (keyed by `ticketKey(spokeEid, spoke, spokeRequestId)`).
struct Ticket {
    uint96 budget; // native value the request delivered for its reply (hub wei)
    uint32 spokeEid;
    uint32 returnGasLimit; // lzReceive gas the reply buys on the spoke
    TicketStatus status;
    uint64 spokeRequestId;
    bytes32 spoke; // the spoke that sent the request (its address, left-padded): the reply goes there
    bytes32 pendingMessageHash; // keccak256 of the reply waiting for funds (AwaitingFunds only)
}

/// @notice Bounded settings of the gateway.
struct GatewayParams {
    uint32 sinkGasLimit; // gas the market gives onRemoteResult / onRemoteExpiry (quote + send of the reply)
    uint32 rejectionReserveGas; // gas kept back from the market call to send a REJECTED reply if it refuses
    uint32 modelSyncGasLimit; // lzReceive gas a MODEL message buys on the spoke, fixed part
    uint32 modelSyncGasPerInput; // ... plus this much per input feature (the spoke stores each feature's bound)
}

/// @title IZkVinHubGateway
/// @notice The hub's LayerZero V2 OApp: takes REQUESTs from configured spoke peers into the market (as
/// its REMOTE_GATEWAY_ROLE), answers refusals at once with REJECTED, and sends RESULT / EXPIRED when the
/// market reports them (IRemoteResultSink), paid from the native value each request delivered. No reply
/// is ever dropped: an underfunded one waits for anyone to top it up. Leftover budgets go to the treasury.
interface IZkVinHubGateway is IRemoteResultSink {
    /// @notice The market enqueued spoke request `spokeRequestId` of the spoke at `spoke` on `spokeEid` as
    /// `hubRequestId`.
    event RemoteRequestAccepted(
        uint256 indexed hubRequestId,
        uint32 indexed spokeEid,
        uint256 indexed spokeRequestId,
        bytes32 spoke,
        bytes32 guid,
        uint256 returnBudget
    );
    /// @notice The market (or the price check) refused the request; a REJECTED reply goes back.
    event RemoteRequestRejected(
        uint32 indexed spokeEid, uint256 indexed spokeRequestId, bytes32 spoke, bytes32 guid, bytes reason
    );
    /// @notice A REQUEST for a spoke request that already has a ticket arrived again; it was dropped and its
    /// value kept as surplus.
    event DuplicateRequestIgnored(
        uint32 indexed spokeEid, uint256 indexed spokeRequestId, bytes32 spoke, bytes32 guid, uint256 value
    );
    /// @notice The reply of `ticket` left in LayerZero message `guid`; `leftover` of its budget became surplus.
    event ReturnMessageSent(
        bytes32 indexed ticket, uint32 indexed spokeEid, uint8 messageType, bytes32 guid, uint256 fee, uint256 leftover
    );
    /// @notice The reply `message` costs `fee` but its budget is `budget`: it waits for
    /// `resendReturnMessage(ticket, message)` with the difference.
    event ReturnMessageUnderfunded(
        bytes32 indexed ticket, uint32 indexed spokeEid, bytes message, uint256 fee, uint256 budget
    );
    event ReturnBudgetToppedUp(bytes32 indexed ticket, address indexed from, uint256 amount);
    event SurplusSwept(address indexed treasury, uint256 amount);
    /// @notice The terms of `modelId` were sent to `spokeEid` in LayerZero message `guid`.
    event ModelSyncSent(uint32 indexed spokeEid, uint256 indexed modelId, bytes32 guid, ModelInfo info);
    event ParamsUpdated(GatewayParams params);
    event TreasuryUpdated(address indexed treasury);

    error OnlyMarket(address caller);
    error OnlySelf(address caller);
    error UnexpectedMessage(uint8 messageType);
    error StalePrice(uint256 modelId, uint256 spokePrice, uint256 hubPrice);
    /// @notice The market call ran out of gas: the REQUEST's execution reverts so it can be retried with more.
    error OpeningOutOfGas(uint256 gasLeft);
    error InsufficientGasForOpening(uint256 gasLeft, uint256 reserve);
    error UnknownHubRequest(uint256 hubRequestId);
    error TicketNotOpen(bytes32 ticket, TicketStatus status);
    error NotAwaitingFunds(bytes32 ticket, TicketStatus status);
    error MessageMismatch(bytes32 ticket);
    error InsufficientBudget(bytes32 ticket, uint256 fee, uint256 budget);
    error InsufficientFee(uint256 required, uint256 paid);
    error NothingToSweep();
    error TransferFailed(address to, uint256 amount);
    error ZeroAddress();
    error ParameterOutOfBounds(string name, uint256 value);
    /// @notice A peer that is not a 20-byte address cannot be named in a market request id.
    error NotAnEvmSpoke(bytes32 spoke);

    /// @notice Called by the gateway itself inside `_lzReceive` (a self-call, so that any refusal can be
    /// caught and answered): checks the spoke's price against the market's and enqueues the request, with
    /// `originRequestId(spoke, m.spokeRequestId)` as the market's origin request id.
    function openRequest(uint32 spokeEid, bytes32 spoke, RequestMessage calldata m)
        external
        returns (uint256 hubRequestId);

    /// @notice Sends a reply that waited for funds, adding msg.value to its budget. Anyone may call it.
    /// @param message The reply as ReturnMessageUnderfunded logged it.
    function resendReturnMessage(bytes32 ticket, bytes calldata message) external payable;

    /// @notice Sends the current terms of `modelId` (price, input layout, deprecation) to the spoke on
    /// `spokeEid`, paying the LayerZero fee with msg.value (the excess is refunded). Anyone may call it.
    function syncModel(uint32 spokeEid, uint256 modelId) external payable returns (bytes32 guid);

    /// @notice Sends the accumulated surplus (leftover reply budgets, duplicate values) to the treasury.
    function sweepSurplus() external;

    /// @notice The LayerZero fee of `syncModel(spokeEid, modelId)`.
    function quoteSyncModel(uint32 spokeEid, uint256 modelId) external view returns (uint256 fee);
    /// @notice What sending the waiting reply costs now, and the budget it has.
    function quoteReturnMessage(bytes32 ticket, bytes calldata message)
        external
        view
        returns (uint256 fee, uint256 budget);
    /// @notice What a RESULT with `outputCount` values costs now to `spokeEid` with `returnGasLimit` gas: the
    /// figure a spoke's reply budget (returnFeeBase + returnFeePerGas x gas) must cover.
    function quoteReply(uint32 spokeEid, uint32 returnGasLimit, uint256 outputCount) external view returns (uint256 fee);
    /// @notice The ticket of spoke request `spokeRequestId` of the spoke at `spoke` (address, left-padded) on
    /// `spokeEid`: a redeployed spoke's ids never meet the old one's.
    function ticketKey(uint32 spokeEid, bytes32 spoke, uint256 spokeRequestId) external pure returns (bytes32);
    /// @notice The market's origin request id of a spoke request: the spoke's address in bits 64..223 and its
    /// request id in bits 0..63, so that the market's duplicate check is per spoke deployment too.
    function originRequestId(bytes32 spoke, uint256 spokeRequestId) external pure returns (bytes32);
    function ticket(bytes32 key) external view returns (Ticket memory);
    /// @notice The ticket of the spoke request the market knows as `hubRequestId` (zero if none).
    function ticketOfHubRequest(uint256 hubRequestId) external view returns (bytes32);
    function params() external view returns (GatewayParams memory);
    function treasury() external view returns (address);
    function surplus() external view returns (uint256);
    function totalBudgets() external view returns (uint256);
    function syncNonce() external view returns (uint64);
}
