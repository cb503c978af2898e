// The EZKL implementation of ProofSystem: compile through the Python compiler, prove and verify in one
// long-lived proving process (restarted if it dies), calldata encoded here with viem.
import { encodeFunctionData, type Hex } from "viem";
import { modelVerifierAbi, reusableVerifierAbi } from "../evm/abi.js";
import type { CompiledModel, CompileParams, ProofOutput, ProofSystem, ProveParams } from "../proof-system.js";
import { compileModel } from "./compile.js";
import { type DeviceChoice, ProvingProcess, type ProvingProcessOptions } from "./proving-process.js";

export const EZKL_PROOF_SYSTEM_ID = "ezkl-halo2-kzg-bn254";

export class EzklProofSystem implements ProofSystem {
  readonly id = EZKL_PROOF_SYSTEM_ID;
  private process: ProvingProcess | undefined;
  private readonly options: ProvingProcessOptions;

  constructor(options: { device?: DeviceChoice; onStderr?: (line: string) => void } = {}) {
    this.options = options;
  }

  /** The current proving process, started (or restarted after a crash) on demand. */
  proc(): ProvingProcess {
    if (!this.process?.alive) this.process = new ProvingProcess(this.options);
    return this.process;
  }

  compile(params: CompileParams): Promise<CompiledModel> {
    return compileModel(params);
  }

  prove(params: ProveParams): Promise<ProofOutput> {
    return this.proc().request<ProofOutput>(
      "prove",
      { artifactDir: params.artifactDir, inputsFixed: params.inputsFixed, verify: params.verify ?? false },
      params.onProgress,
    );
  }

  async verify(params: { artifactDir: string; proof: Hex; instances: Hex[] }): Promise<boolean> {
    const res = await this.proc().request<{ valid: boolean }>("verify", params);
    return res.valid;
  }

  calldata(params: { proof: Hex; instances: Hex[]; vka?: Hex[] }): Hex {
    const instances = params.instances.map((w) => BigInt(w));
    if (params.vka) {
      return encodeFunctionData({
        abi: reusableVerifierAbi,
        functionName: "verifyProof",
        args: [params.proof, instances, params.vka],
      });
    }
    return encodeFunctionData({ abi: modelVerifierAbi, functionName: "verifyProof", args: [params.proof, instances] });
  }

  async close(): Promise<void> {
    await this.process?.close();
    this.process = undefined;
  }
}
