// Biome's import-cycle rule as the lint+types part of npm test runs it: with this repository's biome.json
// (its linter rules as they are), a planted pair of modules importing each other fails the check, naming
// noImportCycles; the same modules without the cycle pass.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";

const repoRoot = path.resolve(import.meta.dirname, "../..");
const biome = path.join(repoRoot, "node_modules", ".bin", "biome");

describe("biome's lint", () => {
  const root = mkdtempSync(path.join(tmpdir(), "zkvin-cycle-"));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  const config = JSON.parse(readFileSync(path.join(repoRoot, "biome.json"), "utf8")) as Record<string, unknown>;
  // The planted folder is no git repository: the repository's rules, without its VCS integration.
  const { $schema: _schema, vcs: _vcs, ...rules } = config;
  writeFileSync(path.join(root, "biome.json"), JSON.stringify(rules, null, 2));
  const check = () =>
    spawnSync(biome, ["lint", "--max-diagnostics=50", "."], { cwd: root, encoding: "utf8", timeout: 60_000 });

  it("passes two modules that import one way", () => {
    writeFileSync(path.join(root, "a.ts"), 'import { b } from "./b.js";\n\nexport const a = () => b + 1;\n');
    writeFileSync(path.join(root, "b.ts"), "export const b = 1;\n");
    const res = check();
    expect(res.status, `${res.stdout}${res.stderr}`).toBe(0);
  });

  it("fails on an import cycle, naming the rule", () => {
    writeFileSync(
      path.join(root, "b.ts"),
      'import { a } from "./a.js";\n\nexport const b = 1;\nexport const callA = () => a();\n',
    );
    const res = check();
    expect(res.status).not.toBe(0);
    expect(`${res.stdout}${res.stderr}`).toContain("lint/suspicious/noImportCycles");
  });
});
