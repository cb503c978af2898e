// The compile manifest (schema zk-vin/prover-manifest@1), written by the Python compiler in every
// artifacts directory. This is its typed, validated view.
import { z } from "zod";

const hex32 = z.string().regex(/^0x[0-9a-f]{64}$/);
const fileEntry = z.object({
  path: z.string(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  bytes: z.number().int().nonnegative(),
});
const visibility = z.enum(["public", "hashed"]);

export const layoutEntrySchema = z.object({
  kind: z.enum(["input", "output", "inputHash", "outputHash"]),
  tensor: z.number().int(),
  offset: z.number().int().nonnegative(),
  length: z.number().int().positive(),
  shape: z.array(z.number().int()).optional(),
  hashOf: z.array(z.number().int()).optional(),
});

export const manifestSchema = z.object({
  schema: z.literal("zk-vin/prover-manifest@1"),
  artifactId: z.string().regex(/^[0-9a-f]{64}$/),
  name: z.string(),
  proofSystem: z.string(),
  versions: z.object({ ezkl: z.string(), onnx: z.string(), zkvinProver: z.string() }),
  logrows: z.number().int().positive(),
  numRows: z.number().int().nullable().optional(),
  batchSize: z.number().int().positive(),
  inputs: z
    .array(
      z.object({
        name: z.string(),
        shape: z.tuple([z.number().int().positive(), z.number().int().positive()]),
        scale: z.number().int(),
        visibility,
        range: z.object({
          min: z.array(z.number()),
          max: z.array(z.number()),
          calibratedMin: z.array(z.number()),
          calibratedMax: z.array(z.number()),
          margin: z.number(),
        }),
      }),
    )
    .length(1),
  outputs: z
    .array(
      z.object({
        name: z.string(),
        shape: z.tuple([z.number().int().positive(), z.number().int().positive()]),
        scale: z.number().int(),
        visibility,
      }),
    )
    .length(1),
  params: z.object({ visibility: z.literal("fixed"), scale: z.number().int() }),
  instances: z.object({ count: z.number().int().positive(), layout: z.array(layoutEntrySchema) }),
  computeUnits: z.object({
    perProof: z.number().int().positive(),
    perInference: z.number().int().positive(),
    rowsPerUnit: z.number().int(),
  }),
  srs: z.object({
    kind: z.enum(["dev-insecure", "production"]),
    insecure: z.boolean(),
    logrows: z.number().int(),
    sha256: z.string(),
    spec: z.record(z.unknown()),
  }),
  compile: z.record(z.unknown()),
  files: z.record(fileEntry),
  evm: z
    .object({
      vkaDigest: hex32.optional(),
      vkaWords: z.number().int().optional(),
      vkaSrsWords: z.array(hex32).optional(),
      verifierContract: z.string().optional(),
    })
    .optional(),
  warnings: z.array(z.string()).optional(),
});

export type Manifest = z.infer<typeof manifestSchema>;
export type InstanceLayoutEntry = z.infer<typeof layoutEntrySchema>;
