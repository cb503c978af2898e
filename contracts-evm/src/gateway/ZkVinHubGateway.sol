// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {MessagingFee, MessagingReceipt, OApp, Origin} from "@layerzerolabs/oapp-evm/contracts/oapp/OApp.sol";
import {MessagingParams} from "@layerzerolabs/lz-evm-protocol-v2/contracts/interfaces/ILayerZeroEndpointV2.sol";
import {OptionsBuilder} from "@layerzerolabs/oapp-evm/contracts/oapp/libs/OptionsBuilder.sol";
import {IInferenceMarket, RemoteRequest} from "../interfaces/IInferenceMarket.sol";
import {IModelRegistry, ModelTerms} from "../interfaces/IModelRegistry.sol";
import {Settlement} from "../interfaces/IRemoteResultSink.sol";
import {InputBound} from "../libraries/InputBounds.sol";
import {
    ExpiryMessage,
    ModelInfo,
    ModelMessage,
    RejectionMessage,
    RequestMessage,
    ResultMessage,
    ZkVinCodec
} from "../messaging/ZkVinCodec.sol";
import {GatewayParams, IZkVinHubGateway, Ticket, TicketStatus} from "./IZkVinHubGateway.sol";

/// @title ZkVinHubGateway
/// @notice The hub side of zk-VIN's EVM spokes: a LayerZero V2 OApp holding the market's
/// REMOTE_GATEWAY_ROLE. A REQUEST from a configured spoke peer is enqueued with
/// `requestInferenceFromRemote`; if the market refuses it (deprecated model, no capacity, bad input, a
/// price older than the market's, ...) a REJECTED reply goes back at once so the spoke refunds: a request is
/// never dropped. The native value each REQUEST delivers (its ticket's budget) pays for its reply: RESULT
/// when the market reports a verified output, EXPIRED when it gives up. A reply that costs more than its
/// budget waits, logged, until anyone tops it up. What is left of a budget after its reply is surplus,
/// swept to the treasury.
/// Tickets are keyed by (spoke EID, spoke address, spoke request id), and each reply goes to the spoke
/// address that sent the request, not to whatever peer the EID has now: a spoke redeployed on the same EID
/// restarts its ids without colliding with the old one, and the old spoke still gets the replies to what
/// it asked. Replies also name that spoke (ZkVinCodec version 3), which the spoke checks.
/// @dev Money invariant: address(this).balance == totalBudgets + surplus. The gateway is not upgradeable:
/// a replacement gets the role and the peers, and the old one keeps serving the tickets it holds (the
/// market calls back the gateway that brought each request; the spokes accept a retired gateway's replies
/// to the requests it carried).
contract ZkVinHubGateway is IZkVinHubGateway, OApp, Ownable2Step, ReentrancyGuardTransient {
    using OptionsBuilder for bytes;

    uint32 public constant MIN_GAS = 50_000;
    uint32 public constant MAX_GAS = 5_000_000;
    /// @notice Upper bound of `modelSyncGasPerInput`.
    uint32 public constant MAX_GAS_PER_INPUT = 100_000;

    /// @notice The market requests are enqueued in.
    IInferenceMarket public immutable MARKET;
    /// @notice The market's model registry (model terms for MODEL messages).
    IModelRegistry public immutable REGISTRY;

    GatewayParams private _params;
    address private _treasury;
    uint64 private _syncNonce;
    uint256 private _surplus;
    uint256 private _totalBudgets;
    mapping(bytes32 key => Ticket) private _tickets;
    mapping(uint256 hubRequestId => bytes32 key) private _ticketOfHubRequest;

    /// @param endpoint The hub chain's LayerZero EndpointV2.
    /// @param owner Owns the gateway (peers, parameters) and is the endpoint delegate.
    /// @param market The hub market; it must grant this contract REMOTE_GATEWAY_ROLE.
    /// @param registry The market's model registry.
    /// @param treasury_ Receives surplus.
    /// @param params_ Initial bounded parameters.
    constructor(
        address endpoint,
        address owner,
        IInferenceMarket market,
        IModelRegistry registry,
        address treasury_,
        GatewayParams memory params_
    ) OApp(endpoint, owner) Ownable(owner) {
        if (address(market) == address(0) || address(registry) == address(0)) revert ZeroAddress();
        MARKET = market;
        REGISTRY = registry;
        _setTreasury(treasury_);
        _setParams(params_);
    }

    // ---------------------------------------------------------------- requests from spokes

    function _lzReceive(Origin calldata origin, bytes32 guid, bytes calldata message, address, bytes calldata)
        internal
        override
        nonReentrant
    {
        uint8 t = ZkVinCodec.messageType(message);
        if (t != ZkVinCodec.REQUEST) revert UnexpectedMessage(t);
        RequestMessage memory m = ZkVinCodec.decodeRequest(message);
        uint32 spokeEid = origin.srcEid;
        bytes32 key = ticketKey(spokeEid, origin.sender, m.spokeRequestId);
        Ticket storage tk = _tickets[key];
        if (tk.status != TicketStatus.None) {
            _surplus += msg.value;
            emit DuplicateRequestIgnored(spokeEid, m.spokeRequestId, origin.sender, guid, msg.value);
            return;
        }
        tk.budget = SafeCast.toUint96(msg.value);
        tk.spokeEid = spokeEid;
        tk.spoke = origin.sender;
        tk.returnGasLimit = m.returnGasLimit;
        tk.status = TicketStatus.Open;
        tk.spokeRequestId = SafeCast.toUint64(m.spokeRequestId);
        _totalBudgets += msg.value;
        _enqueue(key, tk, guid, m);
    }

    /// @dev Hands the request to the market; a refusal is answered with REJECTED at once.
    function _enqueue(bytes32 key, Ticket storage tk, bytes32 guid, RequestMessage memory m) private {
        uint256 reserve = _params.rejectionReserveGas;
        uint256 left = gasleft();
        if (left <= reserve) revert InsufficientGasForOpening(left, reserve);
        try this.openRequest{gas: left - reserve}(tk.spokeEid, tk.spoke, m) returns (uint256 hubRequestId) {
            _ticketOfHubRequest[hubRequestId] = key;
            emit RemoteRequestAccepted(hubRequestId, tk.spokeEid, m.spokeRequestId, tk.spoke, guid, tk.budget);
        } catch (bytes memory reason) {
            // Every refusal of the market and of openRequest carries a custom error; empty revert data means
            // the call ran out of gas, which the executor controls: revert so the packet can be retried.
            if (reason.length == 0) revert OpeningOutOfGas(gasleft());
            emit RemoteRequestRejected(tk.spokeEid, m.spokeRequestId, tk.spoke, guid, reason);
            RejectionMessage memory j =
                RejectionMessage({spoke: tk.spoke, spokeRequestId: m.spokeRequestId, reason: reason});
            _sendReply(key, tk, ZkVinCodec.encodeRejection(j), false);
        }
    }

    /// @inheritdoc IZkVinHubGateway
    function openRequest(uint32 spokeEid, bytes32 spoke, RequestMessage calldata m)
        external
        returns (uint256 hubRequestId)
    {
        if (msg.sender != address(this)) revert OnlySelf(msg.sender);
        uint256 price = MARKET.quote(m.modelId).total;
        // The spoke priced the request from the last MODEL message it got; a price rise since then would
        // underpay the node, so the request goes back and the spoke needs a fresh sync.
        if (m.hubPrice < price) revert StalePrice(m.modelId, m.hubPrice, price);
        return MARKET.requestInferenceFromRemote(
            RemoteRequest({
                originEid: spokeEid,
                originRequester: m.requester,
                originRequestId: originRequestId(spoke, m.spokeRequestId),
                modelId: m.modelId,
                input: m.input,
                inputCommitment: m.inputCommitment,
                callbackGasLimit: _params.sinkGasLimit,
                feePaid: m.feePaid,
                slashBeneficiary: m.slashBeneficiary
            })
        );
    }

    // ---------------------------------------------------------------- replies (IRemoteResultSink)

    /// @notice Sends the verified output and the fee split back to the spoke (only the market calls this).
    function onRemoteResult(uint256 requestId, uint256, int256[] calldata output, Settlement calldata settlement)
        external
        nonReentrant
    {
        (bytes32 key, Ticket storage tk) = _openTicket(requestId);
        bytes memory message = ZkVinCodec.encodeResult(
            ResultMessage({
                spoke: tk.spoke,
                spokeRequestId: tk.spokeRequestId,
                hubRequestId: requestId,
                output: output,
                settlement: settlement
            })
        );
        _sendReply(key, tk, message, false);
    }

    /// @notice Tells the spoke to refund a request the market gave up on (only the market calls this).
    function onRemoteExpiry(uint256 requestId, uint256 refundAmount) external nonReentrant {
        (bytes32 key, Ticket storage tk) = _openTicket(requestId);
        bytes memory message = ZkVinCodec.encodeExpiry(
            ExpiryMessage({
                spoke: tk.spoke, spokeRequestId: tk.spokeRequestId, hubRequestId: requestId, refundAmount: refundAmount
            })
        );
        _sendReply(key, tk, message, false);
    }

    /// @inheritdoc IZkVinHubGateway
    function resendReturnMessage(bytes32 key, bytes calldata message) external payable nonReentrant {
        Ticket storage tk = _tickets[key];
        if (tk.status != TicketStatus.AwaitingFunds) revert NotAwaitingFunds(key, tk.status);
        if (keccak256(message) != tk.pendingMessageHash) revert MessageMismatch(key);
        if (msg.value != 0) {
            tk.budget = SafeCast.toUint96(tk.budget + msg.value);
            _totalBudgets += msg.value;
            emit ReturnBudgetToppedUp(key, msg.sender, msg.value);
        }
        _sendReply(key, tk, message, true);
    }

    // ---------------------------------------------------------------- model sync

    /// @inheritdoc IZkVinHubGateway
    function syncModel(uint32 spokeEid, uint256 modelId) external payable returns (bytes32 guid) {
        (ModelInfo memory info, bytes memory message, bytes memory options) = _modelMessage(modelId, ++_syncNonce);
        uint256 fee = _quote(spokeEid, message, options, false).nativeFee;
        if (msg.value < fee) revert InsufficientFee(fee, msg.value);
        // The endpoint takes the fee from msg.value and refunds the rest to the caller.
        MessagingReceipt memory receipt =
            _lzSend(spokeEid, message, options, MessagingFee(msg.value, 0), payable(msg.sender));
        guid = receipt.guid;
        emit ModelSyncSent(spokeEid, modelId, guid, info);
    }

    /// @inheritdoc IZkVinHubGateway
    function quoteSyncModel(uint32 spokeEid, uint256 modelId) external view returns (uint256 fee) {
        (, bytes memory message, bytes memory options) = _modelMessage(modelId, _syncNonce + 1);
        return _quote(spokeEid, message, options, false).nativeFee;
    }

    // ---------------------------------------------------------------- money and governance

    /// @inheritdoc IZkVinHubGateway
    function sweepSurplus() external nonReentrant {
        uint256 amount = _surplus;
        if (amount == 0) revert NothingToSweep();
        _surplus = 0;
        address to = _treasury;
        emit SurplusSwept(to, amount);
        (bool ok,) = to.call{value: amount}("");
        if (!ok) revert TransferFailed(to, amount);
    }

    /// @notice Replaces the bounded parameters. `sinkGasLimit` must stay within the market's
    /// maxCallbackGasLimit, or the market refuses every request (and each is rejected back).
    function setParams(GatewayParams calldata params_) external onlyOwner {
        _setParams(params_);
    }

    /// @notice Changes where surplus goes.
    function setTreasury(address treasury_) external onlyOwner {
        _setTreasury(treasury_);
    }

    /// @notice Starts a two-step ownership transfer; `newOwner` takes over by calling `acceptOwnership`.
    function transferOwnership(address newOwner) public override(Ownable, Ownable2Step) {
        super.transferOwnership(newOwner);
    }

    function _transferOwnership(address newOwner) internal override(Ownable, Ownable2Step) {
        super._transferOwnership(newOwner);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IZkVinHubGateway
    function quoteReturnMessage(bytes32 key, bytes calldata message)
        external
        view
        returns (uint256 fee, uint256 budget)
    {
        Ticket storage tk = _tickets[key];
        fee = _quoteTo(tk.spokeEid, tk.spoke, message, _replyOptions(tk));
        budget = tk.budget;
    }

    /// @inheritdoc IZkVinHubGateway
    function quoteReply(uint32 spokeEid, uint32 returnGasLimit, uint256 outputCount)
        external
        view
        returns (uint256 fee)
    {
        bytes memory message = ZkVinCodec.encodeResult(
            ResultMessage({
                spoke: bytes32(type(uint256).max),
                spokeRequestId: type(uint64).max,
                hubRequestId: type(uint64).max,
                output: new int256[](outputCount),
                settlement: Settlement(address(this), 0, address(this), 0, 0)
            })
        );
        bytes memory options = OptionsBuilder.newOptions().addExecutorLzReceiveOption(returnGasLimit, 0);
        return _quote(spokeEid, message, options, false).nativeFee;
    }

    /// @inheritdoc IZkVinHubGateway
    function ticketKey(uint32 spokeEid, bytes32 spoke, uint256 spokeRequestId) public pure returns (bytes32) {
        return keccak256(abi.encode(spokeEid, spoke, spokeRequestId));
    }

    /// @inheritdoc IZkVinHubGateway
    function originRequestId(bytes32 spoke, uint256 spokeRequestId) public pure returns (bytes32) {
        if (uint256(spoke) >> 160 != 0) revert NotAnEvmSpoke(spoke);
        return bytes32((uint256(spoke) << 64) | SafeCast.toUint64(spokeRequestId));
    }

    /// @inheritdoc IZkVinHubGateway
    function ticket(bytes32 key) external view returns (Ticket memory) {
        return _tickets[key];
    }

    /// @inheritdoc IZkVinHubGateway
    function ticketOfHubRequest(uint256 hubRequestId) external view returns (bytes32) {
        return _ticketOfHubRequest[hubRequestId];
    }

    /// @inheritdoc IZkVinHubGateway
    function params() external view returns (GatewayParams memory) {
        return _params;
    }

    /// @inheritdoc IZkVinHubGateway
    function treasury() external view returns (address) {
        return _treasury;
    }

    /// @inheritdoc IZkVinHubGateway
    function surplus() external view returns (uint256) {
        return _surplus;
    }

    /// @inheritdoc IZkVinHubGateway
    function totalBudgets() external view returns (uint256) {
        return _totalBudgets;
    }

    /// @inheritdoc IZkVinHubGateway
    function syncNonce() external view returns (uint64) {
        return _syncNonce;
    }

    // ---------------------------------------------------------------- internals

    function _openTicket(uint256 hubRequestId) private view returns (bytes32 key, Ticket storage tk) {
        if (msg.sender != address(MARKET)) revert OnlyMarket(msg.sender);
        key = _ticketOfHubRequest[hubRequestId];
        if (key == bytes32(0)) revert UnknownHubRequest(hubRequestId);
        tk = _tickets[key];
        if (tk.status != TicketStatus.Open) revert TicketNotOpen(key, tk.status);
    }

    /// @dev Sends `message` to the ticket's spoke paid from its budget. When the budget is short: with
    /// `mustSend` it reverts; otherwise the reply waits for funds (nothing is lost, nothing reverts, so the
    /// market's fulfilment and the REQUEST's execution go through).
    function _sendReply(bytes32 key, Ticket storage tk, bytes memory message, bool mustSend) private {
        bytes memory options = _replyOptions(tk);
        uint32 spokeEid = tk.spokeEid;
        bytes32 spoke = tk.spoke;
        uint256 fee = _quoteTo(spokeEid, spoke, message, options);
        uint256 budget = tk.budget;
        if (fee > budget) {
            if (mustSend) revert InsufficientBudget(key, fee, budget);
            tk.status = TicketStatus.AwaitingFunds;
            tk.pendingMessageHash = keccak256(message);
            emit ReturnMessageUnderfunded(key, spokeEid, message, fee, budget);
            return;
        }
        uint256 leftover = budget - fee;
        tk.status = TicketStatus.Closed;
        tk.budget = 0;
        if (tk.pendingMessageHash != bytes32(0)) tk.pendingMessageHash = bytes32(0);
        _totalBudgets -= budget;
        _surplus += leftover;
        // To the spoke that asked, whatever peer its EID has now. The fee is exact, so the endpoint refunds
        // nothing; were it to, the treasury gets it.
        MessagingReceipt memory receipt =
            endpoint.send{value: fee}(MessagingParams(spokeEid, spoke, message, options, false), _treasury);
        emit ReturnMessageSent(key, spokeEid, uint8(message[1]), receipt.guid, fee, leftover);
    }

    /// @dev The LayerZero fee of `message` to `spoke` on `spokeEid` (which need not be the EID's peer now).
    function _quoteTo(uint32 spokeEid, bytes32 spoke, bytes memory message, bytes memory options)
        private
        view
        returns (uint256)
    {
        return endpoint.quote(MessagingParams(spokeEid, spoke, message, options, false), address(this)).nativeFee;
    }

    function _replyOptions(Ticket storage tk) private view returns (bytes memory) {
        return OptionsBuilder.newOptions().addExecutorLzReceiveOption(tk.returnGasLimit, 0);
    }

    function _modelMessage(uint256 modelId, uint64 nonce)
        private
        view
        returns (ModelInfo memory info, bytes memory message, bytes memory options)
    {
        ModelTerms memory t = REGISTRY.modelTerms(modelId);
        InputBound[] memory bounds = REGISTRY.inputBounds(modelId);
        info = ModelInfo({
            hubPrice: SafeCast.toUint128(MARKET.quote(modelId).total),
            syncNonce: nonce,
            inputCount: t.layout.inputCount,
            outputCount: t.layout.outputCount,
            inputScale: t.layout.inputScale,
            outputScale: t.layout.outputScale,
            inputMode: t.layout.inputMode,
            deprecated: t.deprecated
        });
        message = ZkVinCodec.encodeModel(ModelMessage({modelId: modelId, info: info, inputBounds: bounds}));
        GatewayParams memory p = _params;
        uint256 gas = uint256(p.modelSyncGasLimit) + uint256(p.modelSyncGasPerInput) * bounds.length;
        options = OptionsBuilder.newOptions().addExecutorLzReceiveOption(SafeCast.toUint128(gas), 0);
    }

    /// @dev Replies are paid from the gateway's balance (a ticket's budget, checked by `_sendReply`); a model
    /// sync from msg.value (checked by `syncModel`).
    function _payNative(uint256 nativeFee) internal pure override returns (uint256) {
        return nativeFee;
    }

    function _setParams(GatewayParams memory p) private {
        _checkGas("sinkGasLimit", p.sinkGasLimit);
        _checkGas("rejectionReserveGas", p.rejectionReserveGas);
        _checkGas("modelSyncGasLimit", p.modelSyncGasLimit);
        if (p.modelSyncGasPerInput > MAX_GAS_PER_INPUT) {
            revert ParameterOutOfBounds("modelSyncGasPerInput", p.modelSyncGasPerInput);
        }
        _params = p;
        emit ParamsUpdated(p);
    }

    function _checkGas(string memory name, uint32 gas) private pure {
        if (gas < MIN_GAS || gas > MAX_GAS) revert ParameterOutOfBounds(name, gas);
    }

    function _setTreasury(address treasury_) private {
        if (treasury_ == address(0)) revert ZeroAddress();
        _treasury = treasury_;
        emit TreasuryUpdated(treasury_);
    }
}
