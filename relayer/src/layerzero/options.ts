import { RelayerError } from "@zk-vin/chain-kit";
import { type Hex, hexToBigInt, size, sliceHex } from "viem";

/** What the destination executor must do, from a message's options (ExecutorOptions semantics). */
export interface ExecutorInstructions {
  /** Gas for lzReceive: the sum of all lzReceive options. */
  lzReceiveGas: bigint;
  /** msg.value for lzReceive: the sum of all lzReceive options' values. */
  lzReceiveValue: bigint;
  nativeDrops: Array<{ amount: bigint; receiver: Hex }>;
  composes: Array<{ index: number; gas: bigint; value: bigint }>;
  orderedExecution: boolean;
}

/** The options bytes break the format (wrong type, truncated option, bad option size). */
export class OptionsDecodeError extends RelayerError {
  override readonly name = "OptionsDecodeError";
  constructor(
    readonly options: Hex,
    reason: string,
  ) {
    super(`malformed LayerZero options ${options}: ${reason}`);
  }
}

const TYPE_1 = 1;
const TYPE_2 = 2;
const TYPE_3 = 3;
const EXECUTOR_WORKER_ID = 1;
const DVN_WORKER_ID = 2;
const OPTION_LZRECEIVE = 1;
const OPTION_NATIVE_DROP = 2;
const OPTION_LZCOMPOSE = 3;
const OPTION_ORDERED_EXECUTION = 4;
const OPTION_LZREAD = 5;

/**
 * Decodes OApp options of type 3 (worker options: [worker id][size][type][option]...) and the legacy
 * types 1 ([gas]) and 2 ([gas][native amount][receiver]), as SendUln302's executor fee library does.
 * DVN options are skipped: the local DVN needs none.
 */
export function decodeExecutorOptions(options: Hex): ExecutorInstructions {
  const out: ExecutorInstructions = {
    lzReceiveGas: 0n,
    lzReceiveValue: 0n,
    nativeDrops: [],
    composes: [],
    orderedExecution: false,
  };
  const length = size(options);
  if (length < 2) throw new OptionsDecodeError(options, "shorter than the 2-byte type");
  const type = Number(hexToBigInt(sliceHex(options, 0, 2)));
  if (type === TYPE_1) {
    if (length !== 34) throw new OptionsDecodeError(options, `type 1 must be 34 bytes, is ${length}`);
    out.lzReceiveGas = hexToBigInt(sliceHex(options, 2, 34));
    return out;
  }
  if (type === TYPE_2) {
    if (length <= 66 || length > 98) throw new OptionsDecodeError(options, `type 2 must be 67..98 bytes, is ${length}`);
    out.lzReceiveGas = hexToBigInt(sliceHex(options, 2, 34));
    const amount = hexToBigInt(sliceHex(options, 34, 66));
    const receiver = sliceHex(options, 66);
    out.nativeDrops.push({ amount, receiver: `0x${receiver.slice(2).padStart(64, "0")}` });
    return out;
  }
  if (type !== TYPE_3) throw new OptionsDecodeError(options, `unknown options type ${type}`);

  let cursor = 2;
  while (cursor < length) {
    if (cursor + 3 > length) throw new OptionsDecodeError(options, `truncated worker header at byte ${cursor}`);
    const workerId = Number(hexToBigInt(sliceHex(options, cursor, cursor + 1)));
    const optionSize = Number(hexToBigInt(sliceHex(options, cursor + 1, cursor + 3)));
    const start = cursor + 3;
    const end = start + optionSize;
    if (optionSize === 0 || end > length) {
      throw new OptionsDecodeError(options, `option at byte ${cursor} claims ${optionSize} bytes`);
    }
    if (workerId === EXECUTOR_WORKER_ID) {
      readExecutorOption(options, out, sliceHex(options, start, end));
    } else if (workerId !== DVN_WORKER_ID) {
      throw new OptionsDecodeError(options, `unknown worker id ${workerId} at byte ${cursor}`);
    }
    cursor = end;
  }
  return out;
}

function readExecutorOption(options: Hex, out: ExecutorInstructions, option: Hex): void {
  const type = Number(hexToBigInt(sliceHex(option, 0, 1)));
  const body = size(option) > 1 ? sliceHex(option, 1) : "0x";
  const bodyLength = size(body);
  const u128 = (from: number) => hexToBigInt(sliceHex(body, from, from + 16));
  switch (type) {
    case OPTION_LZRECEIVE:
      if (bodyLength !== 16 && bodyLength !== 32) {
        throw new OptionsDecodeError(options, `lzReceive option of ${bodyLength} bytes (16 or 32 expected)`);
      }
      out.lzReceiveGas += u128(0);
      if (bodyLength === 32) out.lzReceiveValue += u128(16);
      return;
    case OPTION_NATIVE_DROP:
      if (bodyLength !== 48)
        throw new OptionsDecodeError(options, `nativeDrop option of ${bodyLength} bytes (48 expected)`);
      out.nativeDrops.push({ amount: u128(0), receiver: sliceHex(body, 16, 48) });
      return;
    case OPTION_LZCOMPOSE:
      if (bodyLength !== 18 && bodyLength !== 34) {
        throw new OptionsDecodeError(options, `lzCompose option of ${bodyLength} bytes (18 or 34 expected)`);
      }
      out.composes.push({
        index: Number(hexToBigInt(sliceHex(body, 0, 2))),
        gas: hexToBigInt(sliceHex(body, 2, 18)),
        value: bodyLength === 34 ? hexToBigInt(sliceHex(body, 18, 34)) : 0n,
      });
      return;
    case OPTION_ORDERED_EXECUTION:
      out.orderedExecution = true;
      return;
    case OPTION_LZREAD:
      throw new OptionsDecodeError(options, "lzRead options belong to read channels, not to message packets");
    default:
      throw new OptionsDecodeError(options, `unknown executor option type ${type}`);
  }
}
