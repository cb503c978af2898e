#!/usr/bin/env node
import { createLogger, describeError, StoreLockedError } from "@zk-vin/chain-kit";
// The operator CLI: `zkvin-relayer start|status|register-node --config <file>`. Runs from source with tsx
// (relayer/bin/zkvin-relayer.mjs, or `npx tsx src/cli/main.ts`).
import { Command } from "commander";
import { ConfigError, loadConfig, type RelayerConfig } from "../config/index.js";
import { RegistrationError } from "../node/register.js";
import { toJson } from "../ops/http.js";
import { type RelayerStatus, readStoredStatus, startRelayer } from "../service.js";
import { formatStatus } from "./format.js";
import { parseModelIds, parsePositiveBigInt, type RegisterOptions, runRegisterNode } from "./register.js";

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
  .action(async (opts: RegisterOptions & { config?: string }) => {
    const config = await readConfig(opts.config);
    process.stdout.write(await runRegisterNode({ config, source: opts.config ?? "(env)", options: opts }));
  });

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
