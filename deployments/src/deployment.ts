import { readFileSync } from "node:fs";
import { z } from "zod";

/** Thrown when a deployments file is missing, not JSON, or not shaped as deployments/schema.json says. */
export class DeploymentFileError extends Error {
  constructor(
    readonly path: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${path}: ${message}`, options);
    this.name = "DeploymentFileError";
  }
}

const address = z
  .string()
  .regex(/^0x[0-9a-fA-F]{40}$/, "expected a 0x-prefixed 20-byte address") as z.ZodType<`0x${string}`>;

const layerZero = z
  .object({
    endpoint: address,
    sendUln302: address.optional(),
    receiveUln302: address.optional(),
    executor: address.optional(),
    dvn: address.optional(),
    priceFeed: address.optional(),
    executorFeeLib: address.optional(),
    dvnFeeLib: address.optional(),
  })
  .strict();

const chain = z
  .object({
    name: z.string().min(1),
    chainId: z.number().int().positive(),
    eid: z.number().int().positive(),
    rpcUrl: z.string().url().optional(),
    startBlock: z.number().int().nonnegative(),
    layerZero: layerZero.optional(),
    contracts: z.record(address),
  })
  .strict();

export const deploymentSchema = z
  .object({
    network: z.string().min(1),
    hub: chain,
    spokes: z.array(chain),
    models: z
      .array(
        z
          .object({ modelId: z.number().int().positive(), name: z.string(), artifactUri: z.string().optional() })
          .passthrough(),
      )
      .optional(),
    starknet: z.record(z.unknown()).optional(),
  })
  .strict();

export type Deployment = z.infer<typeof deploymentSchema>;
export type DeployedChain = z.infer<typeof chain>;
export type LayerZeroDeployment = z.infer<typeof layerZero>;

/** Validates an object against the deployments schema; `source` names it in errors. */
export function parseDeployment(value: unknown, source = "<deployment>"): Deployment {
  const parsed = deploymentSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue ? issue.path.join(".") || "(root)" : "(root)";
    throw new DeploymentFileError(source, `invalid at ${where}: ${issue?.message ?? "unknown"}`, {
      cause: parsed.error,
    });
  }
  return parsed.data;
}

/** Reads and validates deployments/<network>.json (or any path). */
export function loadDeployment(path: string): Deployment {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (cause) {
    throw new DeploymentFileError(path, "cannot be read", { cause });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new DeploymentFileError(path, "is not valid JSON", { cause });
  }
  return parseDeployment(json, path);
}

/** The chain named `name` (the hub or a spoke), or an error listing the names there are. */
export function chainByName(d: Deployment, name: string): DeployedChain {
  const found = [d.hub, ...d.spokes].find((c) => c.name === name);
  if (!found) {
    const names = [d.hub, ...d.spokes].map((c) => c.name).join(", ");
    throw new DeploymentFileError(d.network, `no chain named ${JSON.stringify(name)} (chains: ${names})`);
  }
  return found;
}

/** The address of contract `contract` on `chain`, or an error naming both. */
export function contractAddress(c: DeployedChain, contract: string): `0x${string}` {
  const a = c.contracts[contract];
  if (!a)
    throw new DeploymentFileError(
      c.name,
      `no ${contract} deployed (contracts: ${Object.keys(c.contracts).join(", ")})`,
    );
  return a;
}
