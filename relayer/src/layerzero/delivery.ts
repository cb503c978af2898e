import type { Outbox, OutboxEntry } from "@zk-vin/chain-kit";
import { RelayerError, sendRecorded, settleRecorded } from "@zk-vin/chain-kit";
import {
  type Address,
  decodeErrorResult,
  encodeFunctionData,
  type Hex,
  keccak256,
  type LocalAccount,
  parseEventLogs,
  type TransactionReceipt,
  TransactionReceiptNotFoundError,
} from "viem";
import { dvnAbi, endpointAbi, endpointErrorsAbi, executorAbi, receiveUlnAbi } from "./abi.js";
import { signVerifyInstruction } from "./dvn.js";
import { decodePacket, type Packet } from "./packet.js";
import {
  type LayerZeroChain,
  PACKET_KIND,
  type PacketEntryPayload,
  type PacketOutcome,
  type PacketStep,
} from "./types.js";

const EMPTY_PAYLOAD_HASH = `0x${"0".repeat(64)}` as const;
const NIL_PAYLOAD_HASH = `0x${"f".repeat(64)}` as const;
/** DVN.execute swallows a failing inner call, so gas estimation could settle on a too-small limit. */
const DVN_EXECUTE_GAS = 400_000n;
/** Executor.execute302 around lzReceive: the endpoint's bookkeeping plus an alert with a long reason. */
const EXECUTE_OVERHEAD_GAS = 250_000n;
const NATIVE_DROP_GAS = 50_000n;

/** What one delivery attempt ended with, when it did not throw. */
export type DeliveryResult =
  | { kind: "wait"; reason: string }
  | { kind: "final"; status: "done" | "failed"; outcome: PacketOutcome; detail: string | null };

export interface DeliveryContext {
  source: LayerZeroChain;
  destination: LayerZeroChain;
  /** The DVN signer (a member of each destination DVN's quorum). */
  signer: LocalAccount;
  /** The destination DVN's verifier id (read once from DVN.vid()). */
  dvnVid: number;
  outbox: Outbox;
  /** Seconds a DVN signature stays valid. */
  signatureTtlSeconds: number;
  /** Receipt wait limit per transaction. */
  receiptTimeoutMs: number;
}

/** A delivery step failed in a way a later attempt may not (counted against the attempt budget). */
export class DeliveryStepError extends RelayerError {
  override readonly name: string = "DeliveryStepError";
  constructor(
    readonly guid: Hex,
    readonly step: PacketStep,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`packet ${guid} (${step}): ${message}`, options);
  }
}

/** The receiver has no peer for the source yet, so the endpoint will not open the path. */
export class PathNotInitializableError extends DeliveryStepError {
  override readonly name = "PathNotInitializableError";
  constructor(
    guid: Hex,
    readonly receiver: Address,
    readonly srcEid: number,
  ) {
    super(guid, "new", `receiver ${receiver} does not accept packets from EID ${srcEid} (no peer?)`);
  }
}

/** A transaction the carrier sent was mined but reverted. */
export class TransactionRevertedError extends DeliveryStepError {
  override readonly name = "TransactionRevertedError";
  constructor(
    guid: Hex,
    step: PacketStep,
    readonly txHash: Hex,
  ) {
    super(guid, step, `transaction ${txHash} reverted`);
  }
}

/**
 * Moves one packet as far as it can go on its destination chain: DVN verification, commit,
 * execution. Every step is chosen from on-chain state read just before, so a crash at any point and a
 * restart continue where the chain is, never repeating a finished step. The execution transaction is
 * signed and recorded in the outbox before it is broadcast, so its outcome (delivered, or an alert) is
 * looked up rather than guessed after a crash.
 */
export async function deliverPacket(
  ctx: DeliveryContext,
  entry: OutboxEntry<PacketEntryPayload>,
): Promise<DeliveryResult> {
  const packet = decodePacket(entry.payload.encoded);
  let pendingTx = entry.pendingTx;
  // Each pass acts at most once and re-reads the chain; four passes cover verify, commit, execute.
  for (let pass = 0; pass < 5; pass++) {
    if (pendingTx) {
      const settled = await settlePendingExecution(ctx, entry, packet, pendingTx);
      if (settled) return settled;
      pendingTx = null;
    }
    const next = await nextStep(ctx, entry, packet);
    if (next.kind !== "advanced") return next;
    if (next.step === "executing") return next.result;
    await ctx.outbox.update(PACKET_KIND, entry.key, { step: next.step });
  }
  return { kind: "wait", reason: "no final state after verify, commit and execute" };
}

type StepOutcome = DeliveryResult | { kind: "advanced"; step: "verified" | "committed" } | Executed;
type Executed = { kind: "advanced"; step: "executing"; result: DeliveryResult };

async function nextStep(
  ctx: DeliveryContext,
  entry: OutboxEntry<PacketEntryPayload>,
  packet: Packet,
): Promise<StepOutcome> {
  const dst = ctx.destination;
  const p = entry.payload;
  const read = dst.publicClient;
  const [stored, lazyNonce] = await Promise.all([
    read.readContract({
      address: dst.endpoint,
      abi: endpointAbi,
      functionName: "inboundPayloadHash",
      args: [p.receiver, p.srcEid, p.sender, packet.nonce],
    }),
    read.readContract({
      address: dst.endpoint,
      abi: endpointAbi,
      functionName: "lazyInboundNonce",
      args: [p.receiver, p.srcEid, p.sender],
    }),
  ]);
  if (stored === EMPTY_PAYLOAD_HASH && packet.nonce <= lazyNonce) {
    return final("done", "cleared", "the endpoint had already cleared this nonce");
  }
  if (stored === NIL_PAYLOAD_HASH) return final("failed", "nilified", "the receiver nilified this nonce");
  if (stored !== EMPTY_PAYLOAD_HASH && stored !== packet.payloadHash) {
    return final("failed", "payload-mismatch", `the endpoint holds payload hash ${stored} for this nonce`);
  }
  if (stored === packet.payloadHash) return execute(ctx, entry, packet);

  const config = await read.readContract({
    address: dst.receiveUln302,
    abi: receiveUlnAbi,
    functionName: "getUlnConfig",
    args: [p.receiver, p.srcEid],
  });
  const dvn = dst.dvn.toLowerCase();
  const listed = [...config.requiredDVNs, ...config.optionalDVNs].some((d) => d.toLowerCase() === dvn);
  if (!listed) return final("failed", "foreign-dvn", `the receiver's ULN config does not list DVN ${dst.dvn}`);
  const headerHash = keccak256(packet.header);
  const [submitted, attested] = await read.readContract({
    address: dst.receiveUln302,
    abi: receiveUlnAbi,
    functionName: "hashLookup",
    args: [headerHash, packet.payloadHash, dst.dvn],
  });
  if (!submitted || attested < config.confirmations) {
    const seen = await sourceConfirmations(ctx, p);
    if (typeof seen === "string") return { kind: "wait", reason: seen };
    if (seen < config.confirmations) {
      return { kind: "wait", reason: `${seen} of ${config.confirmations} source confirmations` };
    }
    const origin = { srcEid: p.srcEid, sender: p.sender, nonce: packet.nonce };
    const open = await read.readContract({
      address: dst.endpoint,
      abi: endpointAbi,
      functionName: "initializable",
      args: [origin, p.receiver],
    });
    if (!open) throw new PathNotInitializableError(p.guid, p.receiver, p.srcEid);
    await verifyAsDvn(ctx, packet, seen, headerHash);
    return { kind: "advanced", step: "verified" };
  }
  const ready = await read.readContract({
    address: dst.receiveUln302,
    abi: receiveUlnAbi,
    functionName: "verifiable",
    args: [config, headerHash, packet.payloadHash],
  });
  if (!ready) return { kind: "wait", reason: "other DVNs the receiver requires have not verified yet" };
  await commit(ctx, packet);
  return { kind: "advanced", step: "committed" };
}

/** Blocks on top of the packet's source block, or why the source cannot vouch for it now. */
async function sourceConfirmations(ctx: DeliveryContext, p: PacketEntryPayload): Promise<bigint | string> {
  const src = ctx.source.publicClient;
  let receipt: TransactionReceipt;
  try {
    receipt = await src.getTransactionReceipt({ hash: p.srcTxHash });
  } catch (error) {
    if (error instanceof TransactionReceiptNotFoundError) return "the source transaction is not on the chain (reorg?)";
    throw error;
  }
  if (receipt.blockHash !== p.srcBlockHash) return "the source transaction moved to another block (reorg)";
  const head = await src.getBlockNumber({ cacheTime: 0 });
  return head - receipt.blockNumber;
}

async function verifyAsDvn(
  ctx: DeliveryContext,
  packet: Packet,
  confirmations: bigint,
  headerHash: Hex,
): Promise<void> {
  const dst = ctx.destination;
  const latest = await dst.publicClient.getBlock({ blockTag: "latest" });
  const instruction = await signVerifyInstruction({
    signer: ctx.signer,
    vid: ctx.dvnVid,
    receiveUln302: dst.receiveUln302,
    packet,
    confirmations,
    expiration: latest.timestamp + BigInt(ctx.signatureTtlSeconds),
  });
  const hash = await dst.walletClient.writeContract({
    address: dst.dvn,
    abi: dvnAbi,
    functionName: "execute",
    args: [[instruction]],
    gas: DVN_EXECUTE_GAS,
  });
  const receipt = await dst.publicClient.waitForTransactionReceipt({ hash, timeout: ctx.receiptTimeoutMs });
  if (receipt.status !== "success") throw new TransactionRevertedError(packet.guid, "new", hash);
  const [submitted] = await dst.publicClient.readContract({
    address: dst.receiveUln302,
    abi: receiveUlnAbi,
    functionName: "hashLookup",
    args: [headerHash, packet.payloadHash, dst.dvn],
  });
  if (!submitted) {
    throw new DeliveryStepError(packet.guid, "new", `DVN.execute did not verify: ${dvnFailure(receipt, dst.dvn)}`);
  }
}

/** Why DVN.execute skipped its instruction, from the events it emitted. */
function dvnFailure(receipt: TransactionReceipt, dvn: Address): string {
  const events = parseEventLogs({
    abi: dvnAbi,
    logs: receipt.logs.filter((l) => l.address.toLowerCase() === dvn.toLowerCase()),
  });
  for (const e of events) {
    if (e.eventName === "VerifySignaturesFailed") return "the DVN rejected the signature (signer not in its quorum?)";
    if (e.eventName === "ExecuteFailed") return `ReceiveUln302.verify reverted: ${decodeReason(e.args.data)}`;
    if (e.eventName === "HashAlreadyUsed") return "the DVN had already used this instruction";
  }
  return "the instruction was skipped (expired, or signed for another DVN)";
}

async function commit(ctx: DeliveryContext, packet: Packet): Promise<void> {
  const dst = ctx.destination;
  const { request } = await dst.publicClient.simulateContract({
    account: dst.walletClient.account,
    address: dst.receiveUln302,
    abi: [...receiveUlnAbi, ...endpointErrorsAbi],
    functionName: "commitVerification",
    args: [packet.header, packet.payloadHash],
  });
  const hash = await dst.walletClient.writeContract(request);
  const receipt = await dst.publicClient.waitForTransactionReceipt({ hash, timeout: ctx.receiptTimeoutMs });
  if (receipt.status !== "success") throw new TransactionRevertedError(packet.guid, "verified", hash);
}

async function execute(
  ctx: DeliveryContext,
  entry: OutboxEntry<PacketEntryPayload>,
  packet: Packet,
): Promise<StepOutcome> {
  const dst = ctx.destination;
  const p = entry.payload;
  const verifiedUpTo = await dst.publicClient.readContract({
    address: dst.endpoint,
    abi: endpointAbi,
    functionName: "inboundNonce",
    args: [p.receiver, p.srcEid, p.sender],
  });
  // The endpoint executes nonce n only once every nonce before it is verified.
  if (verifiedUpTo < packet.nonce) {
    return { kind: "wait", reason: `nonce ${packet.nonce} waits for earlier nonces (verified up to ${verifiedUpTo})` };
  }
  const gasLimit = BigInt(p.lzReceiveGas);
  const drops = p.nativeDrops.map((d) => ({ receiver: d.receiver, amount: BigInt(d.amount) }));
  const params = {
    receiver: p.receiver,
    origin: { srcEid: p.srcEid, sender: p.sender, nonce: packet.nonce },
    guid: p.guid,
    message: packet.message,
    extraData: "0x" as Hex,
    gasLimit,
  };
  const data =
    drops.length === 0
      ? encodeFunctionData({ abi: executorAbi, functionName: "execute302", args: [params] })
      : encodeFunctionData({
          abi: executorAbi,
          functionName: "nativeDropAndExecute302",
          args: [drops, NATIVE_DROP_GAS, params],
        });
  const value = BigInt(p.lzReceiveValue) + drops.reduce((sum, d) => sum + d.amount, 0n);
  // lzReceive gets `gasLimit` only if 64/63 of it reaches the call (EIP-150); estimation cannot be
  // trusted here because the executor catches a failing lzReceive.
  const gas = gasLimit + gasLimit / 63n + EXECUTE_OVERHEAD_GAS + NATIVE_DROP_GAS * BigInt(drops.length);
  // Write-ahead: once broadcast, the outcome is read from this transaction, never guessed.
  const { receipt } = await sendRecorded({
    publicClient: dst.publicClient,
    walletClient: dst.walletClient,
    request: { to: dst.executor, data, value, gas },
    record: (pendingTx) => ctx.outbox.update(PACKET_KIND, entry.key, { step: "executing", pendingTx }),
    receiptTimeoutMs: ctx.receiptTimeoutMs,
  });
  return { kind: "advanced", step: "executing", result: await judgeExecution(ctx, entry, packet, receipt) };
}

/** The outcome of a recorded execution transaction, or null when it never reached the chain. */
async function settlePendingExecution(
  ctx: DeliveryContext,
  entry: OutboxEntry<PacketEntryPayload>,
  packet: Packet,
  hash: Hex,
): Promise<DeliveryResult | null> {
  const settled = await settleRecorded(ctx.destination.publicClient, hash);
  if (settled.state === "mined") return await judgeExecution(ctx, entry, packet, settled.receipt);
  if (settled.state === "pending") return { kind: "wait", reason: `execution transaction ${hash} is still pending` };
  // Signed but never broadcast (or dropped): forget it; the chain state decides what comes next.
  await ctx.outbox.update(PACKET_KIND, entry.key, { pendingTx: null });
  return null;
}

async function judgeExecution(
  ctx: DeliveryContext,
  entry: OutboxEntry<PacketEntryPayload>,
  packet: Packet,
  receipt: TransactionReceipt,
): Promise<DeliveryResult> {
  const dst = ctx.destination;
  if (receipt.status !== "success") {
    await ctx.outbox.update(PACKET_KIND, entry.key, { pendingTx: null });
    throw new TransactionRevertedError(packet.guid, "executing", receipt.transactionHash);
  }
  const events = parseEventLogs({
    abi: endpointAbi,
    logs: receipt.logs.filter((l) => l.address.toLowerCase() === dst.endpoint.toLowerCase()),
  });
  for (const e of events) {
    if (e.eventName === "LzReceiveAlert" && e.args.guid === packet.guid) {
      return final("failed", "alerted", `lzReceive failed: ${decodeReason(e.args.reason)}`);
    }
    if (
      e.eventName === "PacketDelivered" &&
      e.args.origin.nonce === packet.nonce &&
      e.args.origin.srcEid === packet.srcEid &&
      e.args.origin.sender === packet.sender &&
      e.args.receiver.toLowerCase() === entry.payload.receiver.toLowerCase()
    ) {
      return final("done", "delivered", null);
    }
  }
  throw new DeliveryStepError(
    packet.guid,
    "executing",
    `execution ${receipt.transactionHash} emitted neither PacketDelivered nor LzReceiveAlert`,
  );
}

function final(status: "done" | "failed", outcome: PacketOutcome, detail: string | null): DeliveryResult {
  return { kind: "final", status, outcome, detail };
}

/** An error payload as `Name(args)` when it is a known error, else the raw bytes. */
export function decodeReason(data: Hex): string {
  if (data === "0x") return "no revert data (out of gas?)";
  try {
    const decoded = decodeErrorResult({ abi: [...endpointErrorsAbi, ...receiveUlnAbi], data });
    const args = (decoded.args ?? []).map((a) => (typeof a === "bigint" ? a.toString() : String(a)));
    return `${decoded.errorName}(${args.join(", ")})`;
  } catch {
    return data;
  }
}
