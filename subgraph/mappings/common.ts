// Helpers shared by the mappings. The mappings are AssemblyScript: `graph build` compiles them to
// WebAssembly, which graph-node runs and the local indexer runs too (src/runtime, decision 0065).
import { BigInt, Bytes, dataSource, ethereum } from "@graphprotocol/graph-ts";
import { Epoch, Payment, Protocol } from "../generated/schema";

export const PROTOCOL_ID = "hub";

export function zero(): BigInt {
  return BigInt.zero();
}

export function one(): BigInt {
  return BigInt.fromI32(1);
}

/** The LayerZero endpoint id of the chain this data source indexes (manifest context). */
export function ownEid(): i32 {
  return dataSource.context().getI32("eid");
}

export function hubEid(): i32 {
  return dataSource.context().getI32("hubEid");
}

/** A unique id for something one log created: "<tx hash>-<log index>". */
export function eventId(event: ethereum.Event): string {
  return `${event.transaction.hash.toHexString()}-${event.logIndex.toString()}`;
}

/** A uint256 held in a bytes32 (big-endian) as a BigInt. */
export function uint256FromBytes32(b: Bytes): BigInt {
  const le = new Bytes(b.length);
  for (let i = 0; i < b.length; i++) {
    le[i] = b[b.length - 1 - i];
  }
  return BigInt.fromUnsignedBytes(le);
}

export function getProtocol(): Protocol {
  let p = Protocol.load(PROTOCOL_ID);
  if (p === null) {
    p = new Protocol(PROTOCOL_ID);
    p.network = dataSource.network();
    p.gateways = [];
    p.registrationFee = zero();
    p.modelApprovalRequired = false;
    p.maxRoyalty = zero();
    p.unitPrice = zero();
    p.protocolFee = zero();
    p.fulfilmentWindow = zero();
    p.maxCallbackGasLimit = zero();
    p.maxReassignments = 0;
    p.callbackGasPrice = zero();
    p.commitmentBond = zero();
    p.minStakePerComputeUnit = zero();
    p.slashAmount = zero();
    p.requesterShareBps = 0;
    p.maxNodesPerModel = 0;
    p.maxModelsPerNode = 0;
    p.unbondingEpochs = zero();
    p.epochAnchor = 0;
    p.epochAnchorBlock = zero();
    p.epochLength = zero();
    p.previousEpochAnchor = 0;
    p.previousEpochAnchorBlock = zero();
    p.previousEpochLength = zero();
    p.modelCount = 0;
    p.nodeCount = 0;
    p.requestCount = zero();
    p.fulfilledCount = zero();
    p.expiredCount = zero();
    p.refundedCount = zero();
    p.totalStaked = zero();
    p.totalSlashed = zero();
  }
  return p as Protocol;
}

/** The epoch entity, created with its start block from the schedule that governs it. */
export function getEpoch(number: i32): Epoch {
  const id = number.toString();
  let e = Epoch.load(id);
  if (e === null) {
    const p = getProtocol();
    e = new Epoch(id);
    e.number = number;
    let anchor = p.epochAnchor;
    let anchorBlock = p.epochAnchorBlock;
    let length = p.epochLength;
    if (number < anchor) {
      anchor = p.previousEpochAnchor;
      anchorBlock = p.previousEpochAnchorBlock;
      length = p.previousEpochLength;
    }
    e.startBlock = anchorBlock.plus(BigInt.fromI32(number - anchor).times(length));
    e.lengthBlocks = length;
    e.unitsAllocated = zero();
    e.assignmentCount = 0;
  }
  return e as Epoch;
}

/** Records a payment; `suffix` tells apart several payments of one log. */
export function recordPayment(
  event: ethereum.Event,
  suffix: string,
  kind: string,
  from: Bytes | null,
  to: Bytes | null,
  amount: BigInt,
): Payment {
  const p = new Payment(`${eventId(event)}-${suffix}`);
  p.kind = kind;
  p.eid = ownEid();
  p.network = dataSource.network();
  p.contract = event.address;
  p.from = from;
  p.to = to;
  p.amount = amount;
  p.timestamp = event.block.timestamp;
  p.blockNumber = event.block.number;
  p.transactionHash = event.transaction.hash;
  return p;
}
