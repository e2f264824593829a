/**
 * Worker-thread side of {@link DecodePool}: decodes photos into the cache and returns their
 * perceptual hashes, so filling the cache uses every core.
 */
import { parentPort } from "node:worker_threads";
import type { DecodeJob, DecodeReply } from "./decode-pool.ts";
import { ImageCache } from "./image-cache.ts";
import { dctHash, differenceHash } from "./perceptual-hash.ts";

const caches = new Map<string, ImageCache>();

parentPort!.on("message", async (job: DecodeJob) => {
  let reply: DecodeReply;
  try {
    const key = JSON.stringify(job.spec);
    let cache = caches.get(key);
    if (!cache) {
      cache = new ImageCache(job.spec);
      caches.set(key, cache);
    }
    const { image } = await cache.compute(job.file);
    reply = { id: job.id, hashes: { dct: dctHash(image), difference: differenceHash(image) } };
  } catch (err) {
    reply = { id: job.id, error: err instanceof Error ? err.message : String(err) };
  }
  parentPort!.postMessage(reply);
});
parentPort!.postMessage({ ready: true });
