// The relayer's Starknet lane: carries one Cairo spoke's traffic to and from the hub's StarknetGateway.
//
//   L2 spoke  --InferenceRequested + L2->L1 REQUEST-->  StarknetMessaging (hub chain)
//   relayer: consumeRequest(spoke, payload) on the gateway   -> the market enqueues it; the node proves
//   gateway  --sendMessageToL2 RESULT/EXPIRED-->  spoke's on_hub_message (L1 handler, settles the fee)
//   relayer: deliver(request_id) on the spoke                 -> the consumer's on_inference_result
//
// The spoke's events are the source of work: each InferenceRequested becomes a `starknet:consume` outbox
// entry, each InferenceFulfilled a `starknet:deliver` entry (the outbox is the relayer's crash-safe store:
// entries are written before anything is sent, and a restart resumes them). Both steps are once-only on
// chain (StarknetMessaging consumes a message once; the spoke refuses a second delivery), and the lane
// checks chain state before every send, so a kill at any point neither repeats nor loses one. On local
// networks it also plays the sequencer's part in messaging: each round flushes starknet-devnet's postman
// (L2 -> L1 messages become consumable on the hub chain, L1 -> L2 messages run their L1 handlers).

import { describeError, type Logger, RelayerError, type Store, silentLogger } from "@zk-vin/chain-kit";
import { Account, RpcProvider, config as starknetConfig } from "starknet";
import {
  type Chain,
  decodeEventLog,
  type Account as EvmAccount,
  encodeAbiParameters,
  encodeFunctionData,
  type Hex,
  keccak256,
  type PublicClient,
  parseAbi,
  TransactionReceiptNotFoundError,
  type Transport,
  type WalletClient,
} from "viem";
import {
  decodeFulfilled,
  decodeRequested,
  decodeRequestView,
  eventRequestId,
  l2ToL1MessageHash,
  SPOKE_EVENTS,
} from "./codec.js";
import type { StarknetConfig } from "./config.js";

// starknet.js warns on every fee estimate of a chain with few tipped transactions (every devnet).
starknetConfig.set("logLevel", "ERROR");

export const STARKNET_CONSUME_KIND = "starknet:consume";
export const STARKNET_DELIVER_KIND = "starknet:deliver";

export const starknetGatewayLaneAbi = parseAbi([
  "function consumeRequest(uint256 spoke, uint256[] payload) returns (bytes32 key, uint256 hubRequestId)",
  "struct Ticket { uint256 spoke; uint64 spokeRequestId; uint8 status; uint8 heldKind; uint256 hubRequestId; bytes32 heldDigest; }",
  "function ticket(bytes32 key) view returns (Ticket)",
  "event RequestConsumed(bytes32 indexed key, uint256 indexed spoke, uint64 spokeRequestId, uint256 indexed hubRequestId, bytes32 msgHash)",
  "event RequestRejected(bytes32 indexed key, uint256 indexed spoke, uint64 spokeRequestId, bytes reason)",
]);
const messagingAbi = parseAbi(["function l2ToL1Messages(bytes32 msgHash) view returns (uint256)"]);

interface ConsumePayload {
  requestId: string;
  payload: string[];
  msgHash: Hex;
}

interface DeliverPayload {
  requestId: string;
}

export interface StarknetLaneHub {
  name: string;
  chainId: number;
  publicClient: PublicClient;
  walletClient: WalletClient<Transport, Chain, EvmAccount>;
}

/** What the lane reports to /status and the metrics. */
export interface StarknetLaneStatus {
  spoke: string;
  gateway: Hex;
  /** Last Starknet block whose spoke events were read. */
  cursor: number | null;
  /** Starknet head at the last round. */
  head: number | null;
  rounds: number;
  flushes: { toL1: number; toL2: number };
  consumed: number;
  rejected: number;
  delivered: number;
  lastRoundError: string | null;
  lastRoundAt: number | null;
}

export interface StarknetLaneObserver {
  consumed?(e: { requestId: bigint; hubRequestId: bigint; rejected: boolean; gasUsed: bigint }): void;
  delivered?(e: { requestId: bigint; latencyMs: number | null }): void;
  flushed?(e: { toL1: number; toL2: number }): void;
}

/** A step the lane could not take; `requestId` is the spoke's id. */
export class StarknetLaneError extends RelayerError {
  override readonly name = "StarknetLaneError";
  constructor(
    message: string,
    readonly requestId: bigint,
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export class StarknetLane {
  private readonly provider: RpcProvider;
  private readonly account: Account;
  private readonly log: Logger;
  private readonly stream: { chainId: number; stream: string };
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = false;
  private readonly state: StarknetLaneStatus;
  /** When each request's L2 event was seen (for the delivery latency), in this process. */
  private readonly seenAt = new Map<string, number>();

  constructor(
    private readonly options: {
      config: StarknetConfig;
      hub: StarknetLaneHub;
      store: Store;
      logger?: Logger;
      observer?: StarknetLaneObserver;
    },
  ) {
    const c = options.config;
    this.provider = new RpcProvider({ nodeUrl: c.rpcUrl });
    this.account = new Account({ provider: this.provider, address: c.account.address, signer: c.account.privateKey });
    this.log = (options.logger ?? silentLogger).child({ lane: "starknet" });
    this.stream = { chainId: options.hub.chainId, stream: `starknet:spoke:${c.spoke}` };
    this.state = {
      spoke: c.spoke,
      gateway: c.gateway,
      cursor: null,
      head: null,
      rounds: 0,
      flushes: { toL1: 0, toL2: 0 },
      consumed: 0,
      rejected: 0,
      delivered: 0,
      lastRoundError: null,
      lastRoundAt: null,
    };
  }

  async start(): Promise<void> {
    const cursor = await this.options.store.getCursor(this.stream);
    this.state.cursor = cursor ? Number(cursor.number) : null;
    this.schedule(0);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }

  status(): StarknetLaneStatus {
    return { ...this.state, flushes: { ...this.state.flushes } };
  }

  private schedule(delayMs: number) {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.running = this.round().finally(() => {
        this.running = null;
        this.schedule(this.options.config.pollIntervalMs);
      });
    }, delayMs);
  }

  /** One pass: flush (local), read new spoke events, consume requests on L1, deliver results on L2. */
  async round(): Promise<void> {
    try {
      if (this.options.config.postman.flush) await this.flush();
      await this.scan();
      await this.work<ConsumePayload>(STARKNET_CONSUME_KIND, (e) => this.consume(e));
      await this.work<DeliverPayload>(STARKNET_DELIVER_KIND, (e) => this.deliver(e));
      this.state.lastRoundError = null;
    } catch (error) {
      this.state.lastRoundError = describeError(error);
      this.log.warn({ err: this.state.lastRoundError }, "starknet round failed");
    } finally {
      this.state.rounds += 1;
      this.state.lastRoundAt = Date.now();
    }
  }

  private async flush(): Promise<void> {
    try {
      await this.flushOnce();
    } catch (error) {
      // starknet-devnet 0.10.1 reads the L1 logs from the block after its last flush to the head and fails
      // when no block came since (anvil refuses a range past its head), sending nothing either way. On
      // the local L1 an empty block lets it go on.
      if (!/BlockOutOfRange/.test(describeError(error))) throw error;
      const request = this.options.hub.publicClient.request as (args: { method: string }) => Promise<unknown>;
      await request({ method: "evm_mine" });
      await this.flushOnce();
    }
  }

  private async flushOnce(): Promise<void> {
    const res = await fetch(this.options.config.rpcUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "devnet_postmanFlush", params: {} }),
    });
    const body = (await res.json()) as {
      result?: { messages_to_l1: unknown[]; messages_to_l2: unknown[] };
      error?: unknown;
    };
    if (body.error !== undefined) throw new RelayerError(`devnet_postmanFlush: ${JSON.stringify(body.error)}`);
    const toL1 = body.result?.messages_to_l1.length ?? 0;
    const toL2 = body.result?.messages_to_l2.length ?? 0;
    this.state.flushes.toL1 += toL1;
    this.state.flushes.toL2 += toL2;
    if (toL1 + toL2 > 0) {
      this.log.debug({ toL1, toL2 }, "postman flushed");
      this.options.observer?.flushed?.({ toL1, toL2 });
    }
  }

  /** Reads the spoke's events after the cursor and enqueues the work they mean (idempotent by key). */
  private async scan(): Promise<void> {
    const c = this.options.config;
    const head = await this.provider.getBlockNumber();
    this.state.head = head;
    let from = this.state.cursor === null ? c.startBlock : this.state.cursor + 1;
    while (from <= head) {
      const to = Math.min(head, from + c.maxBlockRange - 1);
      const entries = [];
      let token: string | undefined;
      do {
        const page = await this.provider.getEvents({
          address: c.spoke,
          from_block: { block_number: from },
          to_block: { block_number: to },
          keys: [[SPOKE_EVENTS.InferenceRequested, SPOKE_EVENTS.InferenceFulfilled]],
          chunk_size: 1000,
          ...(token ? { continuation_token: token } : {}),
        });
        for (const [i, ev] of page.events.entries()) {
          const selector = BigInt(ev.keys[0] ?? 0);
          const block = BigInt(ev.block_number ?? to);
          if (selector === BigInt(SPOKE_EVENTS.InferenceRequested)) {
            const r = decodeRequested(ev.keys, ev.data);
            const payload: ConsumePayload = {
              requestId: String(r.requestId),
              payload: r.payload.map((f) => `0x${f.toString(16)}`),
              msgHash: l2ToL1MessageHash(BigInt(c.spoke), c.gateway, r.payload),
            };
            this.seenAt.set(String(r.requestId), Date.now());
            entries.push({
              kind: STARKNET_CONSUME_KIND,
              key: `${c.spoke}:${r.requestId}`,
              payload,
              sourceChainId: this.stream.chainId,
              sourceBlock: block,
              sourceLogIndex: i,
            });
          } else {
            const id = eventRequestId(ev.keys);
            decodeFulfilled(ev.keys, ev.data); // refuses an event of another layout before work is queued
            const payload: DeliverPayload = { requestId: String(id) };
            entries.push({
              kind: STARKNET_DELIVER_KIND,
              key: `${c.spoke}:${id}`,
              payload,
              sourceChainId: this.stream.chainId,
              sourceBlock: block,
              sourceLogIndex: i,
            });
          }
        }
        token = page.continuation_token;
      } while (token);
      if (entries.length > 0) await this.options.store.enqueue(entries);
      const block = await this.provider.getBlockWithTxHashes(to);
      const ref = {
        number: BigInt(to),
        hash: (("block_hash" in block ? block.block_hash : undefined) ?? "0x0") as Hex,
      };
      await this.options.store.advanceCursor(this.stream, { to: ref, blocks: [ref], keepFrom: BigInt(to) });
      this.state.cursor = to;
      from = to + 1;
    }
  }

  private async work<P>(
    kind: string,
    step: (entry: { key: string; payload: P; attempts: number; step: string; pendingTx: Hex | null }) => Promise<void>,
  ): Promise<void> {
    const due = await this.options.store.due<P>(kind, { now: Date.now(), limit: 32 });
    for (const entry of due) {
      if (this.stopped) return;
      try {
        await step(entry);
      } catch (error) {
        const attempts = entry.attempts + 1;
        const reason = describeError(error);
        const giveUp = attempts >= this.options.config.maxAttempts;
        await this.options.store.update(kind, entry.key, {
          attempts,
          lastError: reason,
          notBefore: Date.now() + Math.min(30_000, 500 * 2 ** attempts),
          ...(giveUp ? { status: "failed" as const, outcome: "alerted" } : {}),
        });
        this.log[giveUp ? "error" : "warn"]({ kind, key: entry.key, attempts, err: reason }, "starknet step failed");
      }
    }
  }

  private ticketKey(requestId: bigint): Hex {
    return keccak256(
      encodeAbiParameters([{ type: "uint256" }, { type: "uint256" }], [BigInt(this.options.config.spoke), requestId]),
    );
  }

  /** Consumes one REQUEST on the hub, unless it is not on L1 yet (later) or was consumed already (done). */
  private async consume(entry: { key: string; payload: ConsumePayload; pendingTx: Hex | null }): Promise<void> {
    const { hub, store, config } = { hub: this.options.hub, store: this.options.store, config: this.options.config };
    const requestId = BigInt(entry.payload.requestId);
    if (entry.pendingTx) {
      // A consume was signed before a restart: its receipt decides, if it has one.
      try {
        const receipt = await hub.publicClient.getTransactionReceipt({ hash: entry.pendingTx });
        if (receipt.status === "success") return this.consumed(entry.key, requestId, receipt);
      } catch (error) {
        if (!(error instanceof TransactionReceiptNotFoundError)) throw error;
      }
      await store.update(STARKNET_CONSUME_KIND, entry.key, { pendingTx: null });
    }
    const ticket = await hub.publicClient.readContract({
      address: config.gateway,
      abi: starknetGatewayLaneAbi,
      functionName: "ticket",
      args: [this.ticketKey(requestId)],
    });
    if (ticket.status !== 0) {
      await store.update(STARKNET_CONSUME_KIND, entry.key, {
        status: "done",
        outcome: ticket.hubRequestId === 0n ? "rejected" : "consumed",
        step: "consumed",
      });
      return;
    }
    const waiting = await hub.publicClient.readContract({
      address: config.messaging,
      abi: messagingAbi,
      functionName: "l2ToL1Messages",
      args: [entry.payload.msgHash],
    });
    if (waiting === 0n) {
      // Not on L1 yet (the postman's next flush, or the next state update on a public network).
      await store.update(STARKNET_CONSUME_KIND, entry.key, { notBefore: Date.now() + config.pollIntervalMs });
      return;
    }
    const data = encodeFunctionData({
      abi: starknetGatewayLaneAbi,
      functionName: "consumeRequest",
      args: [BigInt(config.spoke), entry.payload.payload.map((f) => BigInt(f))],
    });
    const request = await hub.walletClient.prepareTransactionRequest({ to: config.gateway, data });
    const serializedTransaction = await hub.walletClient.signTransaction(request);
    const hash = keccak256(serializedTransaction);
    // Write-ahead: after a crash the receipt of this transaction decides, never a guess.
    await store.update(STARKNET_CONSUME_KIND, entry.key, { step: "consuming", pendingTx: hash });
    try {
      await hub.publicClient.sendRawTransaction({ serializedTransaction });
    } catch (error) {
      hub.walletClient.account.nonceManager?.reset({ address: hub.walletClient.account.address, chainId: hub.chainId });
      throw error;
    }
    const receipt = await hub.publicClient.waitForTransactionReceipt({ hash, timeout: 60_000 });
    if (receipt.status !== "success") {
      await store.update(STARKNET_CONSUME_KIND, entry.key, { pendingTx: null });
      throw new StarknetLaneError(`consumeRequest ${hash} reverted`, requestId);
    }
    await this.consumed(entry.key, requestId, receipt);
  }

  private async consumed(
    key: string,
    requestId: bigint,
    receipt: { logs: Array<{ address: Hex; data: Hex; topics: [Hex, ...Hex[]] | [] }>; gasUsed: bigint },
  ): Promise<void> {
    let hubRequestId = 0n;
    let rejected = false;
    for (const log of receipt.logs) {
      if (log.address.toLowerCase() !== this.options.config.gateway.toLowerCase()) continue;
      try {
        const ev = decodeEventLog({ abi: starknetGatewayLaneAbi, data: log.data, topics: log.topics });
        if (ev.eventName === "RequestConsumed") hubRequestId = ev.args.hubRequestId;
        if (ev.eventName === "RequestRejected") rejected = true;
      } catch {
        // another event of the gateway
      }
    }
    await this.options.store.update(STARKNET_CONSUME_KIND, key, {
      status: "done",
      outcome: rejected ? "rejected" : "consumed",
      step: "consumed",
      pendingTx: null,
    });
    if (rejected) this.state.rejected += 1;
    else this.state.consumed += 1;
    this.options.observer?.consumed?.({ requestId, hubRequestId, rejected, gasUsed: receipt.gasUsed });
    this.log.info(
      { requestId: String(requestId), hubRequestId: String(hubRequestId), rejected },
      "starknet request consumed",
    );
  }

  /** Calls the spoke's `deliver` once for a stored result (checked on L2 before every send). */
  private async deliver(entry: { key: string; payload: DeliverPayload; pendingTx: Hex | null }): Promise<void> {
    const { store, config } = this.options;
    const requestId = BigInt(entry.payload.requestId);
    const view = decodeRequestView(
      await this.provider.callContract({
        contractAddress: config.spoke,
        entrypoint: "get_request",
        calldata: [requestId.toString()],
      }),
    );
    if (view.delivered) {
      await store.update(STARKNET_DELIVER_KIND, entry.key, {
        status: "done",
        outcome: "delivered",
        step: "delivered",
        pendingTx: null,
      });
      return;
    }
    if (view.status !== "Fulfilled") {
      throw new StarknetLaneError(`request ${requestId} is ${view.status}, not Fulfilled`, requestId);
    }
    if (entry.pendingTx) {
      // A delivery sent before a restart that has not taken effect: settle it before sending another.
      const receipt = await this.provider.getTransactionReceipt(entry.pendingTx).catch(() => null);
      if (receipt?.isSuccess()) return; // its effect shows on the next read of `delivered`
      await store.update(STARKNET_DELIVER_KIND, entry.key, { pendingTx: null });
    }
    // Write-ahead: the attempt is on record before the transaction exists.
    await store.update(STARKNET_DELIVER_KIND, entry.key, { step: "delivering" });
    let sent: { transaction_hash: string };
    try {
      sent = await this.account.execute({
        contractAddress: config.spoke,
        entrypoint: "deliver",
        calldata: [requestId.toString()],
      });
    } catch (error) {
      // A requester that is not a consumer contract (an account asking directly) has no callback: the
      // result stays readable with get_output, and there is nothing to deliver.
      if (/ENTRYPOINT_NOT_FOUND|Entry point .* not found/i.test(describeError(error))) {
        await store.update(STARKNET_DELIVER_KIND, entry.key, {
          status: "failed",
          outcome: "no-callback",
          step: "delivering",
        });
        this.log.info({ requestId: String(requestId) }, "starknet requester has no on_inference_result: not delivered");
        return;
      }
      throw error;
    }
    await store.update(STARKNET_DELIVER_KIND, entry.key, { pendingTx: sent.transaction_hash as Hex });
    const receipt = await this.provider.waitForTransaction(sent.transaction_hash, { retryInterval: 100 });
    if (!receipt.isSuccess()) {
      throw new StarknetLaneError(`deliver(${requestId}) ${sent.transaction_hash} did not succeed`, requestId);
    }
    await store.update(STARKNET_DELIVER_KIND, entry.key, {
      status: "done",
      outcome: "delivered",
      step: "delivered",
      pendingTx: null,
    });
    this.state.delivered += 1;
    const seen = this.seenAt.get(String(requestId));
    this.options.observer?.delivered?.({ requestId, latencyMs: seen === undefined ? null : Date.now() - seen });
    this.log.info({ requestId: String(requestId), tx: sent.transaction_hash }, "starknet result delivered");
  }
}
