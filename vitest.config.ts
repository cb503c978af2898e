import { defineConfig } from "vitest/config";

// One vitest run over every TypeScript workspace. Tests that need services (Redis, anvil, EZKL) start
// them through the helpers in scripts/ and are ordinary tests: none is skipped when a service is absent.
export default defineConfig({
  test: {
    projects: ["oracle-sdk", "prover", "relayer", "subgraph", "contracts-cairo", "deployments"].map((name) => ({
      extends: true,
      test: {
        name,
        root: `./${name}`,
        include: ["test/**/*.test.ts"],
      },
    })),
    testTimeout: 120_000,
    hookTimeout: 300_000,
    pool: "forks",
  },
});
