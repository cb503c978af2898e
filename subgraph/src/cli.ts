// zkvin-subgraph: index a deployment's hub and spokes and serve the subgraph's queries locally.
//   npm run start -w @zk-vin/subgraph -- serve [--deployment deployments/local.json] [--port 8000]
//       [--data-dir .zkvin/subgraph | --database-url postgres://...] [--confirmations 0] [--no-reset]
//   npm run start -w @zk-vin/subgraph -- manifests [--deployment ...] [--out subgraph/manifests]
import { existsSync } from "node:fs";
import path from "node:path";
import { createLogger } from "@zk-vin/chain-kit";
import { loadDeployment } from "@zk-vin/oracle-sdk/node";
import { Command, InvalidArgumentError } from "commander";
import { startLocalSubgraph } from "./index.js";
import { subgraphDir } from "./indexer/indexer.js";
import { writeManifests } from "./manifest/generate.js";
import type { DatabaseConfig } from "./store/sql.js";

const repoRoot = path.dirname(subgraphDir);

function integer(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError(`${value} is not a non-negative integer`);
  return n;
}

function defaultDeployment(): string {
  const local = path.join(repoRoot, "deployments", "local.json");
  return existsSync(local) ? local : path.join(subgraphDir, "networks", "example.json");
}

const program = new Command("zkvin-subgraph").description("zk-VIN subgraph tools: local indexer and GraphQL endpoint");

program
  .command("serve")
  .description("index the deployment's hub and spokes and serve GraphQL at /subgraphs/name/<name>")
  .option("--deployment <file>", "deployments file", defaultDeployment())
  .option("--host <host>", "listen address", "127.0.0.1")
  .option("--port <port>", "listen port", integer, 8000)
  .option("--name <name>", "subgraph name in the URL", "zk-vin")
  .option("--data-dir <dir>", "PGlite data directory", path.join(repoRoot, ".zkvin", "subgraph"))
  .option("--database-url <url>", "a Postgres URL instead of PGlite")
  .option("--confirmations <n>", "blocks on top of a block before it is indexed", integer, 0)
  .option("--poll-interval <ms>", "pause between polls once caught up", integer, 500)
  .option("--no-reset", "refuse to start (instead of re-indexing) when the schema or mappings changed")
  .option("--log-level <level>", "fatal|error|warn|info|debug", "info")
  .action(
    async (o: {
      deployment: string;
      host: string;
      port: number;
      name: string;
      dataDir: string;
      databaseUrl?: string;
      confirmations: number;
      pollInterval: number;
      reset: boolean;
      logLevel: string;
    }) => {
      const logger = createLogger({ level: o.logLevel, name: "zkvin-subgraph" });
      const database: DatabaseConfig = o.databaseUrl
        ? { kind: "postgres", url: o.databaseUrl }
        : { kind: "pglite", dataDir: o.dataDir };
      const local = await startLocalSubgraph({
        deployment: loadDeployment(o.deployment),
        database,
        confirmations: o.confirmations,
        pollIntervalMs: o.pollInterval,
        reset: o.reset,
        host: o.host,
        port: o.port,
        subgraphName: o.name,
        logger,
      });
      logger.info(
        {
          url: local.endpoint.url,
          status: local.endpoint.statusUrl,
          deployment: o.deployment,
          database: database.kind,
        },
        "serving",
      );
      console.log(local.endpoint.url);
      // Handlers stay installed while closing: a second signal (tsx relays one to its child and may
      // send it again when the child is slow to answer) must not kill the process half-closed.
      let stopping = false;
      const shutdown = async (signal: string) => {
        if (stopping) return;
        stopping = true;
        logger.info({ signal }, "stopping");
        await local.close();
        process.exit(0);
      };
      process.on("SIGINT", () => void shutdown("SIGINT"));
      process.on("SIGTERM", () => void shutdown("SIGTERM"));
    },
  );

program
  .command("manifests")
  .description("write one subgraph manifest per chain of a deployment (without building)")
  .option("--deployment <file>", "deployments file", defaultDeployment())
  .option("--out <dir>", "output folder", path.join(subgraphDir, "manifests"))
  .action((o: { deployment: string; out: string }) => {
    const written = writeManifests({ deployment: loadDeployment(o.deployment), outDir: o.out });
    for (const m of written.manifests) console.log(path.relative(process.cwd(), m.path));
  });

program.parseAsync(process.argv).catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
