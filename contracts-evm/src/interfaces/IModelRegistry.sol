// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {InputBound} from "../libraries/InputBounds.sol";
import {IOLayout} from "../libraries/InstanceLayout.sol";
import {IProofVerifier} from "../verifiers/IProofVerifier.sol";

/// @notice What a model owner registers. Everything but the royalty and the metadata URI is fixed for
/// the model's life: a new verifying key, circuit, layout or artifact is a new model.
struct ModelSpec {
    IProofVerifier verifier; // approved adapter
    bytes32 verifierKey; // key inside the adapter (EZKL VKA digest, verifier address, ...)
    bytes32 settingsHash; // keccak256 of the circuit settings (EZKL settings.json) the key was built from
    IOLayout layout;
    // One per input feature, in order, fixed point at layout.inputScale: the range the circuit can prove for
    // that feature. Hashed-input models too: the bounds then apply to the input values the requester sends
    // with its commitment (the hub cannot check that the commitment opens to them).
    InputBound[] inputBounds;
    uint32 computeUnits; // work one inference costs a node, in compute units
    uint96 royalty; // paid to the model owner per inference, in wei
    string artifactURI; // content-addressed location of compiled circuit, keys, settings, manifest
    string metadataURI; // description, licence, dataset notes; the owner may change it
}

/// @notice Where a model stands. A model takes requests only while Live (and not deprecated).
/// Live is 0 so that models stored before the approval flow existed read as live.
enum ModelStatus {
    Live, // approved (or registered while approval was off): holds its verifier key, takes requests
    Pending, // proposed while approval is on: waits for MODEL_APPROVER_ROLE, holds no key, takes no requests
    Rejected, // refused by MODEL_APPROVER_ROLE; its registration fee was credited back to its registrant
    Withdrawn // withdrawn by its registrant before a decision; fee credited back
}

/// @notice A registered model.
struct Model {
    address owner;
    uint32 computeUnits;
    bool deprecated;
    IProofVerifier verifier;
    uint96 royalty;
    bytes32 verifierKey;
    bytes32 settingsHash;
    IOLayout layout;
    InputBound[] inputBounds;
    string artifactURI;
    string metadataURI;
    ModelStatus status;
    bytes32 specDigest; // specDigest(owner, spec) as registered: what an approval binds
}

/// @notice What the market needs to price and accept a request.
struct ModelTerms {
    address owner;
    uint32 computeUnits;
    uint96 royalty;
    bool deprecated; // takes no new requests: deprecated by its owner, or not Live (pending, rejected, withdrawn)
    IOLayout layout;
}

/// @notice A model owner's claim about the model's quality on a published dataset, backed by proofs of
/// every inference in it.
struct BacktestClaim {
    string datasetURI; // where the dataset (inputs and labels) is published
    bytes32 datasetHash; // content hash of the published dataset file
    uint32 samples; // real samples proven (slots of the last proof beyond this are padding)
    string metric; // e.g. "mse", "accuracy"
    int256 metricValue; // fixed point at metricScale
    uint8 metricScale;
}

/// @notice One proof of a backtest: `instances` hold `batchSize` dataset rows and their outputs.
struct BacktestProof {
    bytes proof;
    uint256[] instances;
}

/// @notice A recorded verified backtest.
struct Backtest {
    bytes32 inputsDigest; // keccak256 of every proven input slot's instances, in order
    bytes32 outputsDigest; // keccak256 of every proven output value, in order
    bytes32 datasetHash;
    uint32 samples;
    uint8 metricScale;
    uint64 recordedAt; // block number
    int256 metricValue;
    string metric;
    string datasetURI;
}

/// @title IModelRegistry
/// @notice Models that the hub may run: who owns them, how their proofs are verified, what one inference
/// costs, and verified backtests for vetting.
/// @dev Registration is register -> approve -> live while `modelApprovalRequired` is on (public networks):
/// a registration is a proposal (Pending) that holds no verifier key and takes no requests until
/// MODEL_APPROVER_ROLE approves that exact model id and spec digest, which binds the registrant (owner) and
/// the whole spec (adapter, key, settings hash, instance layout, input bounds, compute units, first royalty,
/// artifact and metadata URIs) together.
/// Off (development networks), a registration is live at once.
interface IModelRegistry {
    /// @notice A model was registered with `spec` (its fixed terms, first royalty and metadata): live at
    /// once (followed by ModelApproved) or, while approval is required, proposed (followed by ModelProposed).
    event ModelRegistered(
        uint256 indexed modelId, address indexed owner, IProofVerifier indexed verifier, ModelSpec spec
    );
    /// @notice A registration awaits MODEL_APPROVER_ROLE; `specDigest` is what an approval must name.
    event ModelProposed(uint256 indexed modelId, bytes32 specDigest, uint256 escrowedFee);
    /// @notice The model is live: it holds its verifier key and takes requests. `approver` is zero when the
    /// model was registered while approval was off.
    event ModelApproved(uint256 indexed modelId, bytes32 specDigest, address indexed approver);
    /// @notice MODEL_APPROVER_ROLE refused a proposal; its fee was credited back to the registrant.
    event ModelRejected(uint256 indexed modelId, address indexed approver, string reason);
    /// @notice The registrant withdrew its proposal; its fee was credited back.
    event ModelProposalWithdrawn(uint256 indexed modelId);
    /// @notice `registrant` may claim `amount` more (the escrowed fee of a rejected or withdrawn proposal).
    event RegistrationFeeCredited(address indexed registrant, uint256 indexed modelId, uint256 amount);
    /// @notice A registrant claimed its credited fees.
    event RegistrationFeeRefunded(address indexed registrant, uint256 amount);
    /// @notice Governance switched the model approval requirement on or off.
    event ModelApprovalRequirementSet(bool required);
    event ModelRoyaltyUpdated(uint256 indexed modelId, uint96 royalty);
    event ModelMetadataUpdated(uint256 indexed modelId, string metadataURI);
    event ModelOwnershipTransferred(uint256 indexed modelId, address indexed previousOwner, address indexed newOwner);
    event ModelDeprecated(uint256 indexed modelId);
    /// @notice A verified backtest was recorded; `outputs` are the proven outputs, in dataset order, so that
    /// anyone can recompute the claimed metric from the published labels.
    event BacktestRecorded(uint256 indexed modelId, uint256 indexed index, Backtest backtest, int256[] outputs);
    event VerifierApprovalSet(IProofVerifier indexed verifier, bool approved);
    event RegistrationFeeUpdated(uint256 fee);
    event MaxRoyaltyUpdated(uint96 maxRoyalty);
    event TreasuryUpdated(address indexed treasury);
    event RegistrationFeesWithdrawn(address indexed treasury, uint256 amount);

    error ModelNotFound(uint256 modelId);
    error NotModelOwner(uint256 modelId, address caller);
    error ModelIsDeprecated(uint256 modelId);
    error WrongInputMode(uint256 modelId);
    error CommitmentOutOfField(uint256 commitment);
    error VerifierNotApproved(IProofVerifier verifier);
    error VerifierKeyNotAccepted(IProofVerifier verifier, bytes32 key);
    error VerifierKeyTaken(IProofVerifier verifier, bytes32 key, uint256 modelId);
    error LayoutInstanceCountMismatch(uint256 layoutInstances, uint256 verifierInstances);
    error IncorrectRegistrationFee(uint256 expected, uint256 paid);
    error RoyaltyTooHigh(uint96 royalty, uint96 max);
    error InvalidComputeUnits(uint32 computeUnits);
    error EmptyArtifactURI();
    error ZeroAddress();
    error ParameterOutOfBounds(string name, uint256 value);
    error BacktestSampleCount(uint256 samples, uint256 slots);
    error BacktestProofRejected(uint256 index);
    error NothingToWithdraw();
    error ModelNotLive(uint256 modelId, ModelStatus status);
    error ModelNotPending(uint256 modelId, ModelStatus status);
    error SpecDigestMismatch(uint256 modelId, bytes32 expected, bytes32 given);
    error TransferFailed(address to, uint256 amount);

    /// @notice Registers a model, paying exactly the registration fee. While approval is off the model is
    /// live at once and the fee goes to the treasury. While it is on the model is proposed (Pending): the fee
    /// is held until MODEL_APPROVER_ROLE approves (fee to the treasury) or rejects it, or the registrant
    /// withdraws it (fee credited back, see claimRefund). A pending model does not hold the key: any number of
    /// proposals may name the same key, and only an approved one takes it.
    /// @return modelId The new model's id (ids start at 1).
    function registerModel(ModelSpec calldata spec) external payable returns (uint256 modelId);

    /// @notice Makes a pending model live. `specDigest` must equal the model's registered spec digest
    /// (what the approver checked against the published artifacts); the key must still be accepted by its
    /// adapter, agree with the layout's instance count, and not be held by a live model.
    function approveModel(uint256 modelId, bytes32 specDigest) external;

    /// @notice Refuses a pending model for good; its fee is credited back to the registrant.
    /// The digest an approval must name is `model(modelId).specDigest` (ModelProposed logs it too).
    function rejectModel(uint256 modelId, string calldata reason) external;

    /// @notice The registrant withdraws its pending model; its fee is credited back (claimRefund pays it).
    function withdrawModelProposal(uint256 modelId) external;

    /// @notice Pays the caller the fees credited to it by rejected or withdrawn proposals.
    function claimRefund() external;

    /// @notice Sets the royalty per inference; applies to requests made from now on.
    function setRoyalty(uint256 modelId, uint96 royalty) external;

    /// @notice Replaces the model's metadata URI.
    function setMetadataURI(uint256 modelId, string calldata metadataURI) external;

    /// @notice Hands the model (and its future royalties) to `newOwner`.
    function transferModelOwnership(uint256 modelId, address newOwner) external;

    /// @notice Deprecates the model for good: no new requests; pending ones may still be fulfilled.
    function deprecateModel(uint256 modelId) external;

    /// @notice Records a verified backtest: each proof must verify for the model and together they must
    /// cover `claim.samples` inferences. Only the model owner may record one.
    function recordBacktest(uint256 modelId, BacktestClaim calldata claim, BacktestProof[] calldata proofs)
        external
        returns (uint256 index);

    function model(uint256 modelId) external view returns (Model memory);
    function modelTerms(uint256 modelId) external view returns (ModelTerms memory);

    /// @notice Checks a new request against the model: it must take requests (not deprecated), `hashed` must
    /// match its input mode, `input` must have one value per feature, each within that feature's bound
    /// (InputBounds.InputOutOfBounds names the first that is not), and `commitment` (hashed-input models) must
    /// be a field element. Returns the model's terms and the digest the proof's input slot must match:
    /// keccak256 of the input's felts, or of the commitment.
    function requestTerms(uint256 modelId, int256[] calldata input, uint256 commitment, bool hashed)
        external
        view
        returns (ModelTerms memory terms, bytes32 inputDigest);
    /// @notice The model's per-feature input bounds (one per input feature, fixed point at its input scale).
    function inputBounds(uint256 modelId) external view returns (InputBound[] memory);
    function fulfilmentTerms(uint256 modelId)
        external
        view
        returns (address owner, IProofVerifier verifier, bytes32 verifierKey, IOLayout memory layout);
    function exists(uint256 modelId) external view returns (bool);
    function modelCount() external view returns (uint256);
    function modelIdOf(IProofVerifier verifier, bytes32 verifierKey) external view returns (uint256);
    function backtestCount(uint256 modelId) external view returns (uint256);
    function backtest(uint256 modelId, uint256 index) external view returns (Backtest memory);
    function isVerifierApproved(IProofVerifier verifier) external view returns (bool);
    function registrationFee() external view returns (uint256);
    /// @notice Where the model stands (Live, Pending, Rejected, Withdrawn).
    function modelStatus(uint256 modelId) external view returns (ModelStatus);
    /// @notice The digest of `spec` registered by `owner`: keccak256(abi.encode(chainid, registry, owner,
    /// spec)). It covers the whole spec as registered; the royalty (up to the cap) and the metadata URI stay
    /// the owner's to change afterwards.
    function specDigest(address owner, ModelSpec calldata spec) external view returns (bytes32);
    /// @notice Whether registrations need MODEL_APPROVER_ROLE's approval before they go live.
    function modelApprovalRequired() external view returns (bool);
    /// @notice Fees credited to `registrant` by rejected or withdrawn proposals, not yet claimed.
    function refundOf(address registrant) external view returns (uint256);
}
