import http from "node:http";
import type { AddressInfo } from "node:net";
import { describeError } from "@zk-vin/chain-kit";
import type { Registry } from "prom-client";

export interface HealthReport {
  healthy: boolean;
  checks: Array<{ name: string; healthy: boolean; detail: string }>;
}

export interface OpsServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves GET /metrics (Prometheus text), /health (200 when every check passes, else 503; JSON body)
 * and /status (JSON for the CLI's `status`). Nothing else; no request changes any state.
 */
export async function startOpsServer(params: {
  host: string;
  port: number;
  registry: Registry;
  health: () => Promise<HealthReport>;
  status: () => Promise<unknown>;
}): Promise<OpsServer> {
  const server = http.createServer((req, res) => {
    const route = (req.url ?? "/").split("?")[0];
    const send = (code: number, type: string, body: string) => {
      res.writeHead(code, { "content-type": type });
      res.end(body);
    };
    const handle = async () => {
      if (req.method !== "GET") return send(405, "text/plain", "method not allowed\n");
      if (route === "/metrics") return send(200, params.registry.contentType, await params.registry.metrics());
      if (route === "/health") {
        const report = await params.health();
        return send(report.healthy ? 200 : 503, "application/json", `${JSON.stringify(report)}\n`);
      }
      if (route === "/status") return send(200, "application/json", `${toJson(await params.status())}\n`);
      return send(404, "text/plain", "not found\n");
    };
    handle().catch((error: unknown) => send(500, "text/plain", `${describeError(error)}\n`));
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(params.port, params.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://${params.host}:${address.port}`,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((e) => (e ? reject(e) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** JSON with bigints as decimal strings. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_k, v) => (typeof v === "bigint" ? v.toString() : v), 2);
}
