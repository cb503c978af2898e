// Typed queries over the zk-VIN subgraph. They use only graph-node's own conventions (entity by id,
// lists with first/skip/orderBy/orderDirection/where, nested filters, @derivedFrom fields), so they run
// unchanged against a hosted subgraph and the local endpoint. Types come from schema.graphql
// (generated/schema.ts).
import type { GraphQLClient } from "./client.js";
import {
  ENTITY_SELECTIONS,
  type EntityTypes,
  type FulfilmentBatchFields,
  type InferenceRequestFields,
  type ModelFields,
  type NodeFields,
  type OrderDirection,
  QUERY_FIELDS,
} from "./generated/schema.js";

export type EntityName = keyof EntityTypes;

export interface ListParams<E extends EntityName> {
  /** Default 100, at most 1000 (graph-node's limits). */
  first?: number;
  skip?: number;
  orderBy?: EntityTypes[E]["orderBy"];
  orderDirection?: OrderDirection;
  where?: EntityTypes[E]["filter"];
}

function definedOnly(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
}

/** The query text for a list of `entity` with all list arguments as variables. */
export function listQueryText(entity: EntityName, selection: string = ENTITY_SELECTIONS[entity]): string {
  const field = QUERY_FIELDS[entity].plural;
  return (
    `query List${entity}($first: Int, $skip: Int, $orderBy: ${entity}_orderBy, $orderDirection: OrderDirection, ` +
    `$where: ${entity}_filter) { items: ${field}(first: $first, skip: $skip, orderBy: $orderBy, ` +
    `orderDirection: $orderDirection, where: $where) { ${selection} } }`
  );
}

/** Lists entities of one type. */
export async function listEntities<E extends EntityName>(
  gql: GraphQLClient,
  entity: E,
  params: ListParams<E> = {},
): Promise<Array<EntityTypes[E]["fields"]>> {
  const data = await gql.request<{ items: Array<EntityTypes[E]["fields"]> }>(
    listQueryText(entity),
    definedOnly({ ...params }),
  );
  return data.items;
}

/** One entity by id, or null. */
export async function getEntity<E extends EntityName>(
  gql: GraphQLClient,
  entity: E,
  id: string,
): Promise<EntityTypes[E]["fields"] | null> {
  const field = QUERY_FIELDS[entity].single;
  const data = await gql.request<{ item: EntityTypes[E]["fields"] | null }>(
    `query Get${entity}($id: ID!) { item: ${field}(id: $id) { ${ENTITY_SELECTIONS[entity]} } }`,
    { id },
  );
  return data.item;
}

export interface IndexMeta {
  block: { number: number; hash: string | null };
  deployment: string;
  hasIndexingErrors: boolean;
}

/** How far the index has got (`_meta`). */
export async function getIndexMeta(gql: GraphQLClient): Promise<IndexMeta> {
  const data = await gql.request<{ _meta: IndexMeta }>(
    "query Meta { _meta { block { number hash } deployment hasIndexingErrors } }",
  );
  return data._meta;
}

export type RequestDetails = InferenceRequestFields & {
  model: Pick<ModelFields, "id" | "modelId" | "outputScale" | "inputScale" | "outputCount">;
  node: Pick<NodeFields, "id" | "stake" | "status">;
  batch: Pick<FulfilmentBatchFields, "id" | "size" | "transactionHash" | "blockNumber"> | null;
  assignments: Array<{ id: string; index: number; outcome: string; deadline: string; node: { id: string } }>;
  slashes: Array<{ id: string; amount: string; beneficiary: string }>;
};

/** A request with its model, node, proof reference (batch), assignment history and slashes. */
export async function getRequestDetails(
  gql: GraphQLClient,
  requestId: bigint | string,
): Promise<RequestDetails | null> {
  const data = await gql.request<{ inferenceRequest: RequestDetails | null }>(
    `query RequestDetails($id: ID!) { inferenceRequest(id: $id) { ${ENTITY_SELECTIONS.InferenceRequest}
      model { id modelId outputScale inputScale outputCount }
      node { id stake status }
      batch { id size transactionHash blockNumber }
      assignments(orderBy: index, orderDirection: asc) { id index outcome deadline node { id } }
      slashes(orderBy: blockNumber) { id amount beneficiary } } }`,
    { id: requestId.toString() },
  );
  return data.inferenceRequest;
}

export type ModelDetails = ModelFields & {
  requests: Array<Pick<InferenceRequestFields, "id" | "requestId" | "status" | "requester">>;
  backtests: Array<{ id: string; metric: string; metricValue: string; metricScale: number; samples: string }>;
  nodes: Array<{ active: boolean; node: Pick<NodeFields, "id" | "status" | "stake" | "capacity"> }>;
};

/** A model with its latest requests (newest first), backtests and the nodes serving it. */
export async function getModelDetails(
  gql: GraphQLClient,
  modelId: bigint | string,
  options: { requests?: number } = {},
): Promise<ModelDetails | null> {
  const data = await gql.request<{ model: ModelDetails | null }>(
    `query ModelDetails($id: ID!, $requests: Int) { model(id: $id) { ${ENTITY_SELECTIONS.Model}
      requests(first: $requests, orderBy: requestId, orderDirection: desc) { id requestId status requester }
      backtests(orderBy: index) { id metric metricValue metricScale samples }
      nodes(where: { active: true }) { active node { id status stake capacity } } } }`,
    { id: modelId.toString(), requests: options.requests ?? 10 },
  );
  return data.model;
}

export type NodeDetails = NodeFields & {
  models: Array<{ active: boolean; model: Pick<ModelFields, "id" | "modelId"> }>;
  capacities: Array<{ id: string; capacity: string; used: string; allocations: number; epoch: { number: number } }>;
  slashes: Array<{ id: string; amount: string; request: { id: string } }>;
};

/** A node with its models, per-epoch capacity (newest epoch first) and slashes. */
export async function getNodeDetails(gql: GraphQLClient, address: string): Promise<NodeDetails | null> {
  const data = await gql.request<{ node: NodeDetails | null }>(
    `query NodeDetails($id: ID!) { node(id: $id) { ${ENTITY_SELECTIONS.Node}
      models { active model { id modelId } }
      capacities(orderBy: epoch__number, orderDirection: desc) { id capacity used allocations epoch { number } }
      slashes(orderBy: blockNumber) { id amount request { id } } } }`,
    { id: address.toLowerCase() },
  );
  return data.node;
}
