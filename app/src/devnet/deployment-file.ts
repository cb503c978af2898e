// The deployments file of a devnet (deployments/local.json): every chain with its LayerZero and zk-VIN
// contracts, and every model with its artifact, scales and example consumers.
import { type DeployedChain, type Deployment, parseDeployment } from "../deployment.js";
import { artifactUri } from "./models.js";
import type { DevnetChain, DevnetModel } from "./types.js";

/** One chain as the deployments file describes it. */
export function deployedChain(c: DevnetChain): DeployedChain {
  return {
    name: c.name,
    chainId: c.chainId,
    eid: c.eid,
    rpcUrl: c.rpcUrl,
    startBlock: c.startBlock,
    layerZero: { ...c.layerZero },
    contracts: { ...c.contracts },
  };
}

/** The devnet as a deployments file (deployments/schema.json), checked by the SDK's parser. */
export function buildDeployment(params: {
  hub: DevnetChain;
  spokes: DevnetChain[];
  models: DevnetModel[];
}): Deployment {
  return parseDeployment(
    {
      network: "local",
      hub: deployedChain(params.hub),
      spokes: params.spokes.map(deployedChain),
      models: params.models.map((m) => ({
        modelId: Number(m.modelId),
        name: m.name,
        artifactUri: artifactUri(m.artifactId),
        artifactId: m.artifactId,
        benchmark: m.model,
        batchSize: m.batchSize,
        consumer: m.consumer,
        inputScale: m.manifest.inputs[0]!.scale,
        outputScale: m.manifest.outputs[0]!.scale,
        consumers: m.consumers,
      })),
    },
    "devnet",
  );
}
