// The deployments file format lives in the SDK (pure types and parser, browser-safe; file loading in its
// node-only entry), so the SDK needs nothing of this package. Re-exported here for the devnet, the
// deploy scripts and their users.
export {
  chainByName,
  contractAddress,
  type DeployedChain,
  type DeployedModel,
  type Deployment,
  DeploymentFileError,
  type LayerZeroDeployment,
  parseDeployment,
} from "@zk-vin/oracle-sdk/deployment";
export { loadDeployment } from "@zk-vin/oracle-sdk/node";
