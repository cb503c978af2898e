// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {
    Backtest,
    BacktestClaim,
    BacktestProof,
    IModelRegistry,
    Model,
    ModelSpec,
    ModelStatus,
    ModelTerms
} from "../interfaces/IModelRegistry.sol";
import {FieldEncoding} from "../libraries/FieldEncoding.sol";
import {InputBound, InputBounds} from "../libraries/InputBounds.sol";
import {IOLayout, InputMode, InstanceLayout} from "../libraries/InstanceLayout.sol";
import {IProofVerifier} from "../verifiers/IProofVerifier.sol";
import {HubAccess} from "./HubAccess.sol";

/// @title ModelRegistry
/// @notice The hub's catalogue of models. Registration costs a non-zero fee (spam protection) that goes
/// to the treasury, and binds the model for good to a verifier adapter approved by governance and a key
/// inside it, plus the circuit's settings hash, instance layout, compute units and artifact URI. The owner
/// may change the royalty and metadata, hand the model over, deprecate it, and record verified backtests.
/// Each input feature has its own registered bound; every request's input is checked against them.
/// While `modelApprovalRequired` is on (public networks) registration is register -> approve -> live: a
/// registration is a Pending proposal, its fee held in escrow, until MODEL_APPROVER_ROLE approves that
/// model id with its spec digest (the registrant and the whole spec: adapter, key, settings hash, layout,
/// bounds, compute units, royalty, URIs). Approving a VKA in its adapter is not enough: the same key under another layout (input and
/// output slots swapped) would make a genuine proof deliver the inputs as the "verified output".
/// @dev One (verifier, key) pair names at most one live model, so a verifying key always maps to one model
/// id. A pending proposal holds no key, so nobody can squat a key by proposing it first; approval takes it.
/// The bounds live as contract code (InputBounds/CodeStore), so a request reads them with one EXTCODECOPY.
contract ModelRegistry is IModelRegistry, HubAccess {
    using InstanceLayout for IOLayout;

    /// @notice Upper bound governance may set for royalties.
    uint96 public constant MAX_ROYALTY_LIMIT = 100 ether;
    /// @notice Upper bound for the registration fee.
    uint256 public constant MAX_REGISTRATION_FEE = 100 ether;
    /// @notice Upper bound for a model's compute units per inference.
    uint32 public constant MAX_COMPUTE_UNITS = 1_000_000;
    /// @notice May approve and reject pending models (after rebuilding their artifacts).
    bytes32 public constant MODEL_APPROVER_ROLE = keccak256("MODEL_APPROVER_ROLE");

    /// @dev A model as stored: `Model` with its input bounds behind a CodeStore pointer.
    struct ModelRecord {
        address owner;
        uint32 computeUnits;
        bool deprecated;
        ModelStatus status; // packs with the owner; Live = 0
        IProofVerifier verifier;
        uint96 royalty;
        bytes32 verifierKey;
        bytes32 settingsHash;
        IOLayout layout; // one slot
        address inputBounds; // InputBounds pointer: layout.inputCount bounds
        string artifactURI;
        string metadataURI;
        bytes32 specDigest;
    }

    /// @custom:storage-location erc7201:zkvin.storage.ModelRegistry
    struct RegistryStorage {
        uint256 modelCount;
        uint256 registrationFee;
        uint256 accruedFees;
        address treasury;
        uint96 maxRoyalty;
        mapping(uint256 modelId => ModelRecord) models;
        mapping(bytes32 verifierAndKey => uint256 modelId) modelIdByKey;
        mapping(IProofVerifier verifier => bool approved) approvedVerifiers;
        mapping(uint256 modelId => Backtest[]) backtests;
        bool modelApprovalRequired;
        mapping(uint256 modelId => uint256 fee) escrowedFees; // fees of pending proposals
        mapping(address registrant => uint256 amount) refunds; // fees of rejected or withdrawn proposals
    }

    // keccak256(abi.encode(uint256(keccak256("zkvin.storage.ModelRegistry")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant STORAGE_SLOT = 0x4928eede7a7d1445e897a5ada0c210b3459278aebc20a6d160069a28e8983700;

    function _s() private pure returns (RegistryStorage storage s) {
        assembly {
            s.slot := STORAGE_SLOT
        }
    }

    /// @notice Sets up the registry behind its proxy (model approval off; the deploy script turns it on).
    /// @param admin Receives every role, MODEL_APPROVER_ROLE included.
    /// @param treasury_ Where registration fees go.
    /// @param registrationFee_ Fee per registration, in wei (non-zero).
    /// @param maxRoyalty_ Largest royalty a model may charge per inference.
    function initialize(address admin, address treasury_, uint256 registrationFee_, uint96 maxRoyalty_)
        external
        initializer
    {
        __HubAccess_init(admin);
        _grantRole(MODEL_APPROVER_ROLE, admin);
        _setTreasury(treasury_);
        _setRegistrationFee(registrationFee_);
        _setMaxRoyalty(maxRoyalty_);
    }

    // ---------------------------------------------------------------- model owners

    /// @inheritdoc IModelRegistry
    function registerModel(ModelSpec calldata spec) external payable whenNotPaused returns (uint256 modelId) {
        RegistryStorage storage s = _s();
        if (msg.value != s.registrationFee) revert IncorrectRegistrationFee(s.registrationFee, msg.value);
        if (!s.approvedVerifiers[spec.verifier]) revert VerifierNotApproved(spec.verifier);
        if (!spec.verifier.isKeyAccepted(spec.verifierKey)) {
            revert VerifierKeyNotAccepted(spec.verifier, spec.verifierKey);
        }
        bytes32 keyId = _keyId(spec.verifier, spec.verifierKey);
        _checkKeyFree(s, keyId, spec.verifier, spec.verifierKey);

        IOLayout memory layout = spec.layout;
        layout.validate();
        InputBound[] memory bounds = spec.inputBounds;
        InputBounds.validate(bounds, layout.inputCount);
        _checkInstanceCount(spec.verifier, spec.verifierKey, layout.instanceCount);
        if (spec.computeUnits == 0 || spec.computeUnits > MAX_COMPUTE_UNITS) {
            revert InvalidComputeUnits(spec.computeUnits);
        }
        if (spec.royalty > s.maxRoyalty) revert RoyaltyTooHigh(spec.royalty, s.maxRoyalty);
        if (bytes(spec.artifactURI).length == 0) revert EmptyArtifactURI();

        bytes32 digest = _specDigest(msg.sender, spec);
        bool live = !s.modelApprovalRequired;
        modelId = ++s.modelCount;
        ModelRecord storage m = s.models[modelId];
        if (live) {
            s.modelIdByKey[keyId] = modelId;
            s.accruedFees += msg.value;
        } else {
            m.status = ModelStatus.Pending;
            s.escrowedFees[modelId] = msg.value;
        }
        m.owner = msg.sender;
        m.computeUnits = spec.computeUnits;
        m.verifier = spec.verifier;
        m.royalty = spec.royalty;
        m.verifierKey = spec.verifierKey;
        m.settingsHash = spec.settingsHash;
        m.layout = layout;
        // A data contract of our own creation code: nothing runs that could call back.
        m.inputBounds = InputBounds.store(bounds);
        m.artifactURI = spec.artifactURI;
        m.metadataURI = spec.metadataURI;
        m.specDigest = digest;

        emit ModelRegistered(modelId, msg.sender, spec.verifier, spec);
        if (live) emit ModelApproved(modelId, digest, address(0));
        else emit ModelProposed(modelId, digest, msg.value);
    }

    /// @inheritdoc IModelRegistry
    function withdrawModelProposal(uint256 modelId) external {
        ModelRecord storage m = _ownedModel(modelId);
        _closeProposal(m, modelId, ModelStatus.Withdrawn);
        emit ModelProposalWithdrawn(modelId);
    }

    /// @inheritdoc IModelRegistry
    function claimRefund() external {
        RegistryStorage storage s = _s();
        uint256 amount = s.refunds[msg.sender];
        if (amount == 0) revert NothingToWithdraw();
        s.refunds[msg.sender] = 0;
        emit RegistrationFeeRefunded(msg.sender, amount);
        (bool ok,) = msg.sender.call{value: amount}("");
        if (!ok) revert TransferFailed(msg.sender, amount);
    }

    /// @inheritdoc IModelRegistry
    function setRoyalty(uint256 modelId, uint96 royalty) external {
        ModelRecord storage m = _ownedModel(modelId);
        uint96 max = _s().maxRoyalty;
        if (royalty > max) revert RoyaltyTooHigh(royalty, max);
        m.royalty = royalty;
        emit ModelRoyaltyUpdated(modelId, royalty);
    }

    /// @inheritdoc IModelRegistry
    function setMetadataURI(uint256 modelId, string calldata metadataURI) external {
        _ownedModel(modelId).metadataURI = metadataURI;
        emit ModelMetadataUpdated(modelId, metadataURI);
    }

    /// @inheritdoc IModelRegistry
    /// @dev Only a live model changes hands: the owner is part of what an approval binds.
    function transferModelOwnership(uint256 modelId, address newOwner) external {
        ModelRecord storage m = _liveOwnedModel(modelId);
        if (newOwner == address(0)) revert ZeroAddress();
        m.owner = newOwner;
        emit ModelOwnershipTransferred(modelId, msg.sender, newOwner);
    }

    /// @inheritdoc IModelRegistry
    function deprecateModel(uint256 modelId) external {
        ModelRecord storage m = _liveOwnedModel(modelId);
        if (m.deprecated) revert ModelIsDeprecated(modelId);
        m.deprecated = true;
        emit ModelDeprecated(modelId);
    }

    /// @inheritdoc IModelRegistry
    /// @dev inputsDigest = keccak256 of the concatenated per-sample input digests (each the keccak256 of
    /// the sample's input instances); outputsDigest = keccak256 of all decoded output values, in order.
    function recordBacktest(uint256 modelId, BacktestClaim calldata claim, BacktestProof[] calldata proofs)
        external
        returns (uint256 index)
    {
        ModelRecord storage m = _ownedModel(modelId);
        IOLayout memory l = m.layout;
        uint256 slots = proofs.length * l.batchSize;
        // Every proof but the last must be full of real samples; the last holds at least one.
        if (claim.samples == 0 || claim.samples > slots || claim.samples + l.batchSize <= slots) {
            revert BacktestSampleCount(claim.samples, slots);
        }
        (bytes32 inputsDigest, int256[] memory outputs) = _verifyBacktest(m, l, claim.samples, proofs);

        Backtest memory record = Backtest({
            inputsDigest: inputsDigest,
            outputsDigest: keccak256(abi.encodePacked(outputs)),
            datasetHash: claim.datasetHash,
            samples: claim.samples,
            metricScale: claim.metricScale,
            recordedAt: uint64(block.number),
            metricValue: claim.metricValue,
            metric: claim.metric,
            datasetURI: claim.datasetURI
        });
        Backtest[] storage list = _s().backtests[modelId];
        index = list.length;
        list.push(record);
        emit BacktestRecorded(modelId, index, record, outputs);
    }

    // ---------------------------------------------------------------- model approval

    /// @inheritdoc IModelRegistry
    function approveModel(uint256 modelId, bytes32 digest) external onlyRole(MODEL_APPROVER_ROLE) {
        RegistryStorage storage s = _s();
        ModelRecord storage m = _model(modelId);
        if (m.status != ModelStatus.Pending) revert ModelNotPending(modelId, m.status);
        if (digest != m.specDigest) revert SpecDigestMismatch(modelId, m.specDigest, digest);
        // The adapter may have revoked the key, or another model may have gone live with it, since the proposal.
        if (!s.approvedVerifiers[m.verifier]) revert VerifierNotApproved(m.verifier);
        if (!m.verifier.isKeyAccepted(m.verifierKey)) revert VerifierKeyNotAccepted(m.verifier, m.verifierKey);
        bytes32 keyId = _keyId(m.verifier, m.verifierKey);
        _checkKeyFree(s, keyId, m.verifier, m.verifierKey);
        _checkInstanceCount(m.verifier, m.verifierKey, m.layout.instanceCount);

        m.status = ModelStatus.Live;
        s.modelIdByKey[keyId] = modelId;
        s.accruedFees += s.escrowedFees[modelId];
        delete s.escrowedFees[modelId];
        emit ModelApproved(modelId, digest, msg.sender);
    }

    /// @inheritdoc IModelRegistry
    function rejectModel(uint256 modelId, string calldata reason) external onlyRole(MODEL_APPROVER_ROLE) {
        _closeProposal(_model(modelId), modelId, ModelStatus.Rejected);
        emit ModelRejected(modelId, msg.sender, reason);
    }

    /// @notice Switches the model approval requirement on (public networks) or off (development networks).
    /// Models already live or pending keep their status.
    function setModelApprovalRequired(bool required) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _s().modelApprovalRequired = required;
        emit ModelApprovalRequirementSet(required);
    }

    // ---------------------------------------------------------------- treasury and governance

    /// @notice Sends the registration fees collected so far to the treasury. Anyone may trigger it.
    function withdrawRegistrationFees() external {
        RegistryStorage storage s = _s();
        uint256 amount = s.accruedFees;
        if (amount == 0) revert NothingToWithdraw();
        s.accruedFees = 0;
        address to = s.treasury;
        emit RegistrationFeesWithdrawn(to, amount);
        (bool ok,) = to.call{value: amount}("");
        if (!ok) revert TransferFailed(to, amount);
    }

    /// @notice Allows or forbids registering models with `verifier`. Existing models keep their adapter;
    /// un-approving an adapter does not stop their proofs (revoke inside the adapter for that).
    function setVerifierApproval(IProofVerifier verifier, bool approved) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (address(verifier) == address(0)) revert ZeroAddress();
        _s().approvedVerifiers[verifier] = approved;
        emit VerifierApprovalSet(verifier, approved);
    }

    /// @notice Sets the registration fee (non-zero, at most MAX_REGISTRATION_FEE).
    function setRegistrationFee(uint256 fee) external onlyRole(PARAMETER_SETTER_ROLE) {
        _setRegistrationFee(fee);
    }

    /// @notice Sets the largest royalty models may charge from now on (at most MAX_ROYALTY_LIMIT).
    function setMaxRoyalty(uint96 maxRoyalty_) external onlyRole(PARAMETER_SETTER_ROLE) {
        _setMaxRoyalty(maxRoyalty_);
    }

    /// @notice Changes where registration fees go.
    function setTreasury(address treasury_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        _setTreasury(treasury_);
    }

    // ---------------------------------------------------------------- views

    /// @inheritdoc IModelRegistry
    function model(uint256 modelId) external view returns (Model memory) {
        ModelRecord storage m = _model(modelId);
        return Model({
            owner: m.owner,
            computeUnits: m.computeUnits,
            deprecated: m.deprecated,
            verifier: m.verifier,
            royalty: m.royalty,
            verifierKey: m.verifierKey,
            settingsHash: m.settingsHash,
            layout: m.layout,
            inputBounds: InputBounds.load(m.inputBounds, m.layout.inputCount),
            artifactURI: m.artifactURI,
            metadataURI: m.metadataURI,
            status: m.status,
            specDigest: m.specDigest
        });
    }

    /// @inheritdoc IModelRegistry
    function inputBounds(uint256 modelId) external view returns (InputBound[] memory) {
        ModelRecord storage m = _model(modelId);
        return InputBounds.load(m.inputBounds, m.layout.inputCount);
    }

    /// @inheritdoc IModelRegistry
    function modelTerms(uint256 modelId) external view returns (ModelTerms memory t) {
        ModelRecord storage m = _model(modelId);
        t = ModelTerms({
            owner: m.owner,
            computeUnits: m.computeUnits,
            royalty: m.royalty,
            deprecated: m.deprecated || m.status != ModelStatus.Live,
            layout: m.layout
        });
    }

    /// @inheritdoc IModelRegistry
    function requestTerms(uint256 modelId, int256[] calldata input, uint256 commitment, bool hashed)
        external
        view
        returns (ModelTerms memory t, bytes32 inputDigest)
    {
        ModelRecord storage m = _model(modelId);
        if (m.status != ModelStatus.Live) revert ModelNotLive(modelId, m.status);
        if (m.deprecated) revert ModelIsDeprecated(modelId);
        t = ModelTerms({
            owner: m.owner, computeUnits: m.computeUnits, royalty: m.royalty, deprecated: false, layout: m.layout
        });
        if ((t.layout.inputMode == InputMode.Hashed) != hashed) revert WrongInputMode(modelId);
        t.layout.checkInputLength(input);
        InputBounds.check(m.inputBounds, input);
        if (!hashed) return (t, FieldEncoding.feltDigest(input));
        if (commitment >= FieldEncoding.P) revert CommitmentOutOfField(commitment);
        return (t, keccak256(abi.encode(commitment)));
    }

    /// @inheritdoc IModelRegistry
    function fulfilmentTerms(uint256 modelId)
        external
        view
        returns (address owner, IProofVerifier verifier, bytes32 verifierKey, IOLayout memory layout)
    {
        ModelRecord storage m = _model(modelId);
        return (m.owner, m.verifier, m.verifierKey, m.layout);
    }

    /// @inheritdoc IModelRegistry
    function exists(uint256 modelId) external view returns (bool) {
        return modelId != 0 && modelId <= _s().modelCount;
    }

    /// @inheritdoc IModelRegistry
    function modelCount() external view returns (uint256) {
        return _s().modelCount;
    }

    /// @inheritdoc IModelRegistry
    function modelIdOf(IProofVerifier verifier, bytes32 verifierKey) external view returns (uint256) {
        return _s().modelIdByKey[_keyId(verifier, verifierKey)];
    }

    /// @inheritdoc IModelRegistry
    function backtestCount(uint256 modelId) external view returns (uint256) {
        return _s().backtests[modelId].length;
    }

    /// @inheritdoc IModelRegistry
    function backtest(uint256 modelId, uint256 index) external view returns (Backtest memory) {
        return _s().backtests[modelId][index];
    }

    /// @inheritdoc IModelRegistry
    function isVerifierApproved(IProofVerifier verifier) external view returns (bool) {
        return _s().approvedVerifiers[verifier];
    }

    /// @inheritdoc IModelRegistry
    function registrationFee() external view returns (uint256) {
        return _s().registrationFee;
    }

    /// @inheritdoc IModelRegistry
    function modelStatus(uint256 modelId) external view returns (ModelStatus) {
        return _model(modelId).status;
    }

    /// @inheritdoc IModelRegistry
    function specDigest(address owner, ModelSpec calldata spec) external view returns (bytes32) {
        return _specDigest(owner, spec);
    }

    /// @inheritdoc IModelRegistry
    function modelApprovalRequired() external view returns (bool) {
        return _s().modelApprovalRequired;
    }

    /// @inheritdoc IModelRegistry
    function refundOf(address registrant) external view returns (uint256) {
        return _s().refunds[registrant];
    }

    /// @notice Largest royalty a model may set.
    function maxRoyalty() external view returns (uint96) {
        return _s().maxRoyalty;
    }

    /// @notice Where registration fees go.
    function treasury() external view returns (address) {
        return _s().treasury;
    }

    /// @notice Registration fees held for the treasury.
    function accruedFees() external view returns (uint256) {
        return _s().accruedFees;
    }

    // ---------------------------------------------------------------- internals

    function _verifyBacktest(ModelRecord storage m, IOLayout memory l, uint256 samples, BacktestProof[] calldata proofs)
        private
        view
        returns (bytes32 inputsDigest, int256[] memory outputs)
    {
        bytes32[] memory inputDigests = new bytes32[](samples);
        outputs = new int256[](samples * l.outputCount);
        uint256 sample;
        for (uint256 p; p < proofs.length; ++p) {
            uint256[] calldata instances = proofs[p].instances;
            l.checkInstanceCount(instances.length);
            if (!m.verifier.verify(m.verifierKey, proofs[p].proof, instances)) revert BacktestProofRejected(p);
            sample = _collectSamples(l, instances, sample, samples, inputDigests, outputs);
        }
        inputsDigest = keccak256(abi.encodePacked(inputDigests));
    }

    /// @dev Copies the input digests and outputs of one proof's slots, from sample `first` on; returns the
    /// next sample index.
    function _collectSamples(
        IOLayout memory l,
        uint256[] calldata instances,
        uint256 first,
        uint256 samples,
        bytes32[] memory inputDigests,
        int256[] memory outputs
    ) private pure returns (uint256 next) {
        next = first;
        for (uint256 slot; slot < l.batchSize && next < samples; ++slot) {
            inputDigests[next] = l.inputSlotDigest(instances, slot);
            int256[] memory out = l.decodeOutput(instances, slot);
            uint256 base = next * l.outputCount;
            for (uint256 j; j < out.length; ++j) {
                outputs[base + j] = out[j];
            }
            ++next;
        }
    }

    function _model(uint256 modelId) private view returns (ModelRecord storage m) {
        m = _s().models[modelId];
        if (m.owner == address(0)) revert ModelNotFound(modelId);
    }

    /// @dev The caller's model, whatever its status: its royalty, metadata and backtests change nothing about
    /// whether it takes requests (a rejected or withdrawn model stays closed for good).
    function _ownedModel(uint256 modelId) private view returns (ModelRecord storage m) {
        m = _model(modelId);
        if (m.owner != msg.sender) revert NotModelOwner(modelId, msg.sender);
    }

    function _liveOwnedModel(uint256 modelId) private view returns (ModelRecord storage m) {
        m = _ownedModel(modelId);
        if (m.status != ModelStatus.Live) revert ModelNotLive(modelId, m.status);
    }

    /// @dev Ends a pending proposal and credits its escrowed fee to the registrant.
    function _closeProposal(ModelRecord storage m, uint256 modelId, ModelStatus status) private {
        if (m.status != ModelStatus.Pending) revert ModelNotPending(modelId, m.status);
        RegistryStorage storage s = _s();
        m.status = status;
        uint256 fee = s.escrowedFees[modelId];
        delete s.escrowedFees[modelId];
        s.refunds[m.owner] += fee;
        emit RegistrationFeeCredited(m.owner, modelId, fee);
    }

    function _checkKeyFree(RegistryStorage storage s, bytes32 keyId, IProofVerifier verifier, bytes32 key)
        private
        view
    {
        uint256 existing = s.modelIdByKey[keyId];
        if (existing != 0) revert VerifierKeyTaken(verifier, key, existing);
    }

    function _checkInstanceCount(IProofVerifier verifier, bytes32 key, uint256 layoutInstances) private view {
        uint256 verifierInstances = verifier.instanceCount(key);
        if (verifierInstances != 0 && verifierInstances != layoutInstances) {
            revert LayoutInstanceCountMismatch(layoutInstances, verifierInstances);
        }
    }

    /// @dev Everything an approval binds: this registry on this chain, the registrant, and the whole spec
    /// as registered (encoded as ModelRegistered logs it).
    function _specDigest(address owner, ModelSpec calldata spec) private view returns (bytes32) {
        return keccak256(abi.encode(block.chainid, address(this), owner, spec));
    }

    function _keyId(IProofVerifier verifier, bytes32 key) private pure returns (bytes32) {
        return keccak256(abi.encode(verifier, key));
    }

    function _setRegistrationFee(uint256 fee) private {
        if (fee == 0 || fee > MAX_REGISTRATION_FEE) revert ParameterOutOfBounds("registrationFee", fee);
        _s().registrationFee = fee;
        emit RegistrationFeeUpdated(fee);
    }

    function _setMaxRoyalty(uint96 maxRoyalty_) private {
        if (maxRoyalty_ > MAX_ROYALTY_LIMIT) revert ParameterOutOfBounds("maxRoyalty", maxRoyalty_);
        _s().maxRoyalty = maxRoyalty_;
        emit MaxRoyaltyUpdated(maxRoyalty_);
    }

    function _setTreasury(address treasury_) private {
        if (treasury_ == address(0)) revert ZeroAddress();
        _s().treasury = treasury_;
        emit TreasuryUpdated(treasury_);
    }
}
