// Batching: single-request inferences for the same model are grouped into one proof, up to the
// model's compiled batch size or until `windowMs` has passed since the group's first request; a
// partial batch is padded by the prover (it repeats the last row). Each caller gets its own row's
// output and the shared proof. Requests are validated on submit, so a bad one never joins a batch.
import type { ArtifactStore } from "../artifact-store.js";
import { InvalidInputError } from "../errors.js";
import type { FixedValue } from "../validation.js";
import { validateInputs } from "../validation.js";
import type { ProverClient } from "./client.js";
import type { ProveJobResult } from "./jobs.js";

export interface InferenceRequest {
  artifactId: string;
  requestId: string;
  input?: number[];
  inputFixed?: FixedValue[];
}

export interface InferenceResult {
  requestId: string;
  /** The request's row (batch slot) in the proof's instances. */
  slot: number;
  output: number[];
  outputFixed: string[];
  proof: ProveJobResult;
}

interface Waiting {
  requestId: string;
  row: string[];
  resolve: (r: InferenceResult) => void;
  reject: (e: unknown) => void;
}

interface Group {
  batchSize: number;
  items: Waiting[];
  timer: NodeJS.Timeout | undefined;
}

export class InferenceBatcher {
  private readonly groups = new Map<string, Group>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly admitting = new Set<Promise<unknown>>();
  private closed = false;

  constructor(
    private readonly params: { client: ProverClient; store: ArtifactStore; windowMs?: number; verify?: boolean },
  ) {}

  submit(request: InferenceRequest): Promise<InferenceResult> {
    if (this.closed) return Promise.reject(new InvalidInputError("the batcher is closed", { field: "batcher" }));
    // close() waits for requests still being admitted (manifest lookup), so none is left behind.
    const admitted = this.admit(request);
    const settled = admitted.then(
      () => undefined,
      () => undefined,
    );
    this.admitting.add(settled);
    void settled.finally(() => this.admitting.delete(settled));
    return admitted.then((wait) => wait());
  }

  private async admit(request: InferenceRequest): Promise<() => Promise<InferenceResult>> {
    const manifest = await this.params.store.manifest(request.artifactId);
    const { inputsFixed } = validateInputs(manifest, {
      inputs: request.input === undefined ? undefined : [request.input],
      inputsFixed: request.inputFixed === undefined ? undefined : [request.inputFixed],
    });
    if (!request.requestId)
      throw new InvalidInputError("requestId must be a non-empty string", {
        field: "requestId",
        value: request.requestId,
      });
    let group = this.groups.get(request.artifactId);
    if (!group) {
      group = { batchSize: manifest.batchSize, items: [], timer: undefined };
      this.groups.set(request.artifactId, group);
    }
    if (group.items.some((w) => w.requestId === request.requestId)) {
      throw new InvalidInputError(`request ${request.requestId} is already waiting in a batch`, {
        field: "requestId",
        value: request.requestId,
      });
    }
    const result = new Promise<InferenceResult>((resolve, reject) => {
      const g = group;
      g.items.push({ requestId: request.requestId, row: inputsFixed[0]!, resolve, reject });
      if (g.items.length >= g.batchSize) this.dispatch(request.artifactId);
      else g.timer ??= setTimeout(() => this.dispatch(request.artifactId), this.params.windowMs ?? 250);
    });
    return () => result;
  }

  private dispatch(artifactId: string): void {
    const group = this.groups.get(artifactId);
    if (!group || group.items.length === 0) return;
    clearTimeout(group.timer);
    this.groups.delete(artifactId);
    const items = group.items;
    const run = (async () => {
      try {
        const result = await this.params.client.prove({
          artifactId,
          inputsFixed: items.map((w) => w.row),
          requestIds: items.map((w) => w.requestId),
          verify: this.params.verify ?? false,
        });
        for (const [slot, w] of items.entries()) {
          w.resolve({
            requestId: w.requestId,
            slot,
            output: result.outputs[slot]!,
            outputFixed: result.outputsFixed[slot]!,
            proof: result,
          });
        }
      } catch (err) {
        for (const w of items) w.reject(err);
      }
    })();
    this.inFlight.add(run);
    void run.finally(() => this.inFlight.delete(run));
  }

  /** Sends every waiting group now. */
  flush(): void {
    for (const id of [...this.groups.keys()]) this.dispatch(id);
  }

  /** Stops taking requests, sends what waits, and resolves once every batch has its answer. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.admitting]);
    this.flush();
    await Promise.allSettled([...this.inFlight]);
  }
}
