export * from "./deployment";
export * from "./devnet/index.js";
