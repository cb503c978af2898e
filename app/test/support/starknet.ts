// The Starknet side for the relayer's end-to-end tests: starknet-devnet beside the stack's hub (started by
// @zk-vin/deployments), and what a Cairo consumer does there (ask, read its answer) through starknet.js.
import { i128ToFelt, SPOKE_EVENTS } from "@zk-vin/relayer";
import { CallData, cairo } from "starknet";
import { type StarknetDevnet, starknetDevnetState, waitForStarknetDevnet } from "../../src/devnet/index.js";

/**
 * How long a test file waits for the set-up's background build of starknet-devnet before it skips: on a
 * fresh machine the build (45-100 minutes on 2 cores) runs while the other parts of `npm test` do, and
 * this bound keeps a slow build from holding CI past its 90 minutes ($ZKVIN_STARKNET_WAIT_MIN overrides).
 */
export const STARKNET_BUILD_WAIT_MS = Number(process.env.ZKVIN_STARKNET_WAIT_MIN ?? 40) * 60_000;

/**
 * The starknet-devnet binary, waiting up to STARKNET_BUILD_WAIT_MS for the set-up's background build when
 * one runs; null when there is none (the caller skips; the reason is printed here).
 */
export async function starknetDevnetBinary(): Promise<string | null> {
  const bin = await waitForStarknetDevnet({
    timeoutMs: STARKNET_BUILD_WAIT_MS,
    onWait: (line) => console.warn(`starknet tests: ${line}`),
  });
  if (bin) return bin;
  const state = await starknetDevnetState();
  console.warn(
    state.kind === "building"
      ? `starknet tests: starknet-devnet is still being built after ${STARKNET_BUILD_WAIT_MS / 60_000} min (pid ${state.pid}, log ${state.log})`
      : "starknet tests: starknet-devnet 0.10.1 is not installed and no build is running (no cargo, or the build failed: see its log)",
  );
  return null;
}

export const STARKNET_MISSING =
  "starknet-devnet 0.10.1 is not available (npm run setup builds it with cargo): Starknet end-to-end tests skipped";

/** The example consumer asks for an inference on `input` (fixed point); returns the spoke's request id. */
export async function askStarknet(params: {
  sn: StarknetDevnet;
  modelId: bigint;
  input: bigint[];
  fee: bigint;
  ttlSeconds?: number;
}): Promise<{ requestId: bigint; txHash: string; sentAt: number }> {
  const { sn } = params;
  const user = sn.account("user");
  const block = await sn.provider.getBlockWithTxHashes("latest");
  const now = "timestamp" in block ? Number(block.timestamp) : Math.floor(Date.now() / 1000);
  const deadline = now + (params.ttlSeconds ?? 3600);
  const sentAt = Date.now();
  const sent = await user.execute({
    contractAddress: sn.contracts.consumer,
    entrypoint: "ask",
    calldata: CallData.compile({
      model_id: cairo.uint256(params.modelId),
      input: params.input.map((v) => `0x${i128ToFelt(v).toString(16)}`),
      fee: cairo.uint256(params.fee),
      deadline,
    }),
  });
  const receipt = await sn.provider.waitForTransaction(sent.transaction_hash, { retryInterval: 100 });
  if (!receipt.isSuccess()) throw new Error(`ask ${sent.transaction_hash} failed`);
  const events = (receipt.value as { events: Array<{ from_address: string; keys: string[] }> }).events;
  const requested = events.find(
    (e) =>
      BigInt(e.from_address) === BigInt(sn.contracts.spoke) &&
      BigInt(e.keys[0] ?? 0) === BigInt(SPOKE_EVENTS.InferenceRequested),
  );
  if (!requested) throw new Error(`ask ${sent.transaction_hash} emitted no InferenceRequested`);
  return { requestId: BigInt(requested.keys[1]!), txHash: sent.transaction_hash, sentAt };
}

/** The consumer's stored answer to `requestId` (null until it is answered): the demo's reader. */
export { consumerAnswer } from "../../src/demo/starknet.js";

/** Every event of `selector` the spoke emitted, as raw keys and data. */
export async function spokeEvents(
  sn: StarknetDevnet,
  selector: string,
): Promise<Array<{ keys: string[]; data: string[]; transaction_hash: string; block_number?: number }>> {
  const out: Array<{ keys: string[]; data: string[]; transaction_hash: string; block_number?: number }> = [];
  let token: string | undefined;
  do {
    const page = await sn.provider.getEvents({
      address: sn.contracts.spoke,
      from_block: { block_number: 0 },
      to_block: "latest",
      keys: [[selector]],
      chunk_size: 1000,
      ...(token ? { continuation_token: token } : {}),
    });
    out.push(...page.events);
    token = page.continuation_token;
  } while (token);
  return out;
}

/** The spoke's fee-token balance credited to `account` (pull payments). */
export async function claimable(sn: StarknetDevnet, account: string): Promise<bigint> {
  const [low, high] = await sn.provider.callContract({
    contractAddress: sn.contracts.spoke,
    entrypoint: "claimable",
    calldata: [account],
  });
  return BigInt(low ?? 0) + (BigInt(high ?? 0) << 128n);
}
