// ZkVinStarknetSpoke (contracts-cairo/src/spoke.cairo) on Starknet: its requests, their settlement and
// delivery. A Starknet data source's handlers receive graph-ts's `starknet.Event` (the emitting contract,
// the event's keys and data as felts, its block and transaction), as graph-node's Starknet chain passed
// them; keys[0] is the event's selector (starknet_keccak of its name), then the `#[key]` members, and data
// holds the other members in declaration order (u256 = low, high; Span<T> = length, items). The local
// indexer runs this module too (decision 0067); upstream graph-cli cannot build a `kind: starknet` data
// source (see subgraph/README.md).
import { BigInt, Bytes, crypto, dataSource, starknet } from "@graphprotocol/graph-ts";
import { StarknetRequest, StarknetSpoke } from "../generated/schema";

/** The field prime, 2^251 + 17 * 2^192 + 1: a felt above P/2 holds a negative i128. */
function feltPrime(): BigInt {
  return BigInt.fromI32(2)
    .pow(251)
    .plus(BigInt.fromI32(17).times(BigInt.fromI32(2).pow(192)))
    .plus(BigInt.fromI32(1));
}

/** A felt (big-endian bytes, any length up to 32) as an unsigned BigInt. */
export function feltValue(b: Bytes): BigInt {
  const le = new Bytes(b.length + 1);
  for (let i = 0; i < b.length; i++) {
    le[i] = b[b.length - 1 - i];
  }
  le[b.length] = 0;
  return BigInt.fromUnsignedBytes(le);
}

/** A felt holding a Cairo i128 as the signed value. */
function feltI128(b: Bytes): BigInt {
  const v = feltValue(b);
  const p = feltPrime();
  return v.gt(p.div(BigInt.fromI32(2))) ? v.minus(p) : v;
}

/** A felt as 0x and 64 hex digits (ids and addresses). */
export function feltHex(v: BigInt): string {
  let digits = v.toHexString().slice(2);
  while (digits.length < 64) digits = `0${digits}`;
  return `0x${digits}`;
}

/** A felt as 32 big-endian bytes. */
function feltBytes(v: BigInt): Bytes {
  return Bytes.fromHexString(feltHex(v));
}

function u256(felts: Array<Bytes>, at: i32): BigInt {
  return feltValue(felts[at]).plus(feltValue(felts[at + 1]).leftShift(128));
}

function spokeId(event: starknet.Event): string {
  return feltHex(feltValue(event.fromAddr));
}

function requestId(event: starknet.Event): string {
  return `${spokeId(event)}-${feltValue(event.keys[1]).toString()}`;
}

/** The StarknetGateway's ticket key of a request: keccak256(abi.encode(uint256 spoke, uint256 requestId)). */
function ticketKey(spoke: BigInt, id: BigInt): string {
  const packed = new Bytes(64);
  const a = feltBytes(spoke);
  const b = feltBytes(id);
  for (let i = 0; i < 32; i++) {
    packed[i] = a[i];
    packed[32 + i] = b[i];
  }
  return Bytes.fromByteArray(crypto.keccak256(packed)).toHexString();
}

function getSpoke(event: starknet.Event): StarknetSpoke {
  const id = spokeId(event);
  let s = StarknetSpoke.load(id);
  if (s === null) {
    s = new StarknetSpoke(id);
    s.address = feltBytes(feltValue(event.fromAddr));
    s.network = dataSource.network();
    s.requestCount = 0;
    s.fulfilledCount = 0;
    s.expiredCount = 0;
    s.reclaimedCount = 0;
    s.deliveredCount = 0;
  }
  return s as StarknetSpoke;
}

function loadRequest(event: starknet.Event): StarknetRequest {
  const r = StarknetRequest.load(requestId(event));
  if (r === null) throw new Error(`no request ${requestId(event)} on spoke ${spokeId(event)}`);
  return r as StarknetRequest;
}

function resolve(r: StarknetRequest, event: starknet.Event, status: string): void {
  r.status = status;
  r.resolvedAt = event.block.timestamp;
  r.resolvedAtBlock = event.block.number;
  r.resolutionTransaction = event.transaction.hash;
}

/** keys: selector, request_id, requester, model_id (low, high); data: fee (low, high), deadline, input, input_hash. */
export function handleInferenceRequested(event: starknet.Event): void {
  if (event.keys.length !== 5) throw new Error(`InferenceRequested with ${event.keys.length} keys, expected 5`);
  const d = event.data;
  if (d.length < 4) throw new Error(`InferenceRequested data cut short: ${d.length} felts`);
  const n = feltValue(d[3]).toI32();
  if (n < 0 || d.length !== 4 + n + 1) throw new Error(`InferenceRequested: expected ${n} inputs and the input hash`);
  const s = getSpoke(event);
  s.requestCount = s.requestCount + 1;
  s.save();
  const id = feltValue(event.keys[1]);
  const r = new StarknetRequest(requestId(event));
  r.spoke = s.id;
  r.requestId = id;
  r.requester = feltBytes(feltValue(event.keys[2]));
  r.modelId = u256(event.keys, 3);
  r.fee = u256(d, 0);
  r.deadline = feltValue(d[2]);
  const input = new Array<BigInt>(n);
  for (let i = 0; i < n; i++) {
    input[i] = feltI128(d[4 + i]);
  }
  r.input = input;
  r.inputHash = feltBytes(feltValue(d[4 + n]));
  r.status = "REQUESTED";
  r.hubTicket = ticketKey(feltValue(event.fromAddr), id);
  r.requestedAt = event.block.timestamp;
  r.requestedAtBlock = event.block.number;
  r.requestTransaction = event.transaction.hash;
  r.save();
}

/** keys: selector, request_id; data: output, node, node_amount, model_owner, model_owner_amount, protocol_amount, refund. */
export function handleInferenceFulfilled(event: starknet.Event): void {
  const d = event.data;
  if (d.length < 1) throw new Error("InferenceFulfilled without data");
  const m = feltValue(d[0]).toI32();
  if (m < 0 || d.length !== 1 + m + 10) throw new Error(`InferenceFulfilled: expected ${m} outputs and the settlement`);
  const r = loadRequest(event);
  const output = new Array<BigInt>(m);
  for (let i = 0; i < m; i++) {
    output[i] = feltI128(d[1 + i]);
  }
  const at = 1 + m;
  r.output = output;
  r.node = feltBytes(feltValue(d[at]));
  r.nodeAmount = u256(d, at + 1);
  r.modelOwner = feltBytes(feltValue(d[at + 3]));
  r.modelOwnerAmount = u256(d, at + 4);
  r.protocolAmount = u256(d, at + 6);
  r.refund = u256(d, at + 8);
  resolve(r, event, "FULFILLED");
  r.save();
  const s = getSpoke(event);
  s.fulfilledCount = s.fulfilledCount + 1;
  s.save();
}

/** keys: selector, request_id; data: requester, refund (low, high). */
export function handleInferenceExpired(event: starknet.Event): void {
  if (event.data.length !== 3) throw new Error(`InferenceExpired with ${event.data.length} data felts, expected 3`);
  const r = loadRequest(event);
  r.refund = u256(event.data, 1);
  resolve(r, event, "EXPIRED");
  r.save();
  const s = getSpoke(event);
  s.expiredCount = s.expiredCount + 1;
  s.save();
}

/** keys: selector, request_id; data: requester, refund (low, high). */
export function handleInferenceReclaimed(event: starknet.Event): void {
  if (event.data.length !== 3) throw new Error(`InferenceReclaimed with ${event.data.length} data felts, expected 3`);
  const r = loadRequest(event);
  r.refund = u256(event.data, 1);
  resolve(r, event, "RECLAIMED");
  r.save();
  const s = getSpoke(event);
  s.reclaimedCount = s.reclaimedCount + 1;
  s.save();
}

/** keys: selector, request_id, consumer. */
export function handleResultDelivered(event: starknet.Event): void {
  if (event.keys.length !== 3) throw new Error(`ResultDelivered with ${event.keys.length} keys, expected 3`);
  const r = loadRequest(event);
  r.status = "DELIVERED";
  r.deliveredTo = feltBytes(feltValue(event.keys[2]));
  r.deliveredAt = event.block.timestamp;
  r.deliveredAtBlock = event.block.number;
  r.deliveryTransaction = event.transaction.hash;
  r.save();
  const s = getSpoke(event);
  s.deliveredCount = s.deliveredCount + 1;
  s.save();
}
