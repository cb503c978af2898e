// @zk-vin/chain-kit/devchain: local chains for development and tests: anvil on a free port with funded
// keys, and forge builds of contracts-evm into their own output folders (under a lock, so concurrent
// builders wait for each other).
export { ANVIL_KEYS, type Anvil, anvilBinary, freePort, startAnvil } from "./anvil.js";
export * from "./forge.js";
