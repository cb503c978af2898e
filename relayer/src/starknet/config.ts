// The relayer config's `starknet` section: one Cairo spoke joined to the hub's StarknetGateway over
// Starknet's native messaging (relayer/README.md, "Starknet lane").
import { getAddress, isAddress } from "viem";
import { z } from "zod";

const felt = z
  .string()
  .regex(/^0x[0-9a-fA-F]{1,64}$/, "must be a 0x-prefixed felt")
  .refine((v) => BigInt(v) < 2n ** 251n, "must be below 2^251 (a Starknet address)")
  .transform((v) => `0x${BigInt(v).toString(16)}`);

const evmAddress = z
  .string()
  .refine((v) => isAddress(v, { strict: false }), "must be a 0x-prefixed 20-byte address")
  .transform((v) => getAddress(v));

const starknetKey = z.union(
  [
    z.string().regex(/^0x[0-9a-fA-F]{1,64}$/, "must be a 0x-prefixed Stark private key"),
    z.object({ env: z.string().min(1) }).strict(),
  ],
  { errorMap: () => ({ message: 'must be a 0x-prefixed Stark private key or { "env": "VARIABLE" }' }) },
);

export const starknetSchema = z
  .object({
    /** The hub chain (a name in `chains`) where the gateway and the messaging contract live. */
    hubChain: z.string().min(1),
    /** Starknet JSON-RPC (RPC 0.10), e.g. starknet-devnet's http://127.0.0.1:5050/rpc. */
    rpcUrl: z.string().url(),
    /** The Cairo spoke's address. */
    spoke: felt,
    /** The hub's StarknetGateway. */
    gateway: evmAddress,
    /** The hub chain's Starknet core contract (StarknetMessaging). */
    messaging: evmAddress,
    /** First Starknet block to read the spoke's events from. */
    startBlock: z.number().int().min(0).default(0),
    /** The Starknet account that sends `deliver` (pays its fee). */
    account: z.object({ address: felt, privateKey: starknetKey }).strict(),
    /**
     * starknet-devnet's postman: flush L2 -> L1 and L1 -> L2 messages each round (local networks only:
     * on public networks the sequencer and the state updates carry them).
     */
    postman: z
      .object({ flush: z.boolean().default(false) })
      .strict()
      .default({ flush: false }),
    pollIntervalMs: z.number().int().positive().default(500),
    /** Failed attempts after which a consume or a delivery is given up (outcome "alerted"). */
    maxAttempts: z.number().int().positive().default(8),
    /** Most Starknet blocks read per event query. */
    maxBlockRange: z.number().int().positive().default(1000),
  })
  .strict();

export type StarknetInput = z.output<typeof starknetSchema>;

/** The resolved `starknet` section. */
export interface StarknetConfig {
  hubChain: string;
  rpcUrl: string;
  spoke: string;
  gateway: `0x${string}`;
  messaging: `0x${string}`;
  startBlock: number;
  account: { address: string; privateKey: string };
  postman: { flush: boolean };
  pollIntervalMs: number;
  maxAttempts: number;
  maxBlockRange: number;
}

/** Resolves the private key (inline or from the environment); pushes an issue and returns null when it cannot. */
export function resolveStarknetConfig(
  c: StarknetInput,
  env: NodeJS.ProcessEnv,
  issues: Array<{ path: string; message: string }>,
): StarknetConfig | null {
  let key: string | null = null;
  if (typeof c.account.privateKey === "string") key = c.account.privateKey;
  else {
    const raw = env[c.account.privateKey.env];
    if (!raw || !/^0x[0-9a-fA-F]{1,64}$/.test(raw)) {
      issues.push({
        path: "starknet.account.privateKey",
        message: `environment variable ${c.account.privateKey.env} is not set to a 0x-prefixed Stark private key`,
      });
    } else key = raw;
  }
  if (!key) return null;
  return {
    hubChain: c.hubChain,
    rpcUrl: c.rpcUrl,
    spoke: c.spoke,
    gateway: c.gateway as `0x${string}`,
    messaging: c.messaging as `0x${string}`,
    startBlock: c.startBlock,
    account: { address: c.account.address, privateKey: key },
    postman: c.postman,
    pollIntervalMs: c.pollIntervalMs,
    maxAttempts: c.maxAttempts,
    maxBlockRange: c.maxBlockRange,
  };
}
