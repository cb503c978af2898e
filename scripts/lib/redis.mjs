// Redis for tests and the demo: reuse one already listening, otherwise install redis-server from
// apt when missing and start it on 127.0.0.1. Stops only an instance this script started.
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { asRoot, onPath, run } from "./proc.mjs";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const stateDir = path.join(root, ".zkvin", "redis");

export function redisUrl() {
  return process.env.ZKVIN_REDIS_URL ?? "redis://127.0.0.1:6379";
}

function hostPort() {
  const u = new URL(redisUrl());
  return { host: u.hostname || "127.0.0.1", port: Number(u.port || 6379) };
}

/** Sends PING and resolves true when a Redis answers PONG. */
export function pingRedis(timeoutMs = 1000) {
  const { host, port } = hostPort();
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    const done = (ok) => {
      sock.destroy();
      resolve(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.on("error", () => done(false));
    sock.on("connect", () => sock.write("PING\r\n"));
    sock.on("data", (d) => done(d.toString().startsWith("+PONG")));
  });
}

export function installRedisIfMissing() {
  if (onPath("redis-server")) return false;
  console.log("redis-server not found: installing it from apt");
  asRoot("apt-get", ["update", "-qq"]);
  asRoot("apt-get", ["install", "-y", "-qq", "redis-server"], {
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
  return true;
}

/** Ensures a Redis answers at redisUrl(). Returns {started} so callers stop only what they started. */
export async function ensureRedis() {
  if (await pingRedis()) return { started: false, url: redisUrl() };
  const { host, port } = hostPort();
  if (host !== "127.0.0.1" && host !== "localhost") {
    throw new Error(`No Redis answers at ${redisUrl()} and it is not local, so it cannot be started here`);
  }
  installRedisIfMissing();
  mkdirSync(stateDir, { recursive: true });
  const pidFile = path.join(stateDir, `redis-${port}.pid`);
  run("redis-server", [
    "--bind",
    "127.0.0.1",
    "--port",
    String(port),
    "--daemonize",
    "yes",
    "--pidfile",
    pidFile,
    "--dir",
    stateDir,
    "--save",
    "",
    "--appendonly",
    "no",
    "--logfile",
    path.join(stateDir, `redis-${port}.log`),
  ]);
  for (let i = 0; i < 100; i++) {
    if (await pingRedis()) return { started: true, url: redisUrl() };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`redis-server started but does not answer at ${redisUrl()} (log: ${stateDir})`);
}

/** Stops the Redis this script started on the configured port, if any. */
export function stopRedis() {
  const { port } = hostPort();
  const pidFile = path.join(stateDir, `redis-${port}.pid`);
  if (!existsSync(pidFile)) return false;
  const pid = Number(readFileSync(pidFile, "utf8").trim());
  try {
    process.kill(pid, "SIGTERM");
  } catch {
    // already gone
  }
  rmSync(pidFile, { force: true });
  return true;
}
