import { isMarqueeError } from "@marquee/shared";
import { expect, it } from "vitest";
import { WorkLimit } from "./work-limit.ts";

const tick = () => new Promise((r) => setTimeout(r, 5));

it("admits maxActive at once, hands slots to waiters in order, and refuses beyond the queue", async () => {
  const limit = new WorkLimit({ maxActive: 2, maxQueued: 1, maxWaitMs: 10_000 });
  const a = await limit.acquire();
  await limit.acquire();
  let third: (() => void) | undefined;
  const waiting = limit.acquire().then((r) => {
    third = r;
  });
  await expect(limit.acquire()).rejects.toSatisfy((e) => isMarqueeError(e, "busy"));
  await tick();
  expect(third).toBeUndefined();
  expect(limit.waiting).toBe(1);
  a();
  a(); // releasing twice frees one slot only
  await waiting;
  expect(third).toBeDefined();
  expect(limit.inFlight).toBe(2);
});

it("refuses a waiter whose wait runs out with busy, and frees its queue place", async () => {
  const limit = new WorkLimit({ maxActive: 1, maxQueued: 4, maxWaitMs: 20 });
  const release = await limit.acquire();
  await expect(limit.acquire()).rejects.toSatisfy((e) => isMarqueeError(e, "busy"));
  expect(limit.waiting).toBe(0);
  release();
  expect(limit.inFlight).toBe(0);
  (await limit.acquire())();
});
