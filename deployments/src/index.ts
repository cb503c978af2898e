export * from "./deployment";
export * from "./devnet/index.js";
export {
  type DeployProgress,
  deployNetwork,
  LAYERZERO_TESTNETS_FILE,
  type LayerZeroNetwork,
  type PublicChainTarget,
  readLayerZeroNetworks,
  rpcEnvName,
} from "./public/deploy.js";
