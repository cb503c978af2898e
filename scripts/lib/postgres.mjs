// PostgreSQL for tests and local runs: reuse the server at ZKVIN_POSTGRES_URL when one answers there;
// otherwise install PostgreSQL from apt when missing, create a throwaway cluster under .zkvin/postgres
// (trust authentication, bound to 127.0.0.1) and start it. Stops only a cluster this script started.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import pg from "pg";
import { asRoot, run } from "./proc.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const stateDir = path.join(root, ".zkvin", "postgres");
const DEFAULT_PORT = 54329;

export function postgresUrl() {
  return process.env.ZKVIN_POSTGRES_URL ?? `postgres://postgres@127.0.0.1:${DEFAULT_PORT}/postgres`;
}

/** Resolves true when a server accepts a connection and answers `select 1` at `url`. */
export async function pingPostgres(url = postgresUrl(), timeoutMs = 2000) {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: timeoutMs });
  try {
    await client.connect();
    await client.query("select 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

/** The newest installed server's bin directory (Debian keeps them in /usr/lib/postgresql/<major>/bin). */
function serverBinDir() {
  const base = "/usr/lib/postgresql";
  if (!existsSync(base)) return null;
  const majors = readdirSync(base)
    .filter((v) => existsSync(path.join(base, v, "bin", "initdb")))
    .sort((a, b) => Number(b) - Number(a));
  return majors.length ? path.join(base, majors[0], "bin") : null;
}

export function installPostgresIfMissing() {
  if (serverBinDir()) return false;
  console.log("PostgreSQL server not found: installing it from apt");
  asRoot("apt-get", ["update", "-qq"]);
  asRoot("apt-get", ["install", "-y", "-qq", "postgresql"], {
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
  if (!serverBinDir()) throw new Error("apt installed postgresql but no /usr/lib/postgresql/<major>/bin/initdb exists");
  return true;
}

// initdb and postgres refuse to run as root; as root, run them as the `postgres` user apt creates.
// Output is kept quiet and shown only when the command fails.
function asServerUser(cmd, args, { check = true } = {}) {
  const [c, a] = process.getuid?.() === 0 ? ["runuser", ["-u", "postgres", "--", cmd, ...args]] : [cmd, args];
  const res = spawnSync(c, a, { encoding: "utf8" });
  if (check && (res.error || res.status !== 0)) {
    throw new Error(
      `${cmd} ${args.join(" ")} failed (${res.error?.message ?? `exit ${res.status}`}):\n${res.stdout}${res.stderr}`,
    );
  }
  return res.status === 0;
}

function clusterDir(port) {
  return path.join(stateDir, String(port));
}

/**
 * Ensures a Postgres answers at postgresUrl(). Returns {started, url} so callers stop only what they
 * started. Honours ZKVIN_POSTGRES_URL; a non-local URL that does not answer is an error.
 */
export async function ensurePostgres() {
  const url = postgresUrl();
  if (await pingPostgres(url)) return { started: false, url };
  const u = new URL(url);
  if (u.hostname !== "127.0.0.1" && u.hostname !== "localhost") {
    throw new Error(`No Postgres answers at ${url} and it is not local, so it cannot be started here`);
  }
  const port = Number(u.port || 5432);
  installPostgresIfMissing();
  const bin = serverBinDir();
  const dir = clusterDir(port);
  const data = path.join(dir, "data");
  mkdirSync(dir, { recursive: true });
  if (process.getuid?.() === 0) run("chown", ["-R", "postgres:postgres", dir]);
  if (!existsSync(path.join(data, "PG_VERSION"))) {
    asServerUser(path.join(bin, "initdb"), [
      "-D",
      data,
      "-U",
      u.username || "postgres",
      "--auth=trust",
      "-E",
      "UTF8",
      "--no-sync",
    ]);
  }
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off`;
  asServerUser(path.join(bin, "pg_ctl"), [
    "-D",
    data,
    "-o",
    options,
    "-l",
    path.join(dir, "server.log"),
    "-w",
    "-t",
    "60",
    "start",
  ]);
  for (let i = 0; i < 100; i++) {
    if (await pingPostgres(url)) return { started: true, url };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`postgres started but does not answer at ${url} (log: ${path.join(dir, "server.log")})`);
}

/** Stops the cluster this script started for the configured port, if it is running. */
export function stopPostgres({ removeData = false } = {}) {
  const port = Number(new URL(postgresUrl()).port || 5432);
  const bin = serverBinDir();
  const data = path.join(clusterDir(port), "data");
  if (!bin || !existsSync(path.join(data, "postmaster.pid"))) return false;
  if (!asServerUser(path.join(bin, "pg_ctl"), ["-D", data, "status"], { check: false })) return false;
  asServerUser(path.join(bin, "pg_ctl"), ["-D", data, "-m", "fast", "-w", "stop"]);
  if (removeData) rmSync(clusterDir(port), { recursive: true, force: true });
  return true;
}
