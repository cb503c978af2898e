export {
  dvnAbi,
  endpointAbi,
  endpointErrorsAbi,
  executorAbi,
  packetSentEventAbi,
  receiveUlnAbi,
  WORKER_ADMIN_ROLE,
} from "./abi.js";
export { CarrierSetupError, type CarrierStatus, LayerZeroCarrier, type LayerZeroCarrierOptions } from "./carrier.js";
export {
  type DeliveryContext,
  type DeliveryResult,
  DeliveryStepError,
  decodeReason,
  deliverPacket,
  PathNotInitializableError,
  TransactionRevertedError,
} from "./delivery.js";
export { packetEntries, type RejectedPacket } from "./discovery.js";
export { type DvnInstruction, dvnCallDataHash, signVerifyInstruction } from "./dvn.js";
export { decodeExecutorOptions, type ExecutorInstructions, OptionsDecodeError } from "./options.js";
export {
  addressToBytes32,
  bytes32ToAddress,
  decodePacket,
  encodePacket,
  type Packet,
  PacketDecodeError,
  packetGuid,
} from "./packet.js";
export { type LayerZeroStackFile, readLayerZeroStackFile, StackFileError } from "./stackFile.js";
export {
  type CarrierObserver,
  type LayerZeroChain,
  PACKET_KIND,
  PACKET_STREAM,
  type PacketEntryPayload,
  type PacketOutcome,
  type PacketStep,
} from "./types.js";
