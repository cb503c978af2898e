import { openPgliteStore, type Store } from "@zk-vin/chain-kit";
import { type Anvil, startAnvil } from "@zk-vin/chain-kit/devchain";
import { type Hex, keccak256, parseAbiItem, parseEventLogs } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dvnAbi, endpointAbi, executorAbi, receiveUlnAbi } from "../src/layerzero/abi.js";
import { LayerZeroCarrier } from "../src/layerzero/carrier.js";
import { packetEntries } from "../src/layerzero/discovery.js";
import { dvnCallDataHash, signVerifyInstruction } from "../src/layerzero/dvn.js";
import { decodePacket, encodePacket } from "../src/layerzero/packet.js";
import { PACKET_KIND, type PacketEntryPayload } from "../src/layerzero/types.js";
import {
  carrierChain,
  deliveries,
  KIND,
  OPERATOR_KEY,
  pongsSent,
  readCounter,
  sendMessage,
  setPeer,
  setUpNetwork,
  type TestChain,
} from "./support/pingpong.js";

const EID_A = 50_001;
const EID_B = 50_002;
/** Wired on chain A but served by no relayer. */
const EID_NOWHERE = 50_009;
const operator = privateKeyToAccount(OPERATOR_KEY);
const packetSent = parseAbiItem("event PacketSent(bytes encodedPayload, bytes options, address sendLibrary)");
const payloadVerified = parseAbiItem(
  "event PayloadVerified(address dvn, bytes header, uint256 confirmations, bytes32 proofHash)",
);

describe("local LayerZero carrier against the real EndpointV2 / ULN302 / DVN / Executor", () => {
  let anvils: Anvil[] = [];
  let a: TestChain;
  let b: TestChain;
  let store: Store;
  let carrier: LayerZeroCarrier | null = null;
  let nextId = 1n;

  function newCarrier(): LayerZeroCarrier {
    return new LayerZeroCarrier({
      chains: [carrierChain(a, "a"), carrierChain(b, "b")],
      store,
      signer: operator,
      concurrency: 2,
      maxAttempts: 3,
      pollIntervalMs: 50,
      backoff: { baseMs: 20, maxMs: 200, jitter: 0 },
    });
  }

  async function startCarrier() {
    carrier = newCarrier();
    await carrier.start();
  }

  async function stopCarrier() {
    await carrier?.stop();
    carrier = null;
  }

  async function final(guid: Hex, timeoutMs = 30_000) {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const entry = await store.get<PacketEntryPayload>(PACKET_KIND, guid);
      if (entry && entry.status !== "pending") return entry;
      if (Date.now() > until) throw new Error(`packet ${guid} still ${entry ? `pending at ${entry.step}` : "unseen"}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async function packetOf(chain: TestChain, blockNumber: bigint) {
    const logs = await chain.anvil.publicClient.getLogs({
      address: chain.stack.endpoint,
      event: packetSent,
      fromBlock: blockNumber,
      toBlock: blockNumber,
    });
    return logs[0]!;
  }

  beforeAll(async () => {
    anvils = await Promise.all([startAnvil({ chainId: 31_511 }), startAnvil({ chainId: 31_512 })]);
    [a, b] = (await setUpNetwork({ anvils, eids: [EID_A, EID_B], extraRemoteEids: [EID_NOWHERE] })) as [
      TestChain,
      TestChain,
    ];
    store = await openPgliteStore();
    await startCarrier();
  });

  afterAll(async () => {
    await stopCarrier();
    await store?.close();
    await Promise.all(anvils.map((x) => x.stop()));
  });

  it("decodes the endpoint's packets exactly and signs what the DVN contract hashes", async () => {
    const sent = await sendMessage({ from: a, to: b, kind: KIND.NOTE, id: nextId++ });
    const log = await packetOf(a, sent.blockNumber);
    const packet = decodePacket(log.args.encodedPayload!);
    expect(packet).toMatchObject({ nonce: sent.nonce, srcEid: EID_A, dstEid: EID_B, guid: sent.guid });
    expect(encodePacket(packet)).toBe(log.args.encodedPayload);

    const callData = "0x1234" as Hex;
    const onChain = await b.anvil.publicClient.readContract({
      address: b.stack.dvn,
      abi: dvnAbi,
      functionName: "hashCallData",
      args: [EID_B, b.stack.receiveUln302, callData, 99n],
    });
    expect(dvnCallDataHash({ vid: EID_B, target: b.stack.receiveUln302, callData, expiration: 99n })).toBe(onChain);
    expect((await final(sent.guid)).outcome).toBe("delivered");
  });

  it("delivers NOTEs both ways, once each, with the native value their options ask for", async () => {
    const valueBefore = await readCounter(b, "valueReceived");
    const ab = await sendMessage({ from: a, to: b, kind: KIND.NOTE, id: nextId++, value: 10n ** 16n });
    const ba = await sendMessage({ from: b, to: a, kind: KIND.NOTE, id: nextId++ });
    const [eab, eba] = await Promise.all([final(ab.guid), final(ba.guid)]);
    expect(eab).toMatchObject({ status: "done", outcome: "delivered", attempts: 0, pendingTx: null });
    expect(eab.payload).toMatchObject({ lzReceiveGas: "200000", lzReceiveValue: "10000000000000000", srcEid: EID_A });
    expect(eba).toMatchObject({ status: "done", outcome: "delivered" });
    expect(await deliveries(b, ab.guid)).toBe(1n);
    expect(await deliveries(a, ba.guid)).toBe(1n);
    expect((await readCounter(b, "valueReceived")) - valueBefore).toBe(10n ** 16n);
  });

  it("carries a PING and the PONG its delivery pays for (ABA)", async () => {
    const id = nextId++;
    const ping = await sendMessage({ from: a, to: b, kind: KIND.PING, id });
    expect(await final(ping.guid)).toMatchObject({ outcome: "delivered" });
    const pongGuid = (await pongsSent(b)).get(id);
    expect(pongGuid).toBeDefined();
    expect(await final(pongGuid!)).toMatchObject({ status: "done", outcome: "delivered" });
    expect(await deliveries(a, pongGuid!)).toBe(1n);
  });

  it("records a receiver's failure as an alert, does not retry it, and keeps delivering later nonces", async () => {
    const failing = await sendMessage({ from: a, to: b, kind: KIND.FAIL, id: nextId++ });
    const after = await sendMessage({ from: a, to: b, kind: KIND.NOTE, id: nextId++ });
    const alert = await final(failing.guid);
    expect(alert).toMatchObject({ status: "failed", outcome: "alerted", attempts: 0 });
    expect(alert.lastError).toMatch(/^lzReceive failed: 0x/);
    expect(await final(after.guid)).toMatchObject({ outcome: "delivered" });
    // Still verified on the endpoint (an app-level retry stays possible), but never executed again by us.
    const stored = await b.anvil.publicClient.readContract({
      address: b.stack.endpoint,
      abi: endpointAbi,
      functionName: "inboundPayloadHash",
      args: [b.pingPong, EID_A, alert.payload.sender, failing.nonce],
    });
    expect(stored).toBe(decodePacket(alert.payload.encoded).payloadHash);
    expect(await store.due(PACKET_KIND, { now: Date.now() + 3_600_000, limit: 100 })).toEqual([]);
  });

  it("records packets for an EID it does not serve as no-route", async () => {
    await setPeer(a, EID_NOWHERE, "0xabABabABabABabABabABabABabABabABabABabAB");
    const lost = await sendMessage({ from: a, to: { ...b, eid: EID_NOWHERE }, kind: KIND.NOTE, id: nextId++ });
    expect(await final(lost.guid)).toMatchObject({ status: "failed", outcome: "no-route" });
  });

  it("finishes a packet a previous run had verified but not committed, without verifying it again", async () => {
    await stopCarrier();
    const sent = await sendMessage({ from: a, to: b, kind: KIND.NOTE, id: nextId++ });
    const packet = decodePacket((await packetOf(a, sent.blockNumber)).args.encodedPayload!);
    // What a run killed right after DVN.execute leaves behind.
    const latest = await b.anvil.publicClient.getBlock();
    const instruction = await signVerifyInstruction({
      signer: operator,
      vid: EID_B,
      receiveUln302: b.stack.receiveUln302,
      packet,
      confirmations: 0n,
      expiration: latest.timestamp + 600n,
    });
    const wallet = b.anvil.wallet(1);
    await b.anvil.publicClient.waitForTransactionReceipt({
      hash: await wallet.writeContract({
        address: b.stack.dvn,
        abi: dvnAbi,
        functionName: "execute",
        args: [[instruction]],
      }),
    });
    const from = (await b.anvil.publicClient.getBlockNumber()) + 1n;
    await startCarrier();
    expect(await final(sent.guid)).toMatchObject({ outcome: "delivered" });
    const verifications = await b.anvil.publicClient.getContractEvents({
      address: b.stack.receiveUln302,
      abi: [payloadVerified],
      eventName: "PayloadVerified",
      fromBlock: from,
    });
    expect(verifications.filter((v) => v.args.header === packet.header)).toHaveLength(0);
  });

  it("settles a signed execution that never reached the chain, and recognises one executed elsewhere", async () => {
    await stopCarrier();
    // Nonce order matters: the endpoint executes a nonce only once every earlier one is verified.
    const elsewhere = await sendMessage({ from: a, to: b, kind: KIND.NOTE, id: nextId++ });
    const lostTx = await sendMessage({ from: a, to: b, kind: KIND.NOTE, id: nextId++ });
    // A run killed between writing its execution transaction to the outbox and broadcasting it.
    const log = await packetOf(a, lostTx.blockNumber);
    const entries = packetEntries({
      batch: {
        chainId: a.anvil.chainId,
        stream: "x",
        fromBlock: lostTx.blockNumber,
        toBlock: lostTx.blockNumber,
        logs: [log as never],
      },
      source: carrierChain(a, "a"),
      destinations: new Map([[EID_B, carrierChain(b, "b")]]),
      now: Date.now(),
    });
    await store.enqueue(entries);
    await store.update(PACKET_KIND, lostTx.guid, { step: "executing", pendingTx: keccak256("0xdeadbeef") });
    // Another executor (here: the operator by hand) delivers the second packet completely.
    const p2 = decodePacket((await packetOf(a, elsewhere.blockNumber)).args.encodedPayload!);
    await deliverByHand(b, p2);

    await startCarrier();
    expect(await final(lostTx.guid)).toMatchObject({ status: "done", outcome: "delivered", pendingTx: null });
    expect(await final(elsewhere.guid)).toMatchObject({ status: "done", outcome: "cleared" });
    expect(await deliveries(b, lostTx.guid)).toBe(1n);
    expect(await deliveries(b, elsewhere.guid)).toBe(1n);
  });

  it("refuses to start when the operator is not an admin of a chain's workers", async () => {
    const stranger = new LayerZeroCarrier({
      chains: [{ ...carrierChain(a, "a"), walletClient: a.anvil.wallet(3) }],
      store,
      signer: operator,
      concurrency: 1,
      maxAttempts: 1,
      pollIntervalMs: 50,
    });
    await expect(stranger.start()).rejects.toThrow(/is not an admin of DVN/);
  });

  /** verify + commit + execute302, the way another executor would. */
  async function deliverByHand(chain: TestChain, packet: ReturnType<typeof decodePacket>) {
    const wallet = chain.anvil.wallet(1);
    const client = chain.anvil.publicClient;
    const latest = await client.getBlock();
    const instruction = await signVerifyInstruction({
      signer: operator,
      vid: chain.eid,
      receiveUln302: chain.stack.receiveUln302,
      packet,
      confirmations: 0n,
      expiration: latest.timestamp + 600n,
    });
    const wait = async (hash: Hex) => {
      const r = await client.waitForTransactionReceipt({ hash });
      if (r.status !== "success") throw new Error(`reverted: ${hash}`);
      return r;
    };
    await wait(
      await wallet.writeContract({
        address: chain.stack.dvn,
        abi: dvnAbi,
        functionName: "execute",
        args: [[instruction]],
      }),
    );
    await wait(
      await wallet.writeContract({
        address: chain.stack.receiveUln302,
        abi: receiveUlnAbi,
        functionName: "commitVerification",
        args: [packet.header, packet.payloadHash],
      }),
    );
    const executed = await wait(
      await wallet.writeContract({
        address: chain.stack.executor,
        abi: executorAbi,
        functionName: "execute302",
        args: [
          {
            receiver: `0x${packet.receiver.slice(26)}`,
            origin: { srcEid: packet.srcEid, sender: packet.sender, nonce: packet.nonce },
            guid: packet.guid,
            message: packet.message,
            extraData: "0x",
            gasLimit: 200_000n,
          },
        ],
        gas: 600_000n,
      }),
    );
    const delivered = parseEventLogs({ abi: endpointAbi, logs: executed.logs, eventName: "PacketDelivered" });
    if (delivered.length !== 1) throw new Error("the hand-made execution did not deliver the packet");
  }
});
