import { ANVIL_KEYS, type Anvil } from "@zk-vin/chain-kit/devchain";
import type { Abi, Address, Hex } from "viem";
import { decodeEventLog } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import type { LayerZeroChain } from "../../src/layerzero/types.js";
import { artifact, buildLayerZeroContracts, deployStack, wireStack } from "./layerzero.js";
import { lzReceiveOptions } from "./options.js";

export const KIND = { NOTE: 1, PING: 2, PONG: 3, FAIL: 4 } as const;

export const DEPLOYER_KEY = ANVIL_KEYS[0];
export const OPERATOR_KEY = ANVIL_KEYS[1];
export const USER_KEY = ANVIL_KEYS[2];

/** One local chain of a test network: anvil, its real LayerZero stack, and a PingPong OApp. */
export interface TestChain {
  anvil: Anvil;
  eid: number;
  stack: Awaited<ReturnType<typeof deployStack>>["stack"];
  stackFile: string;
  pingPong: Address;
}

let pingPongAbi: Abi | null = null;

export function getPingPongAbi(): Abi {
  pingPongAbi ??= artifact("PingPong.sol", "PingPong").abi;
  return pingPongAbi;
}

/**
 * Builds the contracts, deploys LayerZero on every anvil with the project's forge scripts, wires every
 * pair (plus `extraRemoteEids` on the first chain: EIDs no relayer serves), and deploys PingPong on each
 * chain with peers set both ways.
 */
export async function setUpNetwork(params: {
  anvils: Anvil[];
  eids: number[];
  extraRemoteEids?: number[];
}): Promise<TestChain[]> {
  await buildLayerZeroContracts();
  const operator = privateKeyToAccount(OPERATOR_KEY).address;
  const chains: TestChain[] = [];
  for (const [i, anvil] of params.anvils.entries()) {
    const eid = params.eids[i]!;
    const { stack, stackFile } = await deployStack({ anvil, eid, operator, deployerKey: DEPLOYER_KEY });
    chains.push({ anvil, eid, stack, stackFile, pingPong: "0x" });
  }
  for (const [i, chain] of chains.entries()) {
    const remotes = params.eids.filter((e) => e !== chain.eid);
    if (i === 0) remotes.push(...(params.extraRemoteEids ?? []));
    await wireStack({ anvil: chain.anvil, stackFile: chain.stackFile, remoteEids: remotes, ownerKey: DEPLOYER_KEY });
  }
  const { abi, bytecode } = artifact("PingPong.sol", "PingPong");
  for (const chain of chains) {
    const wallet = chain.anvil.wallet(0);
    const hash = await wallet.deployContract({ abi, bytecode, args: [chain.stack.endpoint, wallet.account.address] });
    const receipt = await chain.anvil.publicClient.waitForTransactionReceipt({ hash });
    chain.pingPong = receipt.contractAddress!;
  }
  for (const chain of chains) {
    for (const other of chains) {
      if (other === chain) continue;
      await setPeer(chain, other.eid, other.pingPong);
    }
  }
  return chains;
}

export async function setPeer(chain: TestChain, eid: number, peer: Address): Promise<void> {
  const wallet = chain.anvil.wallet(0);
  const hash = await wallet.writeContract({
    address: chain.pingPong,
    abi: getPingPongAbi(),
    functionName: "setPeer",
    args: [eid, `0x${peer.slice(2).toLowerCase().padStart(64, "0")}`],
  });
  await chain.anvil.publicClient.waitForTransactionReceipt({ hash });
}

/** The carrier's view of a test chain (operator wallet = anvil key 1, the stack's DVN signer). */
export function carrierChain(chain: TestChain, name: string): LayerZeroChain {
  return {
    name,
    chainId: chain.anvil.chainId,
    eid: chain.eid,
    publicClient: chain.anvil.publicClient,
    walletClient: chain.anvil.wallet(1),
    endpoint: chain.stack.endpoint,
    receiveUln302: chain.stack.receiveUln302,
    dvn: chain.stack.dvn,
    executor: chain.stack.executor,
    confirmations: 0,
    startBlock: 0n,
    pollIntervalMs: 50,
    maxBlockRange: 500,
    reorgWindow: 32,
  };
}

export interface SentMessage {
  guid: Hex;
  nonce: bigint;
  blockNumber: bigint;
}

/**
 * Sends a PingPong message from `from` to `to` as the test user, paying the quoted fee. A PING's
 * options carry the PONG's fee as native value (the ABA pattern).
 */
export async function sendMessage(params: {
  from: TestChain;
  to: TestChain;
  kind: number;
  id: bigint;
  gas?: bigint;
  value?: bigint;
  keyIndex?: number;
}): Promise<SentMessage> {
  const { from, to } = params;
  const abi = getPingPongAbi();
  const gas = params.gas ?? 200_000n;
  let returnOptions: Hex = "0x";
  let value = params.value ?? 0n;
  if (params.kind === KIND.PING) {
    returnOptions = lzReceiveOptions(150_000n);
    const pongFee = (await to.anvil.publicClient.readContract({
      address: to.pingPong,
      abi,
      functionName: "quote",
      args: [from.eid, KIND.PONG, params.id, returnOptions, "0x"],
    })) as bigint;
    value += pongFee;
  }
  const options = lzReceiveOptions(params.kind === KIND.PING ? gas * 2n : gas, value);
  const args = [to.eid, params.kind, params.id, options, returnOptions] as const;
  const fee = (await from.anvil.publicClient.readContract({
    address: from.pingPong,
    abi,
    functionName: "quote",
    args,
  })) as bigint;
  const wallet = from.anvil.wallet(params.keyIndex ?? 2);
  const hash = await wallet.writeContract({ address: from.pingPong, abi, functionName: "send", args, value: fee });
  const receipt = await from.anvil.publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new Error(`send reverted: ${hash}`);
  for (const log of receipt.logs) {
    if (log.address.toLowerCase() !== from.pingPong.toLowerCase()) continue;
    const event = decodeEventLog({ abi, data: log.data, topics: log.topics });
    if (event.eventName === "MessageSent") {
      const args = event.args as unknown as { guid: Hex; nonce: bigint };
      return { guid: args.guid, nonce: args.nonce, blockNumber: receipt.blockNumber };
    }
  }
  throw new Error("no MessageSent event");
}

export async function deliveries(chain: TestChain, guid: Hex): Promise<bigint> {
  return (await chain.anvil.publicClient.readContract({
    address: chain.pingPong,
    abi: getPingPongAbi(),
    functionName: "deliveries",
    args: [guid],
  })) as bigint;
}

export async function readCounter(chain: TestChain, fn: "received" | "valueReceived"): Promise<bigint> {
  return (await chain.anvil.publicClient.readContract({
    address: chain.pingPong,
    abi: getPingPongAbi(),
    functionName: fn,
  })) as bigint;
}

/** GUIDs of the PONGs `chain` sent (found from its MessageSent events). */
export async function pongsSent(chain: TestChain): Promise<Map<bigint, Hex>> {
  const logs = await chain.anvil.publicClient.getContractEvents({
    address: chain.pingPong,
    abi: getPingPongAbi(),
    eventName: "MessageSent",
    fromBlock: 0n,
  });
  const out = new Map<bigint, Hex>();
  for (const log of logs) {
    const args = (log as unknown as { args: { guid: Hex; kind: number; id: bigint } }).args;
    if (args.kind === KIND.PONG) out.set(args.id, args.guid);
  }
  return out;
}
