/**
 * A mapping did something graph-node would abort the handler for (an assertion, a host function error,
 * a missing non-null field). The indexer stops at that event, as graph-node marks the subgraph failed.
 */
export class MappingAbort extends Error {
  override readonly name: string = "MappingAbort";
}

/** A graph-ts feature the local runtime does not provide (see subgraph/README.md, "Mapping rules"). */
export class UnsupportedInLocalRuntime extends MappingAbort {
  override readonly name = "UnsupportedInLocalRuntime";
  constructor(readonly feature: string) {
    super(`${feature} is not supported by the local runtime; see subgraph/README.md (mapping rules)`);
  }
}
