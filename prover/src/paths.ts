// Where the prover's Python side lives. ZKVIN_PYTHON overrides the interpreter (for example a venv
// elsewhere); the default is the virtualenv the set-up creates.
import os from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";

export const proverRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
export const pythonProjectDir = path.join(proverRoot, "python");

export function pythonExecutable(): string {
  return process.env.ZKVIN_PYTHON ?? path.join(pythonProjectDir, ".venv", "bin", "python");
}

/** Cache root shared with the Python side (ZKVIN_CACHE_DIR, default ~/.cache/zk-vin). */
export function cacheDir(): string {
  return process.env.ZKVIN_CACHE_DIR ?? path.join(os.homedir(), ".cache", "zk-vin");
}

/** Default local artifact store (ZKVIN_ARTIFACT_STORE, default <cache>/artifacts). */
export function defaultArtifactStoreRoot(): string {
  return process.env.ZKVIN_ARTIFACT_STORE ?? path.join(cacheDir(), "artifacts");
}
