import { describe, expect, it } from "vitest";
import { defaultJobId } from "../src/queue/jobs.js";

describe("defaultJobId", () => {
  it("changes with the inputs, so a job found by id is a proof of those inputs", () => {
    const a = defaultJobId("sha256:abc", ["7@120#0"], [["8192", "16384"]]);
    expect(defaultJobId("sha256:abc", ["7@120#0"], [["8192", "16384"]])).toBe(a);
    expect(defaultJobId("sha256:abc", ["7@120#0"], [["8192", "16385"]])).not.toBe(a);
    expect(defaultJobId("sha256:abd", ["7@120#0"], [["8192", "16384"]])).not.toBe(a);
    expect(defaultJobId("sha256:abc", ["8@120#0"], [["8192", "16384"]])).not.toBe(a);
    // Row boundaries count: [[1,2],[3]] and [[1],[2,3]] are different work.
    expect(defaultJobId("m", ["a", "b"], [["1", "2"], ["3"]])).not.toBe(
      defaultJobId("m", ["a", "b"], [["1"], ["2", "3"]]),
    );
  });
});
