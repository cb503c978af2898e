// The demo's requests as a dApp sees them: the SDK's typed queries against the local GraphQL endpoint
// (the same queries run against The Graph). A spoke request is a SpokeRequest on its chain linked to the
// hub's InferenceRequest; a hub request is an InferenceRequest. The answer is awaited until the index
// has caught up with the callbacks.
import {
  type GraphQLClient,
  getEntity,
  getRequestDetails,
  type RequestDetails,
  type SpokeRequestFields,
} from "@zk-vin/oracle-sdk";
import { DemoResultError } from "./errors.js";
import type { MeasuredRequest } from "./measure.js";

export interface GraphQLAnswer {
  index: number;
  /** The spoke's entity for spoke requests (null for hub requests). */
  spokeRequest: SpokeRequestFields | null;
  /** The hub's entity, with model, node, proof batch and assignments. */
  hubRequest: RequestDetails;
}

function ready(m: MeasuredRequest, spoke: SpokeRequestFields | null, hub: RequestDetails | null): boolean {
  if (hub?.status !== "FULFILLED" || hub.delivery !== "DELIVERED" || !hub.batch) return false;
  if (m.request.chain.role === "hub") return true;
  return spoke?.status === "FULFILLED" && spoke.callback === "DELIVERED" && spoke.hubRequest?.id === hub.id;
}

/** Asks the endpoint about every request until all are indexed as fulfilled and delivered. */
export async function queryRequests(params: {
  gql: GraphQLClient;
  requests: MeasuredRequest[];
  timeoutMs: number;
  signal: AbortSignal;
  onProgress?: (done: number, total: number) => void;
}): Promise<GraphQLAnswer[]> {
  const deadline = Date.now() + params.timeoutMs;
  const answers = new Map<number, GraphQLAnswer>();
  let lastError: unknown = null;
  for (;;) {
    params.signal.throwIfAborted();
    for (const m of params.requests) {
      if (answers.has(m.request.index)) continue;
      try {
        const spoke =
          m.request.chain.role === "spoke"
            ? await getEntity(params.gql, "SpokeRequest", `${m.request.chain.eid}-${m.request.requestId}`)
            : null;
        const hub = await getRequestDetails(params.gql, m.hubRequestId);
        if (ready(m, spoke, hub))
          answers.set(m.request.index, { index: m.request.index, spokeRequest: spoke, hubRequest: hub! });
      } catch (error) {
        lastError = error; // the indexer may still be starting; asked again below
      }
    }
    params.onProgress?.(answers.size, params.requests.length);
    if (answers.size === params.requests.length) {
      return params.requests.map((m) => answers.get(m.request.index)!);
    }
    if (Date.now() > deadline) {
      const missing = params.requests.filter((m) => !answers.has(m.request.index)).map((m) => m.request.index);
      throw new DemoResultError(
        `GraphQL does not show request(s) ${missing.join(", ")} fulfilled within ${params.timeoutMs / 1000} s` +
          (lastError ? ` (last error: ${lastError instanceof Error ? lastError.message : String(lastError)})` : ""),
        { value: missing },
      );
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** The index agrees with the chains: same output, the same proof transaction, the request linked. */
export function checkAnswer(m: MeasuredRequest, a: GraphQLAnswer): void {
  const where = `GraphQL, request ${m.request.index}`;
  const chainOutput = m.delivered.map(String);
  const hubOutput = a.hubRequest.output ?? [];
  if (hubOutput.join() !== m.fulfilment.output.map(String).join()) {
    throw new DemoResultError(`${where}: hub output [${hubOutput.join(", ")}] differs from the chain's`, {
      value: hubOutput,
    });
  }
  if (a.hubRequest.batch?.transactionHash.toLowerCase() !== m.fulfilment.transactionHash.toLowerCase()) {
    throw new DemoResultError(`${where}: proof transaction ${a.hubRequest.batch?.transactionHash} differs`, {
      value: a.hubRequest.batch,
    });
  }
  if (a.spokeRequest && (a.spokeRequest.output ?? []).join() !== chainOutput.join()) {
    throw new DemoResultError(`${where}: spoke output differs from the chain's`, { value: a.spokeRequest.output });
  }
}
