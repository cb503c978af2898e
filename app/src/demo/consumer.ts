// The example consumer the demo asks through: contracts-evm's RegressionOracleConsumer (one per chain,
// deployed by the devnet), which keeps the latest verified value per key. Each demo request uses a key of
// its own, so the consumer's storage shows every answer.
import { type Address, type Hex, keccak256, parseAbi, toHex } from "viem";

export const regressionConsumerAbi = parseAbi([
  "struct Value { int256 value; uint64 updatedAt; uint64 sequence; uint256 requestId; }",
  "function requestValue(bytes32 key, int256[] features) payable returns (uint256 requestId)",
  "function latest(bytes32 key) view returns (Value)",
  "function CALLBACK_GAS_LIMIT() view returns (uint32)",
  "function MODEL_ID() view returns (uint256)",
  "function OUTPUT_SCALE() view returns (uint8)",
  "function onInferenceResult(uint256 requestId, uint256 modelId, int256[] output)",
  "event ValueRequested(uint256 indexed requestId, bytes32 indexed key, uint64 sequence, address indexed payer)",
  "event ValueUpdated(bytes32 indexed key, int256 value, uint256 indexed requestId, uint64 sequence)",
  "event StaleValueIgnored(bytes32 indexed key, uint256 indexed requestId, uint64 sequence, uint64 current)",
  "event ValueRequestFailed(bytes32 indexed key, uint256 indexed requestId, uint8 reason)",
]);

/** The oracle events that end a request without a value (spoke and market spell them differently). */
export const oracleFailureAbi = parseAbi([
  "event CallbackFailed(uint256 indexed requestId, bytes reason)",
  "event InferenceRejected(uint256 indexed requestId, bytes reason)",
  "event InferenceRefunded(uint256 indexed requestId, address indexed requester, uint256 amount, uint8 reason)",
  "event InferenceRefunded(uint256 indexed requestId, address indexed requester, uint256 amount)",
]);

/** The consumer key of demo request `index` on `chain`. */
export function requestKey(params: { chain: string; index: number }): Hex {
  return keccak256(toHex(`zk-VIN demo: ${params.chain} request ${params.index}`));
}

export interface ConsumerRef {
  chain: string;
  address: Address;
}
