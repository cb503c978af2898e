import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { chainByName, contractAddress, DeploymentFileError, parseDeployment } from "../src/deployment.js";
import { loadDeployment } from "../src/node.js";

const valid = {
  network: "local",
  hub: {
    name: "zkvin-hub",
    chainId: 31337,
    eid: 50001,
    rpcUrl: "http://127.0.0.1:8545",
    startBlock: 0,
    contracts: { InferenceMarket: "0x5FbDB2315678afecb367f032d93F642f64180aa3" },
  },
  spokes: [{ name: "zkvin-spoke-1", chainId: 31338, eid: 50002, startBlock: 3, contracts: {} }],
};

describe("deployments file", () => {
  it("parses a valid file and finds chains and contracts", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "zkvin-dep-"));
    const file = path.join(dir, "local.json");
    writeFileSync(file, JSON.stringify(valid));
    const d = loadDeployment(file);
    expect(chainByName(d, "zkvin-spoke-1").eid).toBe(50002);
    expect(contractAddress(d.hub, "InferenceMarket")).toBe(valid.hub.contracts.InferenceMarket);
  });

  it("names the offending field", () => {
    const bad = structuredClone(valid);
    bad.hub.contracts.InferenceMarket = "0x1234";
    expect(() => parseDeployment(bad, "bad.json")).toThrowError(/bad.json: invalid at hub.contracts.InferenceMarket/);
  });

  it("rejects unknown keys and reports unreadable or non-JSON files", () => {
    expect(() => parseDeployment({ ...valid, extra: 1 }, "x.json")).toThrow(DeploymentFileError);
    expect(() => loadDeployment("/nonexistent/zkvin.json")).toThrowError(/cannot be read/);
    const dir = mkdtempSync(path.join(tmpdir(), "zkvin-dep-"));
    writeFileSync(path.join(dir, "a.json"), "{");
    expect(() => loadDeployment(path.join(dir, "a.json"))).toThrowError(/not valid JSON/);
  });

  it("says which chain or contract is missing", () => {
    const d = parseDeployment(valid);
    expect(() => chainByName(d, "nope")).toThrowError(/chains: zkvin-hub, zkvin-spoke-1/);
    expect(() => contractAddress(d.hub, "ZkVinHubGateway")).toThrowError(/no ZkVinHubGateway deployed/);
  });
});
