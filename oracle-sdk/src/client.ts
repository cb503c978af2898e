// createZkVinClient: every action bound to one deployment, on the SDK's own http clients. A thin
// composition of the viem-style actions (decorators.ts): for each chain it makes a public client (and a
// wallet client when an account is given) and extends them with zkVinPublicActions / zkVinWalletActions.
// Actions run on the hub unless `chain` (the client's or the call's) names a spoke. GraphQL queries go to
// each chain's subgraph (graphqlUrls) or to one endpoint for all (graphqlUrl: the local endpoint).
import { type Account, createPublicClient, createWalletClient, http } from "viem";
import * as models from "./actions/models.js";
import type * as requests from "./actions/requests.js";
import { type ChainConfig, type ChainContext, chainConfig } from "./chain.js";
import {
  type ZkVinPublicActions,
  type ZkVinWalletActions,
  zkVinPublicActions,
  zkVinWalletActions,
} from "./decorators.js";
import type { Deployment } from "./deployment.js";
import { ConfigError, WalletRequiredError } from "./errors.js";
import { createGraphQLClient, type GraphQLClient } from "./graphql/client.js";
import { followSpokeRequest } from "./graphql/follow.js";
import * as queries from "./graphql/queries.js";

export interface ZkVinClientOptions {
  /** A parsed deployments/<network>.json (parseDeployment; under Node, loadDeployment from "@zk-vin/oracle-sdk/node"). */
  deployment: Deployment;
  /** Default chain for actions: the hub (default) or a spoke's name. */
  chain?: string;
  /** RPC URL per chain name (local deployments carry their own). */
  rpcUrls?: Record<string, string>;
  /** Signs transactions (e.g. privateKeyToAccount(key)); reads need none. */
  account?: Account;
  /** One GraphQL endpoint for every chain (the local endpoint indexes all of a deployment's chains). */
  graphqlUrl?: string;
  /** Each chain's own subgraph by chain name, as on The Graph (one subgraph per network); beats graphqlUrl. */
  graphqlUrls?: Record<string, string>;
  pollingIntervalMs?: number;
}

type OnChain<P> = P & { chain?: string };

interface ChainActions {
  read: ZkVinPublicActions;
  write: ZkVinWalletActions | null;
}

export function createZkVinClient(options: ZkVinClientOptions) {
  const { deployment } = options;
  const chains = new Map<string, ChainActions>();
  const actions = (name: string | undefined = options.chain): ChainActions => {
    const config: ChainConfig = chainConfig({
      deployment,
      name: name ?? deployment.hub.name,
      rpcUrls: options.rpcUrls,
    });
    let a = chains.get(config.name);
    if (!a) {
      if (!config.rpcUrl) {
        throw new ConfigError(`rpcUrls.${config.name}`, config.rpcUrl, "no RPC URL for this chain (pass rpcUrls)");
      }
      const transport = http(config.rpcUrl);
      const pollingInterval = options.pollingIntervalMs ?? 1000;
      const publicClient = createPublicClient({ transport, pollingInterval, cacheTime: 0 });
      const target = { deployment, chain: config.name };
      a = {
        read: publicClient.extend(zkVinPublicActions(target)),
        write: options.account
          ? createWalletClient({ transport, account: options.account, pollingInterval, cacheTime: 0 }).extend(
              zkVinWalletActions({ ...target, publicClient }),
            )
          : null,
      };
      chains.set(config.name, a);
    }
    return a;
  };
  const read = (chain?: string) => actions(chain).read;
  const write = (chain: string | undefined, action: string): ZkVinWalletActions => {
    const w = actions(chain).write;
    if (!w) throw new WalletRequiredError(action);
    return w;
  };
  const hub = deployment.hub.name;
  const graphs = new Map<string, GraphQLClient>();
  /** The GraphQL client of a chain's subgraph (default: the hub's). */
  const graphql = (chain: string = hub): GraphQLClient => {
    const url = options.graphqlUrls?.[chain] ?? options.graphqlUrl;
    if (!url) {
      throw new ConfigError(
        `graphqlUrls.${chain}`,
        undefined,
        "this action reads the subgraph: pass graphqlUrls (per chain) or graphqlUrl",
      );
    }
    let g = graphs.get(url);
    if (!g) {
      g = createGraphQLClient({ url });
      graphs.set(url, g);
    }
    return g;
  };

  return {
    deployment,
    /** The context of a chain (default: the client's chain), for the standalone actions. */
    on: (name?: string): ChainContext => (actions(name).write ?? actions(name).read).zkVinContext,
    quote: ({ chain, ...p }: OnChain<Parameters<typeof requests.quote>[1]>) => read(chain).quote(p),
    requestInference: async ({ chain, ...p }: OnChain<Parameters<typeof requests.requestInference>[1]>) =>
      write(chain, "requestInference").requestInference(p),
    waitForResult: ({ chain, ...p }: OnChain<requests.WaitForResultParameters>) => read(chain).waitForResult(p),
    watchResults: ({ chain, ...p }: OnChain<Parameters<ZkVinPublicActions["watchResults"]>[0]>) =>
      read(chain).watchResults(p),
    watchRequests: ({ chain, ...p }: OnChain<Parameters<ZkVinPublicActions["watchRequests"]>[0]>) =>
      read(chain).watchRequests(p),
    getRequest: ({ chain, ...p }: OnChain<{ requestId: bigint }>) => read(chain).getRequest(p),
    /** Spoke: credits a request's escrow back to its requester once its reclaim delay has passed unanswered. */
    reclaimRequest: ({ chain, ...p }: OnChain<{ requestId: bigint }>) =>
      write(chain, "reclaimRequest").reclaimRequest(p),
    /** Spoke: sends the caller's pull balance there (refunds, reclaims, earnings) to `to`. */
    withdrawFromSpoke: ({ chain, ...p }: OnChain<{ to?: `0x${string}` }> = {}) =>
      write(chain, "withdrawFromSpoke").withdrawFromSpoke(p),
    /** Models from the hub's subgraph. */
    listModels: (p: queries.ListParams<"Model"> = {}) => models.listModels(graphql(), p),
    /** A model from the hub's registry, with the market's usage statistics. */
    getModel: (p: { modelId: bigint }) => read(hub).getModel(p),
    models: {
      registerVka: async (p: { words: readonly `0x${string}`[] }) => write(hub, "registerVka").registerVka(p),
      register: async (spec: models.ModelSpecInput) => write(hub, "registerModel").registerModel(spec),
      /** The digest an approval of `spec` registered by `owner` must name. */
      specDigest: (p: { owner: `0x${string}`; spec: models.ModelSpecInput }) =>
        models.modelSpecDigest(read(hub).zkVinContext, p),
      status: (p: { modelId: bigint }) => models.getModelStatus(read(hub).zkVinContext, p),
      /** MODEL_APPROVER_ROLE: make a pending model live / reject it. */
      approve: async (p: { modelId: bigint; specDigest: `0x${string}` }) =>
        models.approveModel(write(hub, "approveModel").zkVinContext, p),
      reject: async (p: { modelId: bigint; reason: string }) =>
        models.rejectModel(write(hub, "rejectModel").zkVinContext, p),
      /** The registrant: withdraw a pending proposal, then claim the fees credited by withdrawals and rejections. */
      withdrawProposal: async (p: { modelId: bigint }) =>
        models.withdrawModelProposal(write(hub, "withdrawModelProposal").zkVinContext, p),
      claimRefund: async () => models.claimRegistrationRefund(write(hub, "claimRegistrationRefund").zkVinContext),
      spokeTerms: ({ chain, ...p }: OnChain<{ modelId: bigint }>) => read(chain).getSpokeModelTerms(p),
    },
    /** Node-operator helpers (hub). */
    node: {
      requiredStake: (p: { capacity: bigint }) => read(hub).requiredStake(p),
      /** Checks a registration of `operator` (default: the client's account) without sending anything. */
      check: async (p: Parameters<ZkVinPublicActions["checkNodeRegistration"]>[0]) =>
        p.operator ? read(hub).checkNodeRegistration(p) : write(hub, "checkNodeRegistration").checkNodeRegistration(p),
      register: async (p: Parameters<ZkVinWalletActions["registerNode"]>[0]) =>
        write(hub, "registerNode").registerNode(p),
      addStake: async (p: { amount: bigint }) => write(hub, "addStake").addStake(p),
      requestExit: async () => write(hub, "requestExit").requestExit(),
      withdrawStake: async (p: { to?: `0x${string}` } = {}) => write(hub, "withdrawStake").withdrawStake(p),
      withdrawEarnings: async (p: { to?: `0x${string}` } = {}) => write(hub, "withdrawEarnings").withdrawEarnings(p),
      claimSlashProceeds: async (p: { to?: `0x${string}` } = {}) =>
        write(hub, "claimSlashProceeds").claimSlashProceeds(p),
      status: async (p: { address?: `0x${string}` } = {}) =>
        p.address ? read(hub).getNodeStatus({ address: p.address }) : write(hub, "getNodeStatus").getNodeStatus(p),
    },
    /** Typed subgraph queries: the hub's subgraph unless `chain` names another's. */
    graph: {
      /** The GraphQL client of a chain's subgraph (default: the hub's). */
      client: graphql,
      list: <E extends queries.EntityName>(entity: E, p: queries.ListParams<E> & { chain?: string } = {}) => {
        const { chain, ...rest } = p;
        return queries.listEntities(graphql(chain), entity, rest as queries.ListParams<E>);
      },
      get: <E extends queries.EntityName>(entity: E, id: string, p: { chain?: string } = {}) =>
        queries.getEntity(graphql(p.chain), entity, id),
      request: (requestId: bigint | string) => queries.getRequestDetails(graphql(), requestId),
      model: (modelId: bigint | string, p: { requests?: number } = {}) =>
        queries.getModelDetails(graphql(), modelId, p),
      node: (address: string) => queries.getNodeDetails(graphql(), address),
      meta: (p: { chain?: string } = {}) => queries.getIndexMeta(graphql(p.chain)),
      /** A spoke request (from the spoke's subgraph) and the hub request made for it (from the hub's). */
      followSpokeRequest: (p: { chain: string; requestId: bigint | string }) =>
        followSpokeRequest({
          spoke: graphql(p.chain),
          hub: graphql(),
          eid: chainConfig({ deployment, name: p.chain }).eid,
          requestId: p.requestId,
        }),
    },
  };
}

export type ZkVinClient = ReturnType<typeof createZkVinClient>;
