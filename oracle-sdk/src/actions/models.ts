// Models: read one from the registry (with the market's usage statistics), list them through the
// subgraph, read a spoke's copy of a model's terms, and register a model (EZKL VKA + registry) through
// the registry's approval flow (register -> approve -> live while the registry requires approval).
import { type Address, type Hex, parseEventLogs, type ReadContractReturnType } from "viem";
import { ezklVkaVerifierAdapterAbi, inferenceMarketAbi, modelRegistryAbi, zkVinSpokeAbi } from "../abi/index.js";
import { type ChainContext, readContract, writeContract } from "../chain.js";
import type { InputBound, ModelLayout } from "../encoding.js";
import { ContractRevertError, MissingEventError, ModelNotFoundError } from "../errors.js";
import type { GraphQLClient } from "../graphql/client.js";
import type { ModelFields } from "../graphql/generated/schema.js";
import { type ListParams, listEntities } from "../graphql/queries.js";

export interface ModelUsage {
  requests: bigint;
  fulfilled: bigint;
  /** Missed deadlines (each slashed). */
  expired: bigint;
  distinctRequesters: number;
  repeatRequesters: number;
}

/**
 * Where a model stands (ModelRegistry.ModelStatus): only a live model takes requests. A registration is
 * pending while the registry requires approval, until MODEL_APPROVER_ROLE approves or rejects it.
 */
export type ModelStatus = "live" | "pending" | "rejected" | "withdrawn";

const MODEL_STATUSES: readonly ModelStatus[] = ["live", "pending", "rejected", "withdrawn"];

function statusFromChain(status: number): ModelStatus {
  const s = MODEL_STATUSES[status];
  if (s === undefined) throw new RangeError(`unknown ModelStatus ${status}`);
  return s;
}

export interface ModelInfo {
  modelId: bigint;
  owner: Address;
  verifier: Address;
  verifierKey: Hex;
  settingsHash: Hex;
  layout: ModelLayout;
  computeUnits: bigint;
  royalty: bigint;
  artifactURI: string;
  metadataURI: string;
  deprecated: boolean;
  status: ModelStatus;
  /** What an approval binds: ModelRegistry.specDigest(owner, spec). Null in a subgraph model not yet proposed. */
  specDigest: Hex | null;
  usage: ModelUsage;
}

interface RawLayout {
  batchSize: number;
  instanceCount: number;
  inputOffset: number;
  inputCount: number;
  outputOffset: number;
  outputCount: number;
  inputScale: number;
  outputScale: number;
  inputMode: number;
}

function layoutFromChain(l: RawLayout, inputBounds: readonly InputBound[]): ModelLayout {
  return { ...l, inputMode: l.inputMode === 1 ? "hashed" : "public", inputBounds: inputBounds.map(copyBound) };
}

function copyBound(b: InputBound): InputBound {
  return { min: b.min, max: b.max };
}

/** The subgraph's per-feature `inputMin`/`inputMax` lists as bounds. */
function boundsFromSubgraph(min: readonly string[], max: readonly string[]): InputBound[] {
  return min.map((lo, j) => ({ min: BigInt(lo), max: BigInt(max[j] ?? lo) }));
}

/** A model as the registry stores it, with the market's usage statistics (hub only). */
export async function getModel(ctx: ChainContext, params: { modelId: bigint }): Promise<ModelInfo> {
  let m: ReadContractReturnType<typeof modelRegistryAbi, "model">;
  try {
    m = await readContract(ctx, {
      contract: "ModelRegistry",
      abi: modelRegistryAbi,
      functionName: "model",
      args: [params.modelId],
    });
  } catch (error) {
    if (error instanceof ContractRevertError && error.errorName === "ModelNotFound") {
      throw new ModelNotFoundError(params.modelId, ctx.config.name);
    }
    throw error;
  }
  const u = await readContract(ctx, {
    contract: "InferenceMarket",
    abi: inferenceMarketAbi,
    functionName: "modelUsage",
    args: [params.modelId],
  });
  return {
    modelId: params.modelId,
    owner: m.owner,
    verifier: m.verifier,
    verifierKey: m.verifierKey,
    settingsHash: m.settingsHash,
    layout: layoutFromChain(m.layout, m.inputBounds),
    computeUnits: BigInt(m.computeUnits),
    royalty: m.royalty,
    artifactURI: m.artifactURI,
    metadataURI: m.metadataURI,
    deprecated: m.deprecated,
    status: statusFromChain(m.status),
    specDigest: m.specDigest,
    usage: { ...u },
  };
}

/** A subgraph Model as ModelInfo (usage from the subgraph's counters, which mirror modelUsage). */
export function modelFromSubgraph(f: ModelFields): ModelInfo {
  return {
    modelId: BigInt(f.modelId),
    owner: f.owner,
    verifier: f.verifier.id as Address,
    verifierKey: f.verifierKey,
    settingsHash: f.settingsHash,
    layout: {
      batchSize: f.batchSize,
      instanceCount: f.instanceCount,
      inputOffset: f.inputOffset,
      inputCount: f.inputCount,
      outputOffset: f.outputOffset,
      outputCount: f.outputCount,
      inputScale: f.inputScale,
      outputScale: f.outputScale,
      inputMode: f.inputMode === "HASHED" ? "hashed" : "public",
      inputBounds: boundsFromSubgraph(f.inputMin, f.inputMax),
    },
    computeUnits: BigInt(f.computeUnits),
    royalty: BigInt(f.royalty),
    artifactURI: f.artifactURI,
    metadataURI: f.metadataURI,
    deprecated: f.deprecated,
    status: f.status.toLowerCase() as ModelStatus,
    specDigest: f.specDigest ?? null,
    usage: {
      requests: BigInt(f.requestCount),
      fulfilled: BigInt(f.fulfilledCount),
      expired: BigInt(f.expiredCount),
      distinctRequesters: f.distinctRequesters,
      repeatRequesters: f.repeatRequesters,
    },
  };
}

/** Models from the subgraph (hosted or local), ordered by model id unless `orderBy` says otherwise. */
export async function listModels(gql: GraphQLClient, params: ListParams<"Model"> = {}): Promise<ModelInfo[]> {
  const models = await listEntities(gql, "Model", { orderBy: "modelId", orderDirection: "asc", ...params });
  return models.map(modelFromSubgraph);
}

/** What a spoke knows of a hub model (synced by the hub gateway); enough to encode and price requests. */
export interface SpokeModelTerms {
  modelId: bigint;
  hubPrice: bigint;
  syncNonce: bigint;
  inputCount: number;
  outputCount: number;
  inputScale: number;
  outputScale: number;
  inputMode: "public" | "hashed";
  deprecated: boolean;
  /** One bound per input feature, in feature order, fixed point at inputScale. */
  inputBounds: InputBound[];
}

export async function getSpokeModelTerms(ctx: ChainContext, params: { modelId: bigint }): Promise<SpokeModelTerms> {
  const read = { contract: "ZkVinSpoke", abi: zkVinSpokeAbi, args: [params.modelId] } as const;
  const [m, bounds] = await Promise.all([
    readContract(ctx, { ...read, functionName: "model" }),
    readContract(ctx, { ...read, functionName: "inputBounds" }),
  ]);
  if (m.syncNonce === 0n) throw new ModelNotFoundError(params.modelId, ctx.config.name);
  return {
    modelId: params.modelId,
    ...m,
    inputMode: m.inputMode === 1 ? "hashed" : "public",
    inputBounds: bounds.map(copyBound),
  };
}

/** Stores an EZKL verifying-key artifact with the VKA adapter (checked against the canonical SRS). */
export async function registerVka(ctx: ChainContext, params: { words: readonly Hex[] }): Promise<{ key: Hex }> {
  const { result } = await writeContract(ctx, {
    contract: "EzklVkaVerifierAdapter",
    abi: ezklVkaVerifierAdapterAbi,
    functionName: "registerVka",
    args: [params.words],
  });
  return { key: result };
}

export interface ModelSpecInput {
  verifier: Address;
  verifierKey: Hex;
  settingsHash: Hex;
  layout: ModelLayout;
  computeUnits: number;
  royalty: bigint;
  artifactURI: string;
  metadataURI: string;
}

function specToChain(spec: ModelSpecInput) {
  return {
    verifier: spec.verifier,
    verifierKey: spec.verifierKey,
    settingsHash: spec.settingsHash,
    layout: {
      batchSize: spec.layout.batchSize,
      instanceCount: spec.layout.instanceCount,
      inputOffset: spec.layout.inputOffset,
      inputCount: spec.layout.inputCount,
      outputOffset: spec.layout.outputOffset,
      outputCount: spec.layout.outputCount,
      inputScale: spec.layout.inputScale,
      outputScale: spec.layout.outputScale,
      inputMode: spec.layout.inputMode === "hashed" ? 1 : 0,
    },
    inputBounds: spec.layout.inputBounds.map(copyBound),
    computeUnits: spec.computeUnits,
    royalty: spec.royalty,
    artifactURI: spec.artifactURI,
    metadataURI: spec.metadataURI,
  };
}

export interface RegisteredModel {
  modelId: bigint;
  /** "live" when the registry does not require approval; else "pending" until approved or rejected. */
  status: ModelStatus;
  /** The digest an approval of this model must name (approveModel). */
  specDigest: Hex;
}

/**
 * Registers a model, paying the registry's registration fee. While the registry requires approval (public
 * networks) the model is only proposed: it takes no requests until MODEL_APPROVER_ROLE calls approveModel
 * with its spec digest; the fee is held meanwhile and credited back if the proposal is rejected or withdrawn.
 */
export async function registerModel(ctx: ChainContext, spec: ModelSpecInput): Promise<RegisteredModel> {
  const fee = await readContract(ctx, {
    contract: "ModelRegistry",
    abi: modelRegistryAbi,
    functionName: "registrationFee",
  });
  const { receipt } = await writeContract(ctx, {
    contract: "ModelRegistry",
    abi: modelRegistryAbi,
    functionName: "registerModel",
    value: fee,
    args: [specToChain(spec)],
  });
  const logs = parseEventLogs({ abi: modelRegistryAbi, logs: receipt.logs });
  const registered = logs.find((l) => l.eventName === "ModelRegistered");
  if (!registered) throw new MissingEventError("ModelRegistered", receipt.transactionHash);
  const modelId = registered.args.modelId;
  for (const log of logs) {
    if (log.eventName === "ModelApproved" && log.args.modelId === modelId) {
      return { modelId, status: "live", specDigest: log.args.specDigest };
    }
    if (log.eventName === "ModelProposed" && log.args.modelId === modelId) {
      return { modelId, status: "pending", specDigest: log.args.specDigest };
    }
  }
  throw new MissingEventError("ModelProposed or ModelApproved", receipt.transactionHash);
}

/**
 * The digest an approval binds for `spec` registered by `owner` (ModelRegistry.specDigest): an approver
 * computes it from the spec it checked against the published artifacts and passes it to approveModel.
 */
export async function modelSpecDigest(
  ctx: ChainContext,
  params: { owner: Address; spec: ModelSpecInput },
): Promise<Hex> {
  return readContract(ctx, {
    contract: "ModelRegistry",
    abi: modelRegistryAbi,
    functionName: "specDigest",
    args: [params.owner, specToChain(params.spec)],
  });
}

/** Where a model stands on the registry. */
export async function getModelStatus(ctx: ChainContext, params: { modelId: bigint }): Promise<ModelStatus> {
  try {
    const status = await readContract(ctx, {
      contract: "ModelRegistry",
      abi: modelRegistryAbi,
      functionName: "modelStatus",
      args: [params.modelId],
    });
    return statusFromChain(status);
  } catch (error) {
    if (error instanceof ContractRevertError && error.errorName === "ModelNotFound") {
      throw new ModelNotFoundError(params.modelId, ctx.config.name);
    }
    throw error;
  }
}

/**
 * Approves a pending model (MODEL_APPROVER_ROLE): it goes live and takes its verifier key. `specDigest` is
 * the digest the approver computed (modelSpecDigest) from the spec and registrant it checked; the registry
 * refuses it (SpecDigestMismatch) if the proposal says anything else.
 */
export async function approveModel(ctx: ChainContext, params: { modelId: bigint; specDigest: Hex }): Promise<void> {
  await writeContract(ctx, {
    contract: "ModelRegistry",
    abi: modelRegistryAbi,
    functionName: "approveModel",
    args: [params.modelId, params.specDigest],
  });
}

/** Rejects a pending model for good (MODEL_APPROVER_ROLE); its fee is credited back to the registrant. */
export async function rejectModel(ctx: ChainContext, params: { modelId: bigint; reason: string }): Promise<void> {
  await writeContract(ctx, {
    contract: "ModelRegistry",
    abi: modelRegistryAbi,
    functionName: "rejectModel",
    args: [params.modelId, params.reason],
  });
}

/** The registrant withdraws its pending model; the fee is credited back (claimRegistrationRefund pays it). */
export async function withdrawModelProposal(ctx: ChainContext, params: { modelId: bigint }): Promise<void> {
  await writeContract(ctx, {
    contract: "ModelRegistry",
    abi: modelRegistryAbi,
    functionName: "withdrawModelProposal",
    args: [params.modelId],
  });
}

/** Claims the registration fees credited to the caller by rejected or withdrawn proposals. */
export async function claimRegistrationRefund(ctx: ChainContext): Promise<void> {
  await writeContract(ctx, { contract: "ModelRegistry", abi: modelRegistryAbi, functionName: "claimRefund" });
}
