#!/usr/bin/env node
// Runs the deployments CLI (devnet, deploy) from source (the SDK it imports from its dist/, which `npm run setup`
// builds); tsx is registered in this process,
// so Ctrl-C and SIGTERM reach the CLI itself, which stops everything it started.
import { register } from "tsx/esm/api";

register();
await import("../src/cli.ts");
