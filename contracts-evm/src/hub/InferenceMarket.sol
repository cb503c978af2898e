// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {IInferenceConsumer} from "../consumer/IInferenceConsumer.sol";
import {
    DeliveryStatus,
    FeeRecord,
    Fees,
    IInferenceMarket,
    MarketParams,
    ModelUsage,
    RemoteRequest,
    Request,
    RequestStatus
} from "../interfaces/IInferenceMarket.sol";
import {IModelRegistry, ModelTerms} from "../interfaces/IModelRegistry.sol";
import {INodePool} from "../interfaces/INodePool.sol";
import {IRemoteResultSink, Settlement} from "../interfaces/IRemoteResultSink.sol";
import {GasLimitedCall} from "../libraries/GasLimitedCall.sol";
import {MarketRules} from "../libraries/MarketRules.sol";
import {IOLayout, InputMode, InstanceLayout} from "../libraries/InstanceLayout.sol";
import {Price, Pricing} from "../libraries/Pricing.sol";
import {IProofVerifier} from "../verifiers/IProofVerifier.sol";
import {HubAccess} from "./HubAccess.sol";

/// @title InferenceMarket
/// @notice Requesters pay price = compute units x unit price + royalty + protocol fee + callback gas x
/// callback gas price into escrow (plus a bond for a commitment request); the request is assigned at once to
/// a node serving the model with spare capacity in the current epoch. The
/// node fulfils it with a proof whose instances carry the request's input (or its Poseidon commitment) and
/// the output: the output is decoded from the verified instances, never taken from the node. Payment is
/// split into pull balances for the node, the model owner and the protocol; the consumer's callback runs
/// with the gas the requester chose, and a failing callback is recorded and retryable. Past the deadline
/// anyone may expire the request: the node is slashed (to the treasury), and the request goes to a node that
/// has not failed it yet or is refunded.
/// @dev Assignment: the scan over the model's nodes starts at keccak256(blockhash(n - 1), requestId) mod the
/// node count and takes the first eligible node. A requester contract can predict it (and revert until it
/// likes the node), so no part of a slash goes to the requester: steering pays nothing (decision 0028).
/// Invariant: the market's balance equals totalEscrowed (local pending requests) + totalClaimable.
contract InferenceMarket is IInferenceMarket, HubAccess, ReentrancyGuardTransient {
    using InstanceLayout for IOLayout;

    /// @notice Cross-chain gateways that may enqueue requests from other chains.
    bytes32 public constant REMOTE_GATEWAY_ROLE = keccak256("REMOTE_GATEWAY_ROLE");

    uint96 public constant MAX_UNIT_PRICE = MarketRules.MAX_UNIT_PRICE;
    uint64 public constant MAX_PROTOCOL_FEE = MarketRules.MAX_PROTOCOL_FEE;
    uint32 public constant MIN_FULFILMENT_WINDOW = MarketRules.MIN_FULFILMENT_WINDOW;
    uint32 public constant MAX_FULFILMENT_WINDOW = MarketRules.MAX_FULFILMENT_WINDOW;
    uint32 public constant MAX_CALLBACK_GAS_LIMIT = MarketRules.MAX_CALLBACK_GAS_LIMIT;
    uint8 public constant MAX_REASSIGNMENTS_LIMIT = MarketRules.MAX_REASSIGNMENTS_LIMIT;
    uint64 public constant MAX_CALLBACK_GAS_PRICE = MarketRules.MAX_CALLBACK_GAS_PRICE;
    uint96 public constant MAX_COMMITMENT_BOND = MarketRules.MAX_COMMITMENT_BOND;

    /// @custom:storage-location erc7201:zkvin.storage.InferenceMarket
    struct MarketStorage {
        IModelRegistry registry;
        INodePool pool;
        address treasury;
        MarketParams params;
        uint256 nextRequestId;
        uint128 totalEscrowed;
        uint128 totalClaimable;
        uint64 pausedAt;
        uint64 graceUntil;
        uint32 feesCount;
        mapping(uint256 requestId => Request) requests;
        mapping(uint32 feesId => StoredFees) fees;
        mapping(uint256 modelId => uint32 feesId) currentFees;
        mapping(uint256 requestId => address) retiredSlashBeneficiaries; // no longer written (decision 0028)
        mapping(bytes32 originKey => uint256 requestId) remoteIds;
        mapping(address account => uint256) claimable;
        mapping(uint256 modelId => ModelUsage) usage;
        mapping(uint256 modelId => mapping(bytes32 requesterKey => uint256 count)) requestCounts;
    }

    /// @dev Arguments of a request being opened.
    struct Opening {
        uint256 modelId;
        address requester;
        bytes32 requesterKey;
        uint256 commitment;
        bool hashed;
        bool remote;
        uint32 callbackGasLimit;
        uint256 feePaid;
    }

    /// @dev A fee record as stored (two slots); each fee part is below 2^80 (parameter bounds, or
    /// feePaid < 2^80); the terms are bounded by MAX_CALLBACK_GAS_PRICE, MAX_COMMITMENT_BOND and the pool's
    /// MAX_SLASH_AMOUNT.
    struct StoredFees {
        uint80 nodeFee;
        uint80 royalty;
        uint80 protocolFee;
        uint64 callbackGasPrice;
        uint96 bond;
        uint96 slashAmount;
    }

    /// @dev One fulfilment: the model, its owner and layout, the local fees earned so far, and the last fee
    /// record read (requests of a batch nearly always share one).
    struct Batch {
        uint256 modelId;
        address owner;
        IOLayout layout;
        uint256 nodeFee; // node fees and callback fees
        uint256 royalty;
        uint256 protocolFee;
        uint256 bonds; // commitment bonds returned to their requesters
        uint32 cachedFeesId;
        StoredFees cachedFees;
        bool deliveries; // some request wants its result delivered (callback or remote hook)
    }

    // keccak256(abi.encode(uint256(keccak256("zkvin.storage.InferenceMarket")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_SLOT = 0x08659317fad1d8ef444fa5a51cb06ac532d85a6288959623a36e1f9f5296d600;

    function _s() private pure returns (MarketStorage storage s) {
        assembly {
            s.slot := STORAGE_SLOT
        }
    }

    /// @notice Sets up the market behind its proxy. The pool must grant it MARKET_ROLE.
    /// @param admin Receives every governance role.
    /// @param registry_ The model registry.
    /// @param pool_ The node pool.
    /// @param treasury_ Receives protocol fees.
    /// @param params_ Initial bounded parameters.
    function initialize(
        address admin,
        IModelRegistry registry_,
        INodePool pool_,
        address treasury_,
        MarketParams calldata params_
    ) external initializer {
        __HubAccess_init(admin);
        if (address(registry_) == address(0) || address(pool_) == address(0)) revert ZeroAddress();
        MarketStorage storage s = _s();
        s.registry = registry_;
        s.pool = pool_;
        s.nextRequestId = 1;
        _setTreasury(treasury_);
        _setParams(params_);
    }

    // ---------------------------------------------------------------- requests

    /// @inheritdoc IInferenceMarket
    function requestInference(uint256 modelId, int256[] calldata input, uint32 callbackGasLimit)
        external
        payable
        whenNotPaused
        returns (uint256 requestId)
    {
        Opening memory o;
        o.modelId = modelId;
        o.requester = msg.sender;
        o.requesterKey = bytes32(uint256(uint160(msg.sender)));
        o.callbackGasLimit = callbackGasLimit;
        return _open(o, input);
    }

    /// @inheritdoc IInferenceMarket
    function requestInferenceWithCommitment(
        uint256 modelId,
        int256[] calldata input,
        uint256 commitment,
        uint32 callbackGasLimit
    ) external payable whenNotPaused returns (uint256 requestId) {
        Opening memory o;
        o.modelId = modelId;
        o.requester = msg.sender;
        o.requesterKey = bytes32(uint256(uint160(msg.sender)));
        o.commitment = commitment;
        o.hashed = true;
        o.callbackGasLimit = callbackGasLimit;
        return _open(o, input);
    }

    /// @inheritdoc IInferenceMarket
    function requestInferenceFromRemote(RemoteRequest calldata rr)
        external
        whenNotPaused
        onlyRole(REMOTE_GATEWAY_ROLE)
        returns (uint256 requestId)
    {
        MarketStorage storage s = _s();
        bytes32 originKey = keccak256(abi.encode(rr.originEid, rr.originRequester, rr.originRequestId));
        uint256 existing = s.remoteIds[originKey];
        if (existing != 0) revert DuplicateRemoteRequest(existing);
        if (rr.callbackGasLimit == 0) revert RemoteGasLimitZero();

        Opening memory o;
        o.modelId = rr.modelId;
        o.requester = msg.sender;
        o.requesterKey = keccak256(abi.encode(rr.originEid, rr.originRequester));
        o.commitment = rr.inputCommitment;
        o.hashed = rr.inputCommitment != 0;
        o.remote = true;
        o.callbackGasLimit = rr.callbackGasLimit;
        o.feePaid = rr.feePaid;
        requestId = _open(o, rr.input);

        s.remoteIds[originKey] = requestId;
        emit RemoteInferenceRequested(
            requestId, rr.originEid, rr.originRequester, rr.originRequestId, rr.feePaid, rr.slashBeneficiary
        );
    }

    // ---------------------------------------------------------------- fulfilment

    /// @inheritdoc IInferenceMarket
    function fulfil(uint256 requestId, bytes calldata proof, uint256[] calldata instances)
        external
        whenNotPaused
        nonReentrant
    {
        uint256[] memory ids = new uint256[](1);
        ids[0] = requestId;
        _fulfil(ids, proof, instances);
    }

    /// @inheritdoc IInferenceMarket
    function fulfilBatch(uint256[] calldata requestIds, bytes calldata proof, uint256[] calldata instances)
        external
        whenNotPaused
        nonReentrant
    {
        _fulfil(requestIds, proof, instances);
    }

    /// @inheritdoc IInferenceMarket
    function expire(uint256 requestId) external whenNotPaused nonReentrant {
        MarketStorage storage s = _s();
        Request storage r = s.requests[requestId];
        if (r.status != RequestStatus.Pending) revert RequestNotPending(requestId, r.status);
        uint256 deadline = _effectiveDeadline(s, r.deadline);
        if (block.number <= deadline) revert NotExpired(requestId, deadline);

        uint256 modelId = r.modelId;
        address failed = r.node;
        (uint256 slashed, bool provable) = s.pool.slash(failed, requestId, modelId, s.fees[r.feesId].slashAmount);
        if (!provable) {
            // The model's key was withdrawn: no node can prove the request any more, and none is to blame.
            emit InferenceUnprovable(requestId, failed);
            _refund(s, requestId, r, false);
            return;
        }
        s.usage[modelId].expired += 1;
        emit InferenceExpired(requestId, failed, slashed);

        if (r.reassignments < s.params.maxReassignments && _reassign(s, requestId, r)) return;
        _refund(s, requestId, r, true);
    }

    /// @inheritdoc IInferenceMarket
    function retryDelivery(uint256 requestId, int256[] calldata output, uint32 gasLimit) external nonReentrant {
        MarketStorage storage s = _s();
        Request storage r = s.requests[requestId];
        if (r.delivery != DeliveryStatus.Failed) revert NothingToRetry(requestId);
        if (gasLimit < r.callbackGasLimit) revert GasLimitBelowRequested(requestId, gasLimit, r.callbackGasLimit);
        uint256 modelId = r.modelId;
        bytes memory data;
        if (r.status == RequestStatus.Refunded) {
            // Only remote requests record a failed delivery on refund: the gateway's expiry notice.
            data = abi.encodeCall(IRemoteResultSink.onRemoteExpiry, (requestId, _feeTotal(s, r)));
        } else {
            if (keccak256(abi.encodePacked(output)) != r.payloadDigest) revert OutputMismatch(requestId);
            if (r.remote) {
                (address owner,,,) = s.registry.fulfilmentTerms(modelId);
                data = _resultHookCall(s, requestId, r, modelId, owner, output);
            } else {
                data = abi.encodeCall(IInferenceConsumer.onInferenceResult, (requestId, modelId, output));
            }
        }
        r.delivery = DeliveryStatus.Delivered;
        (bool ok, bytes memory reason) = GasLimitedCall.call(r.requester, gasLimit, data);
        if (!ok) revert CallbackReverted(requestId, reason);
        emit CallbackRetried(requestId);
    }

    /// @inheritdoc IInferenceMarket
    function withdraw(address payable to) external nonReentrant {
        if (to == address(0)) revert ZeroAddress();
        MarketStorage storage s = _s();
        uint256 amount = s.claimable[msg.sender];
        if (amount == 0) revert NothingToWithdraw(msg.sender);
        s.claimable[msg.sender] = 0;
        s.totalClaimable -= SafeCast.toUint128(amount);
        emit Withdrawn(msg.sender, to, amount);
        (bool ok,) = to.call{value: amount}("");
        if (!ok) revert TransferFailed(to, amount);
    }

    // ---------------------------------------------------------------- governance

    /// @notice Replaces the bounded market parameters (prices apply to requests made from now on).
    function setParams(MarketParams calldata params_) external onlyRole(PARAMETER_SETTER_ROLE) {
        _setParams(params_);
    }

    /// @notice Changes where protocol fees go (already credited fees stay with the previous treasury).
    function setTreasury(address treasury_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setTreasury(treasury_);
    }

    /// @notice Pauses requests, fulfilment and expiry. Deadlines that fall in a pause are pushed to a grace
    /// block one fulfilment window after the unpause, so no node is slashed for the pause.
    function pause() external override onlyRole(PAUSER_ROLE) {
        MarketStorage storage s = _s();
        // A pause inside a previous grace period extends that period instead of starting a new one.
        if (s.pausedAt == 0 || block.number >= s.graceUntil) s.pausedAt = uint64(block.number);
        _pause();
    }

    /// @notice Unpauses and opens the grace period for deadlines that fell since the pause began.
    function unpause() external override onlyRole(PAUSER_ROLE) {
        MarketStorage storage s = _s();
        s.graceUntil = uint64(block.number) + s.params.fulfilmentWindow;
        _unpause();
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IInferenceMarket
    function quote(uint256 modelId) external view returns (Price memory) {
        return _quote(modelId, 0);
    }

    /// @inheritdoc IInferenceMarket
    function quote(uint256 modelId, uint32 callbackGasLimit) external view returns (Price memory) {
        return _quote(modelId, callbackGasLimit);
    }

    /// @inheritdoc IInferenceMarket
    function request(uint256 requestId) external view returns (Request memory) {
        return _s().requests[requestId];
    }

    /// @inheritdoc IInferenceMarket
    function requestFees(uint256 requestId) external view returns (Fees memory) {
        MarketStorage storage s = _s();
        Request storage r = s.requests[requestId];
        StoredFees memory f = s.fees[r.feesId];
        return Fees({
            nodeFee: f.nodeFee,
            royalty: f.royalty,
            protocolFee: f.protocolFee,
            callbackFee: uint256(r.callbackGasLimit) * f.callbackGasPrice,
            bond: f.bond,
            slashAmount: f.slashAmount
        });
    }

    /// @inheritdoc IInferenceMarket
    function remoteRequestId(uint32 originEid, bytes32 originRequester, bytes32 originRequestId)
        external
        view
        returns (uint256)
    {
        return _s().remoteIds[keccak256(abi.encode(originEid, originRequester, originRequestId))];
    }

    /// @inheritdoc IInferenceMarket
    function claimable(address account) external view returns (uint256) {
        return _s().claimable[account];
    }

    /// @inheritdoc IInferenceMarket
    function modelUsage(uint256 modelId) external view returns (ModelUsage memory) {
        return _s().usage[modelId];
    }

    /// @inheritdoc IInferenceMarket
    function requestCount(uint256 modelId, bytes32 requesterKey) external view returns (uint256) {
        return _s().requestCounts[modelId][requesterKey];
    }

    /// @inheritdoc IInferenceMarket
    function effectiveDeadline(uint256 requestId) external view returns (uint256) {
        MarketStorage storage s = _s();
        return _effectiveDeadline(s, s.requests[requestId].deadline);
    }

    /// @inheritdoc IInferenceMarket
    function params() external view returns (MarketParams memory) {
        return _s().params;
    }

    /// @inheritdoc IInferenceMarket
    function totalEscrowed() external view returns (uint256) {
        return _s().totalEscrowed;
    }

    /// @inheritdoc IInferenceMarket
    function totalClaimable() external view returns (uint256) {
        return _s().totalClaimable;
    }

    /// @inheritdoc IInferenceMarket
    function nextRequestId() external view returns (uint256) {
        return _s().nextRequestId;
    }

    /// @notice The model registry.
    function registry() external view returns (IModelRegistry) {
        return _s().registry;
    }

    /// @notice The node pool.
    function pool() external view returns (INodePool) {
        return _s().pool;
    }

    /// @notice Where protocol fees go.
    function treasury() external view returns (address) {
        return _s().treasury;
    }

    // ---------------------------------------------------------------- internals: opening

    function _open(Opening memory o, int256[] calldata input) private returns (uint256 requestId) {
        MarketStorage storage s = _s();
        (ModelTerms memory t, bytes32 digest) = s.registry.requestTerms(o.modelId, input, o.commitment, o.hashed);
        if (o.callbackGasLimit > s.params.maxCallbackGasLimit) {
            revert CallbackGasLimitTooHigh(o.callbackGasLimit, s.params.maxCallbackGasLimit);
        }
        requestId = s.nextRequestId++;
        Fees memory fees = _place(s, requestId, o, t, digest);
        _countRequest(s, o.modelId, o.requesterKey);
        emit InferenceRequested(requestId, o.modelId, o.requester, input, o.commitment, o.callbackGasLimit, fees);
    }

    /// @dev Assigns the new request to a node, takes its fees and stores it.
    function _place(MarketStorage storage s, uint256 requestId, Opening memory o, ModelTerms memory t, bytes32 digest)
        private
        returns (Fees memory fees)
    {
        (address node, uint32 epoch, uint256 slashAmount) = _assign(s, requestId, o.modelId, t.computeUnits);
        if (node == address(0)) revert NoCapacity(o.modelId);
        uint32 feesId;
        (feesId, fees) = _collectFees(s, o, t, slashAmount);
        _store(s, requestId, o, node, digest, feesId);
        emit InferenceAssigned(requestId, node, epoch, s.requests[requestId].deadline);
    }

    function _store(
        MarketStorage storage s,
        uint256 requestId,
        Opening memory o,
        address node,
        bytes32 digest,
        uint32 feesId
    ) private {
        Request storage r = s.requests[requestId];
        r.requester = o.requester;
        // forge-lint: disable-next-line(unsafe-typecast)
        r.modelId = uint64(o.modelId); // registry ids are sequential and far below 2^64
        r.status = RequestStatus.Pending;
        r.remote = o.remote;
        r.node = node;
        r.deadline = _deadline(s);
        // forge-lint: disable-next-line(unsafe-typecast)
        r.callbackGasLimit = uint24(o.callbackGasLimit); // <= maxCallbackGasLimit <= MAX_CALLBACK_GAS_LIMIT < 2^24
        r.feesId = feesId;
        r.payloadDigest = digest;
    }

    /// @dev Takes the fee, callback fee and bond (local) or splits the spoke's fee (remote), and finds or
    /// records its fee record (with the slash amount in force now).
    function _collectFees(MarketStorage storage s, Opening memory o, ModelTerms memory t, uint256 slashAmount)
        private
        returns (uint32 feesId, Fees memory fees)
    {
        Price memory p = Pricing.quote(t.computeUnits, s.params.unitPrice, t.royalty, s.params.protocolFee);
        fees.slashAmount = slashAmount;
        if (o.remote) {
            if (o.feePaid > type(uint80).max) revert FeeTooLarge(o.feePaid);
            (fees.nodeFee, fees.royalty, fees.protocolFee) = Pricing.splitPaid(o.feePaid, p);
            return (_recordFees(s, fees, 0), fees);
        }
        uint64 gasPrice = s.params.callbackGasPrice;
        p = Pricing.withCallback(p, o.callbackGasLimit, gasPrice);
        fees = Fees({
            nodeFee: p.nodeFee,
            royalty: p.royalty,
            protocolFee: p.protocolFee,
            callbackFee: p.callbackFee,
            bond: o.hashed ? s.params.commitmentBond : 0,
            slashAmount: slashAmount
        });
        uint256 due = p.total + fees.bond;
        if (msg.value != due) revert IncorrectPayment(due, msg.value);
        s.totalEscrowed += SafeCast.toUint128(due);
        feesId = s.currentFees[o.modelId];
        StoredFees memory current = s.fees[feesId];
        if (
            feesId == 0 || current.nodeFee != fees.nodeFee || current.royalty != fees.royalty
                || current.protocolFee != fees.protocolFee || current.callbackGasPrice != gasPrice
                || current.bond != fees.bond || current.slashAmount != slashAmount
        ) {
            feesId = _recordFees(s, fees, gasPrice);
            s.currentFees[o.modelId] = feesId;
        }
    }

    function _recordFees(MarketStorage storage s, Fees memory fees, uint64 callbackGasPrice)
        private
        returns (uint32 feesId)
    {
        feesId = ++s.feesCount;
        // Local parts are bounded by the parameter limits (each below 2^80); remote parts by feePaid < 2^80; the
        // bond by MAX_COMMITMENT_BOND and the slash amount by the pool's MAX_SLASH_AMOUNT (both below 2^96).
        StoredFees memory f = StoredFees({
            // forge-lint: disable-next-line(unsafe-typecast)
            nodeFee: uint80(fees.nodeFee),
            // forge-lint: disable-next-line(unsafe-typecast)
            royalty: uint80(fees.royalty),
            // forge-lint: disable-next-line(unsafe-typecast)
            protocolFee: uint80(fees.protocolFee),
            callbackGasPrice: callbackGasPrice,
            // forge-lint: disable-next-line(unsafe-typecast)
            bond: uint96(fees.bond),
            slashAmount: SafeCast.toUint96(fees.slashAmount)
        });
        s.fees[feesId] = f;
        emit FeesRecorded(
            feesId,
            FeeRecord({
                nodeFee: fees.nodeFee,
                royalty: fees.royalty,
                protocolFee: fees.protocolFee,
                callbackGasPrice: callbackGasPrice,
                bond: fees.bond,
                slashAmount: fees.slashAmount
            })
        );
    }

    function _deadline(MarketStorage storage s) private view returns (uint40) {
        return SafeCast.toUint40(block.number + s.params.fulfilmentWindow);
    }

    function _assign(MarketStorage storage s, uint256 requestId, uint256 modelId, uint32 units)
        private
        returns (address node, uint32 epoch, uint256 slashAmount)
    {
        uint256 seed = uint256(keccak256(abi.encode(blockhash(block.number - 1), requestId)));
        return s.pool.assign(modelId, units, seed, requestId);
    }

    function _quote(uint256 modelId, uint32 callbackGasLimit) private view returns (Price memory) {
        MarketStorage storage s = _s();
        return MarketRules.quote(s.registry, s.params, modelId, callbackGasLimit);
    }

    /// @dev Hands an expired request to a node that has not failed it yet; false when none can take it.
    function _reassign(MarketStorage storage s, uint256 requestId, Request storage r) private returns (bool) {
        uint256 modelId = r.modelId;
        (address node, uint32 epoch,) = _assign(s, requestId, modelId, s.registry.modelTerms(modelId).computeUnits);
        if (node == address(0)) return false;
        uint40 newDeadline = _deadline(s);
        r.node = node;
        r.deadline = newDeadline;
        r.reassignments += 1;
        emit InferenceAssigned(requestId, node, epoch, newDeadline);
        return true;
    }

    function _countRequest(MarketStorage storage s, uint256 modelId, bytes32 requesterKey) private {
        ModelUsage storage u = s.usage[modelId];
        uint256 count = ++s.requestCounts[modelId][requesterKey];
        u.requests += 1;
        if (count == 1) u.distinctRequesters += 1;
        else if (count == 2) u.repeatRequesters += 1;
    }

    // ---------------------------------------------------------------- internals: fulfilment

    function _fulfil(uint256[] memory ids, bytes calldata proof, uint256[] calldata instances) private {
        MarketStorage storage s = _s();
        Batch memory b = _checkProof(s, ids, proof, instances);
        uint256 n = ids.length;
        int256[][] memory outputs = new int256[][](n);
        for (uint256 i; i < n; ++i) {
            outputs[i] = _settle(s, ids[i], i, b, instances);
        }
        uint256 earned = b.nodeFee + b.royalty + b.protocolFee;
        if (earned + b.bonds != 0) {
            s.totalEscrowed -= SafeCast.toUint128(earned + b.bonds);
            s.totalClaimable += SafeCast.toUint128(earned + b.bonds);
            _credit(s, msg.sender, b.nodeFee);
            _credit(s, b.owner, b.royalty);
            _credit(s, s.treasury, b.protocolFee);
        }
        // forge-lint: disable-next-line(unsafe-typecast)
        s.usage[b.modelId].fulfilled += uint64(n); // n <= batchSize <= 64
        // forge-lint: disable-next-line(unsafe-typecast)
        s.pool.release(msg.sender, uint32(n));
        emit FulfilmentSettled(msg.sender, b.modelId, b.owner, n, b.nodeFee, b.royalty, b.protocolFee);

        if (!b.deliveries) return;
        for (uint256 i; i < n; ++i) {
            _deliver(s, ids[i], b.modelId, b.owner, outputs[i]);
        }
    }

    /// @dev Loads the model of the first request and verifies the proof against its verifier key.
    function _checkProof(
        MarketStorage storage s,
        uint256[] memory ids,
        bytes calldata proof,
        uint256[] calldata instances
    ) private view returns (Batch memory b) {
        uint256 n = ids.length;
        if (n == 0) revert EmptyBatch();
        Request storage first = s.requests[ids[0]];
        if (first.status != RequestStatus.Pending) revert RequestNotPending(ids[0], first.status);
        b.modelId = first.modelId;
        IProofVerifier verifier;
        bytes32 key;
        (b.owner, verifier, key, b.layout) = s.registry.fulfilmentTerms(b.modelId);
        if (n > b.layout.batchSize) revert BatchTooLarge(n, b.layout.batchSize);
        b.layout.checkInstanceCount(instances.length);
        if (!verifier.verify(key, proof, instances)) revert InvalidProof(b.modelId);
    }

    /// @dev Checks request `id` against slot `slot` of the verified instances, marks it fulfilled and adds
    /// its escrowed fees (local requests) to the batch's earnings. Returns its output.
    function _settle(MarketStorage storage s, uint256 id, uint256 slot, Batch memory b, uint256[] calldata instances)
        private
        returns (int256[] memory output)
    {
        Request storage r = s.requests[id];
        if (r.status != RequestStatus.Pending) revert RequestNotPending(id, r.status);
        if (r.modelId != b.modelId) revert ModelMismatch(id, b.modelId, r.modelId);
        if (r.node != msg.sender) revert NotAssignedNode(id, msg.sender);
        // The pause grace period only matters once the request's own deadline has passed.
        if (block.number > r.deadline) {
            uint256 deadline = _effectiveDeadline(s, r.deadline);
            if (block.number > deadline) revert DeadlinePassed(id, deadline);
        }
        if (b.layout.inputSlotDigest(instances, slot) != r.payloadDigest) revert InputMismatch(id, slot);

        output = b.layout.decodeOutput(instances, slot);
        r.status = RequestStatus.Fulfilled;
        if (r.remote || r.callbackGasLimit != 0) b.deliveries = true;
        // Nodes that failed it before were lazy (the commitment opened): their held slashes go to the treasury.
        if (r.reassignments != 0) s.pool.settleHeld(id, true);
        if (!r.remote) {
            uint32 feesId = r.feesId;
            if (feesId != b.cachedFeesId) {
                b.cachedFeesId = feesId;
                b.cachedFees = s.fees[feesId];
            }
            b.nodeFee += b.cachedFees.nodeFee + uint256(r.callbackGasLimit) * b.cachedFees.callbackGasPrice;
            b.royalty += b.cachedFees.royalty;
            b.protocolFee += b.cachedFees.protocolFee;
            uint256 bond = b.cachedFees.bond;
            if (bond != 0) {
                // The commitment opened to the proven input: the requester gets its bond back.
                b.bonds += bond;
                _credit(s, r.requester, bond);
            }
        }
        emit InferenceFulfilled(id, output);
    }

    /// @dev Hands a result to the consumer (if it asked for a callback) or to the gateway (remote requests).
    function _deliver(MarketStorage storage s, uint256 id, uint256 modelId, address owner, int256[] memory output)
        private
    {
        Request storage r = s.requests[id];
        uint32 gasLimit = r.callbackGasLimit;
        bytes memory data;
        if (r.remote) {
            data = _resultHookCall(s, id, r, modelId, owner, output);
        } else if (gasLimit != 0) {
            data = abi.encodeCall(IInferenceConsumer.onInferenceResult, (id, modelId, output));
        } else {
            return;
        }
        (bool ok, bytes memory reason) = GasLimitedCall.call(r.requester, gasLimit, data);
        if (ok) {
            r.delivery = DeliveryStatus.Delivered;
        } else {
            // Keep what a retry must deliver; the output itself is in InferenceFulfilled.
            r.delivery = DeliveryStatus.Failed;
            r.payloadDigest = keccak256(abi.encodePacked(output));
            emit CallbackFailed(id, reason);
        }
    }

    function _resultHookCall(
        MarketStorage storage s,
        uint256 id,
        Request storage r,
        uint256 modelId,
        address owner,
        int256[] memory output
    ) private view returns (bytes memory) {
        StoredFees memory f = s.fees[r.feesId];
        Settlement memory settlement = Settlement({
            node: r.node,
            nodeAmount: f.nodeFee,
            modelOwner: owner,
            royaltyAmount: f.royalty,
            protocolAmount: f.protocolFee
        });
        return abi.encodeCall(IRemoteResultSink.onRemoteResult, (id, modelId, output, settlement));
    }

    // ---------------------------------------------------------------- internals: expiry and money

    /// @dev Refunds the request and settles the slashes held for it as unproven. `forfeit`: every node it was
    /// given to failed it, so a commitment bond goes to the treasury.
    function _refund(MarketStorage storage s, uint256 id, Request storage r, bool forfeit) private {
        r.status = RequestStatus.Refunded;
        s.pool.settleHeld(id, false);
        uint256 amount = _feeTotal(s, r);
        address requester = r.requester;
        if (!r.remote) {
            StoredFees storage f = s.fees[r.feesId];
            uint256 bond = f.bond;
            uint256 forfeited = forfeit ? bond : 0;
            amount += uint256(r.callbackGasLimit) * f.callbackGasPrice + bond - forfeited;
            emit InferenceRefunded(id, requester, amount);
            s.totalEscrowed -= SafeCast.toUint128(amount + forfeited);
            s.totalClaimable += SafeCast.toUint128(amount + forfeited);
            _credit(s, requester, amount);
            if (forfeited != 0) {
                _credit(s, s.treasury, forfeited);
                emit CommitmentBondForfeited(id, forfeited);
            }
            return;
        }
        emit InferenceRefunded(id, requester, amount);
        bytes memory data = abi.encodeCall(IRemoteResultSink.onRemoteExpiry, (id, amount));
        (bool ok, bytes memory reason) = GasLimitedCall.call(requester, r.callbackGasLimit, data);
        if (ok) {
            r.delivery = DeliveryStatus.Delivered;
        } else {
            r.delivery = DeliveryStatus.Failed;
            emit CallbackFailed(id, reason);
        }
    }

    /// @dev Adds to an account's pull balance; the caller moves the amount into totalClaimable.
    function _credit(MarketStorage storage s, address account, uint256 amount) private {
        if (amount != 0) s.claimable[account] += amount;
    }

    /// @dev The request's fee parts (without its callback fee and bond).
    function _feeTotal(MarketStorage storage s, Request storage r) private view returns (uint256) {
        StoredFees storage f = s.fees[r.feesId];
        return uint256(f.nodeFee) + f.royalty + f.protocolFee;
    }

    function _effectiveDeadline(MarketStorage storage s, uint40 deadline) private view returns (uint256) {
        uint64 pausedAt = s.pausedAt;
        uint64 graceUntil = s.graceUntil;
        if (pausedAt != 0 && deadline >= pausedAt && deadline < graceUntil) return graceUntil;
        return deadline;
    }

    function _setParams(MarketParams calldata p) private {
        MarketRules.check(p);
        _s().params = p;
        emit MarketParamsUpdated(p);
    }

    function _setTreasury(address treasury_) private {
        if (treasury_ == address(0)) revert ZeroAddress();
        _s().treasury = treasury_;
        emit TreasuryUpdated(treasury_);
    }
}
