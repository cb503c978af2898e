export {
  type ChainConfig,
  ConfigError,
  type ConfigIssue,
  type LayerZeroConfig,
  type LocalLayerZeroStackConfig,
  loadConfig,
  type NodeConfig,
  parseConfig,
  type RelayerConfig,
} from "./load.js";
export { configSchema, type RelayerConfigInput } from "./schema.js";
