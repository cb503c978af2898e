import pino from "pino";
import type { Logger } from "../util/logger.js";

/** Structured JSON logs on stderr (stdout stays free for CLI output), one object per line. */
export function createLogger(params: { level: string; name?: string }): Logger & pino.Logger {
  return pino(
    {
      name: params.name ?? "zkvin-relayer",
      level: params.level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      // bigint values (block numbers, nonces) are common in this code; pino cannot print them natively.
      hooks: {
        logMethod(args, method) {
          if (args[0] && typeof args[0] === "object") args[0] = bigintsToStrings(args[0]) as object;
          return method.apply(this, args as Parameters<typeof method>);
        },
      },
    },
    pino.destination({ fd: 2, sync: true }),
  );
}

function bigintsToStrings(value: unknown): unknown {
  if (typeof value === "bigint") return value.toString();
  if (value instanceof Error || value === null || typeof value !== "object") return value;
  if (Array.isArray(value)) return value.map(bigintsToStrings);
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, bigintsToStrings(v)]));
}
