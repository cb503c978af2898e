// viem-style actions: `publicClient.extend(zkVinPublicActions({ deployment }))` and
// `walletClient.extend(zkVinWalletActions({ deployment }))` on a dApp's own clients. Every RPC call goes
// through the dApp's transport and the wallet client's account signs (local or JSON-RPC). The chain is the
// deployment's chain with the client's chain id, or `chain` (a chain name of the deployment).
import type { Account, Address, Chain, Client, Hash, Hex, Transport } from "viem";
import * as models from "./actions/models.js";
import * as node from "./actions/node.js";
import * as requests from "./actions/requests.js";
import * as watch from "./actions/watch.js";
import { type ChainContext, chainConfigForClient, contextFromClients } from "./chain.js";
import type { Deployment } from "./deployment.js";

export interface ZkVinActionsOptions {
  deployment: Deployment;
  /** The deployment's chain the client is on, by name (default: found by the client's chain id, else the hub). */
  chain?: string;
}

export type ZkVinPublicActions = {
  /** The context the actions run in (for the standalone actions). */
  zkVinContext: ChainContext;
  quote: (p: Parameters<typeof requests.quote>[1]) => Promise<requests.InferenceQuote>;
  getRequest: (p: { requestId: bigint }) => Promise<requests.RequestState>;
  waitForResult: (p: requests.WaitForResultParameters) => Promise<requests.InferenceResult>;
  watchRequests: (p: watch.WatchRequestsParameters) => () => void;
  watchResults: (p: watch.WatchResultsParameters) => () => void;
  getModel: (p: { modelId: bigint }) => Promise<models.ModelInfo>;
  getSpokeModelTerms: (p: { modelId: bigint }) => Promise<models.SpokeModelTerms>;
  requiredStake: (p: { capacity: bigint }) => Promise<bigint>;
  /** Checks a node registration of `operator` against the hub without sending anything. */
  checkNodeRegistration: (
    p: node.NodeRegistrationParameters & { operator?: Address },
  ) => Promise<node.NodeRegistrationCheck>;
  getNodeStatus: (p: { address: Address }) => Promise<node.NodeStatus>;
};

export type ZkVinWalletActions = {
  zkVinContext: ChainContext;
  requestInference: (p: Parameters<typeof requests.requestInference>[1]) => Promise<requests.RequestReceipt>;
  /** Spoke: reclaims an unanswered request's escrow for its requester after the reclaim delay. */
  reclaimRequest: (p: { requestId: bigint }) => Promise<requests.ReclaimReceipt>;
  /** Spoke: sends the caller's pull balance there to `to` (default: the caller). */
  withdrawFromSpoke: (p?: { to?: Address }) => Promise<{ amount: bigint; transactionHash: Hash }>;
  registerVka: (p: { words: readonly Hex[] }) => Promise<{ key: Hex }>;
  registerModel: (spec: models.ModelSpecInput) => Promise<models.RegisteredModel>;
  /** Checks the registration (NodeRegistrationError on a refusal), approves an ERC-20 stake, registers. */
  registerNode: (p: node.NodeRegistrationParameters) => Promise<node.NodeRegistrationReceipt>;
  checkNodeRegistration: (
    p: node.NodeRegistrationParameters & { operator?: Address },
  ) => Promise<node.NodeRegistrationCheck>;
  addStake: (p: { amount: bigint }) => Promise<{ transactionHash: Hash }>;
  requestExit: () => Promise<{ transactionHash: Hash }>;
  withdrawStake: (p?: { to?: Address }) => Promise<{ transactionHash: Hash }>;
  withdrawEarnings: (p?: { to?: Address }) => Promise<{ transactionHash: Hash }>;
  claimSlashProceeds: (p?: { to?: Address }) => Promise<{ transactionHash: Hash }>;
  getNodeStatus: (p?: { address?: Address }) => Promise<node.NodeStatus>;
};

export function publicActionsOf(ctx: ChainContext): ZkVinPublicActions {
  return {
    zkVinContext: ctx,
    quote: (p) => requests.quote(ctx, p),
    getRequest: (p) => requests.getRequest(ctx, p),
    waitForResult: (p) => requests.waitForResult(ctx, p),
    watchRequests: (p) => watch.watchRequests(ctx, p),
    watchResults: (p) => watch.watchResults(ctx, p),
    getModel: (p) => models.getModel(ctx, p),
    getSpokeModelTerms: (p) => models.getSpokeModelTerms(ctx, p),
    requiredStake: (p) => node.requiredStake(ctx, p),
    checkNodeRegistration: (p) => node.checkNodeRegistration(ctx, p),
    getNodeStatus: (p) => node.getNodeStatus(ctx, p),
  };
}

export function walletActionsOf(ctx: ChainContext): ZkVinWalletActions {
  return {
    zkVinContext: ctx,
    requestInference: (p) => requests.requestInference(ctx, p),
    reclaimRequest: (p) => requests.reclaimRequest(ctx, p),
    withdrawFromSpoke: (p = {}) => requests.withdrawFromSpoke(ctx, p),
    registerVka: (p) => models.registerVka(ctx, p),
    registerModel: (spec) => models.registerModel(ctx, spec),
    registerNode: (p) => node.registerNode(ctx, p),
    checkNodeRegistration: (p) => node.checkNodeRegistration(ctx, p),
    addStake: (p) => node.addStake(ctx, p),
    requestExit: () => node.requestExit(ctx),
    withdrawStake: (p = {}) => node.withdrawStake(ctx, p),
    withdrawEarnings: (p = {}) => node.withdrawEarnings(ctx, p),
    claimSlashProceeds: (p = {}) => node.claimSlashProceeds(ctx, p),
    getNodeStatus: (p = {}) => node.getNodeStatus(ctx, p),
  };
}

/** Read actions for `publicClient.extend(...)`. */
export function zkVinPublicActions(options: ZkVinActionsOptions) {
  return <T extends Transport, C extends Chain | undefined>(client: Client<T, C>): ZkVinPublicActions =>
    publicActionsOf(
      contextFromClients({
        config: chainConfigForClient({ deployment: options.deployment, name: options.chain, client }),
        publicClient: client,
      }),
    );
}

/**
 * Transaction actions for `walletClient.extend(...)` (the wallet client needs an account). Reads go
 * through `publicClient` when given, else through the wallet client's own transport.
 */
export function zkVinWalletActions(
  options: ZkVinActionsOptions & { publicClient?: Client<Transport, Chain | undefined> },
) {
  return <T extends Transport, C extends Chain | undefined, A extends Account>(
    client: Client<T, C, A>,
  ): ZkVinWalletActions =>
    walletActionsOf(
      contextFromClients({
        config: chainConfigForClient({ deployment: options.deployment, name: options.chain, client }),
        publicClient: options.publicClient,
        walletClient: client,
      }),
    );
}
