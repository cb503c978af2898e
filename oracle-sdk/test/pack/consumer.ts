// A dApp-side consumer of the packed SDK: pack.test.ts type-checks it in a clean folder against the tarball's
// .d.ts (the repository's own type-check also reads it, against the sources).

import {
  createZkVinClient,
  FeeAboveMaxError,
  type InferenceResult,
  parseDeployment,
  zkVinPublicActions,
  zkVinWalletActions,
} from "@zk-vin/oracle-sdk";
import { inferenceMarketAbi } from "@zk-vin/oracle-sdk/abi";
import { loadDeployment } from "@zk-vin/oracle-sdk/node";
import { createPublicClient, createWalletClient, http } from "viem";

const deployment = parseDeployment({
  network: "local",
  hub: { name: "hub", chainId: 31337, eid: 40101, startBlock: 0, contracts: {} },
  spokes: [],
});
const publicClient = createPublicClient({ transport: http("http://127.0.0.1:1") }).extend(
  zkVinPublicActions({ deployment }),
);
const wallet = createWalletClient({
  account: "0x70997970C51812dc3A010C7d01b50e0d17dc79C8",
  transport: http("http://127.0.0.1:1"),
}).extend(zkVinWalletActions({ deployment }));

export async function run(): Promise<bigint> {
  const receipt = await wallet.requestInference({ modelId: 1n, input: [0.1], maxFee: 10n ** 16n });
  const result: InferenceResult = await publicClient.waitForResult({
    requestId: receipt.requestId,
    fromBlock: receipt.blockNumber,
    signal: AbortSignal.timeout(60_000),
  });
  const stop = publicClient.watchResults({ onResults: (rs) => rs.map((r) => r.status) });
  stop();
  // @ts-expect-error a request id is a bigint: the types are real, not any
  const wrong: string = receipt.requestId;
  const client = createZkVinClient({ deployment: loadDeployment("local.json"), graphqlUrls: { hub: "http://x" } });
  const error = new FeeAboveMaxError("hub", 1n, 2n, 1n);
  return (
    (result.status === "fulfilled" ? (result.output[0] ?? 0n) : 0n) +
    error.quoted +
    BigInt(wrong.length) +
    BigInt(inferenceMarketAbi.length) +
    BigInt(client.deployment.spokes.length)
  );
}
