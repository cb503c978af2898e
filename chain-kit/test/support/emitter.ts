import { type Address, concatHex, encodeAbiParameters, type Hex, parseAbi, toEventSelector } from "viem";
import type { Anvil } from "../../src/devchain/anvil.js";

export const emitterAbi = parseAbi(["event Noted(uint256 value)"]);

/**
 * A contract that emits `Noted(uint256)` with its 32-byte calldata as the value, written in bytecode so
 * the watcher's tests need no compiler:
 *   runtime: CALLDATASIZE PUSH0 PUSH0 CALLDATACOPY  PUSH32 topic  CALLDATASIZE PUSH0 LOG1  STOP
 *   init:    PUSH1 len DUP1 PUSH1 9 PUSH0 CODECOPY PUSH0 RETURN   (copies the runtime and returns it)
 */
export function emitterInitCode(): Hex {
  const topic = toEventSelector(emitterAbi[0]);
  const runtime = concatHex(["0x365f5f37", "0x7f", topic, "0x365fa100"]);
  const length = (runtime.length - 2) / 2;
  const init = concatHex(["0x60", toByte(length), "0x80", "0x6009", "0x5f395ff3"]);
  if ((init.length - 2) / 2 !== 9) throw new Error("init code must be 9 bytes (the runtime offset)");
  return concatHex([init, runtime]);
}

function toByte(n: number): Hex {
  return `0x${n.toString(16).padStart(2, "0")}`;
}

export async function deployEmitter(anvil: Anvil): Promise<Address> {
  const wallet = anvil.wallet();
  const hash = await wallet.sendTransaction({ data: emitterInitCode() });
  const receipt = await anvil.publicClient.waitForTransactionReceipt({ hash });
  if (!receipt.contractAddress) throw new Error("emitter deployment created no contract");
  return receipt.contractAddress;
}

/** Emits Noted(value) in a new block; returns that block's number. */
export async function note(anvil: Anvil, emitter: Address, value: bigint): Promise<bigint> {
  const hash = await anvil.wallet().sendTransaction({
    to: emitter,
    data: encodeAbiParameters([{ type: "uint256" }], [value]),
  });
  const receipt = await anvil.publicClient.waitForTransactionReceipt({ hash });
  return receipt.blockNumber;
}
