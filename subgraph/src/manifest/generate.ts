// Writes one subgraph manifest per chain of a deployment (graph-node indexes one network per subgraph):
// manifests/<chain name>/subgraph.yaml for the hub (registry, pool, market, gateway) and for every spoke,
// with addresses and start blocks from deployments/<network>.json, plus the ABIs they reference.
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { DeployedChain, Deployment } from "@zk-vin/oracle-sdk/deployment";
import { checkStarknetSource, type StarknetIndexSource, starknetSourceOf } from "../indexer/starknet.js";
import { manifestEventSignature } from "../runtime/params.js";
import {
  type DataSourceInstance,
  dataSourcesFor,
  handlerName,
  STARKNET_DATA_SOURCE,
  templateEvent,
} from "./data-sources.js";

export const SPEC_VERSION = "1.2.0";
export const MAPPING_API_VERSION = "0.0.9";

export interface ManifestFile {
  chain: DeployedChain;
  /** Absolute path of the written subgraph.yaml. */
  path: string;
}

export class ManifestError extends Error {
  override readonly name = "ManifestError";
  constructor(
    readonly chain: string,
    message: string,
  ) {
    super(`chain ${JSON.stringify(chain)}: ${message}`);
  }
}

const q = (s: string | number): string => JSON.stringify(String(s));

function contextYaml(ds: DataSourceInstance, indent: string): string[] {
  const lines = [`${indent}context:`];
  for (const [key, entry] of Object.entries(ds.context)) {
    lines.push(
      `${indent}  ${key}:`,
      `${indent}    type: ${entry.type}`,
      `${indent}    data: ${JSON.stringify(entry.data)}`,
    );
  }
  return lines;
}

function dataSourceYaml(ds: DataSourceInstance): string[] {
  const t = ds.template;
  const lines = [
    "  - kind: ethereum/contract",
    `    name: ${t.name}`,
    `    network: ${q(ds.chain.name)}`,
    ...contextYaml(ds, "    "),
    "    source:",
    `      address: ${q(ds.address)}`,
    `      abi: ${t.name}`,
    `      startBlock: ${ds.startBlock}`,
    "    mapping:",
    "      kind: ethereum/events",
    `      apiVersion: ${MAPPING_API_VERSION}`,
    "      language: wasm/assemblyscript",
    "      entities:",
    ...t.entities.map((e) => `        - ${e}`),
    "      abis:",
    `        - name: ${t.name}`,
    `          file: ../abis/${t.name}.json`,
    "      eventHandlers:",
  ];
  for (const eventName of t.events) {
    lines.push(
      `        - event: ${q(manifestEventSignature(templateEvent(t, eventName)))}`,
      `          handler: ${handlerName(eventName)}`,
    );
  }
  lines.push(`      file: ../../${t.mapping}`);
  return lines;
}

/** The manifest text for one chain, or null when none of its contracts has a data source. */
export function renderManifest(deployment: Deployment, chain: DeployedChain): string | null {
  const sources = dataSourcesFor(deployment, chain);
  if (sources.length === 0) return null;
  const role = chain === deployment.hub ? "hub" : "spoke";
  return [
    `specVersion: ${SPEC_VERSION}`,
    `description: ${q(`zk-VIN ${role} on ${chain.name} (${deployment.network} deployment)`)}`,
    "schema:",
    "  file: ../../schema.graphql",
    "dataSources:",
    ...sources.flatMap(dataSourceYaml),
    "",
  ].join("\n");
}

/**
 * The Cairo spoke's manifest in the shape graph-node's Starknet chain read (`kind: starknet`; source
 * `address` and `startBlock`; `eventHandlers` by event name, matched on the selector; no ABI, no context,
 * no templates). graph-node 0.33 to 0.35 and the starknet-graph fork ran it from a Firehose Starknet
 * stack; today's graph-node and graph-cli cannot (subgraph/README.md, decision 0067). The local endpoint
 * runs its module.
 */
export function renderStarknetManifest(source: StarknetIndexSource): string {
  const s = checkStarknetSource(source);
  const t = STARKNET_DATA_SOURCE;
  return [
    `specVersion: ${STARKNET_SPEC_VERSION}`,
    `description: ${q(`zk-VIN Cairo spoke on ${s.name}`)}`,
    "schema:",
    "  file: ../../schema.graphql",
    "dataSources:",
    "  - kind: starknet",
    `    name: ${t.name}`,
    `    network: ${q(s.name)}`,
    "    source:",
    `      address: ${q(s.spoke)}`,
    `      startBlock: ${s.startBlock}`,
    "    mapping:",
    `      apiVersion: ${STARKNET_API_VERSION}`,
    "      language: wasm/assemblyscript",
    "      entities:",
    ...t.entities.map((e) => `        - ${e}`),
    "      eventHandlers:",
    ...t.events.flatMap((e) => [`        - event: ${e}`, `          handler: ${handlerName(e)}`]),
    `      file: ../../${t.mapping}`,
    "",
  ].join("\n");
}

/** graph-node's Starknet data sources ran at apiVersion 0.0.5 (its DataSource::api_version). */
export const STARKNET_API_VERSION = "0.0.5";
export const STARKNET_SPEC_VERSION = "0.0.5";

export interface WrittenManifests {
  manifests: ManifestFile[];
  /** The Cairo spoke's manifest (`<outDir>/<starknet name>/subgraph.yaml`) when the deployment has one. */
  starknet: { chain: string; path: string } | null;
  /**
   * A manifest for `graph codegen` only: every data source of every chain, all on the hub's network (a
   * deployable manifest holds one network). Generated types depend on ABIs and the schema, not on the
   * network, so one codegen run serves every chain's build.
   */
  codegen: string;
}

/**
 * Writes `<outDir>/<chain>/subgraph.yaml` for every chain with data sources, `<outDir>/codegen/subgraph.yaml`
 * and `<outDir>/abis/*.json`, replacing what an earlier run wrote there.
 */
export function writeManifests(options: { deployment: Deployment; outDir: string }): WrittenManifests {
  const { deployment, outDir } = options;
  for (const chain of [deployment.hub, ...deployment.spokes]) {
    if (!/^[A-Za-z0-9][A-Za-z0-9_-]*$/.test(chain.name)) {
      throw new ManifestError(chain.name, "a chain name must be letters, digits, '-' and '_' (it names a folder)");
    }
  }
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(path.join(outDir, "abis"), { recursive: true });
  const written: ManifestFile[] = [];
  const abis = new Map<string, unknown>();
  for (const chain of [deployment.hub, ...deployment.spokes]) {
    const yaml = renderManifest(deployment, chain);
    if (yaml === null) continue;
    for (const ds of dataSourcesFor(deployment, chain)) abis.set(ds.template.name, ds.template.abi);
    const file = path.join(outDir, chain.name, "subgraph.yaml");
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, yaml);
    written.push({ chain, path: file });
  }
  for (const [name, abi] of abis) {
    writeFileSync(path.join(outDir, "abis", `${name}.json`), `${JSON.stringify(abi, null, 2)}\n`);
  }
  const codegen = path.join(outDir, "codegen", "subgraph.yaml");
  mkdirSync(path.dirname(codegen), { recursive: true });
  writeFileSync(codegen, renderCodegenManifest(deployment));
  const source = starknetSourceOf(deployment);
  let starknet: WrittenManifests["starknet"] = null;
  if (source) {
    if ([deployment.hub, ...deployment.spokes].some((c) => c.name === source.name)) {
      throw new ManifestError(source.name, "the Starknet chain's name is also an EVM chain's");
    }
    const file = path.join(outDir, source.name, "subgraph.yaml");
    mkdirSync(path.dirname(file), { recursive: true });
    writeFileSync(file, renderStarknetManifest(source));
    starknet = { chain: source.name, path: file };
  }
  return { manifests: written, codegen, starknet };
}

function renderCodegenManifest(deployment: Deployment): string {
  const seen = new Set<string>();
  const sources: DataSourceInstance[] = [];
  for (const chain of [deployment.hub, ...deployment.spokes]) {
    for (const ds of dataSourcesFor(deployment, chain)) {
      if (seen.has(ds.template.name)) continue;
      seen.add(ds.template.name);
      sources.push({ ...ds, chain: deployment.hub });
    }
  }
  return [
    `specVersion: ${SPEC_VERSION}`,
    "schema:",
    "  file: ../../schema.graphql",
    "dataSources:",
    ...sources.flatMap(dataSourceYaml),
    "",
  ].join("\n");
}
