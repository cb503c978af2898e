// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";
import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {ERC165Checker} from "@openzeppelin/contracts/utils/introspection/ERC165Checker.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {MessagingFee, OApp, Origin} from "@layerzerolabs/oapp-evm/contracts/oapp/OApp.sol";
import {ILayerZeroEndpointV2} from "@layerzerolabs/lz-evm-protocol-v2/contracts/interfaces/ILayerZeroEndpointV2.sol";
import {OptionsBuilder} from "@layerzerolabs/oapp-evm/contracts/oapp/libs/OptionsBuilder.sol";
import {IInferenceConsumer} from "../consumer/IInferenceConsumer.sol";
import {Settlement} from "../interfaces/IRemoteResultSink.sol";
import {FieldEncoding} from "../libraries/FieldEncoding.sol";
import {InputBound, InputBounds} from "../libraries/InputBounds.sol";
import {InputMode} from "../libraries/InstanceLayout.sol";
import {
    ExpiryMessage,
    ModelInfo,
    ModelMessage,
    RejectionMessage,
    RequestMessage,
    ResultMessage,
    ZkVinCodec
} from "../messaging/ZkVinCodec.sol";
import {GasLimitedValueCall} from "./GasLimitedValueCall.sol";
import {FailureReason, IInferenceFailureHandler} from "./IInferenceFailureHandler.sol";
import {CallbackStatus, FeeQuote, IZkVinSpoke, SpokeParams, SpokeRequest, SpokeRequestStatus} from "./IZkVinSpoke.sol";

/// @title ZkVinSpoke
/// @notice zk-VIN on a consumer chain. `requestInference` escrows the inference fee here and sends a REQUEST
/// to the hub gateway over LayerZero V2, with executor options that deliver the reply's budget to the hub
/// as native value (the ABA pattern), so the hub can pay for the RESULT, EXPIRED or REJECTED message that
/// comes back. On a RESULT the escrow is split as the hub computed it (node, model owner, protocol: pull
/// balances) and the output is stored and handed to the requester's `onInferenceResult` with the gas it
/// chose; a failed callback is recorded and anyone may retry it. On EXPIRED or REJECTED the escrow goes
/// back to the requester. Each request settles once. The hub also sends MODEL messages with each model's
/// price, input layout and per-feature input bounds, which is how the spoke prices and checks requests.
///
/// Trust (contracts-evm/README.md, docs/decisions/0053): a reply settles a request only if it names this
/// spoke and comes from the gateway the request went to; a gateway that is replaced keeps settling the
/// requests it carried. A request with no reply after RECLAIM_DELAY can be reclaimed by anyone for its
/// requester; a reply arriving after that is dropped (LateReplyIgnored), never paid twice. The owner cannot
/// change who answers at once: re-pointing the peer and every endpoint configuration call (the spoke is its
/// own LayerZero delegate) wait GOVERNANCE_DELAY = RECLAIM_DELAY + 1 day, so every request pending when a
/// change is announced can be reclaimed before it takes effect.
/// @dev Money invariant: address(this).balance == totalEscrowed + totalClaimable. Messages are accepted only
/// from hub gateways: HUB_EID is the only EID that can have a peer, and `lzReceive` accepts the current
/// peer and any earlier one (replies only, each for its own requests). Pausing stops new requests and
/// inbound messages; paused messages stay verified on the endpoint and can be executed after the unpause.
/// Withdrawals and reclaims never pause. LayerZero executes this OApp's messages unordered (nextNonce is 0),
/// so a reverted packet blocks no other; invalid replies (another spoke's, another gateway's, a duplicate)
/// revert, while a valid reply that lost the race with a reclaim is consumed without effect.
contract ZkVinSpoke is IZkVinSpoke, OApp, Ownable2Step, Pausable, ReentrancyGuardTransient {
    using OptionsBuilder for bytes;

    /// @dev Where a model's stored terms came from (one slot).
    struct ModelSource {
        address inputBounds; // InputBounds pointer
        uint16 gateway; // the gateway number whose MODEL message set the terms
    }

    /// @notice `priceRatio` of a chain whose native token is the hub's, at parity.
    uint128 public constant PRICE_RATIO_ONE = 1e18;
    uint32 public constant MAX_CALLBACK_GAS_LIMIT = 10_000_000;
    uint32 public constant MAX_MESSAGE_GAS = 10_000_000;
    uint32 public constant MIN_MESSAGE_GAS = 50_000;
    uint32 public constant MAX_GAS_PER_VALUE = 100_000;
    /// @notice Gas given to a plain refund transfer (requesters without a failure handler). If the transfer
    /// fails the refund is credited instead.
    uint256 public constant REFUND_GAS = 10_000;
    /// @notice Bounds of RECLAIM_DELAY (as the Cairo spoke's reclaim_delay).
    uint32 public constant MIN_RECLAIM_DELAY = 1 hours;
    uint32 public constant MAX_RECLAIM_DELAY = 30 days;
    /// @notice How much longer than RECLAIM_DELAY a governance change waits: the time requesters have to
    /// reclaim after the last request pending at the announcement becomes reclaimable.
    uint32 public constant GOVERNANCE_MARGIN = 1 days;

    /// @notice The hub's LayerZero endpoint id; the only peer.
    uint32 public immutable HUB_EID;
    /// @notice Seconds after a request from which it can be reclaimed if no reply came.
    uint32 public immutable RECLAIM_DELAY;
    /// @notice Seconds a peer change or an endpoint call waits after it is scheduled.
    uint32 public immutable GOVERNANCE_DELAY;

    SpokeParams private _params;
    address private _treasury;
    uint256 private _nextRequestId = 1;
    uint256 private _totalEscrowed;
    uint256 private _totalClaimable;
    mapping(uint256 requestId => SpokeRequest) private _requests;
    mapping(uint256 requestId => int256[] output) private _results;
    mapping(uint256 modelId => ModelInfo) private _models;
    /// @dev InputBounds pointers (contract code): a model's bounds never change on the hub, so they are written
    /// at its first sync and again only if a sync ever carries different ones. Beside each (same slot), the
    /// gateway whose MODEL message set the model's terms: a newer gateway's sync wins whatever its (restarted)
    /// nonce.
    mapping(uint256 modelId => ModelSource) private _modelSources;
    mapping(address account => uint256) private _claimable;
    /// @dev Every gateway the spoke has had, numbered from 1; requests record theirs.
    bytes32[] private _gateways;
    mapping(bytes32 peer => uint16 id) private _gatewayIds;
    uint16 private _currentGateway;
    bytes32 private _pendingPeer;
    uint256 private _pendingPeerEta;
    mapping(bytes32 id => uint256 eta) private _endpointCalls;

    /// @notice The spoke has one peer, the hub gateway.
    error PeerNotHub(uint32 eid);
    /// @notice A hashed-input model needs the input's commitment.
    error MissingCommitment(uint256 modelId);

    /// @param endpoint This chain's LayerZero EndpointV2.
    /// @param owner Owns the spoke (peer, parameters, pause, scheduled endpoint configuration). The spoke
    /// itself is its endpoint delegate.
    /// @param hubEid The hub chain's endpoint id.
    /// @param treasury_ Receives the protocol's share of fees on this chain.
    /// @param params_ Initial bounded parameters.
    /// @param reclaimDelay RECLAIM_DELAY, within [MIN_RECLAIM_DELAY, MAX_RECLAIM_DELAY]: well beyond the hub's
    /// longest time to a result or an expiry notice, or a requester could reclaim what a node is earning.
    constructor(
        address endpoint,
        address owner,
        uint32 hubEid,
        address treasury_,
        SpokeParams memory params_,
        uint32 reclaimDelay
    ) OApp(endpoint, address(this)) Ownable(owner) {
        if (reclaimDelay < MIN_RECLAIM_DELAY || reclaimDelay > MAX_RECLAIM_DELAY) {
            revert ParameterOutOfBounds("reclaimDelay", reclaimDelay);
        }
        HUB_EID = hubEid;
        RECLAIM_DELAY = reclaimDelay;
        GOVERNANCE_DELAY = reclaimDelay + GOVERNANCE_MARGIN;
        _setTreasury(treasury_);
        _setParams(params_);
    }

    // ---------------------------------------------------------------- requests

    /// @inheritdoc IZkVinSpoke
    function quote(uint256 modelId, int256[] calldata input, uint32 callbackGasLimit)
        external
        view
        returns (uint256 total)
    {
        return quoteDetailed(modelId, input, callbackGasLimit).total;
    }

    /// @inheritdoc IZkVinSpoke
    function quoteDetailed(uint256 modelId, int256[] calldata input, uint32 callbackGasLimit)
        public
        view
        returns (FeeQuote memory q)
    {
        ModelInfo memory m = _models[modelId];
        if (m.syncNonce == 0) revert UnknownModel(modelId);
        RequestMessage memory r = _requestMessage(_nextRequestId, modelId, m, input, 0, msg.sender);
        (q,,) = _price(m, r, callbackGasLimit);
    }

    /// @notice Requests an inference of `modelId` on `input`, paying at least `quote(...)`; the excess is sent
    /// back (or credited if that transfer fails). The fee is escrowed here until the hub settles it.
    /// @param input Fixed-point values at the model's input scale, within its bounds.
    /// @param callbackGasLimit Gas for the caller's `onInferenceResult` (and failure notice); 0 for none.
    function requestInference(uint256 modelId, int256[] calldata input, uint32 callbackGasLimit)
        external
        payable
        whenNotPaused
        returns (uint256 requestId)
    {
        return _request(modelId, input, 0, false, callbackGasLimit);
    }

    /// @inheritdoc IZkVinSpoke
    function requestInferenceWithCommitment(
        uint256 modelId,
        int256[] calldata input,
        uint256 commitment,
        uint32 callbackGasLimit
    ) external payable whenNotPaused returns (uint256 requestId) {
        return _request(modelId, input, commitment, true, callbackGasLimit);
    }

    /// @inheritdoc IZkVinSpoke
    function retryCallback(uint256 requestId, uint32 gasLimit) external nonReentrant {
        SpokeRequest storage r = _requests[requestId];
        if (r.status != SpokeRequestStatus.Fulfilled || r.callback != CallbackStatus.Failed) {
            revert NothingToRetry(requestId);
        }
        if (gasLimit < r.callbackGasLimit) revert GasLimitBelowRequested(requestId, gasLimit, r.callbackGasLimit);
        r.callback = CallbackStatus.Delivered;
        bytes memory data =
            abi.encodeCall(IInferenceConsumer.onInferenceResult, (requestId, r.modelId, _results[requestId]));
        (bool ok, bytes memory reason) = GasLimitedValueCall.call(r.requester, gasLimit, 0, data);
        if (!ok) revert CallbackReverted(requestId, reason);
        emit CallbackRetried(requestId);
    }

    /// @inheritdoc IZkVinSpoke
    function reclaim(uint256 requestId) external nonReentrant returns (uint256 amount) {
        SpokeRequest storage r = _pending(requestId);
        uint256 at = uint256(r.requestedAt) + RECLAIM_DELAY;
        // a delay of at least an hour: validators' seconds of drift cannot change who may reclaim
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp < at) revert ReclaimTooEarly(requestId, at);
        r.status = SpokeRequestStatus.Reclaimed;
        amount = r.escrow;
        _totalEscrowed -= amount;
        emit InferenceReclaimed(requestId, r.requester, amount);
        _credit(r.requester, amount);
    }

    /// @inheritdoc IZkVinSpoke
    function withdraw(address payable to) external nonReentrant {
        if (to == address(0)) revert ZeroAddress();
        uint256 amount = _claimable[msg.sender];
        if (amount == 0) revert NothingToWithdraw(msg.sender);
        _claimable[msg.sender] = 0;
        _totalClaimable -= amount;
        emit Withdrawn(msg.sender, to, amount);
        (bool ok,) = to.call{value: amount}("");
        if (!ok) revert TransferFailed(to, amount);
    }

    // ---------------------------------------------------------------- governance

    /// @notice Replaces the bounded parameters (they apply to requests made from now on).
    function setParams(SpokeParams calldata params_) external onlyOwner {
        _setParams(params_);
    }

    /// @notice Changes where the protocol's share goes (already credited shares stay with the old treasury).
    function setTreasury(address treasury_) external onlyOwner {
        _setTreasury(treasury_);
    }

    /// @notice Stops new requests and inbound messages (withdrawals and callback retries go on).
    function pause() external onlyOwner {
        _pause();
    }

    function unpause() external onlyOwner {
        _unpause();
    }

    /// @notice Points the spoke at a hub gateway; the spoke talks to no other chain. The first gateway, and
    /// zero (no new requests), take effect at once; any other change is scheduled: `activatePeer` applies it
    /// GOVERNANCE_DELAY later (a new schedule replaces a pending one). Requests already sent keep their
    /// gateway: only its reply settles them.
    function setPeer(uint32 eid, bytes32 peer) public override onlyOwner {
        if (eid != HUB_EID) revert PeerNotHub(eid);
        if (peer == bytes32(0) || _gateways.length == 0) {
            _activatePeer(peer);
            return;
        }
        uint256 eta = block.timestamp + GOVERNANCE_DELAY;
        _pendingPeer = peer;
        _pendingPeerEta = eta;
        emit PeerChangeScheduled(peer, eta);
    }

    /// @notice Applies the scheduled peer change once its delay has passed.
    function activatePeer() external onlyOwner {
        bytes32 peer = _pendingPeer;
        if (peer == bytes32(0)) revert NoPendingChange();
        // a governance delay of more than an hour: validators' seconds of drift do not matter
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp < _pendingPeerEta) revert ChangeNotReady(_pendingPeerEta);
        delete _pendingPeer;
        delete _pendingPeerEta;
        _activatePeer(peer);
    }

    function cancelPeerChange() external onlyOwner {
        bytes32 peer = _pendingPeer;
        if (peer == bytes32(0)) revert NoPendingChange();
        delete _pendingPeer;
        delete _pendingPeerEta;
        emit PeerChangeCancelled(peer);
    }

    /// @notice Schedules `data`, a call of the LayerZero endpoint made by the spoke as its own delegate
    /// (send/receive library, ULN and executor configuration, skip/clear/nilify/burn of a packet). It can
    /// run GOVERNANCE_DELAY later. Changing the delegate is refused: it stays the spoke.
    function scheduleEndpointCall(bytes calldata data) external onlyOwner returns (bytes32 id, uint256 eta) {
        if (data.length >= 4 && bytes4(data[:4]) == ILayerZeroEndpointV2.setDelegate.selector) revert DelegateFixed();
        id = keccak256(data);
        eta = block.timestamp + GOVERNANCE_DELAY;
        _endpointCalls[id] = eta;
        emit EndpointCallScheduled(id, data, eta);
    }

    /// @notice Runs a scheduled endpoint call once its delay has passed (its revert is passed on).
    function executeEndpointCall(bytes calldata data) external onlyOwner returns (bytes memory result) {
        bytes32 id = keccak256(data);
        uint256 eta = _endpointCalls[id];
        if (eta == 0) revert NoPendingChange();
        // a governance delay of more than an hour: validators' seconds of drift do not matter
        // forge-lint: disable-next-line(block-timestamp)
        if (block.timestamp < eta) revert ChangeNotReady(eta);
        delete _endpointCalls[id];
        emit EndpointCallExecuted(id);
        bool ok;
        (ok, result) = address(endpoint).call(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(result, 0x20), mload(result))
            }
        }
    }

    function cancelEndpointCall(bytes32 id) external onlyOwner {
        if (_endpointCalls[id] == 0) revert NoPendingChange();
        delete _endpointCalls[id];
        emit EndpointCallCancelled(id);
    }

    /// @dev OAppCore's `setDelegate` (not virtual) is refused here: the spoke stays its own delegate, so that
    /// endpoint configuration can only go through scheduleEndpointCall.
    function _checkOwner() internal view override {
        if (msg.sig == this.setDelegate.selector) revert DelegateFixed();
        super._checkOwner();
    }

    /// @notice Starts a two-step ownership transfer; `newOwner` takes over by calling `acceptOwnership`.
    function transferOwnership(address newOwner) public override(Ownable, Ownable2Step) {
        super.transferOwnership(newOwner);
    }

    function _transferOwnership(address newOwner) internal override(Ownable, Ownable2Step) {
        super._transferOwnership(newOwner);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IZkVinSpoke
    function request(uint256 requestId) external view returns (SpokeRequest memory) {
        return _requests[requestId];
    }

    /// @inheritdoc IZkVinSpoke
    function resultOf(uint256 requestId) external view returns (int256[] memory) {
        return _results[requestId];
    }

    /// @inheritdoc IZkVinSpoke
    function model(uint256 modelId) external view returns (ModelInfo memory) {
        return _models[modelId];
    }

    /// @inheritdoc IZkVinSpoke
    function inputBounds(uint256 modelId) external view returns (InputBound[] memory) {
        return InputBounds.load(_modelSources[modelId].inputBounds, _models[modelId].inputCount);
    }

    /// @inheritdoc IZkVinSpoke
    function claimable(address account) external view returns (uint256) {
        return _claimable[account];
    }

    /// @inheritdoc IZkVinSpoke
    function params() external view returns (SpokeParams memory) {
        return _params;
    }

    /// @inheritdoc IZkVinSpoke
    function treasury() external view returns (address) {
        return _treasury;
    }

    /// @inheritdoc IZkVinSpoke
    function totalEscrowed() external view returns (uint256) {
        return _totalEscrowed;
    }

    /// @inheritdoc IZkVinSpoke
    function totalClaimable() external view returns (uint256) {
        return _totalClaimable;
    }

    /// @inheritdoc IZkVinSpoke
    function nextRequestId() external view returns (uint256) {
        return _nextRequestId;
    }

    /// @inheritdoc IZkVinSpoke
    function reclaimableAt(uint256 requestId) external view returns (uint256) {
        SpokeRequest storage r = _requests[requestId];
        return r.status == SpokeRequestStatus.None ? 0 : uint256(r.requestedAt) + RECLAIM_DELAY;
    }

    /// @inheritdoc IZkVinSpoke
    function gatewayAt(uint16 id) external view returns (bytes32) {
        return id == 0 || id > _gateways.length ? bytes32(0) : _gateways[id - 1];
    }

    /// @inheritdoc IZkVinSpoke
    function currentGateway() external view returns (uint16) {
        return _currentGateway;
    }

    /// @inheritdoc IZkVinSpoke
    function pendingPeer() external view returns (bytes32 peer, uint256 eta) {
        return (_pendingPeer, _pendingPeerEta);
    }

    /// @inheritdoc IZkVinSpoke
    function endpointCallEta(bytes32 id) external view returns (uint256) {
        return _endpointCalls[id];
    }

    /// @notice LayerZero may open a path from any gateway the spoke has had (a retired one still answers
    /// the requests it carried).
    function allowInitializePath(Origin calldata origin) public view override returns (bool) {
        return origin.srcEid == HUB_EID && _gatewayIds[origin.sender] != 0;
    }

    /// @notice Entry point for the endpoint: accepts messages from the current gateway and from earlier ones
    /// (whose replies `_lzReceive` checks against the gateway each request went to).
    function lzReceive(
        Origin calldata origin,
        bytes32 guid,
        bytes calldata message,
        address executor,
        bytes calldata extraData
    ) public payable override {
        if (address(endpoint) != msg.sender) revert OnlyEndpoint(msg.sender);
        if (origin.srcEid != HUB_EID || _gatewayIds[origin.sender] == 0) revert OnlyPeer(origin.srcEid, origin.sender);
        _lzReceive(origin, guid, message, executor, extraData);
    }

    // ---------------------------------------------------------------- internals: requests

    function _request(uint256 modelId, int256[] calldata input, uint256 commitment, bool hashed, uint32 gasLimit)
        private
        returns (uint256 requestId)
    {
        ModelInfo memory m = _checkRequest(modelId, input, commitment, hashed, gasLimit);
        requestId = _nextRequestId++;
        _escrowAndSend(_requestMessage(requestId, modelId, m, input, commitment, msg.sender), m, gasLimit);
    }

    function _escrowAndSend(RequestMessage memory r, ModelInfo memory m, uint32 gasLimit) private {
        (FeeQuote memory q, bytes memory message, bytes memory options) = _price(m, r, gasLimit);
        if (msg.value < q.total) revert InsufficientFee(q.total, msg.value);

        _requests[r.spokeRequestId] = SpokeRequest({
            requester: msg.sender,
            modelId: SafeCast.toUint64(r.modelId),
            status: SpokeRequestStatus.Pending,
            callback: CallbackStatus.None,
            failureHandler: msg.sender.code.length != 0
                && ERC165Checker.supportsInterface(msg.sender, type(IInferenceFailureHandler).interfaceId),
            escrow: SafeCast.toUint96(q.inferenceFee),
            callbackGasLimit: gasLimit,
            hubRequestId: 0,
            gateway: _currentGateway,
            requestedAt: SafeCast.toUint40(block.timestamp)
        });
        _totalEscrowed += q.inferenceFee;

        bytes32 guid = _lzSend(HUB_EID, message, options, MessagingFee(q.messageFee, 0), payable(msg.sender)).guid;
        emit InferenceRequested(r.spokeRequestId, r.modelId, msg.sender, guid, r.input, r.inputCommitment, gasLimit, q);

        uint256 excess = msg.value - q.total;
        if (excess != 0) _send(msg.sender, excess);
    }

    /// @dev The checks the hub would make, made here so that a bad request costs no round trip.
    function _checkRequest(uint256 modelId, int256[] calldata input, uint256 commitment, bool hashed, uint32 gasLimit)
        private
        view
        returns (ModelInfo memory m)
    {
        m = _models[modelId];
        if (m.syncNonce == 0) revert UnknownModel(modelId);
        if (m.deprecated) revert ModelDeprecated(modelId);
        if ((m.inputMode == InputMode.Hashed) != hashed) revert WrongInputMode(modelId);
        if (hashed) {
            if (commitment == 0) revert MissingCommitment(modelId);
            if (commitment >= FieldEncoding.P) revert CommitmentOutOfField(commitment);
        }
        if (input.length != m.inputCount) revert InputLengthMismatch(m.inputCount, input.length);
        InputBounds.check(_modelSources[modelId].inputBounds, input);
        uint32 max = _params.maxCallbackGasLimit;
        if (gasLimit > max) revert CallbackGasLimitTooHigh(gasLimit, max);
    }

    function _requestMessage(
        uint256 requestId,
        uint256 modelId,
        ModelInfo memory m,
        int256[] calldata input,
        uint256 commitment,
        address requester
    ) private view returns (RequestMessage memory r) {
        r.spokeRequestId = requestId;
        r.modelId = modelId;
        r.requester = bytes32(uint256(uint160(requester)));
        // A contract's address on the hub is not its to use, so its share of a slash goes to the treasury.
        r.slashBeneficiary = requester.code.length == 0 ? requester : address(0);
        r.input = input;
        r.inputCommitment = commitment;
        r.hubPrice = m.hubPrice;
    }

    /// @dev Fills in the fee parts of `r` and prices the message that carries it.
    function _price(ModelInfo memory m, RequestMessage memory r, uint32 callbackGasLimit)
        private
        view
        returns (FeeQuote memory q, bytes memory message, bytes memory options)
    {
        SpokeParams memory p = _params;
        q.inferenceFee = Math.mulDiv(m.hubPrice, p.priceRatio, PRICE_RATIO_ONE, Math.Rounding.Ceil);
        q.hubGasLimit = SafeCast.toUint32(uint256(p.hubGasBase) + uint256(p.hubGasPerInput) * r.input.length);
        uint256 returnGas = uint256(p.returnGasBase) + uint256(p.returnGasPerOutput) * m.outputCount;
        if (callbackGasLimit != 0) returnGas += GasLimitedValueCall.gasNeeded(callbackGasLimit);
        q.returnGasLimit = SafeCast.toUint32(returnGas);
        q.returnBudget = SafeCast.toUint128(uint256(p.returnFeeBase) + uint256(p.returnFeePerGas) * returnGas);

        r.feePaid = q.inferenceFee;
        r.returnGasLimit = q.returnGasLimit;
        message = ZkVinCodec.encodeRequest(r);
        options = OptionsBuilder.newOptions().addExecutorLzReceiveOption(q.hubGasLimit, q.returnBudget);
        q.messageFee = _quote(HUB_EID, message, options, false).nativeFee;
        q.total = q.inferenceFee + q.messageFee;
    }

    /// @dev `_request` checks that msg.value covers the inference fee and this one; the rest stays here.
    function _payNative(uint256 nativeFee) internal pure override returns (uint256) {
        return nativeFee;
    }

    // ---------------------------------------------------------------- internals: replies

    function _lzReceive(Origin calldata origin, bytes32, bytes calldata message, address, bytes calldata)
        internal
        override
        whenNotPaused
        nonReentrant
    {
        // Replies ask for no native value; anything delivered anyway is the protocol's.
        if (msg.value != 0) _credit(_treasury, msg.value);
        uint8 t = ZkVinCodec.messageType(message);
        if (t == ZkVinCodec.RESULT) {
            ResultMessage memory res = ZkVinCodec.decodeResult(message);
            if (_replyIsLive(res.spoke, res.spokeRequestId, origin.sender, t)) _onResult(res);
        } else if (t == ZkVinCodec.EXPIRED) {
            ExpiryMessage memory e = ZkVinCodec.decodeExpiry(message);
            if (_replyIsLive(e.spoke, e.spokeRequestId, origin.sender, t)) {
                _onFailure(e.spokeRequestId, e.hubRequestId, FailureReason.Expired, "");
            }
        } else if (t == ZkVinCodec.REJECTED) {
            RejectionMessage memory j = ZkVinCodec.decodeRejection(message);
            if (_replyIsLive(j.spoke, j.spokeRequestId, origin.sender, t)) {
                _onFailure(j.spokeRequestId, 0, FailureReason.Rejected, j.reason);
            }
        } else if (t == ZkVinCodec.MODEL) {
            _onModel(ZkVinCodec.decodeModel(message), _gatewayIds[origin.sender]);
        } else {
            revert UnexpectedMessage(t);
        }
    }

    /// @dev Whether a reply should settle its request: it must name this spoke and come from the gateway the
    /// request went to (else it reverts); a request already reclaimed drops it (false), anything else not
    /// pending reverts (RequestNotPending).
    function _replyIsLive(bytes32 spoke, uint256 id, bytes32 sender, uint8 t) private returns (bool) {
        if (spoke != bytes32(uint256(uint160(address(this))))) revert NotForThisSpoke(spoke);
        SpokeRequest storage r = _requests[id];
        if (r.status != SpokeRequestStatus.None) {
            bytes32 expected = _gateways[r.gateway - 1];
            if (sender != expected) revert WrongGateway(id, sender, expected);
        }
        if (r.status == SpokeRequestStatus.Reclaimed) {
            emit LateReplyIgnored(id, t, sender);
            return false;
        }
        _pending(id);
        return true;
    }

    function _onResult(ResultMessage memory res) private {
        uint256 id = res.spokeRequestId;
        SpokeRequest storage r = _requests[id];
        Settlement memory s = res.settlement;
        uint256 escrow = r.escrow;
        uint256 settled = s.nodeAmount + s.royaltyAmount + s.protocolAmount;
        if (settled > escrow) revert SettlementExceedsEscrow(id, settled, escrow);

        r.status = SpokeRequestStatus.Fulfilled;
        r.hubRequestId = SafeCast.toUint64(res.hubRequestId);
        _totalEscrowed -= escrow;
        address treasury_ = _treasury;
        _credit(s.node == address(0) ? treasury_ : s.node, s.nodeAmount);
        _credit(s.modelOwner == address(0) ? treasury_ : s.modelOwner, s.royaltyAmount);
        _credit(treasury_, s.protocolAmount);
        uint256 unspent = escrow - settled;
        _credit(r.requester, unspent);
        _results[id] = res.output;
        emit InferenceFulfilled(id, res.hubRequestId, res.output);
        emit FeesSettled(id, s, treasury_, unspent);

        if (r.callbackGasLimit == 0) return;
        bytes memory data = abi.encodeCall(IInferenceConsumer.onInferenceResult, (id, r.modelId, res.output));
        (bool ok, bytes memory reason) = GasLimitedValueCall.call(r.requester, r.callbackGasLimit, 0, data);
        if (ok) {
            r.callback = CallbackStatus.Delivered;
        } else {
            r.callback = CallbackStatus.Failed;
            emit CallbackFailed(id, reason);
        }
    }

    function _onFailure(uint256 id, uint256 hubRequestId, FailureReason why, bytes memory reason) private {
        SpokeRequest storage r = _requests[id];
        uint256 escrow = r.escrow;
        address requester = r.requester;
        r.status = SpokeRequestStatus.Refunded;
        if (hubRequestId != 0) r.hubRequestId = SafeCast.toUint64(hubRequestId);
        _totalEscrowed -= escrow;
        if (why == FailureReason.Expired) emit InferenceExpired(id, hubRequestId);
        else emit InferenceRejected(id, reason);
        emit InferenceRefunded(id, requester, escrow, why);

        if (!r.failureHandler || r.callbackGasLimit == 0) {
            _send(requester, escrow);
            return;
        }
        bytes memory data = abi.encodeCall(IInferenceFailureHandler.onInferenceFailed, (id, r.modelId, why));
        (bool ok, bytes memory callReason) = GasLimitedValueCall.call(requester, r.callbackGasLimit, escrow, data);
        if (ok) {
            r.callback = CallbackStatus.Delivered;
        } else {
            r.callback = CallbackStatus.Failed;
            emit CallbackFailed(id, callReason);
            _credit(requester, escrow);
        }
    }

    /// @dev Only the current gateway's terms apply; a newer gateway's sync replaces an older one's whatever
    /// the nonces (each gateway counts its own). A retired gateway's MODEL is dropped as stale.
    function _onModel(ModelMessage memory m, uint16 gatewayId) private {
        uint64 current = _models[m.modelId].syncNonce;
        ModelSource memory src = _modelSources[m.modelId];
        if (gatewayId != _currentGateway || (gatewayId == src.gateway && m.info.syncNonce <= current)) {
            emit StaleModelSyncIgnored(m.modelId, m.info.syncNonce, current);
            return;
        }
        _models[m.modelId] = m.info;
        bool boundsHold = InputBounds.holds(src.inputBounds, m.inputBounds);
        if (!boundsHold || src.gateway != gatewayId) {
            if (!boundsHold) src.inputBounds = InputBounds.store(m.inputBounds);
            src.gateway = gatewayId;
            _modelSources[m.modelId] = src;
        }
        emit ModelSynced(m.modelId, m.info, m.inputBounds);
    }

    /// @dev A request that may still settle; anything else (settled, unknown) is refused, so a request
    /// settles once whatever the transport delivers.
    function _pending(uint256 id) private view returns (SpokeRequest storage r) {
        r = _requests[id];
        if (r.status != SpokeRequestStatus.Pending) revert RequestNotPending(id, r.status);
    }

    // ---------------------------------------------------------------- internals: money and settings

    /// @dev Makes `peer` the gateway new requests go to, numbering it if it is new (zero: none).
    function _activatePeer(bytes32 peer) private {
        _setPeer(HUB_EID, peer);
        if (peer == bytes32(0)) {
            _currentGateway = 0;
            return;
        }
        uint16 id = _gatewayIds[peer];
        if (id == 0) {
            if (_gateways.length == type(uint16).max) revert TooManyGateways();
            _gateways.push(peer);
            id = uint16(_gateways.length);
            _gatewayIds[peer] = id;
        }
        _currentGateway = id;
        emit GatewayActivated(peer, id);
    }

    function _credit(address account, uint256 amount) private {
        if (amount == 0) return;
        _claimable[account] += amount;
        _totalClaimable += amount;
        emit Credited(account, amount);
    }

    /// @dev Sends `amount` with REFUND_GAS and no return data copied; credits it if the transfer fails.
    function _send(address to, uint256 amount) private {
        if (amount == 0) return;
        bool ok;
        uint256 gasLimit = REFUND_GAS;
        assembly ("memory-safe") {
            ok := call(gasLimit, to, amount, 0, 0, 0, 0)
        }
        if (!ok) _credit(to, amount);
    }

    function _setParams(SpokeParams memory p) private {
        _checkGas("hubGasBase", p.hubGasBase);
        _checkGas("returnGasBase", p.returnGasBase);
        if (p.hubGasPerInput > MAX_GAS_PER_VALUE) revert ParameterOutOfBounds("hubGasPerInput", p.hubGasPerInput);
        if (p.returnGasPerOutput > MAX_GAS_PER_VALUE) {
            revert ParameterOutOfBounds("returnGasPerOutput", p.returnGasPerOutput);
        }
        if (p.maxCallbackGasLimit > MAX_CALLBACK_GAS_LIMIT) {
            revert ParameterOutOfBounds("maxCallbackGasLimit", p.maxCallbackGasLimit);
        }
        if (p.priceRatio == 0) revert ParameterOutOfBounds("priceRatio", 0);
        _params = p;
        emit ParamsUpdated(p);
    }

    function _checkGas(string memory name, uint32 gas) private pure {
        if (gas < MIN_MESSAGE_GAS || gas > MAX_MESSAGE_GAS) revert ParameterOutOfBounds(name, gas);
    }

    function _setTreasury(address treasury_) private {
        if (treasury_ == address(0)) revert ZeroAddress();
        _treasury = treasury_;
        emit TreasuryUpdated(treasury_);
    }
}
