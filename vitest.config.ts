import { defineConfig } from "vitest/config";

// Workspace packages export their TypeScript sources under the "@zk-vin/source" condition (the SDK's
// published entry points are its built dist/): tests, and the node/tsx processes they start, read the sources.
const SOURCE_CONDITION = "@zk-vin/source";
if (!process.env.NODE_OPTIONS?.includes(`--conditions=${SOURCE_CONDITION}`)) {
  process.env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ""} --conditions=${SOURCE_CONDITION}`.trim();
}

// One vitest run over every TypeScript workspace. Tests that need services (Redis, anvil, EZKL) start
// them through the helpers in scripts/ and are ordinary tests: none is skipped when a service is absent.
export default defineConfig({
  resolve: { conditions: [SOURCE_CONDITION, "module", "node", "development|production"] },
  ssr: { resolve: { conditions: [SOURCE_CONDITION, "module", "node", "development|production"] } },
  test: {
    projects: ["scripts", "chain-kit", "oracle-sdk", "prover", "relayer", "subgraph", "contracts-cairo", "app"].map(
      (name) => ({
        extends: true,
        test: {
          name,
          root: `./${name}`,
          include: ["test/**/*.test.ts"],
        },
      }),
    ),
    testTimeout: 120_000,
    hookTimeout: 300_000,
    pool: "forks",
  },
});
