// Event parameters as graph-cli's generated classes type them, from viem's decoded arguments: the same
// ABI-type rules as graph-cli's codegen (int8..int32 and uint8..uint24 are i32, wider integers BigInt,
// address Address, bytes Bytes, tuples objects with a property per component, indexed dynamic values
// the topic hash as Bytes).
import type { AbiEvent, AbiParameter } from "viem";
import { MappingAbort } from "./graph-ts/abort.js";
import { Address, Bytes } from "./graph-ts/bytes.js";
import { GraphBigInt } from "./graph-ts/numbers.js";

const SMALL_INT = /^(int(8|16|24|32)|uint(8|16|24))$/;
const INT = /^u?int\d*$/;
const BYTES = /^bytes\d*$/;

function isDynamic(p: AbiParameter): boolean {
  return p.type === "string" || p.type === "bytes" || p.type.endsWith("]") || p.type.startsWith("tuple");
}

function convert(p: AbiParameter, type: string, value: unknown): unknown {
  const fail = (): never => {
    throw new MappingAbort(`event parameter ${p.name ?? "?"} (${type}): cannot convert ${String(value)}`);
  };
  if (type.endsWith("]")) {
    const inner = type.slice(0, type.lastIndexOf("["));
    return Array.isArray(value) ? value.map((v) => convert(p, inner, v)) : fail();
  }
  if (type === "tuple") {
    const components = (p as { components?: readonly AbiParameter[] }).components ?? [];
    const out: Record<string, unknown> = {};
    components.forEach((c, i) => {
      const name = c.name && c.name.length > 0 ? c.name : `value${i}`;
      const raw = Array.isArray(value) ? value[i] : (value as Record<string, unknown> | null)?.[name];
      out[name] = convert(c, c.type, raw);
    });
    return out;
  }
  if (SMALL_INT.test(type)) return typeof value === "bigint" || typeof value === "number" ? Number(value) : fail();
  // viem decodes integers of up to 48 bits as numbers, wider ones as bigints.
  if (INT.test(type)) {
    if (typeof value === "bigint") return GraphBigInt.of(value);
    return typeof value === "number" && Number.isSafeInteger(value) ? GraphBigInt.of(BigInt(value)) : fail();
  }
  if (type === "address") return typeof value === "string" ? Address.fromString(value) : fail();
  if (BYTES.test(type)) return typeof value === "string" ? Bytes.fromHexString(value) : fail();
  if (type === "bool") return typeof value === "boolean" ? value : fail();
  if (type === "string") return typeof value === "string" ? value : fail();
  return fail();
}

/** `event.params` for a decoded log of `event`; `args` as viem's parseEventLogs returns them. */
export function eventParams(event: AbiEvent, args: unknown): Record<string, unknown> {
  const params: Record<string, unknown> = {};
  event.inputs.forEach((input, i) => {
    const name = input.name && input.name.length > 0 ? input.name : `param${i}`;
    const raw = Array.isArray(args) ? args[i] : (args as Record<string, unknown> | undefined)?.[name];
    params[name] =
      input.indexed && isDynamic(input) ? Bytes.fromHexString(String(raw)) : convert(input, input.type, raw);
  });
  return params;
}

/** The signature graph-cli writes in manifests: `Name(indexed uint256,(uint256,address),bytes)`. */
export function manifestEventSignature(event: AbiEvent): string {
  const typeOf = (p: AbiParameter): string => {
    if (!p.type.startsWith("tuple")) return p.type;
    const components = (p as { components?: readonly AbiParameter[] }).components ?? [];
    return `(${components.map(typeOf).join(",")})${p.type.slice("tuple".length)}`;
  };
  return `${event.name}(${event.inputs.map((i) => `${i.indexed ? "indexed " : ""}${typeOf(i)}`).join(",")})`;
}
