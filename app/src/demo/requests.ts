// The demo's requests: planned from the model's sample inputs (N on the spoke consumers, one on the hub
// consumer), sent as the devnet's user through the example consumers, and followed until each consumer's
// callback has stored its value. A watcher per chain notes when each callback is first seen (latency is
// wall clock from sending the request transaction to that moment) and stops the wait at once when the
// oracle reports a failed callback or a refund.
import { encodeInput, type ModelLayout, type ZkVinClient } from "@zk-vin/oracle-sdk";
import { type Account, type Address, createWalletClient, type Hash, type Hex, http, parseEventLogs } from "viem";
import type { DevnetChain, DevnetModel } from "../devnet/devnet.js";
import { oracleFailureAbi, regressionConsumerAbi, requestKey } from "./consumer.js";
import { DemoError, DemoResultError } from "./errors.js";
import type { ModelSamples } from "./samples.js";

export interface PlannedRequest {
  /** 1-based position in the demo. */
  index: number;
  chain: DevnetChain;
  consumer: Address;
  key: Hex;
  /** Which sample row of the model's benchmark data. */
  sample: number;
  input: number[];
  inputFixed: bigint[];
  expected: number[];
}

export interface SentRequest extends PlannedRequest {
  /** The id the consumer's oracle gave (spoke id on a spoke, market id on the hub). */
  requestId: bigint;
  transactionHash: Hash;
  blockNumber: bigint;
  fee: bigint;
  /** Date.now() just before the request transaction was sent. */
  sentAt: number;
}

export interface CallbackSeen {
  seenAt: number;
  transactionHash: Hash;
  blockNumber: bigint;
  value: bigint;
}

/**
 * `spokeRequests` requests spread over the spoke consumers, then one on the hub consumer; sample rows in
 * order, skipping rows outside the registered per-feature input bounds (none for the committed benchmark models).
 */
export function planRequests(params: {
  hub: DevnetChain;
  spokes: DevnetChain[];
  model: DevnetModel;
  layout: ModelLayout;
  samples: ModelSamples;
  spokeRequests: number;
}): PlannedRequest[] {
  const { model, samples, layout } = params;
  const usable: Array<{ sample: number; fixed: bigint[] }> = [];
  const refused: string[] = [];
  samples.inputs.forEach((row, sample) => {
    try {
      usable.push({ sample, fixed: encodeInput({ values: row, layout }) });
    } catch (error) {
      refused.push(`row ${sample}: ${error instanceof Error ? error.message : String(error)}`);
    }
  });
  if (usable.length === 0) {
    throw new DemoError(`no sample input of ${model.name} fits the registered layout (${refused.join("; ")})`, {
      value: refused,
    });
  }
  const chains = [
    ...Array.from({ length: params.spokeRequests }, (_, i) => params.spokes[i % params.spokes.length]!),
    params.hub,
  ];
  return chains.map((chain, i) => {
    const consumer = model.consumers[chain.name];
    if (!consumer)
      throw new DemoError(`the devnet has no consumer of ${model.name} on ${chain.name}`, { value: chain.name });
    const { sample, fixed } = usable[i % usable.length]!;
    return {
      index: i + 1,
      chain,
      consumer,
      key: requestKey({ chain: chain.name, index: i + 1 }),
      sample,
      input: samples.inputs[sample]!,
      inputFixed: fixed,
      expected: samples.expected[sample]!,
    };
  });
}

/** Pays the oracle's quote and asks the consumer for a value on the planned input. */
export async function sendRequest(params: {
  planned: PlannedRequest;
  sdk: ZkVinClient;
  account: Account;
  modelId: bigint;
}): Promise<SentRequest> {
  const { planned, sdk } = params;
  const { chain } = planned;
  const read = chain.anvil.publicClient;
  const callbackGasLimit = await read.readContract({
    address: planned.consumer,
    abi: regressionConsumerAbi,
    functionName: "CALLBACK_GAS_LIMIT",
  });
  // The market takes exactly its price; a spoke takes at least its quote for this input and callback gas.
  const quote = await sdk.quote({
    chain: chain.name,
    modelId: params.modelId,
    input: { fixed: planned.inputFixed },
    callbackGasLimit,
  });
  const wallet = createWalletClient({
    chain: chain.anvil.chain,
    account: params.account,
    transport: http(chain.rpcUrl),
    cacheTime: 0,
  });
  const sentAt = Date.now();
  const hash = await wallet.writeContract({
    address: planned.consumer,
    abi: regressionConsumerAbi,
    functionName: "requestValue",
    args: [planned.key, planned.inputFixed],
    value: quote.total,
  });
  const receipt = await read.waitForTransactionReceipt({ hash, pollingInterval: 50 });
  if (receipt.status !== "success") {
    throw new DemoResultError(`request ${planned.index} (${chain.name}): requestValue reverted in ${hash}`, {
      value: hash,
    });
  }
  const [asked] = parseEventLogs({
    abi: regressionConsumerAbi,
    eventName: "ValueRequested",
    logs: receipt.logs.filter((l) => l.address.toLowerCase() === planned.consumer.toLowerCase()),
  });
  if (!asked) throw new DemoResultError(`no ValueRequested in ${hash}`, { value: hash });
  return {
    ...planned,
    requestId: asked.args.requestId,
    transactionHash: hash,
    blockNumber: receipt.blockNumber,
    fee: quote.total,
    sentAt,
  };
}

/**
 * Follows one chain's consumer and oracle from `fromBlock`: records the first ValueUpdated per request id
 * and the first failure (failed callback, rejection, refund) of a request it is told to watch.
 */
export class CallbackWatcher {
  private readonly seen = new Map<bigint, CallbackSeen>();
  private readonly failures = new Map<bigint, string>();
  private next: bigint;
  private timer: NodeJS.Timeout | null = null;
  private pollError: unknown = null;

  constructor(
    private readonly params: {
      chain: DevnetChain;
      consumer: Address;
      oracle: Address;
      fromBlock: bigint;
      pollMs?: number;
    },
  ) {
    this.next = params.fromBlock;
  }

  start(): void {
    const tick = async () => {
      try {
        await this.poll();
        this.pollError = null;
      } catch (error) {
        this.pollError = error;
      }
      if (this.timer !== null) this.timer = setTimeout(() => void tick(), this.params.pollMs ?? 50);
    };
    this.timer = setTimeout(() => void tick(), 0);
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  callback(requestId: bigint): CallbackSeen | undefined {
    return this.seen.get(requestId);
  }

  failure(requestId: bigint): string | undefined {
    return this.failures.get(requestId);
  }

  lastError(): unknown {
    return this.pollError;
  }

  private async poll(): Promise<void> {
    const client = this.params.chain.anvil.publicClient;
    const head = await client.getBlockNumber({ cacheTime: 0 });
    if (head < this.next) return;
    const logs = await client.getLogs({
      address: [this.params.consumer, this.params.oracle],
      fromBlock: this.next,
      toBlock: head,
    });
    const now = Date.now();
    const consumer = this.params.consumer.toLowerCase();
    for (const e of parseEventLogs({
      abi: regressionConsumerAbi,
      eventName: "ValueUpdated",
      logs: logs.filter((l) => l.address.toLowerCase() === consumer),
    })) {
      if (!this.seen.has(e.args.requestId)) {
        this.seen.set(e.args.requestId, {
          seenAt: now,
          transactionHash: e.transactionHash,
          blockNumber: e.blockNumber,
          value: e.args.value,
        });
      }
    }
    for (const e of parseEventLogs({
      abi: oracleFailureAbi,
      logs: logs.filter((l) => l.address.toLowerCase() === this.params.oracle.toLowerCase()),
    })) {
      const id = e.args.requestId;
      if (this.failures.has(id)) continue;
      const detail = "reason" in e.args ? ` (${String(e.args.reason)})` : "";
      this.failures.set(id, `${e.eventName}${detail} in ${e.transactionHash}`);
    }
    this.next = head + 1n;
  }
}

/**
 * Waits until every sent request's callback is seen; fails at once on a reported failure, and after
 * `timeoutMs` naming the requests still waiting. `onProgress` hears "k/n".
 */
export async function waitForCallbacks(params: {
  sent: SentRequest[];
  watchers: Map<string, CallbackWatcher>;
  timeoutMs: number;
  signal: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}): Promise<Map<number, CallbackSeen>> {
  const deadline = Date.now() + params.timeoutMs;
  for (;;) {
    params.signal.throwIfAborted();
    const done = new Map<number, CallbackSeen>();
    for (const r of params.sent) {
      const watcher = params.watchers.get(r.chain.name)!;
      const failure = watcher.failure(r.requestId);
      if (failure) {
        throw new DemoResultError(`request ${r.index} (${r.chain.name} #${r.requestId}) failed: ${failure}`, {
          value: r.requestId,
        });
      }
      const seen = watcher.callback(r.requestId);
      if (seen) done.set(r.index, seen);
    }
    params.onProgress?.(done.size, params.sent.length);
    if (done.size === params.sent.length) return done;
    if (Date.now() > deadline) {
      const waiting = params.sent.filter((r) => !done.has(r.index)).map((r) => `${r.chain.name} #${r.requestId}`);
      const pollError = [...params.watchers.values()].map((w) => w.lastError()).find((e) => e);
      throw new DemoResultError(
        `no callback within ${params.timeoutMs / 1000} s for ${waiting.join(", ")}` +
          (pollError ? ` (last RPC error: ${pollError instanceof Error ? pollError.message : String(pollError)})` : ""),
        { value: waiting },
      );
    }
    await new Promise((r) => setTimeout(r, 50));
  }
}
