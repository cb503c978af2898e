#!/usr/bin/env node
// Runs the TypeScript CLI from source (the workspace has no build step). tsx is registered in this very
// process, so signals sent to it (SIGTERM from a supervisor, SIGKILL) reach the relayer itself.
import { register } from "tsx/esm/api";

register();
await import("../src/cli/main.ts");
