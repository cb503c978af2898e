// NodePool: node operators, their stake and models, epochs and per-epoch capacity, slashes.
import { BigInt, Bytes } from "@graphprotocol/graph-ts";
import {
  CapacityAllocated,
  EpochLengthScheduled,
  NodeExitRequested,
  NodeRegistered,
  NodeSlashed,
  PoolParamsUpdated,
  SlashProceedsClaimed,
  StakeAdded,
  StakeWithdrawn,
  TreasuryUpdated,
} from "../generated/NodePool/NodePool";
import { EpochCapacity, Node, NodeModel, Slash } from "../generated/schema";
import { eventId, getEpoch, getProtocol, recordPayment, zero } from "./common";

function nodeModelId(node: Bytes, modelId: BigInt): string {
  return `${node.toHexString()}-${modelId.toString()}`;
}

export function handleNodeRegistered(event: NodeRegistered): void {
  const address = event.params.node;
  const id = address.toHexString();
  let n = Node.load(id);
  if (n === null) {
    n = new Node(id);
    n.address = address;
    n.slashedTotal = zero();
    n.registrations = 0;
    n.assignedCount = 0;
    n.fulfilledCount = 0;
    n.expiredCount = 0;
    n.feesEarned = zero();
  }
  n.status = "REGISTERED";
  n.stake = event.params.stake;
  n.capacity = event.params.capacity;
  n.modelIds = event.params.modelIds;
  n.activeFromEpoch = event.params.activeFromEpoch.toI32();
  n.exitEpoch = 0;
  n.withdrawableEpoch = 0;
  n.registeredAt = event.block.timestamp;
  n.registeredAtBlock = event.block.number;
  n.registrations = n.registrations + 1;
  n.save();

  const modelIds = event.params.modelIds;
  for (let i = 0; i < modelIds.length; i++) {
    const nm = new NodeModel(nodeModelId(address, modelIds[i]));
    nm.node = id;
    nm.model = modelIds[i].toString();
    nm.active = true;
    nm.save();
  }

  const p = getProtocol();
  p.pool = event.address;
  p.nodeCount = p.nodeCount + 1;
  p.totalStaked = p.totalStaked.plus(event.params.stake);
  p.save();

  const payment = recordPayment(event, "stake", "STAKE", address, event.address, event.params.stake);
  payment.node = id;
  payment.save();
}

export function handleStakeAdded(event: StakeAdded): void {
  const n = Node.load(event.params.node.toHexString());
  if (n === null) return;
  n.stake = event.params.stake;
  n.save();
  const p = getProtocol();
  p.totalStaked = p.totalStaked.plus(event.params.amount);
  p.save();
  const payment = recordPayment(event, "stake", "STAKE", event.params.node, event.address, event.params.amount);
  payment.node = n.id;
  payment.save();
}

export function handleNodeExitRequested(event: NodeExitRequested): void {
  const n = Node.load(event.params.node.toHexString());
  if (n === null) return;
  n.status = "EXITING";
  n.exitEpoch = event.params.exitEpoch.toI32();
  n.withdrawableEpoch = event.params.withdrawableEpoch.toI32();
  n.save();
}

export function handleStakeWithdrawn(event: StakeWithdrawn): void {
  const n = Node.load(event.params.node.toHexString());
  if (n === null) return;
  const modelIds = n.modelIds;
  for (let i = 0; i < modelIds.length; i++) {
    const nm = NodeModel.load(nodeModelId(event.params.node, modelIds[i]));
    if (nm !== null) {
      nm.active = false;
      nm.save();
    }
  }
  n.status = "WITHDRAWN";
  n.stake = zero();
  n.modelIds = [];
  n.save();

  const p = getProtocol();
  p.nodeCount = p.nodeCount - 1;
  p.totalStaked = p.totalStaked.minus(event.params.amount);
  p.save();

  const payment = recordPayment(
    event,
    "withdrawal",
    "STAKE_WITHDRAWAL",
    event.address,
    event.params.to,
    event.params.amount,
  );
  payment.node = n.id;
  payment.save();
}

export function handleCapacityAllocated(event: CapacityAllocated): void {
  const nodeId = event.params.node.toHexString();
  const epochNumber = event.params.epoch.toI32();
  const epoch = getEpoch(epochNumber);
  epoch.unitsAllocated = epoch.unitsAllocated.plus(event.params.units);
  epoch.save();

  const id = `${epoch.id}-${nodeId}`;
  let c = EpochCapacity.load(id);
  if (c === null) {
    c = new EpochCapacity(id);
    c.epoch = epoch.id;
    c.node = nodeId;
    c.allocations = 0;
    const n = Node.load(nodeId);
    c.capacity = n === null ? zero() : n.capacity;
  }
  c.used = event.params.usedInEpoch;
  c.allocations = c.allocations + 1;
  c.save();
}

export function handleNodeSlashed(event: NodeSlashed): void {
  const nodeId = event.params.node.toHexString();
  const amount = event.params.amount;
  const s = new Slash(eventId(event));
  s.node = nodeId;
  s.request = event.params.requestId.toString();
  s.beneficiary = event.params.beneficiary;
  s.amount = amount;
  s.beneficiaryShare = event.params.beneficiaryShare;
  s.treasuryShare = event.params.treasuryShare;
  s.timestamp = event.block.timestamp;
  s.blockNumber = event.block.number;
  s.transactionHash = event.transaction.hash;
  s.save();

  const n = Node.load(nodeId);
  if (n !== null) {
    n.stake = n.stake.minus(amount);
    n.slashedTotal = n.slashedTotal.plus(amount);
    n.save();
  }
  const p = getProtocol();
  p.totalStaked = p.totalStaked.minus(amount);
  p.totalSlashed = p.totalSlashed.plus(amount);
  p.save();

  if (!event.params.beneficiaryShare.isZero()) {
    const share = recordPayment(
      event,
      "beneficiary",
      "SLASH_SHARE",
      event.params.node,
      event.params.beneficiary,
      event.params.beneficiaryShare,
    );
    share.node = nodeId;
    share.request = s.request;
    share.save();
  }
  if (!event.params.treasuryShare.isZero()) {
    const share = recordPayment(
      event,
      "treasury",
      "SLASH_SHARE",
      event.params.node,
      p.poolTreasury,
      event.params.treasuryShare,
    );
    share.node = nodeId;
    share.request = s.request;
    share.save();
  }
}

export function handleSlashProceedsClaimed(event: SlashProceedsClaimed): void {
  const params = event.params;
  recordPayment(event, "claim", "SLASH_PROCEEDS_CLAIM", event.address, params.to, params.amount).save();
}

export function handleEpochLengthScheduled(event: EpochLengthScheduled): void {
  const p = getProtocol();
  p.pool = event.address;
  const first = p.epochLength.isZero();
  p.previousEpochAnchor = first ? event.params.fromEpoch.toI32() : p.epochAnchor;
  p.previousEpochAnchorBlock = first ? event.params.fromBlock : p.epochAnchorBlock;
  p.previousEpochLength = first ? event.params.lengthBlocks : p.epochLength;
  p.epochAnchor = event.params.fromEpoch.toI32();
  p.epochAnchorBlock = event.params.fromBlock;
  p.epochLength = event.params.lengthBlocks;
  p.save();
}

export function handlePoolParamsUpdated(event: PoolParamsUpdated): void {
  const params = event.params.params;
  const p = getProtocol();
  p.minStakePerComputeUnit = params.minStakePerComputeUnit;
  p.slashAmount = params.slashAmount;
  p.requesterShareBps = params.requesterShareBps;
  p.maxNodesPerModel = params.maxNodesPerModel;
  p.maxModelsPerNode = params.maxModelsPerNode;
  p.unbondingEpochs = params.unbondingEpochs;
  p.save();
}

export function handleTreasuryUpdated(event: TreasuryUpdated): void {
  const p = getProtocol();
  p.poolTreasury = event.params.treasury;
  p.save();
}
