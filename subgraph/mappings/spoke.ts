// ZkVinSpoke on a consumer chain: its requests, their settlement or refund, synced models, payments.
import { BigInt, dataSource, ethereum } from "@graphprotocol/graph-ts";
import { SpokeDeployment, SpokeModel, SpokeRequest } from "../generated/schema";
import {
  CallbackFailed,
  CallbackRetried,
  Credited,
  FeesSettled,
  GatewayActivated,
  InferenceExpired,
  InferenceFulfilled,
  InferenceReclaimed,
  InferenceRefunded,
  InferenceRejected,
  InferenceRequested,
  LateReplyIgnored,
  ModelSynced,
  ParamsUpdated,
  PeerChangeCancelled,
  PeerChangeScheduled,
  TreasuryUpdated,
  Withdrawn,
} from "../generated/ZkVinSpoke/ZkVinSpoke";
import { hubEid, ownEid, recordPayment, zero } from "./common";

function getDeployment(event: ethereum.Event): SpokeDeployment {
  const id = ownEid().toString();
  let d = SpokeDeployment.load(id);
  if (d === null) {
    d = new SpokeDeployment(id);
    d.eid = ownEid();
    d.network = dataSource.network();
    d.address = event.address;
    d.hubEid = hubEid();
    d.hubGasBase = zero();
    d.hubGasPerInput = zero();
    d.returnGasBase = zero();
    d.returnGasPerOutput = zero();
    d.maxCallbackGasLimit = zero();
    d.returnFeeBase = zero();
    d.returnFeePerGas = zero();
    d.priceRatio = zero();
    d.requestCount = 0;
    d.fulfilledCount = 0;
    d.refundedCount = 0;
    d.reclaimedCount = 0;
    d.lateReplyCount = 0;
  }
  return d as SpokeDeployment;
}

function requestKey(requestId: BigInt): string {
  return `${ownEid().toString()}-${requestId.toString()}`;
}

function resolve(r: SpokeRequest, event: ethereum.Event): void {
  r.resolvedAt = event.block.timestamp;
  r.resolvedAtBlock = event.block.number;
  r.resolutionTransaction = event.transaction.hash;
}

export function handleInferenceRequested(event: InferenceRequested): void {
  const d = getDeployment(event);
  d.requestCount = d.requestCount + 1;
  d.save();
  const fees = event.params.fees;
  const r = new SpokeRequest(requestKey(event.params.requestId));
  r.deployment = d.id;
  r.requestId = event.params.requestId;
  r.modelId = event.params.modelId;
  r.requester = event.params.requester;
  r.guid = event.params.guid;
  r.input = event.params.input;
  r.inputCommitment = event.params.inputCommitment;
  r.callbackGasLimit = event.params.callbackGasLimit;
  r.inferenceFee = fees.inferenceFee;
  r.messageFee = fees.messageFee;
  r.returnBudget = fees.returnBudget;
  r.hubGasLimit = fees.hubGasLimit;
  r.returnGasLimit = fees.returnGasLimit;
  r.totalFee = fees.total;
  r.status = "PENDING";
  r.callback = "NONE";
  r.failureReason = "NONE";
  r.callbackFailures = 0;
  r.requestedAt = event.block.timestamp;
  r.requestedAtBlock = event.block.number;
  r.requestTransaction = event.transaction.hash;
  r.save();

  const escrow = recordPayment(
    event,
    "escrow",
    "SPOKE_ESCROW",
    event.params.requester,
    event.address,
    fees.inferenceFee,
  );
  escrow.spokeRequest = r.id;
  escrow.save();
  const message = recordPayment(event, "message", "SPOKE_MESSAGE_FEE", event.params.requester, null, fees.messageFee);
  message.spokeRequest = r.id;
  message.save();
}

export function handleInferenceFulfilled(event: InferenceFulfilled): void {
  const r = SpokeRequest.load(requestKey(event.params.requestId));
  if (r === null) return;
  r.status = "FULFILLED";
  r.hubRequestId = event.params.hubRequestId;
  r.hubRequest = event.params.hubRequestId.toString();
  r.output = event.params.output;
  // The spoke calls back after settling; a failed callback logs CallbackFailed later in this transaction.
  if (!r.callbackGasLimit.isZero()) r.callback = "DELIVERED";
  resolve(r, event);
  r.save();
  const d = getDeployment(event);
  d.fulfilledCount = d.fulfilledCount + 1;
  d.save();
}

export function handleFeesSettled(event: FeesSettled): void {
  const r = SpokeRequest.load(requestKey(event.params.requestId));
  if (r === null) return;
  const s = event.params.settlement;
  r.settledNode = s.node;
  r.nodeAmount = s.nodeAmount;
  r.royaltyAmount = s.royaltyAmount;
  r.protocolAmount = s.protocolAmount;
  r.unspent = event.params.unspent;
  r.save();
}

export function handleInferenceExpired(event: InferenceExpired): void {
  const r = SpokeRequest.load(requestKey(event.params.requestId));
  if (r === null) return;
  r.failureReason = "EXPIRED";
  r.hubRequestId = event.params.hubRequestId;
  r.hubRequest = event.params.hubRequestId.toString();
  r.save();
}

export function handleInferenceRejected(event: InferenceRejected): void {
  const r = SpokeRequest.load(requestKey(event.params.requestId));
  if (r === null) return;
  r.failureReason = "REJECTED";
  r.rejectionReason = event.params.reason;
  r.save();
}

export function handleInferenceRefunded(event: InferenceRefunded): void {
  const r = SpokeRequest.load(requestKey(event.params.requestId));
  if (r === null) return;
  r.status = "REFUNDED";
  r.refundAmount = event.params.amount;
  resolve(r, event);
  r.save();
  const d = getDeployment(event);
  d.refundedCount = d.refundedCount + 1;
  d.save();
  const refund = recordPayment(
    event,
    "refund",
    "SPOKE_REFUND",
    event.address,
    event.params.requester,
    event.params.amount,
  );
  refund.spokeRequest = r.id;
  refund.save();
}

export function handleInferenceReclaimed(event: InferenceReclaimed): void {
  const r = SpokeRequest.load(requestKey(event.params.requestId));
  if (r === null) return;
  r.status = "RECLAIMED";
  r.refundAmount = event.params.amount;
  resolve(r, event);
  r.save();
  const d = getDeployment(event);
  d.reclaimedCount = d.reclaimedCount + 1;
  d.save();
}

export function handleLateReplyIgnored(event: LateReplyIgnored): void {
  const d = getDeployment(event);
  d.lateReplyCount = d.lateReplyCount + 1;
  d.save();
}

export function handleGatewayActivated(event: GatewayActivated): void {
  const d = getDeployment(event);
  d.gateway = event.params.peer;
  d.pendingGateway = null;
  d.pendingGatewayEta = null;
  d.save();
}

export function handlePeerChangeScheduled(event: PeerChangeScheduled): void {
  const d = getDeployment(event);
  d.pendingGateway = event.params.peer;
  d.pendingGatewayEta = event.params.eta;
  d.save();
}

export function handlePeerChangeCancelled(event: PeerChangeCancelled): void {
  const d = getDeployment(event);
  d.pendingGateway = null;
  d.pendingGatewayEta = null;
  d.save();
}

export function handleCallbackFailed(event: CallbackFailed): void {
  const r = SpokeRequest.load(requestKey(event.params.requestId));
  if (r === null) return;
  r.callback = "FAILED";
  r.callbackFailures = r.callbackFailures + 1;
  r.save();
}

export function handleCallbackRetried(event: CallbackRetried): void {
  const r = SpokeRequest.load(requestKey(event.params.requestId));
  if (r === null) return;
  r.callback = "DELIVERED";
  r.save();
}

export function handleCredited(event: Credited): void {
  const params = event.params;
  recordPayment(event, "credit", "SPOKE_CREDIT", event.address, params.account, params.amount).save();
}

export function handleWithdrawn(event: Withdrawn): void {
  const params = event.params;
  recordPayment(event, "withdrawal", "SPOKE_WITHDRAWAL", event.address, params.to, params.amount).save();
}

export function handleModelSynced(event: ModelSynced): void {
  const d = getDeployment(event);
  d.save();
  const info = event.params.info;
  const m = new SpokeModel(`${d.id}-${event.params.modelId.toString()}`);
  m.deployment = d.id;
  m.modelId = event.params.modelId;
  m.hubPrice = info.hubPrice;
  m.syncNonce = info.syncNonce;
  m.inputCount = info.inputCount;
  m.outputCount = info.outputCount;
  m.inputScale = info.inputScale;
  m.outputScale = info.outputScale;
  m.inputMode = info.inputMode === 1 ? "HASHED" : "PUBLIC";
  m.deprecated = info.deprecated;
  const bounds = event.params.inputBounds;
  const inputMin: BigInt[] = [];
  const inputMax: BigInt[] = [];
  for (let i = 0; i < bounds.length; i++) {
    inputMin.push(bounds[i].min);
    inputMax.push(bounds[i].max);
  }
  m.inputMin = inputMin;
  m.inputMax = inputMax;
  m.syncedAt = event.block.timestamp;
  m.save();
}

export function handleParamsUpdated(event: ParamsUpdated): void {
  const d = getDeployment(event);
  const p = event.params.params;
  d.hubGasBase = p.hubGasBase;
  d.hubGasPerInput = p.hubGasPerInput;
  d.returnGasBase = p.returnGasBase;
  d.returnGasPerOutput = p.returnGasPerOutput;
  d.maxCallbackGasLimit = p.maxCallbackGasLimit;
  d.returnFeeBase = p.returnFeeBase;
  d.returnFeePerGas = p.returnFeePerGas;
  d.priceRatio = p.priceRatio;
  d.save();
}

export function handleTreasuryUpdated(event: TreasuryUpdated): void {
  const d = getDeployment(event);
  d.treasury = event.params.treasury;
  d.save();
}
