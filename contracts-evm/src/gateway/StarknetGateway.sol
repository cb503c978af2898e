// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IInferenceMarket, RemoteRequest} from "../interfaces/IInferenceMarket.sol";
import {IRemoteResultSink, Settlement} from "../interfaces/IRemoteResultSink.sol";
import {IStarknetMessaging} from "../interfaces/IStarknetMessaging.sol";
import {StarknetCodec, StarknetRequest, StarknetResult} from "../messaging/StarknetCodec.sol";

/// @title StarknetGateway
/// @notice The hub side of zk-VIN's Cairo spokes over Starknet's native L1 <-> L2 messaging. Anyone (the
/// relayer) hands a spoke's REQUEST to `consumeRequest`; the gateway consumes it from StarknetMessaging
/// (which binds the spoke's L2 address, this contract and the payload) and enqueues it in the market with
/// `requestInferenceFromRemote` (it holds REMOTE_GATEWAY_ROLE). A refusal of the market is answered at once
/// with EXPIRED so the requester's escrow comes back on L2. The market calls back (IRemoteResultSink) with the
/// verified output and the fee split, or an expiry, and the gateway sends RESULT / EXPIRED to the spoke's
/// `on_hub_message` L1 handler. L1 -> L2 message fees come from a deposit the operator tops up
/// (docs/decisions/0032-starknet-gateway-fee-deposit-and-payees.md); a reply that cannot be sent (deposit
/// short, payee without a Starknet address) waits, logged, and anyone can send it later: nothing is lost.
/// Ownership moves in two steps (Ownable2Step: the new owner calls `acceptOwnership`).
/// @dev Tickets are keyed by (spoke L2 address, spoke request id), so two spokes (or a redeployed one) never
/// collide; the market's origin key uses the same pair. Money invariant: address(this).balance == deposit().
contract StarknetGateway is IRemoteResultSink, Ownable2Step, ReentrancyGuardTransient {
    enum TicketStatus {
        None,
        Open, // enqueued in the market, waiting for its result or expiry
        AwaitingReply, // a reply could not be sent yet (see ReplyHeld); `resendReply` sends it
        Closed // the reply went to L2
    }

    enum ReplyKind {
        None,
        Result,
        Expired
    }

    /// @notice One spoke request as the gateway tracks it.
    struct Ticket {
        uint256 spoke; // the Cairo spoke's L2 address
        uint64 spokeRequestId;
        TicketStatus status;
        ReplyKind heldKind; // the kind of a held reply
        uint256 hubRequestId; // 0 when the market refused it
        bytes32 heldDigest; // keccak256(abi.encode(kind, output, settlement)) of a held reply
    }

    uint32 public constant MIN_GAS = 50_000;
    uint32 public constant MAX_GAS = 5_000_000;

    /// @notice The market requests are enqueued in.
    IInferenceMarket public immutable MARKET;
    /// @notice The hub chain's Starknet core contract (its StarknetMessaging).
    IStarknetMessaging public immutable MESSAGING;
    /// @notice The origin id the market records for Starknet requests (RemoteRequest.originEid).
    uint32 public immutable ORIGIN_ID;

    mapping(uint256 spoke => bool) private _spokes;
    mapping(bytes32 key => Ticket) private _tickets;
    mapping(uint256 hubRequestId => bytes32 key) private _keyOfHubRequest;
    mapping(address account => uint256 starknetAddress) private _payees;
    uint256 private _l1MessageFee;
    uint32 private _sinkGasLimit;
    uint32 private _replyReserveGas;

    event SpokeSet(uint256 indexed spoke, bool allowed);
    event RequestConsumed(
        bytes32 indexed key, uint256 indexed spoke, uint64 spokeRequestId, uint256 indexed hubRequestId, bytes32 msgHash
    );
    /// @notice The market refused the request (`reason`: its custom error); EXPIRED goes back.
    event RequestRejected(bytes32 indexed key, uint256 indexed spoke, uint64 spokeRequestId, bytes reason);
    /// @notice A reply went to L2 (`kind`: 2 RESULT, 3 EXPIRED; the Cairo wire kinds).
    event ReplySent(
        bytes32 indexed key, uint256 indexed spoke, uint256 kind, bytes32 msgHash, uint256 nonce, uint256 fee
    );
    /// @notice A reply waits: `underfunded` (deposit below the message fee) or a payee without a Starknet address.
    event ReplyHeld(bytes32 indexed key, ReplyKind kind, int256[] output, Settlement settlement, bool underfunded);
    /// @notice A result whose output the spoke cannot hold (a value outside i128) is answered with EXPIRED.
    event OutputUnrepresentable(bytes32 indexed key, uint256 indexed hubRequestId);
    event PayeeSet(address indexed account, uint256 starknetAddress);
    event Deposited(address indexed from, uint256 amount);
    event DepositWithdrawn(address indexed to, uint256 amount);
    event ParamsUpdated(uint256 l1MessageFee, uint32 sinkGasLimit, uint32 replyReserveGas);

    error ZeroAddress();
    error UnknownSpoke(uint256 spoke);
    error DuplicateTicket(bytes32 key);
    error OnlyMarket(address caller);
    error UnknownHubRequest(uint256 hubRequestId);
    error TicketNotOpen(bytes32 key, TicketStatus status);
    error NotAwaitingReply(bytes32 key, TicketStatus status);
    error ReplyMismatch(bytes32 key);
    error ReplyNotSendable(bytes32 key, bool underfunded);
    error OpeningOutOfGas(uint256 gasLeft);
    error ParameterOutOfBounds(string name, uint256 value);
    error InvalidPayee(uint256 starknetAddress);
    error InsufficientDeposit(uint256 amount, uint256 deposit);
    error TransferFailed(address to, uint256 amount);

    /// @param owner Governs spokes, parameters and the deposit.
    /// @param market The hub market; it must grant this contract REMOTE_GATEWAY_ROLE.
    /// @param messaging The hub chain's Starknet core contract.
    /// @param originId The origin id recorded in the market for Starknet requests.
    /// @param l1MessageFee_ Paid per reply from the deposit (1 .. messaging.getMaxL1MsgFee()).
    /// @param sinkGasLimit_ Gas the market gives this contract's IRemoteResultSink calls.
    /// @param replyReserveGas_ Gas kept back when opening a request, to send the EXPIRED of a refusal.
    constructor(
        address owner,
        IInferenceMarket market,
        IStarknetMessaging messaging,
        uint32 originId,
        uint256 l1MessageFee_,
        uint32 sinkGasLimit_,
        uint32 replyReserveGas_
    ) Ownable(owner) {
        if (address(market) == address(0) || address(messaging) == address(0)) revert ZeroAddress();
        MARKET = market;
        MESSAGING = messaging;
        ORIGIN_ID = originId;
        _setParams(l1MessageFee_, sinkGasLimit_, replyReserveGas_);
    }

    // ---------------------------------------------------------------- requests from spokes

    /// @notice Consumes the REQUEST `payload` that Cairo spoke `spoke` sent to this contract and enqueues it
    /// in the market; a refusal is answered with EXPIRED at once. Anyone may call it (the relayer does).
    /// @dev Reverts (leaving the message on L1) on an unknown spoke, a malformed payload, a message that is
    /// not waiting (never sent, or already consumed) and when too little gas was given to open it.
    function consumeRequest(uint256 spoke, uint256[] calldata payload)
        external
        nonReentrant
        returns (bytes32 key, uint256 hubRequestId)
    {
        if (!_spokes[spoke]) revert UnknownSpoke(spoke);
        StarknetRequest memory r = StarknetCodec.decodeRequest(payload);
        key = ticketKey(spoke, r.spokeRequestId);
        Ticket storage tk = _tickets[key];
        if (tk.status != TicketStatus.None) revert DuplicateTicket(key);
        tk.spoke = spoke;
        tk.spokeRequestId = r.spokeRequestId;
        tk.status = TicketStatus.Open;
        // Reverts unless the spoke sent exactly this payload to this contract and it was not consumed yet.
        bytes32 msgHash = MESSAGING.consumeMessageFromL2(spoke, payload);

        uint256 reserve = _replyReserveGas;
        uint256 left = gasleft();
        if (left <= reserve) revert OpeningOutOfGas(left);
        try MARKET.requestInferenceFromRemote{gas: left - reserve}(_remote(key, r)) returns (uint256 id) {
            hubRequestId = id;
            tk.hubRequestId = id;
            _keyOfHubRequest[id] = key;
            emit RequestConsumed(key, spoke, r.spokeRequestId, id, msgHash);
        } catch (bytes memory reason) {
            // The market refuses with custom errors; empty data means the call ran out of gas, which the caller
            // controls: revert, so the message stays on L1 and can be consumed again with more gas.
            if (reason.length == 0) revert OpeningOutOfGas(gasleft());
            emit RequestConsumed(key, spoke, r.spokeRequestId, 0, msgHash);
            emit RequestRejected(key, spoke, r.spokeRequestId, reason);
            _reply(key, tk, ReplyKind.Expired, new int256[](0), _noSettlement(), false);
        }
    }

    // ---------------------------------------------------------------- replies (IRemoteResultSink)

    /// @notice Sends the verified output and the fee split to the spoke (only the market calls this).
    function onRemoteResult(uint256 requestId, uint256, int256[] calldata output, Settlement calldata settlement)
        external
        nonReentrant
    {
        (bytes32 key, Ticket storage tk) = _openTicket(requestId);
        for (uint256 i; i < output.length; ++i) {
            if (!StarknetCodec.fitsI128(output[i])) {
                emit OutputUnrepresentable(key, requestId);
                _reply(key, tk, ReplyKind.Expired, new int256[](0), _noSettlement(), false);
                return;
            }
        }
        _reply(key, tk, ReplyKind.Result, output, settlement, false);
    }

    /// @notice Tells the spoke to refund a request the market gave up on (only the market calls this).
    function onRemoteExpiry(uint256 requestId, uint256) external nonReentrant {
        (bytes32 key, Ticket storage tk) = _openTicket(requestId);
        _reply(key, tk, ReplyKind.Expired, new int256[](0), _noSettlement(), false);
    }

    /// @notice Sends a held reply (see ReplyHeld) with the output and settlement it was held with; any
    /// `msg.value` tops up the deposit first. Reverts while it still cannot be sent.
    function resendReply(bytes32 key, int256[] calldata output, Settlement calldata settlement)
        external
        payable
        nonReentrant
    {
        if (msg.value != 0) emit Deposited(msg.sender, msg.value);
        Ticket storage tk = _tickets[key];
        if (tk.status != TicketStatus.AwaitingReply) revert NotAwaitingReply(key, tk.status);
        if (keccak256(abi.encode(tk.heldKind, output, settlement)) != tk.heldDigest) revert ReplyMismatch(key);
        _reply(key, tk, tk.heldKind, output, settlement, true);
    }

    // ---------------------------------------------------------------- payees, deposit, governance

    /// @notice Sets the Starknet address that receives the caller's (a node operator's or a model owner's)
    /// share of Starknet requests' fees.
    function setStarknetPayee(uint256 starknetAddress) external {
        if (starknetAddress == 0 || starknetAddress >= StarknetCodec.ADDRESS_BOUND) {
            revert InvalidPayee(starknetAddress);
        }
        _payees[msg.sender] = starknetAddress;
        emit PayeeSet(msg.sender, starknetAddress);
    }

    /// @notice Tops up the deposit that pays L1 -> L2 message fees.
    function deposit() external payable {
        emit Deposited(msg.sender, msg.value);
    }

    /// @notice Takes `amount` of the deposit out (owner).
    function withdrawDeposit(address payable to, uint256 amount) external onlyOwner nonReentrant {
        if (to == address(0)) revert ZeroAddress();
        if (amount > address(this).balance) revert InsufficientDeposit(amount, address(this).balance);
        emit DepositWithdrawn(to, amount);
        (bool ok,) = to.call{value: amount}("");
        if (!ok) revert TransferFailed(to, amount);
    }

    /// @notice Allows or removes a Cairo spoke (its L2 address). A removed spoke's open tickets are still served.
    function setSpoke(uint256 spoke, bool allowed) external onlyOwner {
        if (spoke == 0 || spoke >= StarknetCodec.ADDRESS_BOUND) revert InvalidPayee(spoke);
        _spokes[spoke] = allowed;
        emit SpokeSet(spoke, allowed);
    }

    /// @notice Replaces the bounded parameters. `sinkGasLimit` must stay within the market's
    /// maxCallbackGasLimit, or the market refuses every request (and each is answered with EXPIRED).
    function setParams(uint256 l1MessageFee_, uint32 sinkGasLimit_, uint32 replyReserveGas_) external onlyOwner {
        _setParams(l1MessageFee_, sinkGasLimit_, replyReserveGas_);
    }

    /// @notice Cancels, with StarknetMessaging's delayed cancellation, a reply the spoke refused on L2 (for
    /// example one that arrived after the requester reclaimed); step one.
    function startReplyCancellation(bytes32 key, uint256[] calldata payload, uint256 nonce) external onlyOwner {
        MESSAGING.startL1ToL2MessageCancellation(
            _tickets[key].spoke, StarknetCodec.ON_HUB_MESSAGE_SELECTOR, payload, nonce
        );
    }

    /// @notice Step two of a cancellation, after the messaging contract's delay; the fee returns to the deposit.
    function finishReplyCancellation(bytes32 key, uint256[] calldata payload, uint256 nonce) external onlyOwner {
        MESSAGING.cancelL1ToL2Message(_tickets[key].spoke, StarknetCodec.ON_HUB_MESSAGE_SELECTOR, payload, nonce);
    }

    /// @notice Receives cancelled messages' fees (from the messaging contract) and top-ups.
    receive() external payable {
        emit Deposited(msg.sender, msg.value);
    }

    // ---------------------------------------------------------------- views

    /// @notice The ticket key of request `spokeRequestId` of Cairo spoke `spoke`.
    function ticketKey(uint256 spoke, uint256 spokeRequestId) public pure returns (bytes32) {
        return keccak256(abi.encode(spoke, spokeRequestId));
    }

    function ticket(bytes32 key) external view returns (Ticket memory) {
        return _tickets[key];
    }

    function keyOfHubRequest(uint256 hubRequestId) external view returns (bytes32) {
        return _keyOfHubRequest[hubRequestId];
    }

    function isSpoke(uint256 spoke) external view returns (bool) {
        return _spokes[spoke];
    }

    function starknetPayee(address account) external view returns (uint256) {
        return _payees[account];
    }

    /// @notice What is left to pay L1 -> L2 message fees with.
    function depositBalance() external view returns (uint256) {
        return address(this).balance;
    }

    function params() external view returns (uint256 l1MessageFee, uint32 sinkGasLimit, uint32 replyReserveGas) {
        return (_l1MessageFee, _sinkGasLimit, _replyReserveGas);
    }

    /// @notice The payload a RESULT for `key` would carry (payees resolved now); for relayers and tests.
    function resultPayload(bytes32 key, int256[] calldata output, Settlement calldata settlement)
        external
        view
        returns (uint256[] memory)
    {
        (uint256[] memory p,) = _resultPayload(_tickets[key].spokeRequestId, output, settlement);
        return p;
    }

    // ---------------------------------------------------------------- internals

    function _remote(bytes32 key, StarknetRequest memory r) private view returns (RemoteRequest memory) {
        return RemoteRequest({
            originEid: ORIGIN_ID,
            originRequester: bytes32(r.requester),
            // The ticket key binds the spoke's address: a redeployed spoke's ids cannot collide in the market.
            originRequestId: key,
            modelId: r.modelId,
            input: r.input,
            inputCommitment: 0,
            callbackGasLimit: _sinkGasLimit,
            feePaid: r.fee,
            slashBeneficiary: address(0)
        });
    }

    function _openTicket(uint256 hubRequestId) private view returns (bytes32 key, Ticket storage tk) {
        if (msg.sender != address(MARKET)) revert OnlyMarket(msg.sender);
        key = _keyOfHubRequest[hubRequestId];
        if (key == bytes32(0)) revert UnknownHubRequest(hubRequestId);
        tk = _tickets[key];
        if (tk.status != TicketStatus.Open) revert TicketNotOpen(key, tk.status);
    }

    /// @dev Builds and sends a reply paid from the deposit. When it cannot be sent (deposit short, payee
    /// missing): with `mustSend` it reverts; otherwise it is held (nothing reverts, so the market's
    /// fulfilment or expiry and the request's consumption go through).
    function _reply(
        bytes32 key,
        Ticket storage tk,
        ReplyKind kind,
        int256[] memory output,
        Settlement memory settlement,
        bool mustSend
    ) private {
        uint256[] memory payload;
        bool payeesKnown = true;
        if (kind == ReplyKind.Result) {
            (payload, payeesKnown) = _resultPayload(tk.spokeRequestId, output, settlement);
        } else {
            payload = StarknetCodec.encodeExpired(tk.spokeRequestId);
        }
        uint256 fee = _l1MessageFee;
        bool underfunded = address(this).balance < fee;
        if (underfunded || !payeesKnown) {
            if (mustSend) revert ReplyNotSendable(key, underfunded);
            tk.status = TicketStatus.AwaitingReply;
            tk.heldKind = kind;
            tk.heldDigest = keccak256(abi.encode(kind, output, settlement));
            emit ReplyHeld(key, kind, output, settlement, underfunded);
            return;
        }
        tk.status = TicketStatus.Closed;
        if (tk.heldDigest != bytes32(0)) (tk.heldDigest, tk.heldKind) = (bytes32(0), ReplyKind.None);
        uint256 spoke = tk.spoke;
        (bytes32 msgHash, uint256 nonce) = MESSAGING.sendMessageToL2{value: fee}(
            spoke, StarknetCodec.ON_HUB_MESSAGE_SELECTOR, StarknetCodec.handlerCalldata(payload)
        );
        emit ReplySent(key, spoke, payload[1], msgHash, nonce, fee);
    }

    /// @dev The RESULT payload; `payeesKnown` false when a non-zero share's payee has no Starknet address.
    function _resultPayload(uint64 spokeRequestId, int256[] memory output, Settlement memory s)
        private
        view
        returns (uint256[] memory payload, bool payeesKnown)
    {
        uint256 node = s.nodeAmount == 0 ? 0 : _payees[s.node];
        uint256 owner = s.royaltyAmount == 0 ? 0 : _payees[s.modelOwner];
        payeesKnown = (s.nodeAmount == 0 || node != 0) && (s.royaltyAmount == 0 || owner != 0);
        payload = StarknetCodec.encodeResult(
            StarknetResult({
                spokeRequestId: spokeRequestId,
                node: node,
                nodeAmount: s.nodeAmount,
                modelOwner: owner,
                modelOwnerAmount: s.royaltyAmount,
                protocolAmount: s.protocolAmount,
                output: output
            })
        );
    }

    function _noSettlement() private pure returns (Settlement memory) {
        return Settlement(address(0), 0, address(0), 0, 0);
    }

    function _setParams(uint256 l1MessageFee_, uint32 sinkGasLimit_, uint32 replyReserveGas_) private {
        if (l1MessageFee_ == 0 || l1MessageFee_ > MESSAGING.getMaxL1MsgFee()) {
            revert ParameterOutOfBounds("l1MessageFee", l1MessageFee_);
        }
        if (sinkGasLimit_ < MIN_GAS || sinkGasLimit_ > MAX_GAS) {
            revert ParameterOutOfBounds("sinkGasLimit", sinkGasLimit_);
        }
        if (replyReserveGas_ < MIN_GAS || replyReserveGas_ > MAX_GAS) {
            revert ParameterOutOfBounds("replyReserveGas", replyReserveGas_);
        }
        (_l1MessageFee, _sinkGasLimit, _replyReserveGas) = (l1MessageFee_, sinkGasLimit_, replyReserveGas_);
        emit ParamsUpdated(l1MessageFee_, sinkGasLimit_, replyReserveGas_);
    }
}
