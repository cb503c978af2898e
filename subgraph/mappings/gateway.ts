// ZkVinHubGateway: the spokes the hub talks to, the requests they brought, and the replies it paid for.
import { BigInt } from "@graphprotocol/graph-ts";
import { InferenceRequest, Spoke } from "../generated/schema";
import {
  DuplicateRequestIgnored,
  ModelSyncSent,
  PeerSet,
  RemoteRequestAccepted,
  RemoteRequestRejected,
  ReturnMessageSent,
  ReturnMessageUnderfunded,
} from "../generated/ZkVinHubGateway/ZkVinHubGateway";
import { getProtocol, recordPayment } from "./common";

function getSpoke(eid: BigInt): Spoke {
  const id = eid.toString();
  let s = Spoke.load(id);
  if (s === null) {
    s = new Spoke(id);
    s.eid = eid.toI32();
    s.acceptedCount = 0;
    s.rejectedCount = 0;
    s.duplicateCount = 0;
    s.returnMessageCount = 0;
    s.underfundedCount = 0;
    s.modelSyncCount = 0;
  }
  return s as Spoke;
}

export function handlePeerSet(event: PeerSet): void {
  const s = getSpoke(event.params.eid);
  s.peer = event.params.peer;
  s.save();
  const p = getProtocol();
  p.gateway = event.address;
  p.save();
}

export function handleRemoteRequestAccepted(event: RemoteRequestAccepted): void {
  const s = getSpoke(event.params.spokeEid);
  s.acceptedCount = s.acceptedCount + 1;
  s.save();
  const requestId = event.params.hubRequestId.toString();
  const r = InferenceRequest.load(requestId);
  if (r !== null) {
    r.spoke = s.id;
    r.spokeRequest = `${s.id}-${event.params.spokeRequestId.toString()}`;
    r.save();
  }
  const payment = recordPayment(event, "budget", "RETURN_BUDGET", null, event.address, event.params.returnBudget);
  payment.request = requestId;
  payment.save();
}

export function handleRemoteRequestRejected(event: RemoteRequestRejected): void {
  const s = getSpoke(event.params.spokeEid);
  s.rejectedCount = s.rejectedCount + 1;
  s.save();
}

export function handleDuplicateRequestIgnored(event: DuplicateRequestIgnored): void {
  const s = getSpoke(event.params.spokeEid);
  s.duplicateCount = s.duplicateCount + 1;
  s.save();
}

export function handleReturnMessageSent(event: ReturnMessageSent): void {
  const s = getSpoke(event.params.spokeEid);
  s.returnMessageCount = s.returnMessageCount + 1;
  s.save();
  recordPayment(event, "fee", "RETURN_MESSAGE_FEE", event.address, null, event.params.fee).save();
}

export function handleReturnMessageUnderfunded(event: ReturnMessageUnderfunded): void {
  const s = getSpoke(event.params.spokeEid);
  s.underfundedCount = s.underfundedCount + 1;
  s.save();
}

export function handleModelSyncSent(event: ModelSyncSent): void {
  const s = getSpoke(event.params.spokeEid);
  s.modelSyncCount = s.modelSyncCount + 1;
  s.save();
}
