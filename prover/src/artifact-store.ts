// Where compiled models live. Artifacts are content-addressed: the id is the sha256 the compiler
// derives from the ONNX bytes, calibration data, options, EZKL version and SRS, and names the
// directory. The store interface lets a remote store (S3, IPFS, HTTP) stand behind the same calls: it
// fetches into a local directory on `resolve` and the workers read from there.
import { createHash } from "node:crypto";
import { createReadStream, existsSync } from "node:fs";
import { cp, mkdir, readdir, readFile, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { ArtifactError, UnknownModelError } from "./errors.js";
import { type Manifest, manifestSchema } from "./manifest.js";
import { defaultArtifactStoreRoot } from "./paths.js";

const ARTIFACT_ID = /^[0-9a-f]{64}$/;

export interface ArtifactStore {
  /** A local directory holding the artifact (fetched first by remote stores); UnknownModelError if absent. */
  resolve(artifactId: string): Promise<string>;
  /** The artifact's manifest, validated. */
  manifest(artifactId: string): Promise<Manifest>;
  has(artifactId: string): Promise<boolean>;
  /** Imports a compiled artifacts directory (checked first) and returns its id. */
  put(sourceDir: string): Promise<string>;
  list(): Promise<string[]>;
  /** Checks every file against the manifest's sha256; ArtifactError names the first bad file. */
  verify(artifactId: string): Promise<Manifest>;
}

export async function readManifest(dir: string): Promise<Manifest> {
  const file = path.join(dir, "manifest.json");
  let raw: string;
  try {
    raw = await readFile(file, "utf8");
  } catch (cause) {
    throw new ArtifactError(`no manifest.json in ${dir}`, { field: "manifest", value: dir, cause });
  }
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch (cause) {
    throw new ArtifactError(`manifest.json in ${dir} is not JSON`, { field: "manifest", value: file, cause });
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ArtifactError(`manifest.json in ${dir} is invalid: ${issue?.path.join(".")}: ${issue?.message}`, {
      field: `manifest.${issue?.path.join(".")}`,
      value: file,
      cause: parsed.error,
    });
  }
  return parsed.data;
}

function sha256File(file: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const h = createHash("sha256");
    createReadStream(file)
      .on("data", (d) => h.update(d))
      .on("error", reject)
      .on("end", () => resolve(h.digest("hex")));
  });
}

/** Checks a directory's files against its manifest and that the directory is named by the id. */
export async function checkArtifactDir(dir: string): Promise<Manifest> {
  const manifest = await readManifest(dir);
  if (path.basename(dir) !== manifest.artifactId) {
    throw new ArtifactError(`directory ${path.basename(dir)} holds artifact ${manifest.artifactId}`, {
      field: "artifactId",
      value: dir,
    });
  }
  for (const [role, entry] of Object.entries(manifest.files)) {
    const file = path.join(dir, entry.path);
    const st = await stat(file).catch(() => undefined);
    if (!st?.isFile())
      throw new ArtifactError(`artifact file ${entry.path} (${role}) is missing`, {
        field: `files.${role}`,
        value: file,
      });
    if (st.size !== entry.bytes || (await sha256File(file)) !== entry.sha256) {
      throw new ArtifactError(`artifact file ${entry.path} (${role}) does not match its sha256 in the manifest`, {
        field: `files.${role}`,
        value: file,
      });
    }
  }
  return manifest;
}

export class LocalArtifactStore implements ArtifactStore {
  readonly root: string;
  private readonly verified = new Map<string, Manifest>();

  constructor(params: { root?: string } = {}) {
    this.root = params.root ?? defaultArtifactStoreRoot();
  }

  private dir(artifactId: string): string {
    if (!ARTIFACT_ID.test(artifactId)) {
      throw new UnknownModelError(artifactId, { field: "artifactId" });
    }
    return path.join(this.root, artifactId);
  }

  async has(artifactId: string): Promise<boolean> {
    return ARTIFACT_ID.test(artifactId) && existsSync(path.join(this.dir(artifactId), "manifest.json"));
  }

  async resolve(artifactId: string): Promise<string> {
    if (!(await this.has(artifactId))) throw new UnknownModelError(artifactId);
    return this.dir(artifactId);
  }

  async manifest(artifactId: string): Promise<Manifest> {
    const cached = this.verified.get(artifactId);
    if (cached) return cached;
    const manifest = await readManifest(await this.resolve(artifactId));
    if (manifest.artifactId !== artifactId) {
      throw new ArtifactError(`directory ${artifactId} holds artifact ${manifest.artifactId}`, {
        field: "artifactId",
        value: artifactId,
      });
    }
    return manifest;
  }

  async verify(artifactId: string): Promise<Manifest> {
    const manifest = await checkArtifactDir(await this.resolve(artifactId));
    this.verified.set(artifactId, manifest);
    return manifest;
  }

  async put(sourceDir: string): Promise<string> {
    const manifest = await checkArtifactDir(sourceDir);
    const target = this.dir(manifest.artifactId);
    if (path.resolve(sourceDir) === path.resolve(target) || (await this.has(manifest.artifactId)))
      return manifest.artifactId;
    await mkdir(this.root, { recursive: true });
    // Copy beside the target, then rename: readers never see a half-copied artifact.
    const tmp = path.join(this.root, `.${manifest.artifactId}.${process.pid}.${Date.now()}`);
    await cp(sourceDir, tmp, { recursive: true });
    try {
      await rename(tmp, target);
    } catch (cause) {
      await rm(tmp, { recursive: true, force: true });
      if (!(await this.has(manifest.artifactId)))
        throw new ArtifactError(`could not store ${manifest.artifactId}`, { value: target, cause });
    }
    return manifest.artifactId;
  }

  async list(): Promise<string[]> {
    if (!existsSync(this.root)) return [];
    const names = await readdir(this.root);
    const ids = names.filter((n) => ARTIFACT_ID.test(n));
    const present = await Promise.all(ids.map((id) => this.has(id)));
    return ids.filter((_, i) => present[i]).sort();
  }
}
