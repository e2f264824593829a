// Test and script helpers only (Node: imports fs, sharp and the wasm backend); not exported from the package.
import { createRequire } from "node:module";
import path from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import sharp from "sharp";
import type { RgbImage } from "../image/types.ts";

const require = createRequire(import.meta.url);

/** Path of face-api's demo photo `sample<n>.jpg` (n = 1..6). */
export function samplePhotoPath(n: number): string {
  return path.join(
    path.dirname(require.resolve("@vladmandic/face-api/package.json")),
    "demo",
    `sample${n}.jpg`,
  );
}

/** Decodes a photo file to RGB with sharp. */
export async function readRgb(file: string): Promise<RgbImage> {
  const { data, info } = await sharp(file).rotate().removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return {
    width: info.width,
    height: info.height,
    data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
  };
}

/** Cuts a rectangle out of an RGB image (integer pixels, clipped). */
export function cropRgb(image: RgbImage, left: number, top: number, width: number, height: number): RgbImage {
  const l = Math.max(0, Math.round(left));
  const t = Math.max(0, Math.round(top));
  const w = Math.min(image.width - l, Math.round(width));
  const h = Math.min(image.height - t, Math.round(height));
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    data.set(
      image.data.subarray(((t + y) * image.width + l) * 3, ((t + y) * image.width + l + w) * 3),
      y * w * 3,
    );
  }
  return { width: w, height: h, data };
}

/** Switches tfjs to a backend: "wasm" (SIMD, loaded from node_modules) or "cpu". */
export async function useBackend(name: "wasm" | "cpu"): Promise<void> {
  if (name === "wasm") await import("@tensorflow/tfjs-backend-wasm");
  else await import("@tensorflow/tfjs-backend-cpu");
  tf.env().set("IS_TEST", true); // quiets tfjs' "install tfjs-node" banner
  if (!(await tf.setBackend(name))) throw new Error(`tfjs backend ${name} failed to initialise`);
  await tf.ready();
}
