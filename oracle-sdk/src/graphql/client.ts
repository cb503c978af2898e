// A minimal GraphQL-over-HTTP client (POST, JSON) for the hosted subgraph and the local endpoint alike.
import { GraphQLRequestError } from "../errors.js";

export interface GraphQLClient {
  readonly url: string;
  request<T>(query: string, variables?: Record<string, unknown>): Promise<T>;
}

export interface GraphQLClientOptions {
  url: string;
  headers?: Record<string, string>;
  /** Defaults to the global fetch. */
  fetch?: typeof fetch;
}

/** bigint variables travel as decimal strings, as The Graph's BigInt scalar expects. */
export function serializeVariables(variables: Record<string, unknown>): string {
  return JSON.stringify(variables, (_key, value: unknown) => (typeof value === "bigint" ? value.toString() : value));
}

export function createGraphQLClient(options: GraphQLClientOptions): GraphQLClient {
  const doFetch = options.fetch ?? fetch;
  return {
    url: options.url,
    async request<T>(query: string, variables: Record<string, unknown> = {}): Promise<T> {
      let response: Response;
      try {
        response = await doFetch(options.url, {
          method: "POST",
          headers: { "content-type": "application/json", accept: "application/json", ...options.headers },
          body: `{"query":${JSON.stringify(query)},"variables":${serializeVariables(variables)}}`,
        });
      } catch (cause) {
        throw new GraphQLRequestError(options.url, null, [{ message: "the endpoint did not answer" }], { cause });
      }
      let body: { data?: T | null; errors?: Array<{ message: string }> };
      try {
        body = (await response.json()) as typeof body;
      } catch (cause) {
        throw new GraphQLRequestError(options.url, response.status, [{ message: "the answer is not JSON" }], { cause });
      }
      if (!response.ok || (body.errors && body.errors.length > 0) || body.data === undefined || body.data === null) {
        throw new GraphQLRequestError(options.url, response.status, body.errors ?? []);
      }
      return body.data;
    },
  };
}
