import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ModelMetadata } from "../artifact/metadata.ts";
import type { RgbImage } from "../image/types.ts";
import { nodeFaceWeightSource } from "../node/face-weights.ts";
import { normalizeDescriptor } from "./classify.ts";
import { averageDescriptors, describeFaces } from "./embed.ts";
import { findFaces } from "./find-faces.ts";
import { type FaceModels, loadFaceModels } from "./models.ts";
import { servingFacePolicy } from "./policy.ts";
import { recognizeFaces, topLevelFaceIndex } from "./recognize.ts";
import { readRgb, samplePhotoPath, useBackend } from "./test-support.ts";

const face = (label: string, width: number, detectionScore = 0.9) => ({
  label,
  detectionScore,
  box: { width, height: width },
});

it("picks the subject among the accepted faces for the top-level answer", () => {
  // The largest face is a stranger: the top level describes the largest accepted one.
  expect(topLevelFaceIndex([face("unknown", 0.5), face("Ada", 0.2), face("Bob", 0.3)])).toBe(2);
  // A much less certain detection does not win because it is larger (subject rule, 0.8 of the best).
  expect(topLevelFaceIndex([face("Ada", 0.5, 0.6), face("Bob", 0.2, 0.95)])).toBe(1);
});

it("answers -1 when every face is unknown or there is none", () => {
  expect(topLevelFaceIndex([face("unknown", 0.5), face("unknown", 0.3)])).toBe(-1);
  expect(topLevelFaceIndex([])).toBe(-1);
});

describe("the mirrored pass (recognizeFaces with a mirror recipe)", () => {
  let models: FaceModels;
  let image: RgbImage;
  beforeAll(async () => {
    await useBackend("wasm");
    models = await loadFaceModels(nodeFaceWeightSource());
    image = await readRgb(samplePhotoPath(1));
  }, 60_000);
  afterAll(() => models?.dispose());

  it("runs only for faces near the threshold, whose descriptor becomes the plain–mirror average", async () => {
    const policy = servingFacePolicy();
    const { faces } = await findFaces(models, image, policy);
    const landmarks = faces.map((f) => f.landmarks!);
    const plain = await describeFaces(models, image, landmarks, { crop: "dlib-chip", mirrored: false });
    const mirrored = await describeFaces(models, image, landmarks, { crop: "dlib-chip", mirrored: true });
    // A one-class head whose centroid is face 0's plain descriptor: score = 1 − ‖x − c‖².
    const c = normalizeDescriptor(plain[0]!);
    const head = {
      predict: (x: tf.Tensor) =>
        tf.tidy(() => {
          const d2 = tf.sum(tf.square(tf.sub(x, tf.tensor2d(c, [1, c.length]))), 1, true);
          return tf.concat([tf.zerosLike(d2), tf.sub(1, d2)], 1);
        }),
    };
    const distance = (d: Float32Array) =>
      Math.hypot(...Array.from(normalizeDescriptor(d), (v, k) => v - c[k]!));
    const near = distance(plain[1]!);
    const meta = (mirror: boolean) => ({
      labels: ["face 0"],
      output: "logits" as const,
      face: {
        rejection: { kind: "distance" as const, threshold: near },
        descriptor: { crop: "dlib-chip" as const, mirror },
      } as ModelMetadata["face"],
    });
    const withMirror = await recognizeFaces(models, head, image, meta(true), { policy });
    // Face 0 sits at distance 0, far from the threshold: its plain descriptor is kept.
    expect(withMirror.faces[0]!.distance).toBeCloseTo(0, 5);
    // Face 1 sits on the threshold: its distance is the average's, not the plain one.
    const averaged = distance(averageDescriptors(plain[1]!, mirrored[1]!));
    expect(withMirror.faces[1]!.distance).toBeCloseTo(averaged, 5);
    expect(Math.abs(averaged - near)).toBeGreaterThan(1e-4);
    const withoutMirror = await recognizeFaces(models, head, image, meta(false), { policy });
    expect(withoutMirror.faces[1]!.distance).toBeCloseTo(near, 5);
  }, 60_000);
});
