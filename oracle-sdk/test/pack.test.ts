// The package as npm would publish it: `npm pack -w @zk-vin/oracle-sdk` (its prepack builds dist/), then
// the tarball installed with viem into a clean folder outside the repository, where its JS imports under
// plain node and a small consumer (test/pack/consumer.ts) type-checks against its .d.ts (strict, NodeNext,
// no skipLibCheck, DOM lib and no Node types, as a browser dApp compiles).
import { execFileSync } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const sdkDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const repoRoot = path.resolve(sdkDir, "..");
const work = mkdtempSync(path.join(tmpdir(), "zkvin-sdk-pack-"));

afterAll(() => rmSync(work, { recursive: true, force: true }));

// Without the workspace's "@zk-vin/source" condition (vitest.config.ts puts it in NODE_OPTIONS): outside the
// repository the package resolves as a dApp's install resolves it.
const { NODE_OPTIONS: _workspaceOptions, ...env } = process.env;

function sh(cmd: string, args: string[], cwd: string): string {
  return execFileSync(cmd, args, { cwd, env, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

describe("npm pack", () => {
  it("produces a package whose JS imports under node and whose .d.ts type-check a consumer", () => {
    const out = sh("npm", ["pack", "-w", "@zk-vin/oracle-sdk", "--pack-destination", work, "--json"], repoRoot);
    const [info] = JSON.parse(out.slice(out.indexOf("["))) as Array<{ filename: string; files: { path: string }[] }>;
    if (!info) throw new Error(`npm pack said nothing: ${out}`);
    const files = info.files.map((f) => f.path);
    for (const f of ["package.json", "README.md", "CHANGELOG.md", "dist/index.js", "dist/index.d.ts", "dist/node.js"]) {
      expect(files).toContain(f);
    }
    expect(
      files.filter((f) => !f.startsWith("dist/") && !/^(package\.json|README\.md|CHANGELOG\.md)$/.test(f)),
    ).toEqual([]);

    const consumer = path.join(work, "consumer");
    mkdirSync(consumer);
    writeFileSync(
      path.join(consumer, "package.json"),
      JSON.stringify({ name: "consumer", private: true, type: "module" }),
    );
    const viem = (
      JSON.parse(readFileSync(path.join(repoRoot, "node_modules", "viem", "package.json"), "utf8")) as {
        version: string;
      }
    ).version;
    sh(
      "npm",
      ["install", "--prefer-offline", "--no-audit", "--no-fund", path.join(work, info.filename), `viem@${viem}`],
      consumer,
    );

    const imported = sh(
      process.execPath,
      [
        "--input-type=module",
        "-e",
        `import * as sdk from "@zk-vin/oracle-sdk";
         import { loadDeployment } from "@zk-vin/oracle-sdk/node";
         import { inferenceMarketAbi } from "@zk-vin/oracle-sdk/abi";
         const d = sdk.parseDeployment({ network: "n", hub: { name: "h", chainId: 1, eid: 1, startBlock: 0, contracts: {} }, spokes: [] });
         console.log(JSON.stringify({ fns: ["createZkVinClient", "zkVinPublicActions", "zkVinWalletActions", "waitForResult"].map((k) => typeof sdk[k]), load: typeof loadDeployment, abi: inferenceMarketAbi.length > 0, hub: d.hub.name }));`,
      ],
      consumer,
    );
    expect(JSON.parse(imported)).toEqual({
      fns: ["function", "function", "function", "function"],
      load: "function",
      abi: true,
      hub: "h",
    });

    copyFileSync(path.join(sdkDir, "test", "pack", "consumer.ts"), path.join(consumer, "consumer.ts"));
    copyFileSync(path.join(sdkDir, "test", "pack", "tsconfig.json"), path.join(consumer, "tsconfig.json"));
    // tsc exits non-zero (and execFileSync throws with its output) on any type error.
    sh(path.join(repoRoot, "node_modules", ".bin", "tsc"), ["-p", "tsconfig.json"], consumer);
  }, 600_000);
});
