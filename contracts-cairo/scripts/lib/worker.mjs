// Worker thread: instantiates the patched wasm-cairo module (its bytes), runs one job, posts a CairoJobResult
// (shapes in wasm-cairo.ts). Plain JavaScript so that worker threads start without a TypeScript loader.
import { parentPort, workerData } from "node:worker_threads";
import { compileStarknetContract, initSync, runTests } from "wasm-cairo";

/** Calls `fn` while collecting what the module prints through wasm-bindgen's console.log import. */
function capturePrinted(fn) {
  const chunks = [];
  const original = console.log;
  console.log = (...args) => {
    chunks.push(args.map(String).join(" "));
  };
  try {
    return { returned: fn(), printed: chunks.join("") };
  } catch (err) {
    const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
    return { returned: "", printed: chunks.join(""), crash: `wasm-cairo trapped: ${detail}` };
  } finally {
    console.log = original;
  }
}

function run(job) {
  if (job.kind === "compile") return compileStarknetContract(job.source, job.allowWarnings, false);
  // runTests(program, allow_warnings, filter, include_ignored, ignored, starknet, run_profiler,
  //          gas_disabled, print_resource_usage)
  return runTests(job.source, job.allowWarnings, job.filter, false, false, true, "none", false, false);
}

const { module, job } = workerData;
const started = Date.now();
initSync({ module });
const outcome = capturePrinted(() => run(job));
parentPort.postMessage({ ...outcome, ms: Date.now() - started });
