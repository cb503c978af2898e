import type { LogBatch, NewOutboxEntry } from "@zk-vin/chain-kit";
import { describeError } from "@zk-vin/chain-kit";
import type { Hex } from "viem";
import type { packetSentEventAbi } from "./abi.js";
import { decodeExecutorOptions } from "./options.js";
import { bytes32ToAddress, decodePacket } from "./packet.js";
import { type LayerZeroChain, PACKET_KIND, type PacketEntryPayload, type PacketOutcome } from "./types.js";

/**
 * Turns one batch of PacketSent logs from `source` into outbox entries keyed by GUID: pending for
 * packets this carrier can deliver, failed (with the reason) for the others, so nothing is dropped
 * silently. Pure apart from the clock: the caller enqueues (idempotently).
 */
export function packetEntries(params: {
  batch: LogBatch<typeof packetSentEventAbi>;
  source: LayerZeroChain;
  destinations: ReadonlyMap<number, LayerZeroChain>;
  now: number;
}): NewOutboxEntry<PacketEntryPayload | RejectedPacket>[] {
  return params.batch.logs.map((log) => {
    const position = {
      sourceChainId: params.source.chainId,
      sourceBlock: log.blockNumber,
      sourceLogIndex: log.logIndex,
    };
    const rejected = (outcome: PacketOutcome, reason: string, key: string): NewOutboxEntry<RejectedPacket> => ({
      kind: PACKET_KIND,
      key,
      ...position,
      status: "failed",
      outcome,
      lastError: reason,
      payload: { encoded: log.args.encodedPayload, options: log.args.options, srcTxHash: log.transactionHash },
    });
    const fallbackKey = `${params.source.chainId}:${log.transactionHash}:${log.logIndex}`;
    let packet: ReturnType<typeof decodePacket>;
    try {
      packet = decodePacket(log.args.encodedPayload);
    } catch (error) {
      return rejected("malformed", describeError(error), fallbackKey);
    }
    if (packet.srcEid !== params.source.eid) {
      return rejected("malformed", `srcEid ${packet.srcEid} on the chain of EID ${params.source.eid}`, packet.guid);
    }
    const destination = params.destinations.get(packet.dstEid);
    if (!destination) {
      return rejected("no-route", `destination EID ${packet.dstEid} is not one of this relayer's chains`, packet.guid);
    }
    let receiver: ReturnType<typeof bytes32ToAddress>;
    let instructions: ReturnType<typeof decodeExecutorOptions>;
    let nativeDrops: PacketEntryPayload["nativeDrops"];
    try {
      receiver = bytes32ToAddress(packet.receiver);
      instructions = decodeExecutorOptions(log.args.options);
      nativeDrops = instructions.nativeDrops.map((d) => ({
        receiver: bytes32ToAddress(d.receiver),
        amount: d.amount.toString(),
      }));
    } catch (error) {
      return rejected("malformed", describeError(error), packet.guid);
    }
    if (instructions.lzReceiveGas === 0n) {
      return rejected(
        "unsupported-options",
        "no lzReceive gas in the options: nothing tells the executor how much to give",
        packet.guid,
      );
    }
    if (instructions.composes.length > 0) {
      return rejected(
        "unsupported-options",
        "lzCompose options: the local executor does not carry composes",
        packet.guid,
      );
    }
    const payload: PacketEntryPayload = {
      encoded: packet.encoded,
      options: log.args.options,
      srcEid: packet.srcEid,
      dstEid: packet.dstEid,
      nonce: packet.nonce.toString(),
      sender: packet.sender,
      receiver,
      guid: packet.guid,
      srcChainId: params.source.chainId,
      srcBlockHash: log.blockHash,
      srcTxHash: log.transactionHash,
      lzReceiveGas: instructions.lzReceiveGas.toString(),
      lzReceiveValue: instructions.lzReceiveValue.toString(),
      nativeDrops,
      discoveredAt: params.now,
    };
    return { kind: PACKET_KIND, key: packet.guid, ...position, step: "new", payload };
  });
}

/** What is kept of a packet the carrier will not deliver. */
export interface RejectedPacket {
  encoded: Hex;
  options: Hex;
  srcTxHash: Hex;
}
