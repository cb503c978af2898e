// InferenceMarket: requests (local and remote), assignments, fulfilments and their batches, expiries,
// refunds, deliveries, payments, market parameters, and model usage statistics as the market counts them.
import { BigInt, Bytes, crypto, ethereum } from "@graphprotocol/graph-ts";
import {
  CallbackFailed,
  CallbackRetried,
  FulfilmentSettled,
  InferenceAssigned,
  InferenceExpired,
  InferenceFulfilled,
  InferenceRefunded,
  InferenceRequested,
  MarketParamsUpdated,
  RemoteInferenceRequested,
  RoleGranted,
  RoleRevoked,
  TreasuryUpdated,
  Withdrawn,
} from "../generated/InferenceMarket/InferenceMarket";
import {
  Assignment,
  FulfilmentBatch,
  FulfilmentTransaction,
  InferenceRequest,
  Model,
  ModelRequester,
  Node,
  Protocol,
} from "../generated/schema";
import { eventId, getEpoch, getProtocol, one, ownEid, recordPayment, uint256FromBytes32, zero } from "./common";

const REMOTE_GATEWAY_ROLE = "REMOTE_GATEWAY_ROLE";

function isRemoteGatewayRole(role: Bytes): boolean {
  return role.equals(crypto.keccak256(Bytes.fromUTF8(REMOTE_GATEWAY_ROLE)));
}

function isGateway(p: Protocol, account: Bytes): boolean {
  const gateways = p.gateways;
  for (let i = 0; i < gateways.length; i++) {
    if (gateways[i].equals(account)) return true;
  }
  return false;
}

function assignmentId(requestId: string, index: i32): string {
  return `${requestId}-${index.toString()}`;
}

/** Counts one request of `requester` (the market's requester key) for `model`, as modelUsage does. */
function countRequester(m: Model, requester: Bytes, originEid: i32): void {
  const id = `${m.id}-${originEid.toString()}-${requester.toHexString()}`;
  let r = ModelRequester.load(id);
  if (r === null) {
    r = new ModelRequester(id);
    r.model = m.id;
    r.requester = requester;
    r.originEid = originEid;
    r.requestCount = 0;
  }
  r.requestCount = r.requestCount + 1;
  r.save();
  if (r.requestCount === 1) m.distinctRequesters = m.distinctRequesters + 1;
  if (r.requestCount === 2) m.repeatRequesters = m.repeatRequesters + 1;
}

export function handleRoleGranted(event: RoleGranted): void {
  if (!isRemoteGatewayRole(event.params.role)) return;
  const p = getProtocol();
  p.market = event.address;
  if (!isGateway(p, event.params.account)) {
    const gateways = p.gateways;
    gateways.push(event.params.account);
    p.gateways = gateways;
  }
  p.save();
}

export function handleRoleRevoked(event: RoleRevoked): void {
  if (!isRemoteGatewayRole(event.params.role)) return;
  const p = getProtocol();
  const kept: Bytes[] = [];
  const gateways = p.gateways;
  for (let i = 0; i < gateways.length; i++) {
    if (!gateways[i].equals(event.params.account)) kept.push(gateways[i]);
  }
  p.gateways = kept;
  p.save();
}

export function handleInferenceAssigned(event: InferenceAssigned): void {
  const requestId = event.params.requestId.toString();
  const nodeId = event.params.node.toHexString();
  const epoch = getEpoch(event.params.epoch.toI32());
  epoch.assignmentCount = epoch.assignmentCount + 1;
  epoch.save();

  // The first assignment is logged before InferenceRequested; a reassignment follows InferenceExpired.
  const request = InferenceRequest.load(requestId);
  const index = request === null ? 0 : request.reassignments + 1;
  const a = new Assignment(assignmentId(requestId, index));
  a.request = requestId;
  a.node = nodeId;
  a.epoch = epoch.id;
  a.deadline = event.params.deadline;
  a.index = index;
  a.outcome = "PENDING";
  a.slashed = zero();
  a.assignedAt = event.block.timestamp;
  a.assignedAtBlock = event.block.number;
  a.transactionHash = event.transaction.hash;
  a.save();

  if (request !== null) {
    request.reassignments = index;
    request.node = nodeId;
    request.epoch = epoch.id;
    request.deadline = event.params.deadline;
    request.save();
  }
  const n = Node.load(nodeId);
  if (n !== null) {
    n.assignedCount = n.assignedCount + 1;
    n.save();
  }
}

export function handleInferenceRequested(event: InferenceRequested): void {
  const id = event.params.requestId.toString();
  const fees = event.params.fees;
  const fee = fees.nodeFee.plus(fees.royalty).plus(fees.protocolFee).plus(fees.callbackFee);
  const p = getProtocol();
  p.market = event.address;
  p.requestCount = p.requestCount.plus(one());
  const remote = isGateway(p, event.params.requester);

  const r = new InferenceRequest(id);
  r.requestId = event.params.requestId;
  r.model = event.params.modelId.toString();
  r.requester = event.params.requester;
  r.remote = remote;
  r.originEid = ownEid();
  r.input = event.params.input;
  r.inputCommitment = event.params.inputCommitment;
  r.callbackGasLimit = event.params.callbackGasLimit;
  r.nodeFee = fees.nodeFee;
  r.royalty = fees.royalty;
  r.protocolFee = fees.protocolFee;
  r.callbackFee = fees.callbackFee;
  r.bond = fees.bond;
  r.fee = fee;
  r.status = "PENDING";
  r.delivery = "NONE";
  r.reassignments = 0;
  r.expiries = 0;
  r.callbackFailures = 0;
  r.requestedAt = event.block.timestamp;
  r.requestedAtBlock = event.block.number;
  r.requestTransaction = event.transaction.hash;
  const first = Assignment.load(assignmentId(id, 0));
  if (first !== null) {
    r.node = first.node;
    r.epoch = first.epoch;
    r.deadline = first.deadline;
  }
  r.save();

  const m = Model.load(r.model);
  if (m !== null) {
    m.requestCount = m.requestCount.plus(one());
    // Remote requests are counted by origin when RemoteInferenceRequested follows.
    if (!remote) countRequester(m, event.params.requester, ownEid());
    m.save();
  }
  p.save();

  if (!remote) {
    const payment = recordPayment(event, "fee", "REQUEST_FEE", event.params.requester, event.address, fee);
    payment.request = id;
    payment.model = r.model;
    payment.save();
  }
}

export function handleRemoteInferenceRequested(event: RemoteInferenceRequested): void {
  const r = InferenceRequest.load(event.params.requestId.toString());
  if (r === null) return;
  const originEid = event.params.originEid.toI32();
  // The gateway packs the spoke's address above its request id (bits 0..63): ZkVinHubGateway.originRequestId.
  const originRequestId = uint256FromBytes32(event.params.originRequestId).bitAnd(
    BigInt.fromI32(1).leftShift(64).minus(BigInt.fromI32(1)),
  );
  r.remote = true;
  r.originEid = originEid;
  r.originRequester = event.params.originRequester;
  r.originRequestId = originRequestId;
  r.feePaid = event.params.feePaid;
  r.slashBeneficiary = event.params.slashBeneficiary;
  r.spoke = originEid.toString();
  r.spokeRequest = `${originEid.toString()}-${originRequestId.toString()}`;
  r.save();
  const m = Model.load(r.model);
  if (m !== null) {
    countRequester(m, event.params.originRequester, originEid);
    m.save();
  }
}

export function handleInferenceFulfilled(event: InferenceFulfilled): void {
  const id = event.params.requestId.toString();
  const r = InferenceRequest.load(id);
  if (r === null) return;
  r.status = "FULFILLED";
  r.output = event.params.output;
  r.fulfilmentTransaction = event.transaction.hash;
  r.fulfilledAt = event.block.timestamp;
  r.fulfilledAtBlock = event.block.number;
  // The market delivers after settling; a failed delivery logs CallbackFailed later in this transaction.
  if (r.remote || !r.callbackGasLimit.isZero()) r.delivery = "DELIVERED";
  r.save();

  const a = Assignment.load(assignmentId(id, r.reassignments));
  if (a !== null) {
    a.outcome = "FULFILLED";
    a.save();
  }
  const n = Node.load(r.node);
  if (n !== null) {
    n.fulfilledCount = n.fulfilledCount + 1;
    n.save();
  }
  const m = Model.load(r.model);
  if (m !== null) {
    m.fulfilledCount = m.fulfilledCount.plus(one());
    m.save();
  }
  const p = getProtocol();
  p.fulfilledCount = p.fulfilledCount.plus(one());
  p.save();

  const txId = event.transaction.hash.toHexString();
  let t = FulfilmentTransaction.load(txId);
  if (t === null) {
    t = new FulfilmentTransaction(txId);
    t.unsettled = [];
    t.batchCount = 0;
  }
  const unsettled = t.unsettled;
  unsettled.push(id);
  t.unsettled = unsettled;
  t.save();
}

export function handleFulfilmentSettled(event: FulfilmentSettled): void {
  const batchId = eventId(event);
  const nodeId = event.params.node.toHexString();
  const modelId = event.params.modelId.toString();
  const size = event.params.requests.toI32();
  const b = new FulfilmentBatch(batchId);
  b.node = nodeId;
  b.model = modelId;
  b.modelOwner = event.params.modelOwner;
  b.size = size;
  b.nodeAmount = event.params.nodeAmount;
  b.royaltyAmount = event.params.royaltyAmount;
  b.protocolAmount = event.params.protocolAmount;
  b.timestamp = event.block.timestamp;
  b.blockNumber = event.block.number;
  b.transactionHash = event.transaction.hash;
  b.save();

  // This proof's InferenceFulfilled logs precede it in this transaction, in slot order.
  const t = FulfilmentTransaction.load(event.transaction.hash.toHexString());
  if (t !== null) {
    const unsettled = t.unsettled;
    const first = unsettled.length - size;
    for (let slot = 0; slot < size; slot++) {
      const r = InferenceRequest.load(unsettled[first + slot]);
      if (r !== null) {
        r.batch = batchId;
        r.batchSlot = slot;
        r.save();
      }
    }
    t.unsettled = unsettled.slice(0, first);
    t.batchCount = t.batchCount + 1;
    t.save();
  }

  const n = Node.load(nodeId);
  if (n !== null) {
    n.feesEarned = n.feesEarned.plus(event.params.nodeAmount);
    n.save();
  }
  const m = Model.load(modelId);
  if (m !== null) {
    m.royaltiesEarned = m.royaltiesEarned.plus(event.params.royaltyAmount);
    m.save();
  }
  settlementPayment(event, "node", "NODE_FEE", event.params.node, event.params.nodeAmount, batchId, modelId, nodeId);
  settlementPayment(
    event,
    "royalty",
    "ROYALTY",
    event.params.modelOwner,
    event.params.royaltyAmount,
    batchId,
    modelId,
    nodeId,
  );
  const p = getProtocol();
  const treasury = p.marketTreasury;
  if (treasury !== null) {
    settlementPayment(
      event,
      "protocol",
      "PROTOCOL_FEE",
      treasury,
      event.params.protocolAmount,
      batchId,
      modelId,
      nodeId,
    );
  }
}

function settlementPayment(
  event: ethereum.Event,
  suffix: string,
  kind: string,
  to: Bytes,
  amount: BigInt,
  batchId: string,
  modelId: string,
  nodeId: string,
): void {
  if (amount.isZero()) return;
  const payment = recordPayment(event, suffix, kind, event.address, to, amount);
  payment.batch = batchId;
  payment.model = modelId;
  payment.node = nodeId;
  payment.save();
}

export function handleCallbackFailed(event: CallbackFailed): void {
  const r = InferenceRequest.load(event.params.requestId.toString());
  if (r === null) return;
  r.delivery = "FAILED";
  r.callbackFailures = r.callbackFailures + 1;
  r.lastCallbackError = event.params.reason;
  r.save();
}

export function handleCallbackRetried(event: CallbackRetried): void {
  const r = InferenceRequest.load(event.params.requestId.toString());
  if (r === null) return;
  r.delivery = "DELIVERED";
  r.save();
}

export function handleInferenceExpired(event: InferenceExpired): void {
  const id = event.params.requestId.toString();
  const r = InferenceRequest.load(id);
  if (r === null) return;
  r.expiries = r.expiries + 1;
  r.save();
  const a = Assignment.load(assignmentId(id, r.reassignments));
  if (a !== null) {
    a.outcome = "EXPIRED";
    a.slashed = event.params.slashed;
    a.save();
  }
  const n = Node.load(event.params.node.toHexString());
  if (n !== null) {
    n.expiredCount = n.expiredCount + 1;
    n.save();
  }
  const m = Model.load(r.model);
  if (m !== null) {
    m.expiredCount = m.expiredCount.plus(one());
    m.save();
  }
  const p = getProtocol();
  p.expiredCount = p.expiredCount.plus(one());
  p.save();
}

export function handleInferenceRefunded(event: InferenceRefunded): void {
  const id = event.params.requestId.toString();
  const r = InferenceRequest.load(id);
  if (r === null) return;
  r.status = "REFUNDED";
  r.refundedAt = event.block.timestamp;
  r.refundAmount = event.params.amount;
  // A remote refund is a notice to the gateway; a failed one logs CallbackFailed right after.
  if (r.remote) r.delivery = "DELIVERED";
  r.save();
  const m = Model.load(r.model);
  if (m !== null) {
    m.refundedCount = m.refundedCount.plus(one());
    m.save();
  }
  const p = getProtocol();
  p.refundedCount = p.refundedCount.plus(one());
  p.save();
  if (!r.remote) {
    const payment = recordPayment(
      event,
      "refund",
      "REFUND",
      event.address,
      event.params.requester,
      event.params.amount,
    );
    payment.request = id;
    payment.model = r.model;
    payment.save();
  }
}

export function handleWithdrawn(event: Withdrawn): void {
  const params = event.params;
  recordPayment(event, "withdrawal", "WITHDRAWAL", event.address, params.to, params.amount).save();
}

export function handleMarketParamsUpdated(event: MarketParamsUpdated): void {
  const params = event.params.params;
  const p = getProtocol();
  p.market = event.address;
  p.unitPrice = params.unitPrice;
  p.protocolFee = params.protocolFee;
  p.fulfilmentWindow = params.fulfilmentWindow;
  p.maxCallbackGasLimit = params.maxCallbackGasLimit;
  p.maxReassignments = params.maxReassignments;
  p.callbackGasPrice = params.callbackGasPrice;
  p.commitmentBond = params.commitmentBond;
  p.save();
}

export function handleTreasuryUpdated(event: TreasuryUpdated): void {
  const p = getProtocol();
  p.market = event.address;
  p.marketTreasury = event.params.treasury;
  p.save();
}
