export * from "./deployment";
export * from "./devnet/index.js";
export {
  checkHubSrs,
  DEV_SRS_PATH,
  type DeployProgress,
  DevSrsOnPublicChainError,
  deployNetwork,
  isLocalChain,
  LAYERZERO_TESTNETS_FILE,
  type LayerZeroNetwork,
  type PublicChainTarget,
  readLayerZeroNetworks,
  rpcEnvName,
} from "./public/deploy.js";
