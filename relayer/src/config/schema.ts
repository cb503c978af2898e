import { getAddress, isAddress } from "viem";
import { z } from "zod";
import { starknetSchema } from "../starknet/config.js";

const privateKey = z.string().regex(/^0x[0-9a-fA-F]{64}$/, "must be a 0x-prefixed 32-byte hex private key");

/** A secret given inline (local development) or as the name of an environment variable holding it. */
const secret = z.union(
  [privateKey, z.object({ env: z.string().min(1, "must name an environment variable") }).strict()],
  {
    errorMap: () => ({ message: 'must be a 0x-prefixed 32-byte hex private key or { "env": "VARIABLE" }' }),
  },
);

const address = z
  .string()
  .refine((v) => isAddress(v, { strict: false }), "must be a 0x-prefixed 20-byte address")
  .transform((v) => getAddress(v));

const positiveInt = z.number().int().positive();

export const chainSchema = z
  .object({
    /** Short name used in logs, metrics and the layerzero section (e.g. "hub", "spoke-base"). */
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "must be lowercase letters, digits and dashes"),
    chainId: positiveInt,
    rpcUrl: z
      .string()
      .url()
      .refine((u) => /^https?:\/\//.test(u), "must be an http(s) URL"),
    /** Blocks built on top of a block before its logs are acted on (0 on local chains). */
    confirmations: z.number().int().min(0),
    /** First block to scan on a fresh store (the deployment block of the watched contracts). */
    startBlock: z.number().int().min(0).default(0),
    pollIntervalMs: positiveInt.default(1000),
    maxBlockRange: positiveInt.default(1000),
    reorgWindow: positiveInt.default(128),
  })
  .strict()
  .superRefine((c, ctx) => {
    if (c.reorgWindow <= c.confirmations) {
      ctx.addIssue({
        code: "custom",
        path: ["reorgWindow"],
        message: `must exceed confirmations (${c.confirmations})`,
      });
    }
  });

const storeSchema = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("memory") }).strict(),
  z.object({ kind: z.literal("pglite"), dataDir: z.string().min(1) }).strict(),
  z
    .object({
      kind: z.literal("postgres"),
      url: z.string().regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL"),
      maxConnections: positiveInt.optional(),
    })
    .strict(),
]);

const layerZeroStackSchema = z.union([
  z
    .object({
      eid: positiveInt,
      endpoint: address,
      receiveUln302: address,
      dvn: address,
      executor: address,
    })
    .strict(),
  /** The JSON written by contracts-evm/script/layerzero/DeployLocalLayerZero.s.sol. */
  z.object({ stackFile: z.string().min(1) }).strict(),
]);

const layerZeroSchema = z.discriminatedUnion("mode", [
  z
    .object({
      /** Local networks: this relayer is the DVN and the executor. */
      mode: z.literal("local"),
      /** The DVN signer; defaults to operatorKey. */
      signerKey: secret.optional(),
      concurrency: positiveInt.default(4),
      maxAttempts: positiveInt.default(8),
      pollIntervalMs: positiveInt.default(500),
      chains: z.record(z.string(), layerZeroStackSchema),
    })
    .strict(),
  z
    .object({
      /** Testnets and mainnets: LayerZero's DVNs and executors carry packets; this relayer does not. */
      mode: z.literal("external"),
    })
    .strict(),
]);

const nodeSchema = z
  .object({
    /** The name of the hub chain in `chains`. */
    hubChain: z.string().min(1),
    /** The hub's InferenceMarket (registry and node pool are read from it). */
    market: address,
    /** The Redis the prover's workers take jobs from. */
    redis: z
      .string()
      .regex(/^rediss?:\/\//, "must be a redis:// or rediss:// URL")
      .default("redis://127.0.0.1:6379"),
    /** The prover's BullMQ queue. */
    queueName: z.string().min(1).default("zkvin-prove"),
    /** The local artifact store the workers share (default: the prover's, ~/.cache/zk-vin/artifacts). */
    artifactStore: z.string().min(1).optional(),
    /** How long a request waits for others of its model to share a proof (the batch window). */
    batchWindowMs: z.number().int().min(0).max(600_000).default(200),
    /** Assignments worked on at once, proofs in progress included. */
    maxInFlight: positiveInt.default(64),
    /** Fulfilment transactions in flight at once. */
    submitConcurrency: positiveInt.default(1),
    /** Failed attempts after which an assignment is given up. */
    maxAttempts: positiveInt.default(5),
    pollIntervalMs: positiveInt.default(500),
    /** Call `expire` on this node's missed assignments so they move on at once. */
    expireMissed: z.boolean().default(true),
    /** Aggregation (off when absent): proofs of models registered with `adapter` (the hub's
     * EzklAggregatingVerifierAdapter) are verified together by one `verifyAggregate` transaction, up to
     * `maxProofs` proofs or `windowMs` after the first, then each request is settled with an empty proof. */
    aggregate: z
      .object({
        adapter: address,
        maxProofs: z.number().int().min(2).max(32).default(8),
        windowMs: z.number().int().min(0).max(600_000).default(2_000),
      })
      .strict()
      .optional(),
    /** Artifacts by model id, for models whose on-chain artifact URI is not `zkvin-artifact:sha256:<id>`. */
    models: z
      .array(
        z
          .object({
            modelId: positiveInt,
            artifactId: z.string().regex(/^[0-9a-f]{64}$/, "must be a 64-character lowercase hex artifact id"),
          })
          .strict(),
      )
      .optional(),
  })
  .strict();

export const configSchema = z
  .object({
    /** The node operator's account: sends every transaction the relayer makes. */
    operatorKey: secret,
    chains: z.array(chainSchema).min(1, "at least one chain is needed"),
    store: storeSchema.default({ kind: "pglite", dataDir: ".zkvin/relayer/db" }),
    http: z
      .object({
        host: z.string().min(1).default("127.0.0.1"),
        port: z.number().int().min(0).max(65_535),
      })
      .strict()
      .optional(),
    log: z
      .object({ level: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info") })
      .strict()
      .default({ level: "info" }),
    layerzero: layerZeroSchema.default({ mode: "external" }),
    /** The node pipeline: prove and fulfil the hub requests assigned to the operator. */
    node: nodeSchema.optional(),
    /** The Starknet lane: one Cairo spoke joined to the hub's StarknetGateway (relayer/README.md). */
    starknet: starknetSchema.optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    const names = new Set<string>();
    const ids = new Set<number>();
    c.chains.forEach((chain, i) => {
      if (names.has(chain.name))
        ctx.addIssue({ code: "custom", path: ["chains", i, "name"], message: `duplicate chain name "${chain.name}"` });
      if (ids.has(chain.chainId))
        ctx.addIssue({ code: "custom", path: ["chains", i, "chainId"], message: `duplicate chainId ${chain.chainId}` });
      names.add(chain.name);
      ids.add(chain.chainId);
    });
    if (c.node && !names.has(c.node.hubChain)) {
      ctx.addIssue({
        code: "custom",
        path: ["node", "hubChain"],
        message: `no chain named "${c.node.hubChain}" in chains`,
      });
    }
    if (c.starknet && !names.has(c.starknet.hubChain)) {
      ctx.addIssue({
        code: "custom",
        path: ["starknet", "hubChain"],
        message: `no chain named "${c.starknet.hubChain}" in chains`,
      });
    }
    if (c.node?.models) {
      const seen = new Set<number>();
      c.node.models.forEach((m, i) => {
        if (seen.has(m.modelId)) {
          ctx.addIssue({
            code: "custom",
            path: ["node", "models", i, "modelId"],
            message: `model ${m.modelId} is listed twice`,
          });
        }
        seen.add(m.modelId);
      });
    }
    if (c.layerzero.mode === "local") {
      const eids = new Map<number, string>();
      for (const [name, stack] of Object.entries(c.layerzero.chains)) {
        if (!names.has(name)) {
          ctx.addIssue({
            code: "custom",
            path: ["layerzero", "chains", name],
            message: `no chain named "${name}" in chains`,
          });
        }
        if ("eid" in stack) {
          const other = eids.get(stack.eid);
          if (other) {
            ctx.addIssue({
              code: "custom",
              path: ["layerzero", "chains", name, "eid"],
              message: `EID ${stack.eid} is also ${other}'s`,
            });
          }
          eids.set(stack.eid, name);
        }
      }
      if (Object.keys(c.layerzero.chains).length === 0) {
        ctx.addIssue({ code: "custom", path: ["layerzero", "chains"], message: "local mode needs at least one chain" });
      }
    }
  });

export type NodeInput = z.output<typeof nodeSchema>;
export type LayerZeroStackInput = z.output<typeof layerZeroStackSchema>;

/** The config file as written (before secrets and stack files are resolved). */
export type RelayerConfigInput = z.input<typeof configSchema>;
export type ParsedConfig = z.output<typeof configSchema>;
