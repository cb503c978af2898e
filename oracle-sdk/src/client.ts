// createZkVinClient: every action bound to one deployment. Actions run on the hub unless `chain` (the
// client's or the call's) names a spoke; GraphQL queries go to `graphqlUrl` (hosted subgraph or the local
// endpoint). Each action is also exported on its own, taking a ChainContext (see index.ts).
import type { Deployment } from "@zk-vin/deployments";
import type { Account } from "viem";
import * as models from "./actions/models.js";
import * as node from "./actions/node.js";
import * as requests from "./actions/requests.js";
import { type ChainContext, chainConfig, createChainContext, resolveDeployment } from "./chain.js";
import { ConfigError } from "./errors.js";
import { createGraphQLClient, type GraphQLClient } from "./graphql/client.js";
import * as queries from "./graphql/queries.js";

export interface ZkVinClientOptions {
  /** A deployments/<network>.json path or its parsed content. */
  deployment: Deployment | string;
  /** Default chain for actions: the hub (default) or a spoke's name. */
  chain?: string;
  /** RPC URL per chain name (local deployments carry their own). */
  rpcUrls?: Record<string, string>;
  /** Signs transactions (e.g. privateKeyToAccount(key)); reads need none. */
  account?: Account;
  /** The subgraph's GraphQL URL (hosted, or the local endpoint); needed by listModels and `graph`. */
  graphqlUrl?: string;
  pollingIntervalMs?: number;
}

type OnChain<P> = P & { chain?: string };

export function createZkVinClient(options: ZkVinClientOptions) {
  const deployment = resolveDeployment(options.deployment);
  const contexts = new Map<string, ChainContext>();
  const on = (name: string | undefined = options.chain): ChainContext => {
    const key = name ?? deployment.hub.name;
    let ctx = contexts.get(key);
    if (!ctx) {
      ctx = createChainContext({
        config: chainConfig({ deployment, name: key, rpcUrls: options.rpcUrls }),
        account: options.account,
        pollingIntervalMs: options.pollingIntervalMs,
      });
      contexts.set(key, ctx);
    }
    return ctx;
  };
  const gql: GraphQLClient | null = options.graphqlUrl ? createGraphQLClient({ url: options.graphqlUrl }) : null;
  const graphql = (): GraphQLClient => {
    if (!gql) throw new ConfigError("graphqlUrl", undefined, "this action reads the subgraph: pass graphqlUrl");
    return gql;
  };
  const hub = (): ChainContext => on(deployment.hub.name);

  return {
    deployment,
    /** The context of a chain (default: the client's chain), for the standalone actions. */
    on,
    quote: ({ chain, ...p }: OnChain<Parameters<typeof requests.quote>[1]>) => requests.quote(on(chain), p),
    requestInference: ({ chain, ...p }: OnChain<Parameters<typeof requests.requestInference>[1]>) =>
      requests.requestInference(on(chain), p),
    waitForResult: ({ chain, ...p }: OnChain<Parameters<typeof requests.waitForResult>[1]>) =>
      requests.waitForResult(on(chain), p),
    getRequest: ({ chain, ...p }: OnChain<Parameters<typeof requests.getRequest>[1]>) =>
      requests.getRequest(on(chain), p),
    /** Spoke: credits a request's escrow back to its requester once its reclaim delay has passed unanswered. */
    reclaimRequest: ({ chain, ...p }: OnChain<Parameters<typeof requests.reclaimRequest>[1]>) =>
      requests.reclaimRequest(on(chain), p),
    /** Spoke: sends the caller's pull balance there (refunds, reclaims, earnings) to `to`. */
    withdrawFromSpoke: ({ chain, ...p }: OnChain<{ to?: `0x${string}` }> = {}) =>
      requests.withdrawFromSpoke(on(chain), p),
    /** Models from the subgraph. */
    listModels: (p: queries.ListParams<"Model"> = {}) => models.listModels(graphql(), p),
    /** A model from the hub's registry, with the market's usage statistics. */
    getModel: (p: { modelId: bigint }) => models.getModel(hub(), p),
    models: {
      registerVka: (p: { words: readonly `0x${string}`[] }) => models.registerVka(hub(), p),
      register: (spec: models.ModelSpecInput) => models.registerModel(hub(), spec),
      spokeTerms: ({ chain, ...p }: OnChain<{ modelId: bigint }>) => models.getSpokeModelTerms(on(chain), p),
    },
    /** Node-operator helpers (hub). */
    node: {
      requiredStake: (p: { capacity: bigint }) => node.requiredStake(hub(), p),
      register: (p: Parameters<typeof node.registerNode>[1]) => node.registerNode(hub(), p),
      addStake: (p: { amount: bigint }) => node.addStake(hub(), p),
      requestExit: () => node.requestExit(hub()),
      withdrawStake: (p: { to?: `0x${string}` } = {}) => node.withdrawStake(hub(), p),
      withdrawEarnings: (p: { to?: `0x${string}` } = {}) => node.withdrawEarnings(hub(), p),
      claimSlashProceeds: (p: { to?: `0x${string}` } = {}) => node.claimSlashProceeds(hub(), p),
      status: (p: { address?: `0x${string}` } = {}) => node.getNodeStatus(hub(), p),
    },
    /** Typed subgraph queries (hosted subgraph or local endpoint). */
    graph: {
      list: <E extends queries.EntityName>(entity: E, p: queries.ListParams<E> = {}) =>
        queries.listEntities(graphql(), entity, p),
      get: <E extends queries.EntityName>(entity: E, id: string) => queries.getEntity(graphql(), entity, id),
      request: (requestId: bigint | string) => queries.getRequestDetails(graphql(), requestId),
      model: (modelId: bigint | string, p: { requests?: number } = {}) =>
        queries.getModelDetails(graphql(), modelId, p),
      node: (address: string) => queries.getNodeDetails(graphql(), address),
      meta: () => queries.getIndexMeta(graphql()),
    },
  };
}

export type ZkVinClient = ReturnType<typeof createZkVinClient>;
