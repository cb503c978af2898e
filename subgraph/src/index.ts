// @zk-vin/subgraph: the local indexer and GraphQL endpoint that answer the subgraph's queries where
// graph-node cannot run, plus the manifest generator. See subgraph/README.md.
export {
  type ChainIndexStatus,
  IndexerConfigError,
  type IndexerOptions,
  loadSchemaModel,
  SubgraphIndexer,
} from "./indexer/indexer.js";
export { DATA_SOURCE_TEMPLATES, type DataSourceTemplate, dataSourcesFor } from "./manifest/data-sources.js";
export { ManifestError, renderManifest, writeManifests } from "./manifest/generate.js";
export { HandlerError } from "./runtime/runner.js";
export { MappingAbort, UnsupportedInLocalRuntime } from "./runtime/values.js";
export { parseSchemaModel, type SchemaModel, SchemaModelError } from "./schema/model.js";
export { apiSchemaSdl } from "./server/api-schema.js";
export { DEFAULT_SUBGRAPH_NAME, type LocalEndpoint, STATUS_PATH, startLocalEndpoint } from "./server/endpoint.js";
export { createExecutableSchema, type IndexStatus } from "./server/executable-schema.js";
export { pluralField, singularField } from "./server/naming.js";
export { QueryArgumentError } from "./server/sql-query.js";
export {
  type ChainIndexingState,
  createStatusSchema,
  type Health,
  STATUS_SDL,
  type StatusBlock,
  type SubgraphIndexingState,
} from "./server/status.js";
export { IndexFingerprintMismatchError } from "./store/entities.js";
export { type DatabaseConfig, openSqlClient } from "./store/sql.js";

import { type IndexerOptions, SubgraphIndexer } from "./indexer/indexer.js";
import { type LocalEndpoint, startLocalEndpoint } from "./server/endpoint.js";

export interface LocalSubgraph {
  indexer: SubgraphIndexer;
  endpoint: LocalEndpoint;
  close(): Promise<void>;
}

/**
 * Opens the indexer, serves its tables at a local GraphQL endpoint, and starts indexing in the background
 * (unless `autoStart` is false: then the caller drives it with `indexer.syncOnce()`).
 */
export async function startLocalSubgraph(
  options: IndexerOptions & { host?: string; port?: number; subgraphName?: string; autoStart?: boolean },
): Promise<LocalSubgraph> {
  const indexer = await SubgraphIndexer.open(options);
  try {
    const endpoint = await startLocalEndpoint({
      model: indexer.db.model,
      db: indexer.db.sql,
      status: () => indexer.indexStatus(),
      resolveBlock: (block) => indexer.resolveBlock(block),
      indexingStatus: () => indexer.indexingStatus(),
      host: options.host,
      port: options.port,
      subgraphName: options.subgraphName,
    });
    if (options.autoStart !== false) indexer.start();
    return {
      indexer,
      endpoint,
      close: async () => {
        await endpoint.close();
        await indexer.close();
      },
    };
  } catch (error) {
    await indexer.close();
    throw error;
  }
}
