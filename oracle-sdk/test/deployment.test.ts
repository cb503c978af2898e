// The deployments format as the SDK parses it (no file access): every field checked, the offending one
// named; the node entry's loadDeployment reads files with the same checks.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { chainByName, contractAddress, DeploymentFileError, parseDeployment, ZkVinError } from "../src/index.js";
import { loadDeployment } from "../src/node.js";

const hub = {
  name: "zkvin-hub",
  chainId: 31337,
  eid: 40101,
  rpcUrl: "http://127.0.0.1:8545",
  startBlock: 0,
  layerZero: { endpoint: "0x5FbDB2315678afecb367f032d93F642f64180aa3" },
  contracts: { InferenceMarket: "0x5FbDB2315678afecb367f032d93F642f64180aa3" },
};
const valid = {
  network: "local",
  hub,
  spokes: [{ name: "zkvin-spoke-1", chainId: 31338, eid: 40102, startBlock: 3, contracts: {} }],
  models: [{ modelId: 1, name: "linear_regression", extra: { kept: true } }],
};

function invalidAt(value: unknown): string {
  try {
    parseDeployment(value, "x.json");
  } catch (error) {
    expect(error).toBeInstanceOf(DeploymentFileError);
    expect(error).toBeInstanceOf(ZkVinError);
    return (error as Error).message;
  }
  throw new Error("parsed");
}

describe("parseDeployment", () => {
  it("returns a copy of a valid deployment, models' own fields kept", () => {
    const d = parseDeployment(valid);
    expect(d).toEqual(valid);
    expect(d.hub).not.toBe(valid.hub);
    expect(chainByName(d, "zkvin-spoke-1").startBlock).toBe(3);
    expect(contractAddress(d.hub, "InferenceMarket")).toBe(hub.contracts.InferenceMarket);
  });

  it("names the offending field", () => {
    expect(invalidAt({ ...valid, hub: { ...hub, chainId: 0 } })).toMatch(
      /^x\.json: invalid at hub\.chainId: expected an integer >= 1/,
    );
    expect(invalidAt({ ...valid, hub: { ...hub, startBlock: 1.5 } })).toMatch(
      /invalid at hub\.startBlock: expected an integer/,
    );
    expect(invalidAt({ ...valid, hub: { ...hub, rpcUrl: "not a url" } })).toMatch(
      /invalid at hub\.rpcUrl: expected a URL/,
    );
    expect(invalidAt({ ...valid, hub: { ...hub, layerZero: { endpoint: "0x12" } } })).toMatch(
      /invalid at hub\.layerZero\.endpoint: expected a 0x-prefixed 20-byte address/,
    );
    expect(invalidAt({ ...valid, spokes: [{ ...hub, contracts: { ZkVinSpoke: 7 } }] })).toMatch(
      /invalid at spokes\.0\.contracts\.ZkVinSpoke/,
    );
    expect(invalidAt({ ...valid, spokes: [{ ...hub, extra: 1 }] })).toMatch(
      /invalid at spokes\.0: unrecognized key\(s\) in object: 'extra'/,
    );
    expect(invalidAt({ ...valid, models: [{ modelId: 0, name: "m" }] })).toMatch(/invalid at models\.0\.modelId/);
    expect(invalidAt({ ...valid, spokes: {} })).toMatch(/invalid at spokes: expected an array/);
    expect(invalidAt({ ...valid, network: "" })).toMatch(/invalid at network: expected a non-empty string/);
    expect(invalidAt([])).toMatch(/invalid at \(root\): expected an object/);
  });
});

describe("loadDeployment (node entry)", () => {
  it("reads a file, and says when it cannot be read or is not JSON", () => {
    const dir = mkdtempSync(path.join(tmpdir(), "zkvin-sdk-dep-"));
    try {
      writeFileSync(path.join(dir, "local.json"), JSON.stringify(valid));
      expect(loadDeployment(path.join(dir, "local.json")).hub.eid).toBe(40101);
      writeFileSync(path.join(dir, "bad.json"), "{");
      expect(() => loadDeployment(path.join(dir, "bad.json"))).toThrow(/bad\.json: is not valid JSON/);
      expect(() => loadDeployment(path.join(dir, "none.json"))).toThrow(/none\.json: cannot be read/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
