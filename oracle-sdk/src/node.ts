// @zk-vin/oracle-sdk/node: what only runs under Node (file access). The main entry stays browser-safe.
import { readFileSync } from "node:fs";
import { type Deployment, DeploymentFileError, parseDeployment } from "./deployment.js";

/** Reads and validates deployments/<network>.json (or any path). */
export function loadDeployment(path: string): Deployment {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (cause) {
    throw new DeploymentFileError(path, "cannot be read", { cause });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new DeploymentFileError(path, "is not valid JSON", { cause });
  }
  return parseDeployment(json, path);
}
