// @zk-vin/oracle-sdk/testing (only under the "@zk-vin/source" condition, never published): the SDK tests'
// anvil chain with the zk-VIN hub deployed by its forge scripts and the prover's fixtures, which the
// subgraph's tests drive too.
export * from "./anvil.js";
export * from "./hub.js";
