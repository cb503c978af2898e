// The proof system behind the prover. EZKL (Halo2 + KZG on BN254) is the one implementation today;
// recursive aggregation, another SNARK or a zkVM backend plugs in behind the same four operations.
// See docs/decisions/0011-proof-system-interface-no-aggregation.md.
import type { Hex } from "viem";
import type { LocalArtifactStore } from "./artifact-store.js";
import type { Manifest } from "./manifest.js";

export interface CompileParams {
  /** Model name (1-64 of [A-Za-z0-9_-]); part of the generated contract's name. */
  name: string;
  onnxPath: string;
  /** Rows the circuit's fixed-point scales are calibrated on, or a JSON file {"rows": [[...]]}. */
  calibration: number[][] | { path: string };
  batchSize?: number;
  inputVisibility?: "public" | "hashed";
  outputVisibility?: "public" | "hashed";
  /** Production SRS, checked by hash. Absent: the cached development SRS (insecure, says so). */
  srs?: { path: string; sha256: string };
  /** Inputs further than margin x (calibrated span) outside the calibration range are refused. */
  rangeMargin?: number;
  contractName?: string;
  /** Input scales EZKL's calibration chooses from (for example [4, 7]); absent: EZKL's own search. */
  scales?: number[];
  /** Generate the per-model Solidity verifier (default true). */
  solidityVerifier?: boolean;
  /** Generate the VKA for the reusable verifier (default true). */
  vka?: boolean;
  store?: LocalArtifactStore;
}

export interface CompiledModel {
  artifactId: string;
  artifactDir: string;
  manifest: Manifest;
}

export interface ProveParams {
  artifactDir: string;
  /** Fixed-point rows (decimal strings), at most the batch size; a partial batch is padded. */
  inputsFixed: string[][];
  /** Verify the proof in the worker before returning it (costs one verification). */
  verify?: boolean;
  onProgress?: (stage: string) => void;
}

export interface ProofOutput {
  proof: Hex;
  /** Public instances as the EVM verifier takes them (uint256, 0x + 64 hex digits). */
  instances: Hex[];
  /** The proven rows (real rows only, without padding), fixed point. */
  inputsFixed: string[][];
  outputsFixed: string[][];
  outputs: number[][];
  rows: number;
  paddedRows: number;
  /** verifyProof(proof, instances, vka) on the reusable verifier, when the model has a VKA. */
  calldata: Hex | null;
  /** verifyProof(proof, instances) on the model's own generated verifier, when it has one. */
  verifierCalldata: Hex | null;
  verified: boolean | null;
  /** Seconds per stage in the proving process: witness, prove, verify?, calldata. */
  timings: Record<string, number>;
}

export interface ProofSystem {
  readonly id: string;
  compile(params: CompileParams): Promise<CompiledModel>;
  prove(params: ProveParams): Promise<ProofOutput>;
  verify(params: { artifactDir: string; proof: Hex; instances: Hex[] }): Promise<boolean>;
  /** EVM calldata for a proof: with a VKA for the reusable verifier, without for a per-model one. */
  calldata(params: { proof: Hex; instances: Hex[]; vka?: Hex[] }): Hex;
  close(): Promise<void>;
}
