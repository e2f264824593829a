import { fileURLToPath } from "node:url";
import { decodeEmbedding } from "@marquee/shared";
import { expect, it } from "vitest";
import { centroidGallery, modelCentroids } from "./model-centroids.ts";

const DEFAULT_MODEL = fileURLToPath(new URL("../../../models/default", import.meta.url));

it("reads the bundled model's 17 class centroids, consistent with the head's bias", async () => {
  const centroids = await modelCentroids(DEFAULT_MODEL);
  expect(centroids.map((c) => c.label)).toContain("Tom Hanks");
  expect(centroids).toHaveLength(17);
  for (const { centroid } of centroids) {
    const norm = Math.hypot(...centroid);
    // A mean of unit-length descriptors of one person: shorter than 1, but not by much.
    expect(norm).toBeGreaterThan(0.8);
    expect(norm).toBeLessThan(1);
  }
  // Different people's centroids are far apart (same person ≲ 0.4 in these units).
  const [a, b] = centroids;
  const d = Math.hypot(...(a?.centroid ?? []).map((x, i) => x - (b?.centroid[i] as number)));
  expect(d).toBeGreaterThan(0.4);
});

it("makes an importable export document with the model's embedder", async () => {
  const doc = await centroidGallery(DEFAULT_MODEL, "celebs");
  expect(doc.embedder).toEqual({
    name: "@vladmandic/face-api/face_recognition_model+dlib-chip+mirror",
    version: "1.7.15",
    dimensions: 128,
  });
  expect(doc.people).toHaveLength(17);
  const first = doc.people[0]?.faces[0]?.embedding as string;
  const centroids = await modelCentroids(DEFAULT_MODEL);
  expect(Array.from(decodeEmbedding(first, 128))).toEqual(Array.from(centroids[0]?.centroid ?? []));
});
