// StarknetGateway (hub chain): the Cairo spokes' requests it consumed from StarknetMessaging, the hub
// requests it opened for them and the replies it sent back to L2. Each ticket is keyed by the gateway's
// ticket key, keccak256(abi.encode(spoke, spokeRequestId)), which the Starknet spoke's mapping computes
// too: InferenceRequest.starknetTicket -> StarknetTicket.starknetRequest and StarknetRequest.hubTicket ->
// StarknetTicket.hubRequest resolve where both chains are indexed together (decision 0067).
import { BigInt } from "@graphprotocol/graph-ts";
import { ReplySent, RequestConsumed, RequestRejected } from "../generated/StarknetGateway/StarknetGateway";
import { InferenceRequest, StarknetTicket } from "../generated/schema";

/** A felt as 0x and 64 hex digits (as the Starknet spoke's mapping writes ids). */
function feltHex(v: BigInt): string {
  let digits = v.toHexString().slice(2);
  while (digits.length < 64) digits = `0${digits}`;
  return `0x${digits}`;
}

export function handleRequestConsumed(event: RequestConsumed): void {
  const key = event.params.key;
  const t = new StarknetTicket(key.toHexString());
  t.key = key;
  t.gateway = event.address;
  t.spoke = event.params.spoke;
  t.spokeRequestId = event.params.spokeRequestId;
  t.hubRequestId = event.params.hubRequestId;
  t.requestMessageHash = event.params.msgHash;
  t.starknetRequest = `${feltHex(event.params.spoke)}-${event.params.spokeRequestId.toString()}`;
  t.consumedAt = event.block.timestamp;
  t.consumedAtBlock = event.block.number;
  t.consumeTransaction = event.transaction.hash;
  if (!event.params.hubRequestId.isZero()) {
    t.hubRequest = event.params.hubRequestId.toString();
    // The market's RemoteInferenceRequested (earlier in this transaction) recorded the ticket key as the
    // origin request id; the market mapping's LayerZero reading of it names no spoke entity here.
    const r = InferenceRequest.load(event.params.hubRequestId.toString());
    if (r !== null) {
      r.originRequestId = event.params.spokeRequestId;
      r.spoke = null;
      r.spokeRequest = null;
      r.starknetTicket = t.id;
      r.save();
    }
  }
  t.save();
}

export function handleRequestRejected(event: RequestRejected): void {
  const t = StarknetTicket.load(event.params.key.toHexString());
  if (t === null) return;
  t.rejectionReason = event.params.reason;
  t.save();
}

export function handleReplySent(event: ReplySent): void {
  const t = StarknetTicket.load(event.params.key.toHexString());
  if (t === null) return;
  // The Cairo wire kinds: 2 RESULT, 3 EXPIRED.
  t.replyKind = event.params.kind.equals(BigInt.fromI32(2)) ? "RESULT" : "EXPIRED";
  t.replyMessageHash = event.params.msgHash;
  t.replyNonce = event.params.nonce;
  t.replyFee = event.params.fee;
  t.repliedAt = event.block.timestamp;
  t.replyTransaction = event.transaction.hash;
  t.save();
}
