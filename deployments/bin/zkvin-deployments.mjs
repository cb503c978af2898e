#!/usr/bin/env node
// Runs the deployments CLI (devnet, deploy) from source (the workspace has no build step); tsx is registered in this process,
// so Ctrl-C and SIGTERM reach the CLI itself, which stops everything it started.
import { register } from "tsx/esm/api";

register();
await import("../src/cli.ts");
