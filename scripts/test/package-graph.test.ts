// The package-graph rules of scripts/check-packages.mjs: on this repository (no dependency cycle among
// the workspaces, no relative import into another package), and on a planted repository that breaks each.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { checkPackageGraph } from "../lib/package-graph.mjs";

const repoRoot = path.resolve(import.meta.dirname, "../..");

describe("this repository's package graph", () => {
  const graph = checkPackageGraph(repoRoot);

  it("reads every workspace's package.json", () => {
    expect([...graph.edges.keys()].sort()).toEqual(
      [
        "@zk-vin/app",
        "@zk-vin/chain-kit",
        "@zk-vin/contracts-cairo",
        "@zk-vin/deployments",
        "@zk-vin/oracle-sdk",
        "@zk-vin/prover",
        "@zk-vin/relayer",
        "@zk-vin/subgraph",
      ].sort(),
    );
  });

  it("has no dependency cycle and no cross-package relative import", () => {
    expect(graph.cycles).toEqual([]);
    expect(graph.imports).toEqual([]);
  });

  it("is one-way: deployments and chain-kit depend on no workspace; nothing depends on the app", () => {
    expect(graph.edges.get("@zk-vin/deployments")).toEqual([]);
    expect(graph.edges.get("@zk-vin/chain-kit")).toEqual([]);
    const dependents = [...graph.edges].filter(([, deps]) => deps.includes("@zk-vin/app")).map(([name]) => name);
    expect(dependents).toEqual([]);
  });
});

describe("a planted repository", () => {
  const root = mkdtempSync(path.join(tmpdir(), "zkvin-graph-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const write = (file: string, text: string) => {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  };
  const manifest = (name: string, deps: Record<string, string> = {}, devDeps: Record<string, string> = {}) =>
    JSON.stringify({ name, dependencies: deps, devDependencies: devDeps });

  write("package.json", JSON.stringify({ workspaces: ["core", "sdk", "service", "tools"] }));
  write("core/package.json", manifest("@x/core", { viem: "^2" }));
  write("sdk/package.json", manifest("@x/sdk", { "@x/core": "0.1.0" }));
  write("service/package.json", manifest("@x/service", { "@x/sdk": "0.1.0" }));
  write("tools/package.json", manifest("@x/tools", {}, { "@x/tools-extra": "1.0.0" }));
  write("core/src/index.ts", 'export const core = 1;\nimport "../../scripts/lib/helper.mjs";\n');
  write("scripts/lib/helper.mjs", "export const helper = 1;\n");
  write(
    "sdk/src/index.ts",
    'import { core } from "@x/core";\nimport { local } from "./local.js";\nexport { core, local };\n',
  );
  write("sdk/src/local.ts", "export const local = 2;\n");
  write(
    "service/test/support/reach.ts",
    [
      'import { hub } from "../../../sdk/test/support/hub.js";',
      'export { thing } from "../../../core/src/index.js";',
      'const later = await import("../../../tools/src/x.js");',
      'const asset = new URL("../../../core/fixtures/data.json", import.meta.url);',
      'import "../../../scripts/lib/helper.mjs";',
      "export { hub, later, asset };",
      "",
    ].join("\n"),
  );

  it("allows relative imports inside a package and into the repository's scripts/", () => {
    const { imports } = checkPackageGraph(root);
    expect(imports.filter((v) => v.from !== "@x/service")).toEqual([]);
  });

  it("finds each relative import into another package, whatever its form", () => {
    const { imports } = checkPackageGraph(root);
    expect(imports.map((v) => [v.file, v.line, v.to])).toEqual([
      ["service/test/support/reach.ts", 1, "@x/sdk"],
      ["service/test/support/reach.ts", 2, "@x/core"],
      ["service/test/support/reach.ts", 3, "@x/tools"],
      ["service/test/support/reach.ts", 4, "@x/core"],
    ]);
  });

  it("finds no cycle in a one-way graph, then the cycle a devDependency closes", () => {
    expect(checkPackageGraph(root).cycles).toEqual([]);
    write("core/package.json", manifest("@x/core", { viem: "^2" }, { "@x/service": "0.1.0" }));
    expect(checkPackageGraph(root).cycles).toEqual([["@x/core", "@x/service", "@x/sdk", "@x/core"]]);
  });
});
