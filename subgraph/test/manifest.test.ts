// Manifests generated from deployments files, graph-node's query field names, and the generated files
// other packages rely on (SDK ABIs from the contracts, SDK GraphQL types from the schema) being current.
import { readFileSync } from "node:fs";
import path from "node:path";
import type { Deployment } from "@zk-vin/oracle-sdk/deployment";
import { loadDeployment } from "@zk-vin/oracle-sdk/node";
import type { AbiEvent } from "viem";
import { describe, expect, it } from "vitest";
import { renderTypes, typesFile } from "../scripts/sdk-graphql-types.js";
import { renderAll, staleFiles } from "../scripts/sync-abis.js";
import { loadSchemaModel, subgraphDir } from "../src/indexer/indexer.js";
import { type StarknetIndexSource, StarknetSourceError, starknetSourceOf } from "../src/indexer/starknet.js";
import { DATA_SOURCE_TEMPLATES, dataSourcesFor, STARKNET_DATA_SOURCE } from "../src/manifest/data-sources.js";
import { ManifestError, renderManifest, renderStarknetManifest, writeManifests } from "../src/manifest/generate.js";
import { manifestEventSignature } from "../src/runtime/params.js";
import { pluralField, pluralize, singularField } from "../src/server/naming.js";

const example = (): Deployment => loadDeployment(path.join(subgraphDir, "networks", "example.json"));

describe("the committed example deployment", () => {
  it("is a valid deployments file with a hub and a spoke", () => {
    const d = example();
    expect(d.hub.contracts.InferenceMarket).toBeDefined();
    expect(d.spokes[0]?.contracts.ZkVinSpoke).toBeDefined();
  });
});

describe("manifests", () => {
  it("give the hub its five data sources and each spoke its own, with addresses, start blocks and eids", () => {
    const d = example();
    const hub = renderManifest(d, d.hub) ?? "";
    for (const name of ["ModelRegistry", "NodePool", "InferenceMarket", "ZkVinHubGateway", "StarknetGateway"]) {
      expect(hub).toContain(`    name: ${name}\n`);
      expect(hub).toContain(`address: "${d.hub.contracts[name]?.toLowerCase()}"`);
    }
    expect(hub).toContain(`network: "${d.hub.name}"`);
    expect(hub).toContain(`startBlock: ${d.hub.startBlock}`);
    expect(hub).not.toContain("ZkVinSpoke");
    const spoke = renderManifest(d, d.spokes[0] as Deployment["hub"]) ?? "";
    expect(spoke).toContain("name: ZkVinSpoke");
    expect(spoke).toContain(`network: "${d.spokes[0]?.name}"`);
    expect(spoke).toMatch(new RegExp(`eid:\\n\\s+type: Int\\n\\s+data: ${d.spokes[0]?.eid}`));
    expect(spoke).toMatch(new RegExp(`hubEid:\\n\\s+type: Int\\n\\s+data: ${d.hub.eid}`));
  });

  it("name every handled event by the signature graph-node matches", () => {
    const d = example();
    const text = [renderManifest(d, d.hub), renderManifest(d, d.spokes[0] as Deployment["hub"])].join("\n");
    for (const t of DATA_SOURCE_TEMPLATES) {
      for (const e of t.events) {
        const event = t.abi.find((i): i is AbiEvent => i.type === "event" && i.name === e) as AbiEvent;
        expect(text).toContain(`- event: "${manifestEventSignature(event)}"\n          handler: handle${e}`);
      }
    }
    expect(text).toContain(
      '"ModelRegistered(indexed uint256,indexed address,indexed address,(address,bytes32,bytes32,(uint16,uint16,uint16,uint16,uint16,uint16,uint8,uint8,uint8),(int256,int256)[],uint32,uint96,string,string))"',
    );
    // A tuple array (one input bound per feature) beside a tuple.
    expect(text).toContain(
      '"ModelSynced(indexed uint256,(uint128,uint64,uint16,uint16,uint8,uint8,uint8,bool),(int256,int256)[])"',
    );
  });

  it("leave out contracts a chain does not have, and refuse chain names that are not folder names", () => {
    const d = example();
    const { ZkVinHubGateway: _gateway, ...withoutGateway } = d.hub.contracts;
    const noGateway: Deployment = { ...d, hub: { ...d.hub, contracts: withoutGateway } };
    expect(dataSourcesFor(noGateway, noGateway.hub).map((s) => s.template.name)).toEqual([
      "ModelRegistry",
      "NodePool",
      "InferenceMarket",
      "StarknetGateway",
    ]);
    const bad: Deployment = { ...d, spokes: [{ ...(d.spokes[0] as Deployment["hub"]), name: "../escape" }] };
    expect(() => writeManifests({ deployment: bad, outDir: path.join(subgraphDir, ".scratch", "never") })).toThrow(
      ManifestError,
    );
  });
});

describe("the Cairo spoke's manifest", () => {
  it("is graph-node's Starknet shape: kind starknet, the spoke's address and start block, handlers by event name", () => {
    const d = example();
    const yaml = renderStarknetManifest(starknetSourceOf(d) as StarknetIndexSource);
    const spoke = `0x${BigInt(d.starknet?.spoke as string)
      .toString(16)
      .padStart(64, "0")}`;
    expect(yaml).toContain("  - kind: starknet\n    name: ZkVinStarknetSpoke\n");
    expect(yaml).toContain(`network: "${d.starknet?.name}"`);
    expect(yaml).toContain(`      address: "${spoke}"\n      startBlock: ${d.starknet?.startBlock}\n`);
    for (const e of STARKNET_DATA_SOURCE.events) expect(yaml).toContain(`- event: ${e}\n          handler: handle${e}`);
    expect(yaml).toContain("apiVersion: 0.0.5");
    expect(yaml).not.toContain("abis:");
    expect(yaml).not.toContain("context:");
    expect(yaml).toContain("file: ../../mappings/starknet-spoke.ts");
  });

  it("refuses a Starknet section that does not name a spoke, an RPC or a start block", () => {
    const d = example();
    const bad = (patch: Record<string, unknown>) => ({ ...d, starknet: { ...d.starknet, ...patch } });
    expect(() => starknetSourceOf(bad({ spoke: "0x0" }))).toThrow(StarknetSourceError);
    expect(() => starknetSourceOf(bad({ spoke: "not a felt" }))).toThrow(/starknet.spoke="not a felt"/);
    expect(() => starknetSourceOf(bad({ rpcUrl: "ftp://x" }))).toThrow(/starknet.rpcUrl/);
    expect(() => starknetSourceOf(bad({ startBlock: -1 }))).toThrow(/starknet.startBlock=-1/);
    expect(() => starknetSourceOf(bad({ name: "../escape" }))).toThrow(/starknet.name/);
    const clash = bad({ name: d.hub.name });
    expect(() => writeManifests({ deployment: clash, outDir: path.join(subgraphDir, ".scratch", "never") })).toThrow(
      ManifestError,
    );
  });
});

describe("query field names", () => {
  it("follow graph-node's pluralisation (Rust Inflector)", () => {
    const model = loadSchemaModel();
    const plurals = Object.fromEntries([...model.entities.keys()].map((e) => [singularField(e), pluralField(e)]));
    expect(plurals).toMatchObject({
      epoch: "epoches",
      epochCapacity: "epochCapacities",
      fulfilmentBatch: "fulfilmentBatches",
      slash: "slashes",
      inferenceRequest: "inferenceRequests",
      spokeDeployment: "spokeDeployments",
      backtest: "backtests",
    });
    expect(pluralize("status")).toBe("statuses");
    expect(pluralField("Sheep")).toBe("sheep_collection");
    expect(pluralize("batch")).toBe("batches");
    expect(pluralize("series")).toBe("series");
  });
});

describe("generated files", () => {
  it("the SDK's ABIs are what the contracts compile to now", () => {
    expect(staleFiles(renderAll())).toEqual([]);
  });

  it("the SDK's GraphQL types are what the schema says now", () => {
    expect(readFileSync(typesFile, "utf8")).toBe(renderTypes(loadSchemaModel()));
  });
});
