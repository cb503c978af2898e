// Indexing status per chain, as graph-node's index-node API reports it (`indexingStatuses`,
// `indexingStatusForCurrentVersion` at `/graphql`, port 8030 on graph-node): for each chain the newest
// indexed block, the chain's head, whether indexing has caught up, its health and the error that stopped
// it. graph-node has one chain per subgraph; the local endpoint indexes every chain of the deployment
// into one subgraph, so its one status lists them all. The same figures are in `_meta { chains }`.
import { buildSchema, type GraphQLSchema } from "../graphql-js.js";

export interface StatusBlock {
  number: bigint;
  /** Null only when the RPC could not be asked and the index does not hold the hash. */
  hash: string | null;
  timestamp: bigint | null;
  parentHash: string | null;
}

/** graph-node's health: `failed` when indexing stopped on an error, `unhealthy` while an error is retried. */
export type Health = "healthy" | "unhealthy" | "failed";

export interface ChainIndexingState {
  network: string;
  chainId: number;
  /** The data sources' start block on this chain (its hash null when the RPC could not be asked). */
  earliestBlock: { number: bigint; hash: string | null };
  /** The newest block whose logs the index holds, or null before the first batch. */
  latestBlock: StatusBlock | null;
  /** The chain's head as its RPC reports it now (null when the RPC does not answer). */
  chainHeadBlock: StatusBlock | null;
  /** The index holds every block the confirmations allow (head - confirmations). */
  synced: boolean;
  health: Health;
  fatalError: {
    message: string;
    /** `<DataSource>.<handler>` for a mapping failure. */
    handler: string | null;
    block: { number: bigint; hash: string | null } | null;
    /** A mapping failure happens again on every retry (graph-node's deterministic error). */
    deterministic: boolean;
  } | null;
  /** Reorgs this chain's watcher has reverted since it started. */
  reorgs: number;
}

export interface SubgraphIndexingState {
  /** What `_meta.deployment` says. */
  deployment: string;
  entityCount: bigint;
  chains: ChainIndexingState[];
}

/** The part of graph-node's index-node schema the local endpoint serves. */
export const STATUS_SDL = `
scalar BigInt
scalar Bytes

enum Health {
  healthy
  unhealthy
  failed
}

type Block {
  hash: Bytes!
  number: BigInt!
}

type EarliestBlock {
  hash: Bytes!
  number: BigInt!
}

type SubgraphError {
  message: String!
  block: Block
  handler: String
  deterministic: Boolean!
}

interface ChainIndexingStatus {
  network: String!
  chainHeadBlock: Block
  earliestBlock: EarliestBlock
  latestBlock: Block
  lastHealthyBlock: Block
}

type EthereumIndexingStatus implements ChainIndexingStatus {
  network: String!
  chainHeadBlock: Block
  earliestBlock: EarliestBlock
  latestBlock: Block
  lastHealthyBlock: Block
}

type SubgraphIndexingStatus {
  subgraph: String!
  synced: Boolean!
  health: Health!
  entityCount: BigInt!
  fatalError: SubgraphError
  nonFatalErrors: [SubgraphError!]!
  chains: [ChainIndexingStatus!]!
  paused: Boolean
  node: String
}

type Query {
  indexingStatuses(subgraphs: [String!]): [SubgraphIndexingStatus!]!
  indexingStatusForCurrentVersion(subgraphName: String!): SubgraphIndexingStatus
}
`;

const HEALTH_ORDER: Health[] = ["healthy", "unhealthy", "failed"];

function block(b: { number: bigint; hash: string | null } | null) {
  return b?.hash ? { hash: b.hash, number: b.number.toString() } : null;
}

/** One subgraph status in graph-node's shape (numbers as BigInt strings). */
export function subgraphStatusObject(state: SubgraphIndexingState) {
  const health = state.chains.reduce<Health>(
    (worst, c) => (HEALTH_ORDER.indexOf(c.health) > HEALTH_ORDER.indexOf(worst) ? c.health : worst),
    "healthy",
  );
  const failed = state.chains.find((c) => c.fatalError !== null)?.fatalError ?? null;
  return {
    subgraph: state.deployment,
    synced: state.chains.every((c) => c.synced),
    health,
    entityCount: state.entityCount.toString(),
    fatalError: failed && { ...failed, block: block(failed.block) },
    nonFatalErrors: [],
    paused: false,
    node: null,
    chains: state.chains.map((c) => ({
      __typename: "EthereumIndexingStatus",
      network: c.network,
      chainHeadBlock: block(c.chainHeadBlock),
      earliestBlock: block(c.earliestBlock),
      latestBlock: block(c.latestBlock),
      // graph-node names the last good block only once indexing failed.
      lastHealthyBlock: c.fatalError ? block(c.latestBlock) : null,
    })),
  };
}

/** The executable index-node schema over `status` (called once per request field). */
export function createStatusSchema(options: {
  status: () => Promise<SubgraphIndexingState>;
  subgraphName: string;
}): GraphQLSchema {
  const schema = buildSchema(STATUS_SDL);
  const query = schema.getQueryType();
  const fields = query?.getFields() ?? {};
  const all = fields.indexingStatuses;
  const current = fields.indexingStatusForCurrentVersion;
  if (all) {
    all.resolve = async (_root, args: { subgraphs?: string[] | null }) => {
      const s = await options.status();
      if (args.subgraphs && !args.subgraphs.includes(s.deployment)) return [];
      return [subgraphStatusObject(s)];
    };
  }
  if (current) {
    current.resolve = async (_root, args: { subgraphName: string }) =>
      args.subgraphName === options.subgraphName ? subgraphStatusObject(await options.status()) : null;
  }
  return schema;
}
