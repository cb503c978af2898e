import { describeError, RelayerError } from "@zk-vin/chain-kit";
import type { ArtifactStore, Manifest } from "@zk-vin/prover";
import type { Address, Hex, PublicClient } from "viem";
import { ModelStatus, modelRegistryAbi, proofVerifierAbi } from "./abi.js";

/** How a registered model's artifacts are named on chain: `zkvin-artifact:sha256:<artifactId>`. */
const ARTIFACT_URI = /^zkvin-artifact:sha256:([0-9a-f]{64})$/;

/** A model this node can prove: the registry's terms and the local artifact that matches them. */
export interface ServedModel {
  modelId: bigint;
  artifactId: string;
  manifest: Manifest;
  verifier: Address;
  verifierKey: Hex;
  batchSize: number;
  instanceCount: number;
}

/** This node cannot prove `modelId`: no artifact for it here, or the artifact is not the registered one. */
export class UnservedModelError extends RelayerError {
  override readonly name = "UnservedModelError";
  constructor(
    readonly modelId: bigint,
    reason: string,
    options?: { cause?: unknown },
  ) {
    super(`model ${modelId}: ${reason}`, options);
  }
}

/** The artifact id a registry artifact URI names, or null when it is not a zk-VIN artifact URI. */
export function artifactIdFromUri(uri: string): string | null {
  return ARTIFACT_URI.exec(uri)?.[1] ?? null;
}

/**
 * Resolves model ids to local proving artifacts and checks that each artifact is the one the registry
 * holds: its VKA digest must be the model's verifier key and its layout the model's layout, so the node
 * never spends a proof on a circuit the hub would refuse. Answers are cached (a model version never
 * changes); failures are not, so an artifact added later is picked up.
 */
export class ModelCatalog {
  private readonly served = new Map<bigint, Promise<ServedModel>>();

  constructor(
    private readonly params: {
      client: PublicClient;
      registry: Address;
      artifacts: ArtifactStore;
      /** Artifact ids to use instead of the registry's URI (e.g. artifacts kept under another name). */
      overrides?: ReadonlyMap<bigint, string>;
    },
  ) {}

  /** The artifact that proves `modelId`, or UnservedModelError saying why there is none. */
  resolve(modelId: bigint): Promise<ServedModel> {
    let found = this.served.get(modelId);
    if (!found) {
      found = this.load(modelId);
      this.served.set(modelId, found);
      found.catch(() => this.served.delete(modelId));
    }
    return found;
  }

  private async load(modelId: bigint): Promise<ServedModel> {
    const exists = await this.params.client.readContract({
      address: this.params.registry,
      abi: modelRegistryAbi,
      functionName: "exists",
      args: [modelId],
    });
    if (!exists) throw new UnservedModelError(modelId, "not registered in the model registry");
    const m = await this.params.client.readContract({
      address: this.params.registry,
      abi: modelRegistryAbi,
      functionName: "model",
      args: [modelId],
    });
    if (m.status !== ModelStatus.Live) {
      const name = Object.entries(ModelStatus).find(([, v]) => v === m.status)?.[0] ?? String(m.status);
      throw new UnservedModelError(
        modelId,
        `the registry has the model ${name.toLowerCase()}, not live (a pending model takes requests once MODEL_APPROVER_ROLE approves it)`,
      );
    }
    const accepted = await this.params.client.readContract({
      address: m.verifier,
      abi: proofVerifierAbi,
      functionName: "isKeyAccepted",
      args: [m.verifierKey],
    });
    if (!accepted) {
      throw new UnservedModelError(
        modelId,
        `verifier ${m.verifier} does not accept the model's key ${m.verifierKey} (revoked or not approved)`,
      );
    }
    const artifactId = this.params.overrides?.get(modelId) ?? artifactIdFromUri(m.artifactURI);
    if (!artifactId) {
      throw new UnservedModelError(
        modelId,
        `artifact URI ${JSON.stringify(m.artifactURI)} is not zkvin-artifact:sha256:<id>; map the model in node.models`,
      );
    }
    if (!(await this.params.artifacts.has(artifactId))) {
      throw new UnservedModelError(modelId, `artifact ${artifactId} is not in the local artifact store`);
    }
    let manifest: Manifest;
    try {
      manifest = await this.params.artifacts.manifest(artifactId);
    } catch (error) {
      throw new UnservedModelError(modelId, `artifact ${artifactId}: ${describeError(error)}`, { cause: error });
    }
    const digest = manifest.evm?.vkaDigest;
    if (!digest || digest.toLowerCase() !== m.verifierKey.toLowerCase()) {
      throw new UnservedModelError(
        modelId,
        `artifact ${artifactId} has VKA digest ${digest ?? "(none)"}, but the model is registered with key ${m.verifierKey}`,
      );
    }
    if (manifest.batchSize !== m.layout.batchSize || manifest.instances.count !== m.layout.instanceCount) {
      throw new UnservedModelError(
        modelId,
        `artifact ${artifactId} proves batches of ${manifest.batchSize} with ${manifest.instances.count} instances; the model's layout says ${m.layout.batchSize} and ${m.layout.instanceCount}`,
      );
    }
    return {
      modelId,
      artifactId,
      manifest,
      verifier: m.verifier,
      verifierKey: m.verifierKey,
      batchSize: m.layout.batchSize,
      instanceCount: m.layout.instanceCount,
    };
  }
}
