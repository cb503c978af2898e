import { concatHex, type Hex, keccak256, numberToHex, padHex } from "viem";
import { describe, expect, it } from "vitest";
import { decodeExecutorOptions, OptionsDecodeError } from "../src/layerzero/options.js";
import {
  addressToBytes32,
  bytes32ToAddress,
  decodePacket,
  encodePacket,
  PacketDecodeError,
  packetGuid,
} from "../src/layerzero/packet.js";
import { executorOption, lzReceiveOptions } from "./support/options.js";

const sender = addressToBytes32("0x1111111111111111111111111111111111111111");
const receiver = addressToBytes32("0x2222222222222222222222222222222222222222");

describe("packet codec", () => {
  const fields = { nonce: 7n, srcEid: 50_001, sender, dstEid: 50_002, receiver, message: "0xc0ffee" as Hex };

  it("round-trips PacketV1 bytes and derives header, GUID and payload hash", () => {
    const encoded = encodePacket(fields);
    const p = decodePacket(encoded);
    expect(p).toMatchObject({ ...fields, version: 1, encoded });
    expect(p.guid).toBe(packetGuid(fields));
    expect(p.header.length).toBe(2 + 81 * 2);
    expect(p.payloadHash).toBe(keccak256(concatHex([p.guid, p.message])));
    expect(decodePacket(encodePacket({ ...fields, message: "0x" })).message).toBe("0x");
  });

  it("rejects short packets, other versions and GUIDs that do not match the path", () => {
    const encoded = encodePacket(fields);
    expect(() => decodePacket("0x01")).toThrow(PacketDecodeError);
    expect(() => decodePacket(`0x02${encoded.slice(4)}`)).toThrow(/version 2/);
    const forged = `${encoded.slice(0, 2 + 81 * 2)}${"ab".repeat(32)}${encoded.slice(2 + 113 * 2)}` as Hex;
    expect(() => decodePacket(forged)).toThrow(/does not match its nonce and path/);
  });

  it("converts bytes32 ids to EVM addresses only when they are left-padded addresses", () => {
    expect(bytes32ToAddress(receiver)).toBe("0x2222222222222222222222222222222222222222");
    expect(() => bytes32ToAddress(`0x${"ff".repeat(32)}`)).toThrow(PacketDecodeError);
  });
});

describe("executor options", () => {
  it("reads OptionsBuilder's lzReceive option, with and without native value, summing repeats", () => {
    expect(decodeExecutorOptions(lzReceiveOptions(200_000n))).toMatchObject({
      lzReceiveGas: 200_000n,
      lzReceiveValue: 0n,
    });
    expect(decodeExecutorOptions(lzReceiveOptions(90_000n, 5n))).toMatchObject({
      lzReceiveGas: 90_000n,
      lzReceiveValue: 5n,
    });
    const twice = concatHex([lzReceiveOptions(100n, 1n), executorOption(1, numberToHex(50n, { size: 16 }))]);
    expect(decodeExecutorOptions(twice)).toMatchObject({ lzReceiveGas: 150n, lzReceiveValue: 1n });
  });

  it("reads native drops, composes, ordered execution, and skips DVN options", () => {
    const drop = executorOption(2, concatHex([numberToHex(9n, { size: 16 }), receiver]));
    const compose = executorOption(3, concatHex([numberToHex(1, { size: 2 }), numberToHex(70n, { size: 16 })]));
    const ordered = executorOption(4, "0x");
    const dvn = concatHex(["0x02", numberToHex(2, { size: 2 }), "0x00", "0x01"]);
    const decoded = decodeExecutorOptions(concatHex([lzReceiveOptions(1n), drop, compose, ordered, dvn]));
    expect(decoded.nativeDrops).toEqual([{ amount: 9n, receiver }]);
    expect(decoded.composes).toEqual([{ index: 1, gas: 70n, value: 0n }]);
    expect(decoded.orderedExecution).toBe(true);
  });

  it("reads the legacy types 1 and 2", () => {
    expect(decodeExecutorOptions(concatHex(["0x0001", padHex("0x0186a0", { size: 32 })]))).toMatchObject({
      lzReceiveGas: 100_000n,
    });
    const legacy2 = concatHex([
      "0x0002",
      padHex("0x10", { size: 32 }),
      padHex("0x20", { size: 32 }),
      "0x2222222222222222222222222222222222222222",
    ]);
    expect(decodeExecutorOptions(legacy2)).toMatchObject({
      lzReceiveGas: 16n,
      nativeDrops: [{ amount: 32n, receiver }],
    });
  });

  it("names what is wrong with malformed options", () => {
    expect(() => decodeExecutorOptions("0x00")).toThrow(OptionsDecodeError);
    expect(() => decodeExecutorOptions("0x0009")).toThrow(/unknown options type 9/);
    expect(() => decodeExecutorOptions("0x0003010011")).toThrow(/claims 17 bytes/);
    expect(() => decodeExecutorOptions(concatHex(["0x0003", executorOption(1, "0x0102")]))).toThrow(
      /lzReceive option of 2 bytes/,
    );
    expect(() => decodeExecutorOptions(concatHex(["0x0003", executorOption(9, "0x")]))).toThrow(
      /unknown executor option type 9/,
    );
    expect(() => decodeExecutorOptions("0x0003070001aa")).toThrow(/unknown worker id 7/);
  });
});
