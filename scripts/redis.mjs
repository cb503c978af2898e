#!/usr/bin/env node
// CLI: node scripts/redis.mjs start|stop|status
import { ensureRedis, pingRedis, redisUrl, stopRedis } from "./lib/redis.mjs";

const cmd = process.argv[2] ?? "status";
if (cmd === "start") {
  const { started } = await ensureRedis();
  console.log(started ? `started Redis at ${redisUrl()}` : `Redis already answers at ${redisUrl()}`);
} else if (cmd === "stop") {
  console.log(stopRedis() ? "stopped the Redis this project started" : "no Redis started by this project");
} else if (cmd === "status") {
  console.log((await pingRedis()) ? `Redis answers at ${redisUrl()}` : `no Redis at ${redisUrl()}`);
} else {
  console.error("usage: node scripts/redis.mjs start|stop|status");
  process.exit(2);
}
