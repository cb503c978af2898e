// A proving service in its own Node process, for the test that kills one mid-job.
// Usage: tsx worker-main.ts <redis-url> <queue> ; prints "ready" once it takes jobs.
import { LocalArtifactStore } from "../../src/artifact-store.js";
import { startProverWorkers } from "../../src/queue/workers.js";

const [url, queueName] = process.argv.slice(2);
if (!url || !queueName) throw new Error("usage: worker-main.ts <redis-url> <queue>");
await startProverWorkers({
  connection: url,
  queueName,
  store: new LocalArtifactStore(),
  concurrency: 1,
  lockDurationMs: 2000,
  stalledIntervalMs: 1000,
  log: () => undefined,
});
process.stdout.write(`ready ${process.pid}\n`);
