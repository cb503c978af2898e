export { DEV_KEYS, type DevAccount, type DevnetAccounts, devAccount, devnetAccounts } from "./accounts.js";
export { type AnvilChain, freePort, localChain, portInUse, startAnvil } from "./anvil.js";
export {
  DEFAULT_DEPLOYMENT_FILE,
  type Devnet,
  type DevnetChain,
  type DevnetModel,
  type DevnetOptions,
  type DevnetProgress,
  LOCAL_EID_BASE,
  type LocalLayerZeroAddresses,
  readMarketParams,
  startDevnet,
} from "./devnet.js";
export { DevnetError, DevnetSetupError, DevnetStageError } from "./errors.js";
export { buildContracts, runScript } from "./forge.js";
export {
  artifactUri,
  BENCHMARK_MODELS,
  type BenchmarkModelName,
  benchmarkModelsDir,
  type CompiledDevnetModel,
  type ConsumerKind,
  compileDevnetModel,
  type DevnetModelOptions,
  type DevnetVerifier,
  devnetModelName,
  type InputBoundArgs,
  type IOLayoutArgs,
  inputBoundsFromManifest,
  layoutFromManifest,
  type ModelSpecArgs,
  modelSpec,
} from "./models.js";
export { type DevnetRelayerOptions, devnetRelayerConfig } from "./relayer-config.js";
export {
  POSTMAN_KEY_INDEX,
  STARKNET_ORIGIN_ID,
  STRK_ADDRESS,
  type StarknetAccounts,
  type StarknetDevnet,
  type StarknetDevnetOptions,
  type StarknetRelayerSection,
  starknetGatewayAbi,
  startStarknetSide,
} from "./starknet.js";
export { buildCairoContracts, type CairoContractName, loadSierra } from "./starknet-classes.js";
export {
  findStarknetDevnet,
  type StarknetDevAccount,
  StarknetDevnetMissingError,
  type StarknetDevnetProcess,
  StarknetDevnetRpcError,
  type StarknetDevnetState,
  starknetDevnetState,
  startStarknetDevnet,
  waitForStarknetDevnet,
} from "./starknet-devnet.js";
export {
  checkSpokeLimits,
  deployStarknetSpoke,
  localCompiledClassHash,
  STRK_TOKEN,
  type StarknetSpokeDeployment,
  type StarknetSpokeLimits,
} from "./starknet-public.js";
