// The Starknet side of the local devnet: starknet-devnet (fixed accounts from `--seed`) beside the hub's
// anvil, joined by Starknet's native messaging. The devnet's postman loads StarkWare's
// MockStarknetMessaging on the hub chain; the hub's StarknetGateway is deployed on it and wired to the
// market; the Cairo spoke and an example consumer are declared and deployed on L2 (docs/decisions/0033);
// node operator and model owner register their Starknet payees. Carrying the messages (postman flushes,
// consuming REQUESTs on L1, `deliver` on L2) is the relayer's Starknet lane.
import { mkdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { Account, CallData, cairo, RpcProvider, config as starknetConfig } from "starknet";
import { type Address, createWalletClient, type Hex, http, parseAbi } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { devAccount, devnetAccounts } from "./accounts.js";
import { DevnetStageError } from "./errors.js";
import { runScript } from "./forge.js";
import { devnetWorkRoot } from "./paths.js";
import {
  buildCairoContracts,
  type CairoContractName,
  declareClass,
  devnetCompiledClassHashes,
  loadSierra,
} from "./starknet-classes.js";
import { type StarknetDevAccount, type StarknetDevnetProcess, startStarknetDevnet } from "./starknet-devnet.js";
import type { DevnetChain } from "./types.js";

// starknet.js logs a warning per fee estimate on a chain with too few tipped transactions (every devnet).
starknetConfig.set("logLevel", "ERROR");

/** STRK on every Starknet network, predeployed by starknet-devnet: the spoke's fee token here. */
export const STRK_ADDRESS = "0x04718f5a0fc34cc1af16a1cdee98ffb20c31f5cd61d6ab07201858f4287c938d";
/** The hub's origin id for Starknet requests ("SN"), as DeployStarknetGateway's default. */
export const STARKNET_ORIGIN_ID = 0x534e;
/** The key the devnet's postman signs its L1 transactions with (its own, so no nonce races). */
export const POSTMAN_KEY_INDEX = 5;

export const starknetGatewayAbi = parseAbi([
  "function setSpoke(uint256 spoke, bool allowed)",
  "function setStarknetPayee(uint256 starknetAddress)",
  "function starknetPayee(address account) view returns (uint256)",
  "function isSpoke(uint256 spoke) view returns (bool)",
  "function depositBalance() view returns (uint256)",
  "function params() view returns (uint256 l1MessageFee, uint32 sinkGasLimit, uint32 replyReserveGas)",
  "function consumeRequest(uint256 spoke, uint256[] payload) returns (bytes32 key, uint256 hubRequestId)",
  "function ticketKey(uint256 spoke, uint256 spokeRequestId) pure returns (bytes32)",
  "event RequestConsumed(bytes32 indexed key, uint256 indexed spoke, uint64 spokeRequestId, uint256 indexed hubRequestId, bytes32 msgHash)",
  "event RequestRejected(bytes32 indexed key, uint256 indexed spoke, uint64 spokeRequestId, bytes reason)",
  "event ReplySent(bytes32 indexed key, uint8 kind, bytes32 msgHash, uint256 nonce)",
]);

/** Options of the Starknet side. */
export interface StarknetDevnetOptions {
  /** starknet-devnet's `--seed` (fixed accounts; default 0). */
  seed?: number;
  /** Fee-token amount below which the spoke refuses requests (default 10^15 fri = 0.001 STRK). */
  minFee?: bigint;
  /** Paid per L1 -> L2 reply from the gateway's deposit (default 10^14 wei). */
  l1MessageFee?: bigint;
  /** The gateway's initial deposit (default 1 ETH). */
  deposit?: bigint;
  /** STRK moved to the example consumer for its fees (default 10 STRK). */
  consumerFunds?: bigint;
  onLog?: (line: string) => void;
}

/** Who does what on Starknet (the devnet's predeployed accounts 0..3). */
export interface StarknetAccounts {
  /** Deploys and owns the spoke; the hub's model owner (the EVM deployer) is paid here. */
  deployer: StarknetDevAccount;
  /** The node operator's Starknet account: the node's payee, and the relayer's signer for `deliver`. */
  operator: StarknetDevAccount;
  /** Owns the example consumer. */
  user: StarknetDevAccount;
  /** The spoke's treasury (protocol fees). */
  treasury: StarknetDevAccount;
}

export interface StarknetDevnet {
  readonly process: StarknetDevnetProcess;
  readonly provider: RpcProvider;
  /** starknet_chainId (hex short string). */
  readonly chainId: string;
  readonly accounts: StarknetAccounts;
  /** L2 addresses (felts as 0x hex). */
  readonly contracts: { spoke: string; consumer: string; feeToken: string };
  readonly classHashes: Record<CairoContractName, string>;
  /** On the hub chain. */
  readonly hub: { gateway: Address; messaging: Address; startBlock: number };
  /** The L2 block the spoke was deployed in (where watchers start). */
  readonly startBlock: number;
  /** An Account (starknet.js) of one of the devnet accounts. */
  account(who: keyof StarknetAccounts): Account;
  /** The relayer's `starknet` config section for this devnet (relayer/README.md). */
  relayerConfig(): StarknetRelayerSection;
  stop(): Promise<void>;
}

export interface StarknetRelayerSection {
  hubChain: string;
  rpcUrl: string;
  spoke: string;
  gateway: Address;
  messaging: Address;
  startBlock: number;
  account: { address: string; privateKey: string };
  postman: { flush: boolean };
}

function wallet(hub: DevnetChain, key: Hex) {
  return createWalletClient({
    chain: hub.anvil.chain,
    account: privateKeyToAccount(key),
    transport: http(hub.rpcUrl),
    cacheTime: 0,
    pollingInterval: 50,
  });
}

async function sendL1(hub: DevnetChain, what: string, write: () => Promise<Hex>): Promise<void> {
  const hash = await write();
  const receipt = await hub.anvil.publicClient.waitForTransactionReceipt({ hash });
  if (receipt.status !== "success") throw new DevnetStageError(what, `transaction ${hash} reverted`, { value: hash });
}

/**
 * Brings up the Starknet side next to a devnet's hub: starknet-devnet, the messaging contract on the hub
 * chain, the StarknetGateway, the Cairo spoke and the example consumer. The spoke keeps no model list (it
 * forwards any model id; the hub refuses unknown ones with EXPIRED), so nothing is synced to it. `hub` may
 * be a promise of a devnet still coming up: starknet-devnet starts and the Cairo classes are declared
 * meanwhile. Stops what it started when a step fails (also when `hub` rejects).
 */
export async function startStarknetSide(params: {
  hub: DevnetChain | Promise<DevnetChain>;
  options?: StarknetDevnetOptions;
}): Promise<StarknetDevnet> {
  const o = params.options ?? {};
  const log = o.onLog ?? (() => {});
  const names: CairoContractName[] = ["ZkVinStarknetSpoke", "ExampleConsumer"];
  const building = buildCairoContracts(names, log);
  building.catch(() => {});
  const t0 = Date.now();
  const l2 = await startStarknetDevnet({ seed: o.seed ?? 0, accounts: 4 });
  log(`starknet: starknet-devnet up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const workDir = path.join(devnetWorkRoot, `starknet-${process.pid}-${Date.now()}`);
  mkdirSync(workDir, { recursive: true });
  let declaring: Promise<unknown> | null = null;
  try {
    const [deployer, operator, user, treasury] = l2.accounts;
    if (!deployer || !operator || !user || !treasury) {
      throw new DevnetStageError("start starknet-devnet", `expected 4 accounts, got ${l2.accounts.length}`);
    }
    const accounts: StarknetAccounts = { deployer, operator, user, treasury };
    const provider = new RpcProvider({ nodeUrl: l2.rpcUrl });
    const chainId = await provider.getChainId();
    const account = (who: keyof StarknetAccounts) =>
      new Account({ provider, address: accounts[who].address, signer: accounts[who].privateKey });
    const wait = (hash: string) => provider.waitForTransaction(hash, { retryInterval: 100 });

    // The Cairo classes are declared on L2 while the hub may still be coming up (they need nothing from it).
    const timed = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
      const t1 = Date.now();
      const result = await fn();
      log(`starknet: ${what} in ${((Date.now() - t1) / 1000).toFixed(1)} s`);
      return result;
    };
    const owner = account("deployer");
    // The compiled class hashes come from inside a devnet snapshot that is reverted at once (decision
    // 0033): nothing else may change the devnet meanwhile (a postman load would be reverted with it).
    const hashing = (async () => {
      await building;
      const sierra = {
        ZkVinStarknetSpoke: loadSierra("ZkVinStarknetSpoke"),
        ExampleConsumer: loadSierra("ExampleConsumer"),
      };
      const compiled = await devnetCompiledClassHashes(l2, [sierra.ZkVinStarknetSpoke, sierra.ExampleConsumer]);
      return { sierra, compiled };
    })();
    hashing.catch(() => {});
    const declareClasses = timed("Cairo classes declared", async () => {
      const { sierra, compiled } = await hashing;
      const classHashes = {} as Record<CairoContractName, string>;
      for (const [i, name] of names.entries()) {
        const declared = await declareClass({ account: owner, sierra: sierra[name], compiledClassHash: compiled[i]! });
        classHashes[name] = declared.classHash;
      }
      return { sierra, classHashes };
    });
    declaring = declareClasses;
    declareClasses.catch(() => {}); // settled below; a failure must not go unhandled meanwhile
    const hub = await params.hub;
    await hashing;

    // 1. StarkWare's MockStarknetMessaging on the hub chain, deployed by the postman.
    const hubStartBlock = Number(await hub.anvil.publicClient.getBlockNumber()) + 1;
    const loaded = await l2.rpc<{ messaging_contract_address: string }>("devnet_postmanLoad", {
      network_url: hub.rpcUrl,
      deployer_account_private_key: devAccount(POSTMAN_KEY_INDEX).key,
    });
    const messaging = loaded.messaging_contract_address as Address;
    log(`starknet: messaging contract on the hub chain at ${messaging} (${((Date.now() - t0) / 1000).toFixed(1)} s)`);

    // 2. The gateway on the hub (role in the market, deposit for the replies), while the classes may still
    // be declared on L2 (the spoke's deployment needs the gateway's address, its class does not).
    const outFile = path.join(workDir, "starknet-gateway.json");
    const deployGateway = timed("StarknetGateway deployed on the hub", async () => {
      await runScript({
        stage: "deploy StarknetGateway",
        script: "script/DeployStarknetGateway.s.sol",
        rpcUrl: hub.rpcUrl,
        privateKey: devnetAccounts.deployer.key,
        env: {
          HUB_MARKET: hub.contracts.InferenceMarket!,
          STARKNET_MESSAGING: messaging,
          STARKNET_L1_MESSAGE_FEE: String(o.l1MessageFee ?? 10n ** 14n),
          STARKNET_GATEWAY_DEPOSIT: String(o.deposit ?? 10n ** 18n),
          STARKNET_GATEWAY_DEPLOYMENT_OUT: outFile,
        },
      });
      const written = JSON.parse(readFileSync(outFile, "utf8")) as {
        roleGranted: boolean;
        contracts: { StarknetGateway: Address };
      };
      if (!written.roleGranted) throw new DevnetStageError("deploy StarknetGateway", "the market role was not granted");
      return written.contracts.StarknetGateway;
    });
    // Both settle before a failure is reported (the catch below stops the devnet once neither runs).
    const [gatewayResult, classesResult] = await Promise.allSettled([deployGateway, declareClasses]);
    if (gatewayResult.status === "rejected") throw gatewayResult.reason;
    if (classesResult.status === "rejected") throw classesResult.reason;
    const gateway = gatewayResult.value;
    const { sierra, classHashes } = classesResult.value;
    hub.contracts.StarknetGateway = gateway;
    hub.contracts.StarknetMessaging = messaging;

    const startBlock = (await provider.getBlockNumber()) + 1;
    const spokeCalldata = new CallData(sierra.ZkVinStarknetSpoke.abi).compile("constructor", {
      owner: deployer.address,
      fee_token: STRK_ADDRESS,
      l1_gateway: gateway,
      treasury: treasury.address,
      limits: { min_fee: cairo.uint256(o.minFee ?? 10n ** 15n), min_ttl: 60, max_ttl: 7 * 86_400, reclaim_delay: 3600 },
    });
    // (starknet.js waits for each deploy's receipt, polling every 5 s unless told otherwise.)
    const spokeDeploy = await owner.deployContract(
      { classHash: classHashes.ZkVinStarknetSpoke, constructorCalldata: spokeCalldata },
      { retryInterval: 100 },
    );
    await wait(spokeDeploy.transaction_hash);
    const spoke = spokeDeploy.contract_address;
    const consumerDeploy = await account("user").deployContract(
      {
        classHash: classHashes.ExampleConsumer,
        constructorCalldata: new CallData(sierra.ExampleConsumer.abi).compile("constructor", {
          owner: user.address,
          spoke,
        }),
      },
      { retryInterval: 100 },
    );
    await wait(consumerDeploy.transaction_hash);
    const consumer = consumerDeploy.contract_address;
    const funded = await account("user").execute({
      contractAddress: STRK_ADDRESS,
      entrypoint: "transfer",
      calldata: CallData.compile({ recipient: consumer, amount: cairo.uint256(o.consumerFunds ?? 10n * 10n ** 18n) }),
    });
    await wait(funded.transaction_hash);
    log(`starknet: spoke ${spoke}, consumer ${consumer}`);

    // 4. Wire the gateway to the spoke; the node and the model owners name their Starknet payees.
    const evmDeployer = wallet(hub, devnetAccounts.deployer.key);
    await sendL1(hub, "register the Cairo spoke", () =>
      evmDeployer.writeContract({
        address: gateway,
        abi: starknetGatewayAbi,
        functionName: "setSpoke",
        args: [BigInt(spoke), true],
      }),
    );
    await sendL1(hub, "model owner's Starknet payee", () =>
      evmDeployer.writeContract({
        address: gateway,
        abi: starknetGatewayAbi,
        functionName: "setStarknetPayee",
        args: [BigInt(deployer.address)],
      }),
    );
    await sendL1(hub, "node's Starknet payee", () =>
      wallet(hub, devnetAccounts.operator.key).writeContract({
        address: gateway,
        abi: starknetGatewayAbi,
        functionName: "setStarknetPayee",
        args: [BigInt(operator.address)],
      }),
    );

    log(`starknet: side up in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const stop = async () => {
      await l2.stop();
      rmSync(workDir, { recursive: true, force: true });
    };
    return {
      process: l2,
      provider,
      chainId,
      accounts,
      contracts: { spoke, consumer, feeToken: STRK_ADDRESS },
      classHashes,
      hub: { gateway, messaging, startBlock: hubStartBlock },
      startBlock,
      account,
      relayerConfig: () => ({
        hubChain: hub.name,
        rpcUrl: l2.rpcUrl,
        spoke,
        gateway,
        messaging,
        startBlock,
        account: { address: operator.address, privateKey: operator.privateKey },
        postman: { flush: true },
      }),
      stop,
    };
  } catch (error) {
    // A declare still running is let finish first (it fails fast once the devnet is gone anyway).
    await Promise.race([declaring?.catch(() => {}), new Promise((r) => setTimeout(r, 2000))]);
    await l2.stop().catch(() => {});
    rmSync(workDir, { recursive: true, force: true });
    if (error instanceof DevnetStageError) throw error;
    throw new DevnetStageError("start starknet", error instanceof Error ? error.message : String(error), {
      cause: error,
    });
  }
}
