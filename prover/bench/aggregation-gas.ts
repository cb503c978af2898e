// Verify gas of EZKL 22's aggregate verifiers (made by prover/bench/aggregation.py): each
// AggregateVerifier.sol compiled with solc, deployed on anvil (code-size limit off: they exceed 24 KiB),
// and called with the aggregated proof's calldata. Adds `evm` to each aggregate in
// prover/bench/aggregation-results.json. Not part of any test. Run: npx tsx prover/bench/aggregation-gas.ts
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { type Hex, toHex } from "viem";
import { compileSolidity, startLocalChain } from "../src/evm/local-chain.js";
import { proverRoot } from "../src/paths.js";

interface Step {
  step: string;
  error?: string;
}
interface Aggregate {
  innerProofs: number;
  steps: Step[];
  evm?: { verifyGas: number; gasPerInference: number; runtimeBytes: number; calldataBytes: number; verified: boolean };
}
interface Run {
  logrows: number;
  aggregates: Aggregate[];
}

const resultsFile = path.join(proverRoot, "bench", "aggregation-results.json");
const workRoot =
  process.env.ZKVIN_AGGREGATION_WORK ?? path.join(process.env.HOME ?? "/root", ".cache", "zkvin", "aggregation");

async function main(): Promise<void> {
  const doc = JSON.parse(readFileSync(resultsFile, "utf8")) as { runs: Run[] };
  const chain = await startLocalChain({ disableCodeSizeLimit: true });
  try {
    for (const run of doc.runs) {
      for (const agg of run.aggregates) {
        const dir = path.join(workRoot, `k${run.logrows}`, `n${agg.innerProofs}`);
        const sol = path.join(dir, "AggregateVerifier.sol");
        const calldataFile = path.join(dir, "calldata.bin");
        if (agg.steps.some((s) => s.error) || !existsSync(sol) || !existsSync(calldataFile)) continue;
        const source = readFileSync(sol, "utf8");
        const contract = /contract\s+(\w+)/.exec(source)?.[1] ?? "Halo2Verifier";
        const compiled = compileSolidity({ file: sol, contract });
        const address = await chain.deploy(compiled);
        const data: Hex = toHex(readFileSync(calldataFile));
        // The verifier returns true or reverts.
        const verified = BigInt((await chain.client.call({ to: address, data })).data ?? "0x0") === 1n;
        const gas = Number(await chain.client.estimateGas({ to: address, data }));
        agg.evm = {
          verifyGas: gas,
          gasPerInference: gas / agg.innerProofs,
          runtimeBytes: compiled.runtimeBytes,
          calldataBytes: (data.length - 2) / 2,
          verified,
        };
        console.log(
          `2^${run.logrows}, ${agg.innerProofs} inner proofs: verify gas ${gas} (${Math.round(gas / agg.innerProofs)} per inference), verifier ${compiled.runtimeBytes} B`,
        );
      }
    }
  } finally {
    chain.stop();
  }
  writeFileSync(resultsFile, `${JSON.stringify(doc, null, 2)}\n`);
}

await main();
