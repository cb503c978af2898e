import { RelayerError } from "@zk-vin/chain-kit";
import { type Address, concatHex, encodePacked, getAddress, type Hex, keccak256, size, sliceHex } from "viem";

/** PacketV1Codec's only version. */
export const PACKET_VERSION = 1;
const HEADER_LENGTH = 81;
const MESSAGE_OFFSET = 113;

/** A LayerZero V2 packet as EndpointV2 emits it in `PacketSent(encodedPayload, options, sendLibrary)`. */
export interface Packet {
  version: number;
  nonce: bigint;
  srcEid: number;
  /** The sending OApp, as bytes32 (EVM addresses are left-padded). */
  sender: Hex;
  dstEid: number;
  /** The receiving OApp, as bytes32. */
  receiver: Hex;
  guid: Hex;
  message: Hex;
  /** Bytes 0..81: version, nonce, path. What DVNs attest and ReceiveUln302 checks. */
  header: Hex;
  /** keccak256(guid ++ message): what the endpoint stores once verified. */
  payloadHash: Hex;
  encoded: Hex;
}

/** The bytes are not a well-formed V1 packet, or its GUID is not the one its fields imply. */
export class PacketDecodeError extends RelayerError {
  override readonly name = "PacketDecodeError";
  constructor(
    readonly encoded: Hex,
    reason: string,
  ) {
    super(`malformed LayerZero packet: ${reason}`);
  }
}

/** Splits an encoded packet into its fields and checks its version and GUID. */
export function decodePacket(encoded: Hex): Packet {
  const length = size(encoded);
  if (length < MESSAGE_OFFSET) {
    throw new PacketDecodeError(encoded, `${length} bytes, at least ${MESSAGE_OFFSET} expected`);
  }
  const version = Number.parseInt(sliceHex(encoded, 0, 1).slice(2), 16);
  if (version !== PACKET_VERSION)
    throw new PacketDecodeError(encoded, `version ${version}, expected ${PACKET_VERSION}`);
  const packet: Packet = {
    version,
    nonce: BigInt(sliceHex(encoded, 1, 9)),
    srcEid: Number(BigInt(sliceHex(encoded, 9, 13))),
    sender: sliceHex(encoded, 13, 45),
    dstEid: Number(BigInt(sliceHex(encoded, 45, 49))),
    receiver: sliceHex(encoded, 49, 81),
    guid: sliceHex(encoded, 81, 113),
    message: length === MESSAGE_OFFSET ? "0x" : sliceHex(encoded, MESSAGE_OFFSET),
    header: sliceHex(encoded, 0, HEADER_LENGTH),
    payloadHash: keccak256(sliceHex(encoded, HEADER_LENGTH)),
    encoded,
  };
  const expected = packetGuid(packet);
  if (expected !== packet.guid) {
    throw new PacketDecodeError(encoded, `GUID ${packet.guid} does not match its nonce and path (${expected})`);
  }
  return packet;
}

/** GUID.generate: keccak256(nonce, srcEid, sender, dstEid, receiver), packed. */
export function packetGuid(p: Pick<Packet, "nonce" | "srcEid" | "sender" | "dstEid" | "receiver">): Hex {
  return keccak256(
    encodePacked(
      ["uint64", "uint32", "bytes32", "uint32", "bytes32"],
      [p.nonce, p.srcEid, p.sender, p.dstEid, p.receiver],
    ),
  );
}

/** Encodes a packet the way PacketV1Codec.encode does (used by tests and tools). */
export function encodePacket(p: Pick<Packet, "nonce" | "srcEid" | "sender" | "dstEid" | "receiver" | "message">): Hex {
  return concatHex([
    encodePacked(
      ["uint8", "uint64", "uint32", "bytes32", "uint32", "bytes32"],
      [PACKET_VERSION, p.nonce, p.srcEid, p.sender, p.dstEid, p.receiver],
    ),
    packetGuid(p),
    p.message,
  ]);
}

/** An EVM address from a bytes32 OApp id; throws when the upper 12 bytes are not zero. */
export function bytes32ToAddress(value: Hex): Address {
  if (size(value) !== 32 || !/^0x0{24}/i.test(value)) {
    throw new PacketDecodeError(value, `${value} is not a left-padded EVM address`);
  }
  return getAddress(sliceHex(value, 12));
}

export function addressToBytes32(address: Address): Hex {
  return `0x${address.slice(2).toLowerCase().padStart(64, "0")}`;
}
