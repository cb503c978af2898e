import { readFile } from "node:fs/promises";
import { RelayerError } from "@zk-vin/chain-kit";
import { type Address, getAddress, isAddress } from "viem";

/**
 * One chain's local LayerZero stack as contracts-evm/script/layerzero/DeployLocalLayerZero.s.sol
 * records it (LayerZeroStackJson).
 */
export interface LayerZeroStackFile {
  chainId: number;
  eid: number;
  owner: Address;
  operator: Address;
  endpoint: Address;
  sendUln302: Address;
  receiveUln302: Address;
  priceFeed: Address;
  executor: Address;
  executorFeeLib: Address;
  dvn: Address;
  dvnFeeLib: Address;
}

/** The stack file is missing a field or holds a value of the wrong kind. */
export class StackFileError extends RelayerError {
  override readonly name = "StackFileError";
  constructor(
    readonly path: string,
    readonly field: string,
    readonly value: unknown,
  ) {
    super(`${path}: field "${field}" is missing or invalid (${JSON.stringify(value)})`);
  }
}

const ADDRESS_FIELDS = [
  "owner",
  "operator",
  "endpoint",
  "sendUln302",
  "receiveUln302",
  "priceFeed",
  "executor",
  "executorFeeLib",
  "dvn",
  "dvnFeeLib",
] as const;

export async function readLayerZeroStackFile(path: string): Promise<LayerZeroStackFile> {
  const json = JSON.parse(await readFile(path, "utf8")) as Record<string, unknown>;
  const int = (field: string) => {
    const v = json[field];
    if (typeof v !== "number" || !Number.isSafeInteger(v) || v <= 0) throw new StackFileError(path, field, v);
    return v;
  };
  const out: Record<string, unknown> = { chainId: int("chainId"), eid: int("eid") };
  for (const field of ADDRESS_FIELDS) {
    const v = json[field];
    if (typeof v !== "string" || !isAddress(v, { strict: false })) throw new StackFileError(path, field, v);
    out[field] = getAddress(v);
  }
  return out as unknown as LayerZeroStackFile;
}
