import { describe, expect, it } from "vitest";
import { createLimiter } from "../src/util/limiter.js";
import { AbortedError, backoffDelay, RetriesExhaustedError, retry, sleep } from "../src/util/retry.js";

describe("backoff and retry", () => {
  it("doubles up to the cap and draws jitter inside it", () => {
    const policy = { baseMs: 100, maxMs: 1000, jitter: 0 };
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, policy))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect(backoffDelay(3, { ...policy, jitter: 1 }, () => 0)).toBe(0);
    expect(backoffDelay(3, { ...policy, jitter: 0.5 }, () => 1)).toBe(400);
    expect(backoffDelay(3, { ...policy, jitter: 0.5 }, () => 0)).toBe(200);
  });

  it("retries until success and reports each retry", async () => {
    const seen: number[] = [];
    let calls = 0;
    const value = await retry(
      async () => {
        calls++;
        if (calls < 3) throw new Error(`fail ${calls}`);
        return "ok";
      },
      {
        operation: "op",
        attempts: 5,
        backoff: { baseMs: 1, maxMs: 2, jitter: 0 },
        onRetry: (i) => seen.push(i.attempt),
      },
    );
    expect(value).toBe("ok");
    expect(seen).toEqual([1, 2]);
  });

  it("gives up with the last error as cause, and rethrows non-retryable errors at once", async () => {
    const error = await retry(async () => Promise.reject(new Error("always")), {
      operation: "op",
      attempts: 2,
      backoff: { baseMs: 1, maxMs: 1, jitter: 0 },
    }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetriesExhaustedError);
    expect((error as RetriesExhaustedError).cause).toMatchObject({ message: "always" });
    let calls = 0;
    const fatal = new Error("fatal");
    await expect(
      retry(
        async () => {
          calls++;
          throw fatal;
        },
        { operation: "op", attempts: 5, isRetryable: (e) => e !== fatal },
      ),
    ).rejects.toBe(fatal);
    expect(calls).toBe(1);
  });

  it("sleep stops at once when aborted", async () => {
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(), 10);
    await expect(sleep(10_000, controller.signal)).rejects.toBeInstanceOf(AbortedError);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});

describe("limiter", () => {
  it("never runs more than its concurrency and keeps FIFO order", async () => {
    const limiter = createLimiter(2);
    let active = 0;
    let peak = 0;
    const order: number[] = [];
    await Promise.all(
      [0, 1, 2, 3, 4, 5].map((i) =>
        limiter.run(async () => {
          active++;
          peak = Math.max(peak, active);
          order.push(i);
          await new Promise((r) => setTimeout(r, 5));
          active--;
        }),
      ),
    );
    expect(peak).toBe(2);
    expect(order).toEqual([0, 1, 2, 3, 4, 5]);
    expect(() => createLimiter(0)).toThrow(RangeError);
  });

  it("releases its slot when a task throws", async () => {
    const limiter = createLimiter(1);
    await expect(limiter.run(async () => Promise.reject(new Error("x")))).rejects.toThrow("x");
    await expect(limiter.run(async () => 1)).resolves.toBe(1);
    expect(limiter.active).toBe(0);
  });
});
