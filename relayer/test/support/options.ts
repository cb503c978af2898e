import { concatHex, type Hex, numberToHex } from "viem";

/** OptionsBuilder.newOptions().addExecutorLzReceiveOption(gas, value), byte for byte. */
export function lzReceiveOptions(gas: bigint, value = 0n): Hex {
  const option =
    value === 0n
      ? numberToHex(gas, { size: 16 })
      : concatHex([numberToHex(gas, { size: 16 }), numberToHex(value, { size: 16 })]);
  return concatHex(["0x0003", executorOption(1, option)]);
}

/** [worker id 1][size u16][option type][option], as OptionsBuilder.addExecutorOption writes it. */
export function executorOption(type: number, option: Hex): Hex {
  const size = (option.length - 2) / 2 + 1;
  return concatHex(["0x01", numberToHex(size, { size: 2 }), numberToHex(type, { size: 1 }), option]);
}
