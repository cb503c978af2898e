// `npm run deploy -w @zk-vin/subgraph -- ...`: deploys one subgraph per chain of a deployment with
// `graph deploy` (graph-node indexes one network per subgraph: decision 0061).
//
//   --deployment <file>      deployments/<network>.json (default: deployments/testnet.json)
//   --chain <name>           only this chain (repeatable; default: every chain with data sources)
//   --node <url> --ipfs <url>  a graph-node's admin endpoint and its IPFS (self-hosted or hosted service)
//   --studio                 Subgraph Studio (needs --deploy-key or GRAPH_DEPLOY_KEY)
//   --name <prefix>          subgraph name/slug prefix; each chain deploys as <prefix>-<chain> (default zk-vin)
//   --version-label <label>  required by Studio and graph-node >= 0.37
//   --build-only             write the manifests and run `graph codegen` + `graph build` per chain, offline
//   --rehearsal              instead of a deployment file, the public-testnet layout of deployments/
//                            (hub on sepolia, spokes on arbitrum-sepolia and base-sepolia, with The Graph's
//                            network names and LayerZero's eids) carrying the example deployment's addresses:
//                            it checks that the testnet manifests build; it can never be deployed.
//
// Deploying needs the network (a graph-node or Studio, and IPFS); only --build-only runs offline.
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import type { Deployment } from "@zk-vin/oracle-sdk/deployment";
import { loadDeployment } from "@zk-vin/oracle-sdk/node";
import { Command } from "commander";
import { writeManifests } from "../src/manifest/generate.js";

const subgraphDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const repoRoot = path.dirname(subgraphDir);

/** The Graph's network names of the public testnets zk-VIN deploys to (deployments/layerzero-testnets.json). */
export function testnetNames(): Map<string, { chainId: number; eid: number }> {
  const file = JSON.parse(readFileSync(path.join(repoRoot, "deployments", "layerzero-testnets.json"), "utf8")) as {
    networks: Record<string, { chainId: number; eid: number }>;
  };
  return new Map(Object.entries(file.networks).map(([name, n]) => [name, { chainId: n.chainId, eid: n.eid }]));
}

/** The testnet layout with the example deployment's addresses: for building manifests only. */
export function rehearsalDeployment(): Deployment {
  const example = loadDeployment(path.join(subgraphDir, "networks", "example.json"));
  const nets = testnetNames();
  const chain = (name: string) => {
    const n = nets.get(name);
    if (!n) throw new Error(`deployments/layerzero-testnets.json has no network ${name}`);
    return n;
  };
  const spokeTemplate = example.spokes[0];
  if (!spokeTemplate) throw new Error("networks/example.json has no spoke");
  return {
    ...example,
    network: "testnet-rehearsal",
    hub: { ...example.hub, name: "sepolia", ...chain("sepolia"), rpcUrl: "http://127.0.0.1:1" },
    spokes: ["arbitrum-sepolia", "base-sepolia"].map((name) => ({
      ...spokeTemplate,
      name,
      ...chain(name),
      rpcUrl: "http://127.0.0.1:1",
    })),
  };
}

function graph(args: string[]): void {
  const bin = path.join(repoRoot, "node_modules", ".bin", "graph");
  console.log(`graph ${args.map((a) => (a.startsWith("--deploy-key=") ? "--deploy-key=***" : a)).join(" ")}`);
  const res = spawnSync(bin, args, { cwd: subgraphDir, stdio: "inherit" });
  if (res.error || res.status !== 0) throw new Error(`graph ${args[0]} failed (exit ${res.status})`);
}

interface Options {
  deployment: string;
  chain: string[];
  node?: string;
  ipfs?: string;
  studio?: boolean;
  deployKey?: string;
  name: string;
  versionLabel?: string;
  buildOnly?: boolean;
  rehearsal?: boolean;
}

export function deploySubgraphs(o: Options): void {
  const deployment = o.rehearsal ? rehearsalDeployment() : loadDeployment(path.resolve(o.deployment));
  if (!o.buildOnly) {
    if (o.rehearsal) throw new Error("--rehearsal manifests carry example addresses and cannot be deployed");
    if (!o.studio && !(o.node && o.ipfs)) throw new Error("give --node <url> and --ipfs <url>, or --studio");
    if (!o.versionLabel) throw new Error("--version-label is required");
  }
  const known = testnetNames();
  const { manifests, codegen } = writeManifests({ deployment, outDir: path.join(subgraphDir, "manifests") });
  const selected = o.chain.length === 0 ? manifests : manifests.filter((m) => o.chain.includes(m.chain.name));
  const missing = o.chain.filter((c) => !manifests.some((m) => m.chain.name === c));
  if (missing.length > 0) throw new Error(`no chain with data sources named ${missing.join(", ")}`);
  for (const m of selected) {
    if (!known.has(m.chain.name)) {
      console.warn(
        `warning: ${m.chain.name} is not one of The Graph's testnet network names (${[...known.keys()].join(", ")})`,
      );
    }
  }
  graph(["codegen", path.relative(subgraphDir, codegen), "--output-dir", "generated", "--skip-migrations"]);
  for (const m of selected) {
    const manifest = path.relative(subgraphDir, m.path);
    const out = path.join("build", m.chain.name);
    if (o.buildOnly) {
      graph(["build", manifest, "--output-dir", out, "--skip-migrations"]);
      continue;
    }
    const args = ["deploy", `${o.name}-${m.chain.name}`, manifest, "--output-dir", out, "--skip-migrations"];
    args.push(`--version-label=${o.versionLabel}`);
    if (o.studio) {
      const key = o.deployKey ?? process.env.GRAPH_DEPLOY_KEY;
      if (!key) throw new Error("--studio needs --deploy-key or GRAPH_DEPLOY_KEY");
      args.push(`--deploy-key=${key}`);
    } else {
      args.push(`--node=${o.node}`, `--ipfs=${o.ipfs}`);
    }
    graph(args);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const program = new Command()
    .option("--deployment <file>", "deployments file", path.join(repoRoot, "deployments", "testnet.json"))
    .option("--chain <name>", "only this chain (repeatable)", (v: string, acc: string[]) => [...acc, v], [])
    .option("--node <url>", "graph-node admin URL")
    .option("--ipfs <url>", "IPFS API URL")
    .option("--studio", "deploy to Subgraph Studio")
    .option("--deploy-key <key>", "Studio deploy key (or GRAPH_DEPLOY_KEY)")
    .option("--name <prefix>", "subgraph name prefix", "zk-vin")
    .option("--version-label <label>", "version label")
    .option("--build-only", "build the manifests offline instead of deploying")
    .option("--rehearsal", "the public-testnet layout with example addresses (build only)");
  program.parse(process.argv);
  const o = program.opts<Options>();
  try {
    if (!o.rehearsal && !existsSync(o.deployment)) throw new Error(`${o.deployment} does not exist`);
    deploySubgraphs(o);
  } catch (error) {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  }
}
