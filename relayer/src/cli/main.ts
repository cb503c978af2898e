#!/usr/bin/env node
// The operator CLI: `zkvin-relayer start|status --config <file>`. Runs from source with tsx
// (`npm run relayer -- start --config relayer.json` at the repository root, or `npx tsx src/cli/main.ts`).
import { Command, InvalidArgumentError } from "commander";
import {
  createPublicClient,
  createWalletClient,
  defineChain,
  formatEther,
  http,
  type PublicClient,
  parseEther,
} from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { ConfigError, loadConfig, type RelayerConfig } from "../config/index.js";
import { describeError } from "../errors.js";
import { minimumStake, RegistrationError, registerNode, validateRegistration } from "../node/register.js";
import { toJson } from "../ops/http.js";
import { createLogger } from "../ops/logger.js";
import { type RelayerStatus, readStoredStatus, startRelayer } from "../service.js";
import { StoreLockedError } from "../store/index.js";
import { formatStatus } from "./format.js";

const program = new Command()
  .name("zkvin-relayer")
  .description(
    "zk-VIN relayer: proves and fulfils the node's hub requests, carries LayerZero packets on local networks",
  )
  .showHelpAfterError();

const configOption = ["-c, --config <file>", "config file (JSON); default $ZKVIN_RELAYER_CONFIG"] as const;

program
  .command("start")
  .description(
    "run the node pipeline (with a node section) and, in LayerZero local mode, the DVN + executor carrier, until SIGINT/SIGTERM",
  )
  .option(...configOption)
  .action(async (opts: { config?: string }) => {
    const config = await readConfig(opts.config);
    const logger = createLogger({ level: config.log.level });
    const relayer = await startRelayer({ config, logger });
    let stopping = false;
    const shutdown = (signal: string) => {
      if (stopping) return;
      stopping = true;
      logger.info({ signal }, "stopping");
      relayer.stop().then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error({ err: describeError(error) }, "stop failed");
          process.exit(1);
        },
      );
    };
    process.on("SIGINT", () => shutdown("SIGINT"));
    process.on("SIGTERM", () => shutdown("SIGTERM"));
  });

program
  .command("status")
  .description(
    "print cursors, chain heads and outbox counts (from the running relayer's ops port, else from its store)",
  )
  .option(...configOption)
  .option("--json", "print JSON")
  .action(async (opts: { config?: string; json?: boolean }) => {
    const config = await readConfig(opts.config);
    const { status, source } = await fetchStatus(config);
    process.stdout.write(`${opts.json ? toJson(status) : formatStatus(status, source)}\n`);
  });

program
  .command("register-node")
  .description("stake on the hub and register the operator as a node for the given models (checked before sending)")
  .option(...configOption)
  .requiredOption("--models <ids>", "comma-separated model ids", parseModelIds)
  .requiredOption("--capacity <units>", "compute units per epoch", parsePositiveBigInt)
  .option("--stake <amount>", "stake in ether (or whole stake-token units); default: the minimum for the capacity")
  .option("--dry-run", "check everything, send nothing")
  .action(async (opts: { config?: string; models: bigint[]; capacity: bigint; stake?: string; dryRun?: boolean }) => {
    const config = await readConfig(opts.config);
    if (!config.node) {
      throw new ConfigError(opts.config ?? "(env)", [
        { path: "node", message: "register-node needs a node section (hubChain, market)" },
      ]);
    }
    const hub = config.chains.find((c) => c.name === config.node!.hubChain)!;
    const chain = defineChain({
      id: hub.chainId,
      name: hub.name,
      nativeCurrency: { name: "Ether", symbol: "ETH", decimals: 18 },
      rpcUrls: { default: { http: [hub.rpcUrl] } },
    });
    const client = createPublicClient({ chain, transport: http(hub.rpcUrl) }) as PublicClient;
    const actual = await client.getChainId();
    if (actual !== hub.chainId) {
      throw new ConfigError(opts.config ?? "(env)", [
        { path: `chains.${hub.name}.chainId`, message: `the RPC serves chain ${actual}` },
      ]);
    }
    const account = privateKeyToAccount(config.operatorKey);
    const wallet = createWalletClient({ chain, account, transport: http(hub.rpcUrl) });
    const stake =
      opts.stake === undefined
        ? await minimumStake({ client, market: config.node.market, capacity: opts.capacity })
        : parseStake(opts.stake);
    const registration = { modelIds: opts.models, capacity: opts.capacity, stake };
    if (opts.dryRun) {
      await validateRegistration({ client, market: config.node.market, operator: account.address, registration });
      process.stdout.write(
        `ok: ${account.address} can register for models ${opts.models.join(", ")} with ${opts.capacity} units and a stake of ${formatEther(stake)}\n`,
      );
      return;
    }
    const result = await registerNode({ client, wallet, market: config.node.market, registration });
    process.stdout.write(
      [
        `registered node ${account.address}`,
        `  models      ${opts.models.join(", ")}`,
        `  capacity    ${opts.capacity} compute units per epoch`,
        `  stake       ${formatEther(stake)}`,
        `  transaction ${result.txHash}`,
        `  active from epoch ${result.activeFrom} (block ${result.activeFromBlock})`,
        "",
      ].join("\n"),
    );
  });

function parseModelIds(value: string): bigint[] {
  const parts = value.split(",").map((p) => p.trim());
  if (parts.length === 0 || parts.some((p) => !/^[1-9][0-9]*$/.test(p))) {
    throw new InvalidArgumentError(`expected comma-separated positive model ids, got "${value}"`);
  }
  return parts.map((p) => BigInt(p));
}

function parsePositiveBigInt(value: string): bigint {
  if (!/^[1-9][0-9]*$/.test(value)) throw new InvalidArgumentError(`expected a positive integer, got "${value}"`);
  return BigInt(value);
}

function parseStake(value: string): bigint {
  if (!/^[0-9]+(\.[0-9]{1,18})?$/.test(value)) {
    throw new RegistrationError("stake", value, "expected an amount in ether such as 10 or 0.5");
  }
  return parseEther(value);
}

async function readConfig(file: string | undefined): Promise<RelayerConfig> {
  const path = file ?? process.env.ZKVIN_RELAYER_CONFIG;
  if (!path)
    throw new ConfigError("(none)", [
      { path: "--config", message: "give --config <file> or set ZKVIN_RELAYER_CONFIG" },
    ]);
  return loadConfig({ file: path });
}

async function fetchStatus(config: RelayerConfig): Promise<{ status: RelayerStatus; source: string }> {
  if (config.http) {
    const url = `http://${config.http.host}:${config.http.port}/status`;
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(3000) });
      if (res.ok) return { status: (await res.json()) as RelayerStatus, source: `running relayer at ${url}` };
    } catch {
      // Not running (or not reachable): read what it stored.
    }
  }
  return { status: await readStoredStatus(config), source: "store (no running relayer answered)" };
}

program.parseAsync(process.argv).catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
  if (error instanceof RegistrationError) {
    process.stderr.write(`register-node: ${error.message}\n`);
    process.exit(2);
  }
  if (error instanceof StoreLockedError) {
    process.stderr.write(`${error.message}\n(give the relayer an "http" section to query it while it runs)\n`);
    process.exit(1);
  }
  process.stderr.write(`zkvin-relayer: ${describeError(error)}\n`);
  process.exit(1);
});
