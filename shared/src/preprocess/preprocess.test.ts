import "@tensorflow/tfjs-backend-cpu";
import { readFileSync } from "node:fs";
import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, it } from "vitest";
import type { Normalization, Preprocessing } from "../artifact/metadata.ts";
import { isMarqueeError } from "../errors.ts";
import { decodeImage } from "../image/decode.ts";
import { faceApiSamplePaths } from "../image/test-fixtures.ts";
import type { RgbImage } from "../image/types.ts";
import { useNodeWasmDecoders } from "../node/index.ts";
import { cropImage } from "./crop.ts";
import { type PreprocessSpec, preprocessedLength, preprocessImage, preprocessRect } from "./preprocess.ts";
import { randomImage } from "./test-images.ts";

beforeAll(async () => {
  await useNodeWasmDecoders();
  tf.env().set("IS_TEST", true); // silences the "install tfjs-node" banner
  await tf.setBackend("cpu");
});

function spec(
  width: number,
  height: number,
  fit: Preprocessing["fit"],
  normalization: Normalization,
): PreprocessSpec {
  return { input: { width, height, channels: 3 }, preprocessing: { resize: "bilinear", fit, normalization } };
}

/** The same pipeline built from tf ops only: slice, tf.image.resizeBilinear, arithmetic normalisation. */
function tfjsPipeline(
  image: RgbImage,
  s: PreprocessSpec,
  box: [number, number, number, number],
): Float32Array {
  const [left, top, w, h] = box;
  return tf.tidy(() => {
    const x = tf.tensor3d(Float32Array.from(image.data), [image.height, image.width, 3]);
    const cropped = tf.slice(x, [top, left, 0], [h, w, 3]);
    const resized = tf.image.resizeBilinear(cropped, [s.input.height, s.input.width], false, true);
    const n = s.preprocessing.normalization;
    const normalized =
      n.kind === "scale"
        ? tf.add(tf.mul(resized, n.scale), n.offset)
        : tf.div(tf.sub(tf.div(resized, 255), tf.tensor1d(n.mean)), tf.tensor1d(n.std));
    return normalized.dataSync() as Float32Array;
  });
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  expect(a.length).toBe(b.length);
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i]! - b[i]!));
  return max;
}

const SCALE: Normalization = { kind: "scale", scale: 1 / 255, offset: 0 };
const IMAGENET: Normalization = { kind: "meanStd", mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225] };

describe("preprocessImage", () => {
  it("stretch + scale equals the tf-ops pipeline on the whole image", () => {
    const image = randomImage(474, 490);
    const s = spec(224, 224, "stretch", SCALE);
    const ours = preprocessImage(image, s);
    expect(ours.length).toBe(preprocessedLength(s.input));
    expect(maxAbsDiff(ours, tfjsPipeline(image, s, [0, 0, 474, 490]))).toBeLessThanOrEqual(1e-6);
    expect(ours.every((v) => v >= 0 && v <= 1)).toBe(true);
  });

  it("centerCrop + meanStd crops the centred square of a landscape photo", () => {
    const image = randomImage(300, 200);
    const s = spec(64, 64, "centerCrop", IMAGENET);
    expect(preprocessRect(image, s)).toEqual({ left: 50, top: 0, width: 200, height: 200 });
    const ours = preprocessImage(image, s);
    expect(maxAbsDiff(ours, tfjsPipeline(image, s, [50, 0, 200, 200]))).toBeLessThanOrEqual(1e-5);
    // And it is really a crop: stretching the whole image gives something else.
    const stretched = tfjsPipeline(image, s, [0, 0, 300, 200]);
    expect(maxAbsDiff(ours, stretched)).toBeGreaterThan(0.5);
  });

  it("centerCrop uses the input's aspect for non-square inputs", () => {
    const image = randomImage(100, 100);
    const s = spec(96, 48, "centerCrop", SCALE);
    expect(preprocessRect(image, s)).toEqual({ left: 0, top: 25, width: 100, height: 50 });
    expect(
      maxAbsDiff(preprocessImage(image, s), tfjsPipeline(image, s, [0, 25, 100, 50])),
    ).toBeLessThanOrEqual(1e-6);
  });

  it("reuses the given buffer and refuses one of the wrong size", () => {
    const s = spec(32, 24, "stretch", SCALE);
    const out = new Float32Array(32 * 24 * 3);
    const a = preprocessImage(randomImage(50, 40, 1), s, out);
    expect(a).toBe(out);
    const first = Float32Array.from(out);
    preprocessImage(randomImage(50, 40, 2), s, out);
    expect(maxAbsDiff(first, out)).toBeGreaterThan(0.1);
    try {
      preprocessImage(randomImage(50, 40), s, new Float32Array(32 * 32 * 3));
      expect.unreachable();
    } catch (err) {
      expect(isMarqueeError(err, "internal_error")).toBe(true);
    }
  });

  it("turns real photos into the same tensor as the tf-ops pipeline, for both fits", async () => {
    const paths = faceApiSamplePaths().slice(0, 2);
    expect(paths.length).toBe(2);
    for (const path of paths) {
      const { image } = await decodeImage(new Uint8Array(readFileSync(path)));
      for (const fit of ["stretch", "centerCrop"] as const) {
        const s = spec(160, 160, fit, IMAGENET);
        // Crop with cropImage first: tf.slice on the cpu backend walks a big photo element by element.
        const cropped = cropImage(image, preprocessRect(image, s));
        const expected = tfjsPipeline(cropped, s, [0, 0, cropped.width, cropped.height]);
        expect(maxAbsDiff(preprocessImage(image, s), expected), `${path} ${fit}`).toBeLessThanOrEqual(1e-5);
      }
    }
  });

  it("handles a 1×1 photo", () => {
    const image: RgbImage = { width: 1, height: 1, data: new Uint8Array([255, 0, 51]) };
    const x = preprocessImage(image, spec(4, 4, "centerCrop", SCALE));
    for (let i = 0; i < x.length; i += 3) {
      expect([x[i], x[i + 1], x[i + 2]].map((v) => Number(v!.toFixed(6)))).toEqual([1, 0, 0.2]);
    }
  });
});
