// @zk-vin/prover: model toolchain and proving service. See prover/README.md.

export { type ArtifactStore, checkArtifactDir, LocalArtifactStore, readManifest } from "./artifact-store.js";
export {
  ArtifactError,
  InvalidInputError,
  JobFailedError,
  JobTimeoutError,
  ProofSystemError,
  ProverError,
  type ProverErrorCode,
  SrsError,
  UnknownModelError,
  WorkerCrashedError,
} from "./errors.js";
export { modelVerifierAbi, reusableVerifierAbi } from "./evm/abi.js";
export { compileModel } from "./ezkl/compile.js";
export { EZKL_PROOF_SYSTEM_ID, EzklProofSystem } from "./ezkl/ezkl-proof-system.js";
export { type DeviceChoice, type DeviceReport, ProvingProcess } from "./ezkl/proving-process.js";
export { dequantize, FIELD_MODULUS, quantize, signedToWord, wordToSigned } from "./fixed-point.js";
export { type InstanceLayoutEntry, type Manifest, manifestSchema } from "./manifest.js";
export type { CompiledModel, CompileParams, ProofOutput, ProofSystem, ProveParams } from "./proof-system.js";
export { InferenceBatcher, type InferenceRequest, type InferenceResult } from "./queue/batcher.js";
export { type ProveRequest, ProverClient, type ProverClientOptions } from "./queue/client.js";
export {
  DEFAULT_QUEUE,
  type DeadLetter,
  deadLetterQueueName,
  defaultJobId,
  type ProveJobData,
  type ProveJobResult,
  type ProveProgress,
  type RedisConnection,
} from "./queue/jobs.js";
export { type ProverWorkers, type ProverWorkersOptions, startProverWorkers } from "./queue/workers.js";
export { type FixedValue, type InferenceInputs, validateInputs } from "./validation.js";
