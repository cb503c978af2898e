// The Cairo spoke's events and views as felts (contracts-cairo/src/spoke.cairo, messages.cairo), and the
// L2 -> L1 message hash StarknetMessaging keys messages by.

import { RelayerError } from "@zk-vin/chain-kit";
import { hash } from "starknet";
import { encodePacked, type Hex, keccak256 } from "viem";

export const SPOKE_EVENTS = {
  InferenceRequested: hash.getSelectorFromName("InferenceRequested"),
  InferenceFulfilled: hash.getSelectorFromName("InferenceFulfilled"),
  InferenceExpired: hash.getSelectorFromName("InferenceExpired"),
  ResultDelivered: hash.getSelectorFromName("ResultDelivered"),
} as const;

/** A spoke event or view that does not have the layout the spoke writes. */
export class SpokeDecodeError extends RelayerError {
  override readonly name = "SpokeDecodeError";
  constructor(
    message: string,
    readonly felts: readonly string[],
  ) {
    super(message);
  }
}

/** A request as its InferenceRequested event tells it, and the REQUEST payload the spoke sent to L1. */
export interface SpokeRequest {
  requestId: bigint;
  requester: bigint;
  modelId: bigint;
  fee: bigint;
  deadline: bigint;
  /** Input values as their felts (negatives as P - |v|). */
  inputFelts: bigint[];
  /** The REQUEST message exactly as `messages::encode_request` built it. */
  payload: bigint[];
}

const u256 = (low: string | undefined, high: string | undefined, felts: readonly string[]) => {
  if (low === undefined || high === undefined) throw new SpokeDecodeError("u256 cut short", felts);
  return BigInt(low) + (BigInt(high) << 128n);
};

/** Decodes an InferenceRequested event (keys: selector, id, requester, model_id; data: fee, deadline, input, hash). */
export function decodeRequested(keys: readonly string[], data: readonly string[]): SpokeRequest {
  if (keys.length !== 5 || keys[0] === undefined || BigInt(keys[0]) !== BigInt(SPOKE_EVENTS.InferenceRequested))
    throw new SpokeDecodeError("not an InferenceRequested event", keys);
  const requestId = BigInt(keys[1]!);
  const requester = BigInt(keys[2]!);
  const modelId = u256(keys[3], keys[4], keys);
  const fee = u256(data[0], data[1], data);
  if (data[2] === undefined || data[3] === undefined) throw new SpokeDecodeError("event data cut short", data);
  const deadline = BigInt(data[2]);
  const n = Number(BigInt(data[3]));
  if (data.length !== 4 + n + 1) throw new SpokeDecodeError(`expected ${n} inputs and the input hash`, data);
  const inputFelts = data.slice(4, 4 + n).map((f) => BigInt(f));
  const payload = [
    1n,
    1n,
    requestId,
    requester,
    BigInt(keys[3]!),
    BigInt(keys[4]!),
    BigInt(data[0]!),
    BigInt(data[1]!),
    deadline,
    BigInt(n),
    ...inputFelts,
  ];
  return { requestId, requester, modelId, fee, deadline, inputFelts, payload };
}

/** The request id of an InferenceFulfilled / InferenceExpired / ResultDelivered event. */
export function eventRequestId(keys: readonly string[]): bigint {
  if (keys[1] === undefined) throw new SpokeDecodeError("event without a request id key", keys);
  return BigInt(keys[1]);
}

/** The settlement of an InferenceFulfilled event (data: output, node, amounts, refund). */
export interface SpokeFulfilment {
  requestId: bigint;
  output: bigint[];
  node: bigint;
  nodeAmount: bigint;
  modelOwner: bigint;
  modelOwnerAmount: bigint;
  protocolAmount: bigint;
  refund: bigint;
}

const FELT_PRIME = 2n ** 251n + 17n * 2n ** 192n + 1n;

/** A felt holding a Cairo i128 as the signed value. */
export function feltToI128(felt: bigint): bigint {
  return felt > FELT_PRIME / 2n ? felt - FELT_PRIME : felt;
}

/** A signed value as the felt Cairo stores an i128 in. */
export function i128ToFelt(value: bigint): bigint {
  return value < 0n ? FELT_PRIME + value : value;
}

export function decodeFulfilled(keys: readonly string[], data: readonly string[]): SpokeFulfilment {
  const requestId = eventRequestId(keys);
  if (data[0] === undefined) throw new SpokeDecodeError("event data cut short", data);
  const m = Number(BigInt(data[0]));
  const rest = data.slice(1 + m);
  if (rest.length !== 10) throw new SpokeDecodeError(`expected ${m} outputs and the settlement`, data);
  return {
    requestId,
    output: data.slice(1, 1 + m).map((f) => feltToI128(BigInt(f))),
    node: BigInt(rest[0]!),
    nodeAmount: u256(rest[1], rest[2], data),
    modelOwner: BigInt(rest[3]!),
    modelOwnerAmount: u256(rest[4], rest[5], data),
    protocolAmount: u256(rest[6], rest[7], data),
    refund: u256(rest[8], rest[9], data),
  };
}

export const REQUEST_STATUS = ["None", "Pending", "Fulfilled", "Expired", "Reclaimed"] as const;
export type StarknetRequestStatus = (typeof REQUEST_STATUS)[number];

/** The spoke's `get_request` answer (InferenceRequest: requester, model_id, fee, deadline, created_at, input_hash, status, delivered). */
export function decodeRequestView(felts: readonly string[]): { status: StarknetRequestStatus; delivered: boolean } {
  if (felts.length !== 10) throw new SpokeDecodeError(`get_request returned ${felts.length} felts, expected 10`, felts);
  const status = REQUEST_STATUS[Number(BigInt(felts[8]!))];
  if (!status) throw new SpokeDecodeError(`unknown request status ${felts[8]}`, felts);
  return { status, delivered: BigInt(felts[9]!) === 1n };
}

/** StarknetMessaging's key of an L2 -> L1 message: keccak256(from, to, payload.length, payload). */
export function l2ToL1MessageHash(from: bigint, to: Hex, payload: readonly bigint[]): Hex {
  return keccak256(
    encodePacked(
      ["uint256", "uint256", "uint256", "uint256[]"],
      [from, BigInt(to), BigInt(payload.length), [...payload]],
    ),
  );
}
