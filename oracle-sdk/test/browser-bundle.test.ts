// The SDK as a browser dApp ships it: esbuild bundles the main entry for the browser with only viem left
// to the dApp's own install. The bundle must build without errors and pull in no Node built-in and nothing
// of the repository's Node-side packages (devnet, prover, relayer, BullMQ, ioredis).
import path from "node:path";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";

const sdkDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

async function bundle(entry: string) {
  return build({
    entryPoints: [path.join(sdkDir, entry)],
    bundle: true,
    platform: "browser",
    format: "esm",
    target: "es2022",
    write: false,
    metafile: true,
    logLevel: "silent",
    external: ["viem", "viem/*"],
  });
}

describe("browser bundle", () => {
  it("bundles the main entry for the browser, with no node: import and nothing outside the SDK but viem", async () => {
    const result = await bundle("src/index.ts");
    expect(result.errors).toEqual([]);
    const inputs = Object.keys(result.metafile.inputs).map((f) => path.resolve(f));
    expect(inputs.length).toBeGreaterThan(10);
    expect(inputs.filter((f) => !f.startsWith(path.join(sdkDir, "src") + path.sep))).toEqual([]);
    const imports = Object.values(result.metafile.outputs).flatMap((o) => o.imports.map((i) => i.path));
    expect(imports.filter((p) => p !== "viem" && !p.startsWith("viem/"))).toEqual([]);
    const text = result.outputFiles.map((f) => f.text).join("\n");
    expect(text).not.toMatch(/["']node:/);
    expect(text).not.toMatch(/\b(bullmq|ioredis|@zk-vin\/(deployments|relayer|prover))\b/);
    // The actions a dApp uses are in it.
    for (const name of ["zkVinPublicActions", "zkVinWalletActions", "createZkVinClient", "parseDeployment"]) {
      expect(text).toContain(name);
    }
  });

  it("keeps file loading out of it: the node entry is what needs node:fs", async () => {
    await expect(bundle("src/node.ts")).rejects.toThrow(/node:fs/);
  });
});
