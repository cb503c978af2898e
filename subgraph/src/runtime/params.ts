// Event signatures as graph-cli writes them in manifests.
import type { AbiEvent, AbiParameter } from "viem";

/** The signature graph-cli writes in manifests: `Name(indexed uint256,(uint256,address),bytes)`. */
export function manifestEventSignature(event: AbiEvent): string {
  const typeOf = (p: AbiParameter): string => {
    if (!p.type.startsWith("tuple")) return p.type;
    const components = (p as { components?: readonly AbiParameter[] }).components ?? [];
    return `(${components.map(typeOf).join(",")})${p.type.slice("tuple".length)}`;
  };
  return `${event.name}(${event.inputs.map((i) => `${i.indexed ? "indexed " : ""}${typeOf(i)}`).join(",")})`;
}
