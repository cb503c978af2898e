// The services the demo starts besides the devnet, each with the way to stop it: Redis (through the
// project's scripts/lib/redis.mjs, stopped only if it was started here), the relayer as a child process
// (its CLI, as an operator runs it), and the per-run proving queue, removed from Redis at the end.
import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { deadLetterQueueName } from "@zk-vin/prover";
import { Queue } from "bullmq";
import { Redis } from "ioredis";
import { freePort } from "../devnet/anvil.js";
import type { Devnet } from "../devnet/devnet.js";
import { repoRoot } from "../devnet/paths.js";
import type { StarknetRelayerSection } from "../devnet/starknet.js";
import { DemoError } from "./errors.js";
import type { RunLog } from "./log.js";

interface RedisLib {
  ensureRedis(): Promise<{ started: boolean; url: string }>;
  stopRedis(): boolean;
}

export interface RedisHandle {
  url: string;
  /** Whether this run started it (then it stops it). */
  started: boolean;
  stop(): void;
}

/** An answering Redis: the one on $ZKVIN_REDIS_URL / 127.0.0.1:6379, else redis-server started here. */
export async function startRedis(): Promise<RedisHandle> {
  const lib = (await import(new URL("../../../scripts/lib/redis.mjs", import.meta.url).href)) as RedisLib;
  const { started, url } = await lib.ensureRedis();
  return {
    url,
    started,
    stop: () => {
      if (started) lib.stopRedis();
    },
  };
}

/** Removes the run's proving queue and its dead-letter queue from Redis. */
export async function removeQueue(params: { redisUrl: string; queueName: string }): Promise<void> {
  const connection = new Redis(params.redisUrl, { maxRetriesPerRequest: null, lazyConnect: true });
  try {
    for (const name of [params.queueName, deadLetterQueueName(params.queueName)]) {
      const queue = new Queue(name, { connection });
      try {
        await queue.obliterate({ force: true });
      } finally {
        await queue.close();
      }
    }
  } finally {
    connection.disconnect();
  }
}

export interface RelayerProcess {
  pid: number;
  /** http://127.0.0.1:<port> (/health, /metrics, /status). */
  opsUrl: string;
  configFile: string;
  /** Resolves when the process exits, with its code or signal. */
  exited: Promise<string>;
  /** SIGTERM (the relayer finishes what it is doing), SIGKILL after `graceMs`. */
  stop(graceMs?: number): Promise<void>;
}

const relayerBin = path.join(repoRoot, "relayer", "bin", "zkvin-relayer.mjs");

/**
 * Starts `zkvin-relayer start` for the devnet (node pipeline + local LayerZero DVN/executor, and the
 * Starknet lane when `starknet` is given) with its store in the run's folder, output into the run's log,
 * and waits until its /health says healthy.
 */
export async function startRelayer(params: {
  devnet: Devnet;
  redisUrl: string;
  queueName: string;
  artifactStore: string;
  log: RunLog;
  /** The Starknet side's relayer section (its lane carries the Starknet messages). */
  starknet?: StarknetRelayerSection;
  timeoutMs?: number;
}): Promise<RelayerProcess> {
  const port = await freePort();
  const config = params.devnet.relayerConfig({
    redisUrl: params.redisUrl,
    queueName: params.queueName,
    store: { kind: "pglite", dataDir: "relayer-db" },
    httpPort: port,
    artifactStore: params.artifactStore,
    logLevel: "info",
  });
  if (params.starknet) config.starknet = params.starknet;
  const configFile = path.join(params.log.dir, "relayer.json");
  writeFileSync(configFile, `${JSON.stringify(config, null, 2)}\n`);
  const child: ChildProcess = spawn(process.execPath, [relayerBin, "start", "--config", configFile], {
    cwd: repoRoot,
    stdio: ["ignore", params.log.fd, params.log.fd],
  });
  const exited = new Promise<string>((resolve) =>
    child.once("exit", (code, signal) => resolve(signal ?? `exit code ${code}`)),
  );
  const stop = async (graceMs = 10_000) => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), graceMs);
    await exited;
    clearTimeout(timer);
  };
  const opsUrl = `http://127.0.0.1:${port}`;
  const until = Date.now() + (params.timeoutMs ?? 90_000);
  let ended: string | null = null;
  void exited.then((how) => {
    ended = how;
  });
  for (;;) {
    if (ended !== null) {
      throw new DemoError(`the relayer exited (${ended}) before it was healthy; see ${params.log.file}`, {
        value: tail(params.log.file),
      });
    }
    try {
      const res = await fetch(`${opsUrl}/health`, { signal: AbortSignal.timeout(1000) });
      if (res.status === 200) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > until) {
      await stop(2000);
      throw new DemoError(`the relayer did not report healthy within ${(params.timeoutMs ?? 90_000) / 1000} s`, {
        value: opsUrl,
      });
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return { pid: child.pid ?? -1, opsUrl, configFile, exited, stop };
}

function tail(file: string): string {
  try {
    return readFileSync(file, "utf8").slice(-2000);
  } catch {
    return "";
  }
}

/** Things to stop, in the reverse order they were started; one that fails to stop does not keep the rest. */
export class Stoppers {
  private readonly items: Array<{ name: string; stop: () => Promise<void> | void }> = [];

  add(name: string, stop: () => Promise<void> | void): void {
    this.items.push({ name, stop });
  }

  /** Stops everything (each within `timeoutMs`); returns the failures as "name: reason" lines. */
  async stopAll(params: { timeoutMs?: number; onStop?: (name: string) => void } = {}): Promise<string[]> {
    const failures: string[] = [];
    while (this.items.length > 0) {
      const item = this.items.pop()!;
      params.onStop?.(item.name);
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          Promise.resolve().then(item.stop),
          new Promise((_, reject) => {
            timer = setTimeout(
              () => reject(new Error(`did not stop within ${(params.timeoutMs ?? 15_000) / 1000} s`)),
              params.timeoutMs ?? 15_000,
            );
          }),
        ]);
      } catch (error) {
        failures.push(`${item.name}: ${error instanceof Error ? error.message : String(error)}`);
      } finally {
        clearTimeout(timer);
      }
    }
    return failures;
  }
}
