// ModelRegistry: models, their terms and metadata, their approval (register -> approve -> live), verified
// backtests, approved verifiers, registry fees.
import { Address, BigInt, Bytes } from "@graphprotocol/graph-ts";
import {
  BacktestRecorded,
  MaxRoyaltyUpdated,
  ModelApprovalRequirementSet,
  ModelApproved,
  ModelDeprecated,
  ModelMetadataUpdated,
  ModelOwnershipTransferred,
  ModelProposalWithdrawn,
  ModelProposed,
  ModelRegistered,
  ModelRejected,
  ModelRoyaltyUpdated,
  RegistrationFeeRefunded,
  RegistrationFeesWithdrawn,
  RegistrationFeeUpdated,
  TreasuryUpdated,
  VerifierApprovalSet,
} from "../generated/ModelRegistry/ModelRegistry";
import { Backtest, Model, Verifier } from "../generated/schema";
import { getProtocol, recordPayment, zero } from "./common";

function getVerifier(address: Bytes): Verifier {
  const id = address.toHexString();
  let v = Verifier.load(id);
  if (v === null) {
    v = new Verifier(id);
    v.address = address;
    v.approved = false;
  }
  return v as Verifier;
}

export function handleModelRegistered(event: ModelRegistered): void {
  const spec = event.params.spec;
  const layout = spec.layout;
  const verifier = getVerifier(event.params.verifier);
  verifier.save();

  const m = new Model(event.params.modelId.toString());
  m.modelId = event.params.modelId;
  m.owner = event.params.owner;
  m.verifier = verifier.id;
  m.verifierKey = spec.verifierKey;
  m.settingsHash = spec.settingsHash;
  m.batchSize = layout.batchSize;
  m.instanceCount = layout.instanceCount;
  m.inputOffset = layout.inputOffset;
  m.inputCount = layout.inputCount;
  m.outputOffset = layout.outputOffset;
  m.outputCount = layout.outputCount;
  m.inputScale = layout.inputScale;
  m.outputScale = layout.outputScale;
  m.inputMode = layout.inputMode === 1 ? "HASHED" : "PUBLIC";
  const bounds = spec.inputBounds;
  const inputMin: BigInt[] = [];
  const inputMax: BigInt[] = [];
  for (let i = 0; i < bounds.length; i++) {
    inputMin.push(bounds[i].min);
    inputMax.push(bounds[i].max);
  }
  m.inputMin = inputMin;
  m.inputMax = inputMax;
  m.computeUnits = spec.computeUnits;
  m.royalty = spec.royalty;
  m.artifactURI = spec.artifactURI;
  m.metadataURI = spec.metadataURI;
  m.deprecated = false;
  // ModelProposed or ModelApproved follows in the same transaction and sets the status.
  m.status = "PENDING";
  m.registeredAt = event.block.timestamp;
  m.registeredAtBlock = event.block.number;
  m.registrationTransaction = event.transaction.hash;
  m.requestCount = zero();
  m.fulfilledCount = zero();
  m.expiredCount = zero();
  m.refundedCount = zero();
  m.distinctRequesters = 0;
  m.repeatRequesters = 0;
  m.royaltiesEarned = zero();
  m.backtestCount = 0;
  m.save();

  const p = getProtocol();
  p.registry = event.address;
  p.modelCount = p.modelCount + 1;
  p.save();

  const payment = recordPayment(event, "fee", "REGISTRATION_FEE", event.params.owner, event.address, p.registrationFee);
  payment.model = m.id;
  payment.save();
}

export function handleModelProposed(event: ModelProposed): void {
  const m = Model.load(event.params.modelId.toString());
  if (m === null) return;
  m.status = "PENDING";
  m.specDigest = event.params.specDigest;
  m.save();
}

export function handleModelApproved(event: ModelApproved): void {
  const m = Model.load(event.params.modelId.toString());
  if (m === null) return;
  m.status = "LIVE";
  m.specDigest = event.params.specDigest;
  // The zero address: registered while approval was off, live at once.
  if (event.params.approver.notEqual(Address.zero())) m.approver = event.params.approver;
  m.approvedAt = event.block.timestamp;
  m.approvedAtBlock = event.block.number;
  m.save();
}

export function handleModelRejected(event: ModelRejected): void {
  const m = Model.load(event.params.modelId.toString());
  if (m === null) return;
  m.status = "REJECTED";
  m.rejectedBy = event.params.approver;
  m.rejectionReason = event.params.reason;
  m.closedAt = event.block.timestamp;
  m.save();
}

export function handleModelProposalWithdrawn(event: ModelProposalWithdrawn): void {
  const m = Model.load(event.params.modelId.toString());
  if (m === null) return;
  m.status = "WITHDRAWN";
  m.closedAt = event.block.timestamp;
  m.save();
}

export function handleModelApprovalRequirementSet(event: ModelApprovalRequirementSet): void {
  const p = getProtocol();
  p.registry = event.address;
  p.modelApprovalRequired = event.params.required;
  p.save();
}

export function handleRegistrationFeeRefunded(event: RegistrationFeeRefunded): void {
  const params = event.params;
  recordPayment(event, "refund", "REGISTRATION_FEE_REFUND", event.address, params.registrant, params.amount).save();
}

export function handleModelRoyaltyUpdated(event: ModelRoyaltyUpdated): void {
  const m = Model.load(event.params.modelId.toString());
  if (m === null) return;
  m.royalty = event.params.royalty;
  m.save();
}

export function handleModelMetadataUpdated(event: ModelMetadataUpdated): void {
  const m = Model.load(event.params.modelId.toString());
  if (m === null) return;
  m.metadataURI = event.params.metadataURI;
  m.save();
}

export function handleModelOwnershipTransferred(event: ModelOwnershipTransferred): void {
  const m = Model.load(event.params.modelId.toString());
  if (m === null) return;
  m.owner = event.params.newOwner;
  m.save();
}

export function handleModelDeprecated(event: ModelDeprecated): void {
  const m = Model.load(event.params.modelId.toString());
  if (m === null) return;
  m.deprecated = true;
  m.save();
}

export function handleBacktestRecorded(event: BacktestRecorded): void {
  const m = Model.load(event.params.modelId.toString());
  if (m === null) return;
  const b = event.params.backtest;
  const backtest = new Backtest(`${m.id}-${event.params.index.toString()}`);
  backtest.model = m.id;
  backtest.index = event.params.index;
  backtest.datasetURI = b.datasetURI;
  backtest.datasetHash = b.datasetHash;
  backtest.samples = b.samples;
  backtest.metric = b.metric;
  backtest.metricValue = b.metricValue;
  backtest.metricScale = b.metricScale;
  backtest.inputsDigest = b.inputsDigest;
  backtest.outputsDigest = b.outputsDigest;
  backtest.outputs = event.params.outputs;
  backtest.recordedAtBlock = b.recordedAt;
  backtest.timestamp = event.block.timestamp;
  backtest.transactionHash = event.transaction.hash;
  backtest.save();
  m.backtestCount = m.backtestCount + 1;
  m.save();
}

export function handleVerifierApprovalSet(event: VerifierApprovalSet): void {
  const v = getVerifier(event.params.verifier);
  v.approved = event.params.approved;
  v.save();
}

export function handleRegistrationFeeUpdated(event: RegistrationFeeUpdated): void {
  const p = getProtocol();
  p.registry = event.address;
  p.registrationFee = event.params.fee;
  p.save();
}

export function handleMaxRoyaltyUpdated(event: MaxRoyaltyUpdated): void {
  const p = getProtocol();
  p.maxRoyalty = event.params.maxRoyalty;
  p.save();
}

export function handleTreasuryUpdated(event: TreasuryUpdated): void {
  const p = getProtocol();
  p.registryTreasury = event.params.treasury;
  p.save();
}

export function handleRegistrationFeesWithdrawn(event: RegistrationFeesWithdrawn): void {
  const params = event.params;
  recordPayment(
    event,
    "withdrawal",
    "REGISTRATION_FEES_WITHDRAWAL",
    event.address,
    params.treasury,
    params.amount,
  ).save();
}
