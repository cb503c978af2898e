// The local GraphQL endpoint: graphql-yoga serving the executable schema over HTTP at graph-node's path
// (`/subgraphs/name/<name>`), so a client configured for a hosted subgraph only changes its URL; and
// graph-node's index-node status API (`indexingStatuses`, `indexingStatusForCurrentVersion`) at `/graphql`.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { SqlExecutor } from "@zk-vin/chain-kit";
import { createYoga } from "graphql-yoga";
import type { SchemaModel } from "../schema/model.js";
import { createExecutableSchema, type ExecutableSchemaOptions, type IndexStatus } from "./executable-schema.js";
import { createStatusSchema, type SubgraphIndexingState } from "./status.js";

export const DEFAULT_SUBGRAPH_NAME = "zk-vin";
/** Where graph-node's index node serves its status API (on its own port, 8030). */
export const STATUS_PATH = "/graphql";

export interface LocalEndpointOptions {
  model: SchemaModel;
  db: SqlExecutor;
  status: () => Promise<IndexStatus>;
  /** Time travel: see ExecutableSchemaOptions.resolveBlock. */
  resolveBlock?: ExecutableSchemaOptions["resolveBlock"];
  /** Per-chain indexing status: `_meta { chains }` and the status API at `/graphql`. */
  indexingStatus?: () => Promise<SubgraphIndexingState>;
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  subgraphName?: string;
}

export interface LocalEndpoint {
  /** The GraphQL URL, e.g. http://127.0.0.1:8000/subgraphs/name/zk-vin */
  url: string;
  /** graph-node's index-node status API, e.g. http://127.0.0.1:8000/graphql */
  statusUrl: string;
  close(): Promise<void>;
}

export async function startLocalEndpoint(options: LocalEndpointOptions): Promise<LocalEndpoint> {
  const subgraphName = options.subgraphName ?? DEFAULT_SUBGRAPH_NAME;
  const path = `/subgraphs/name/${subgraphName}`;
  const indexingStatus = options.indexingStatus;
  const yoga = createYoga({
    schema: createExecutableSchema({
      model: options.model,
      db: options.db,
      status: options.status,
      resolveBlock: options.resolveBlock,
      chains: indexingStatus && (async () => (await indexingStatus()).chains),
    }),
    graphqlEndpoint: path,
    landingPage: false,
    logging: false,
  });
  const statusYoga = indexingStatus
    ? createYoga({
        schema: createStatusSchema({ status: indexingStatus, subgraphName }),
        graphqlEndpoint: STATUS_PATH,
        landingPage: false,
        logging: false,
      })
    : null;
  const server: Server = createServer((req, res) => {
    const pathname = (req.url ?? "/").split("?")[0];
    if (statusYoga && pathname === STATUS_PATH) return statusYoga(req, res);
    return yoga(req, res);
  });
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}${path}`,
    statusUrl: `http://${host}:${port}${STATUS_PATH}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
