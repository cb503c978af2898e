// The local GraphQL endpoint: graphql-yoga serving the executable schema over HTTP at graph-node's path
// (`/subgraphs/name/<name>`), so a client configured for a hosted subgraph only changes its URL.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { SqlExecutor } from "@zk-vin/chain-kit";
import { createYoga } from "graphql-yoga";
import type { SchemaModel } from "../schema/model.js";
import { createExecutableSchema, type ExecutableSchemaOptions, type IndexStatus } from "./executable-schema.js";

export const DEFAULT_SUBGRAPH_NAME = "zk-vin";

export interface LocalEndpointOptions {
  model: SchemaModel;
  db: SqlExecutor;
  status: () => Promise<IndexStatus>;
  /** Time travel: see ExecutableSchemaOptions.resolveBlock. */
  resolveBlock?: ExecutableSchemaOptions["resolveBlock"];
  host?: string;
  /** 0 (the default) picks a free port. */
  port?: number;
  subgraphName?: string;
}

export interface LocalEndpoint {
  /** The GraphQL URL, e.g. http://127.0.0.1:8000/subgraphs/name/zk-vin */
  url: string;
  close(): Promise<void>;
}

export async function startLocalEndpoint(options: LocalEndpointOptions): Promise<LocalEndpoint> {
  const path = `/subgraphs/name/${options.subgraphName ?? DEFAULT_SUBGRAPH_NAME}`;
  const yoga = createYoga({
    schema: createExecutableSchema({
      model: options.model,
      db: options.db,
      status: options.status,
      resolveBlock: options.resolveBlock,
    }),
    graphqlEndpoint: path,
    landingPage: false,
    logging: false,
  });
  const server: Server = createServer(yoga);
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
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
}
