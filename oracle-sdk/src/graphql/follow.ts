// On The Graph each chain is its own subgraph: a spoke's SpokeRequest and the hub's InferenceRequest it
// became live in different subgraphs, so their links (SpokeRequest.hubRequest, InferenceRequest.spokeRequest)
// stay null there. This follows a spoke request to its hub request by the hub's record of its origin
// (originEid, originRequestId), which holds on hosted subgraphs and the local endpoint alike.
import type { GraphQLClient } from "./client.js";
import type { SpokeRequestFields } from "./generated/schema.js";
import { getEntity, getRequestDetails, listEntities, type RequestDetails } from "./queries.js";

export interface FollowedSpokeRequest {
  /** The request as the spoke's subgraph holds it. */
  spokeRequest: SpokeRequestFields;
  /** The hub's request made for it, with its details; null while the message has not reached the hub. */
  hubRequest: RequestDetails | null;
}

/**
 * The spoke request `requestId` of the spoke with LayerZero endpoint id `eid` (from the spoke's subgraph),
 * and the hub request made for it (from the hub's subgraph); null when the spoke's subgraph does not know
 * the request (yet).
 */
export async function followSpokeRequest(params: {
  spoke: GraphQLClient;
  hub: GraphQLClient;
  eid: number;
  requestId: bigint | string;
}): Promise<FollowedSpokeRequest | null> {
  const spokeRequest = await getEntity(params.spoke, "SpokeRequest", `${params.eid}-${params.requestId}`);
  if (!spokeRequest) return null;
  const [hub] = await listEntities(params.hub, "InferenceRequest", {
    first: 1,
    where: { originEid: params.eid, originRequestId: String(params.requestId) },
  });
  const id = hub?.id ?? spokeRequest.hubRequestId;
  return { spokeRequest, hubRequest: id ? await getRequestDetails(params.hub, id) : null };
}
