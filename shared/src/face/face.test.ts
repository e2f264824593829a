import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isMarqueeError } from "../errors.ts";
import type { RgbImage } from "../image/types.ts";
import { nodeFaceWeightSource } from "../node/face-weights.ts";
import {
  type DetectedFace,
  detectFaces,
  embedFaces,
  embedSubjectFace,
  embedWholeImageAsFace,
  euclideanDistance,
  type FaceModels,
  fetchWeightSource,
  findFaces,
  loadFaceModels,
  servingFacePolicy,
} from "./index.ts";
import { cropRgb, readRgb, samplePhotoPath, tightFaceCrop, useBackend } from "./test-support.ts";

let tiny: FaceModels;
let ssd: FaceModels;
let bf: FaceModels;
const photos: RgbImage[] = [];

beforeAll(async () => {
  await useBackend("wasm");
  tiny = await loadFaceModels(nodeFaceWeightSource(), { detector: "tiny" });
  ssd = await loadFaceModels(nodeFaceWeightSource(), { detector: "ssd" });
  bf = await loadFaceModels(nodeFaceWeightSource());
  for (let n = 1; n <= 5; n++) photos.push(await readRgb(samplePhotoPath(n)));
}, 60_000);

afterAll(() => {
  tiny?.dispose();
  ssd?.dispose();
  bf?.dispose();
});

// The served and trained policy (BlazeFace + scaled pass); detectFaces is face-api's one-pass helper.
const POLICY = servingFacePolicy();

function photo(n: number): RgbImage {
  return photos[n - 1] as RgbImage;
}

function expectPlausibleFace(face: DetectedFace, image: RgbImage) {
  const { box } = face;
  expect(box.left).toBeGreaterThanOrEqual(0);
  expect(box.top).toBeGreaterThanOrEqual(0);
  expect(box.left + box.width).toBeLessThanOrEqual(image.width + 1e-6);
  expect(box.top + box.height).toBeLessThanOrEqual(image.height + 1e-6);
  // Faces in these group photos are 150–350 px and roughly as tall as wide.
  expect(box.width).toBeGreaterThan(100);
  expect(box.width).toBeLessThan(450);
  expect(box.height / box.width).toBeGreaterThan(0.6);
  expect(box.height / box.width).toBeLessThan(2);
  const lm = face.landmarks ?? [];
  expect(lm).toHaveLength(68);
  const mean = (a: number, b: number) => lm.slice(a, b).reduce((s, p) => s + p.y, 0) / (b - a);
  // Eyes above the nose tip above the mouth, all inside the (slightly grown) box.
  expect(mean(36, 48)).toBeLessThan(mean(30, 31));
  expect(mean(30, 31)).toBeLessThan(mean(48, 68));
  for (const p of lm) {
    expect(p.x).toBeGreaterThan(box.left - box.width * 0.3);
    expect(p.x).toBeLessThan(box.left + box.width * 1.3);
  }
}

describe("detectFaces", () => {
  it("finds every face in the group photos with the SSD detector, largest first", async () => {
    // Counts checked by eye and against face-api's own pipeline (scripts/face-probe-oracle.ts).
    // (scripts/face-probe.ts checks all six photos; three keep this test fast.)
    const expected: [number, number][] = [
      [1, 3],
      [4, 4],
      [5, 5],
    ];
    for (const [n, count] of expected) {
      const faces = await detectFaces(ssd, photo(n));
      expect(faces.length, `sample${n}.jpg`).toBe(count);
      for (const f of faces) expectPlausibleFace(f, photo(n));
      const areas = faces.map((f) => f.box.width * f.box.height);
      expect(areas).toEqual([...areas].sort((a, b) => b - a));
    }
  }, 60_000);

  it("finds the faces of sample1 with the tiny detector, at the same places as the SSD", async () => {
    const fromTiny = await detectFaces(tiny, photo(1));
    const fromSsd = await detectFaces(ssd, photo(1));
    expect(fromTiny).toHaveLength(3);
    for (const f of fromTiny) {
      expectPlausibleFace(f, photo(1));
      const cx = f.box.left + f.box.width / 2;
      const match = fromSsd.find((s) => Math.abs(s.box.left + s.box.width / 2 - cx) < s.box.width / 2);
      expect(match).toBeDefined();
    }
  }, 30_000);

  it("finds nothing in a flat grey image", async () => {
    const grey: RgbImage = { width: 320, height: 240, data: new Uint8Array(320 * 240 * 3).fill(128) };
    expect(await detectFaces(tiny, grey)).toEqual([]);
    expect(await embedSubjectFace(bf, grey, POLICY)).toBeNull();
  });

  it("rejects an input size that is not a multiple of 32", async () => {
    await expect(detectFaces(tiny, photo(1), { inputSize: 300 })).rejects.toSatisfy((e) =>
      isMarqueeError(e, "bad_request"),
    );
  });
});

describe("embedFaces", () => {
  it("gives the same person a close descriptor from a different crop, and different people far ones", async () => {
    const image = photo(1);
    const faces = await detectFaces(ssd, image);
    const descriptors = await embedFaces(ssd, image, faces);
    expect(descriptors).toHaveLength(3);
    for (const d of descriptors) {
      expect(d).toHaveLength(128);
      expect(d.every(Number.isFinite)).toBe(true);
    }
    // Different people in one photo: far apart.
    for (let i = 0; i < 3; i++) {
      for (let j = i + 1; j < 3; j++) {
        expect(
          euclideanDistance(descriptors[i] as Float32Array, descriptors[j] as Float32Array),
        ).toBeGreaterThan(0.55);
      }
    }
    // Same person, cut out with a wide margin (different framing, scale and detector box): close.
    const face = faces[0] as DetectedFace;
    const crop = cropRgb(
      image,
      face.box.left - face.box.width,
      face.box.top - face.box.height * 0.8,
      face.box.width * 3,
      face.box.height * 2.6,
    );
    const again = await embedSubjectFace(bf, crop, POLICY);
    expect(again?.source).toBe("detected");
    expect(euclideanDistance(again?.descriptor as Float32Array, descriptors[0] as Float32Array)).toBeLessThan(
      0.3,
    );
  }, 30_000);

  it("computes missing landmarks itself", async () => {
    const faces = await detectFaces(ssd, photo(1), { landmarks: false });
    expect(faces[0]?.landmarks).toBeUndefined();
    const withLandmarks = await detectFaces(ssd, photo(1));
    const [a] = await embedFaces(ssd, photo(1), faces.slice(0, 1));
    const [b] = await embedFaces(ssd, photo(1), withLandmarks.slice(0, 1));
    expect(euclideanDistance(a as Float32Array, b as Float32Array)).toBeLessThan(1e-5);
  }, 30_000);
});

describe("tight face crops", () => {
  it("embeds 112×112 aligned crops close to the face in the full photo", async () => {
    const distances: number[] = [];
    for (const n of [1, 3]) {
      const image = photo(n);
      const faces = await detectFaces(ssd, image);
      const full = await embedFaces(ssd, image, faces);
      for (let i = 0; i < faces.length; i++) {
        const crop = tightFaceCrop(image, (faces[i] as DetectedFace).landmarks ?? []);
        const { descriptor } = await embedWholeImageAsFace(ssd, crop);
        distances.push(euclideanDistance(descriptor, full[i] as Float32Array));
        // And it is still nearest to its own face, not to another person in the photo.
        const nearest = full
          .map((d) => euclideanDistance(d, descriptor))
          .indexOf(Math.min(...full.map((d) => euclideanDistance(d, descriptor))));
        expect(nearest).toBe(i);
      }
    }
    expect(Math.max(...distances)).toBeLessThan(0.4);
  }, 60_000);

  it("embedSubjectFace finds nothing in a flat near-square picture (no whole-image fallback)", async () => {
    const grey: RgbImage = { width: 112, height: 112, data: new Uint8Array(112 * 112 * 3).fill(90) };
    expect(await embedSubjectFace(bf, grey, POLICY)).toBeNull();
    expect(await findFaces(bf, grey, POLICY)).toMatchObject({ faces: [], subject: -1, truncated: false });
  });
});

describe("findFaces", () => {
  it("gives the subject's descriptor to embedSubjectFace, the same as embedding it from findFaces", async () => {
    const image = photo(1);
    const found = await findFaces(bf, image, POLICY);
    expect(found.faces.length).toBeGreaterThan(1);
    const subject = found.faces[found.subject] as DetectedFace;
    const [expected] = await embedFaces(bf, image, [subject]);
    const got = await embedSubjectFace(bf, image, POLICY);
    expect(got?.source).toBe("detected");
    expect(got?.face).toEqual(subject);
    expect(got?.descriptor).toEqual(expected);
  }, 30_000);

  it("keeps at most policy.maxFaces faces, the largest", async () => {
    const all = await findFaces(bf, photo(1), POLICY);
    const one = await findFaces(bf, photo(1), { ...POLICY, maxFaces: 1 });
    expect(one.faces).toEqual(all.faces.slice(0, 1));
  }, 30_000);
});

describe("memory", () => {
  it("leaves no tensors behind across calls", async () => {
    const image = photo(2);
    await embedSubjectFace(bf, image, POLICY); // warm-up: backends may cache on first use
    const before = tf.memory().numTensors;
    for (let i = 0; i < 2; i++) {
      const faces = await detectFaces(tiny, image);
      await embedFaces(tiny, image, faces);
      await embedWholeImageAsFace(tiny, cropRgb(image, 0, 0, 200, 200));
      await detectFaces(ssd, cropRgb(image, 0, 0, 640, 480));
      await embedSubjectFace(bf, image, POLICY);
    }
    expect(tf.memory().numTensors).toBe(before);
  }, 30_000);

  it("frees the weights on dispose", async () => {
    const before = tf.memory().numTensors;
    const models = await loadFaceModels(nodeFaceWeightSource(), { detector: "tiny", landmarks: "tiny" });
    expect(tf.memory().numTensors).toBeGreaterThan(before);
    models.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe("loadFaceModels", () => {
  it("loads through a fetcher (as the edge reads its assets) and reports a missing file", async () => {
    const source = nodeFaceWeightSource();
    const requested: string[] = [];
    const assets = {
      async fetch(url: string) {
        requested.push(url);
        const name = url.slice(url.lastIndexOf("/") + 1);
        if (name.startsWith("face_landmark_68_tiny")) return new Response("not found", { status: 404 });
        return new Response((await source(name)) as Uint8Array<ArrayBuffer>);
      },
    };
    const models = await loadFaceModels(fetchWeightSource(assets, "https://assets.local/face"), {
      detector: "tiny",
    });
    expect(requested).toContain("https://assets.local/face/tiny_face_detector_model-weights_manifest.json");
    expect(models.weightFiles).toEqual([
      "tiny_face_detector_model",
      "face_landmark_68_model",
      "face_recognition_model",
    ]);
    models.dispose();
    await expect(
      loadFaceModels(fetchWeightSource(assets, "https://assets.local/face"), { landmarks: "tiny" }),
    ).rejects.toSatisfy((e) => isMarqueeError(e, "model_unavailable"));
  });

  it("fails with model_unavailable when a weight file cannot be read", async () => {
    const before = tf.memory().numTensors;
    const source = nodeFaceWeightSource();
    const broken = async (name: string) => {
      if (name.startsWith("face_recognition")) throw new Error("missing");
      return source(name);
    };
    await expect(loadFaceModels(broken)).rejects.toSatisfy((e) => isMarqueeError(e, "model_unavailable"));
    expect(tf.memory().numTensors).toBe(before);
  });
});
