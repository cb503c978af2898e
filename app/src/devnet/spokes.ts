// Spoke set-up of a devnet: the example consumers on every chain, the gateway's MODEL messages that tell
// each spoke a model's terms, and the wait until the spokes know every model (the relayer carries them).
import { readFileSync } from "node:fs";
import path from "node:path";
import { zkVinHubGatewayAbi as gatewayAbi, zkVinSpokeAbi as spokeAbi } from "@zk-vin/oracle-sdk/abi";
import type { Address } from "viem";
import { devnetAccounts } from "./accounts.js";
import { DevnetStageError } from "./errors.js";
import { runScript } from "./forge.js";
import { send, wallet } from "./tx.js";
import type { DevnetChain, DevnetModel, RegisteredDevnetModel } from "./types.js";

/**
 * Deploys the example consumers (RegressionOracleConsumer, ClassifierGate) of each model on every chain,
 * asking `callbackGasLimit` for their callbacks; records them in the models and the chains' contracts.
 */
export async function deployConsumers(params: {
  chains: DevnetChain[];
  models: RegisteredDevnetModel[];
  callbackGasLimit: number;
  workDir: string;
}): Promise<DevnetModel[]> {
  const models: DevnetModel[] = params.models.map((m) => ({ ...m, consumers: {} }));
  const regression = models.filter((m) => m.consumer === "regression");
  const classifier = models.filter((m) => m.consumer === "classifier");
  if (regression.length + classifier.length === 0) return models;
  const scale = (m: DevnetModel) => String(m.manifest.outputs[0]!.scale);
  for (const chain of params.chains) {
    const file = path.join(params.workDir, `consumers-${chain.eid}.json`);
    const env: Record<string, string> = {
      DEVNET_ORACLE: chain.role === "hub" ? chain.contracts.InferenceMarket! : chain.contracts.ZkVinSpoke!,
      DEVNET_ORACLE_IS_MARKET: String(chain.role === "hub"),
      DEVNET_CALLBACK_GAS: String(params.callbackGasLimit),
      DEVNET_OUT: file,
    };
    if (regression.length > 0) {
      env.DEVNET_REGRESSION_MODELS = regression.map((m) => m.modelId).join(",");
      env.DEVNET_REGRESSION_SCALES = regression.map(scale).join(",");
    }
    if (classifier.length > 0) {
      env.DEVNET_CLASSIFIER_MODELS = classifier.map((m) => m.modelId).join(",");
      env.DEVNET_CLASSIFIER_SCALES = classifier.map(scale).join(",");
    }
    await runScript({
      stage: `deploy consumers on ${chain.name}`,
      script: "script/local/DeployLocalConsumers.s.sol",
      rpcUrl: chain.rpcUrl,
      privateKey: devnetAccounts.deployer.key,
      env,
    });
    const written = JSON.parse(readFileSync(file, "utf8")) as { regression: Address[]; classifier: Address[] };
    regression.forEach((m, i) => {
      const address = written.regression[i]!;
      m.consumers[chain.name] = address;
      chain.contracts[`RegressionOracleConsumer.${m.name}`] = address;
    });
    classifier.forEach((m, i) => {
      const address = written.classifier[i]!;
      m.consumers[chain.name] = address;
      chain.contracts[`ClassifierGate.${m.name}`] = address;
    });
  }
  return models;
}

/** Asks the gateway to send every model's terms to every spoke (paid by the deployer). */
export async function sendModelSyncs(params: {
  hub: DevnetChain;
  spokes: DevnetChain[];
  models: DevnetModel[];
}): Promise<void> {
  const { hub } = params;
  const gateway = hub.contracts.ZkVinHubGateway!;
  const deployer = wallet(hub.anvil, devnetAccounts.deployer.key);
  for (const spoke of params.spokes) {
    for (const model of params.models) {
      const fee = await hub.anvil.publicClient.readContract({
        address: gateway,
        abi: gatewayAbi,
        functionName: "quoteSyncModel",
        args: [spoke.eid, model.modelId],
      });
      await send(hub.anvil, `sync ${model.name} to ${spoke.name}`, () =>
        deployer.writeContract({
          address: gateway,
          abi: gatewayAbi,
          functionName: "syncModel",
          args: [spoke.eid, model.modelId],
          value: fee,
        }),
      );
    }
  }
}

/** Waits until every spoke knows every model (a relayer carries the MODEL messages). */
export async function waitForModelSync(params: { spokes: DevnetChain[]; models: DevnetModel[]; timeoutMs: number }) {
  const until = Date.now() + params.timeoutMs;
  for (const spoke of params.spokes) {
    for (const model of params.models) {
      for (;;) {
        const info = await spoke.anvil.publicClient.readContract({
          address: spoke.contracts.ZkVinSpoke!,
          abi: spokeAbi,
          functionName: "model",
          args: [model.modelId],
        });
        if (info.syncNonce > 0n) break;
        if (Date.now() > until) {
          throw new DevnetStageError(
            "wait for model sync",
            `${spoke.name} still does not know model ${model.name} (#${model.modelId}) after ${params.timeoutMs} ms: is a relayer carrying LayerZero packets?`,
            { value: model.modelId },
          );
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    }
  }
}
