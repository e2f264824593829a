// Test and script helpers only (Node: imports fs, sharp and the wasm backend); not exported from the package.
import path from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import sharp from "sharp";
import type { RgbImage } from "../image/types.ts";
import { faceApiDir } from "../node/face-weights.ts";
import { sampleSquare } from "./sample.ts";

/** Path of face-api's demo photo `sample<n>.jpg` (n = 1..6). */
export function samplePhotoPath(n: number): string {
  return path.join(faceApiDir(), "demo", `sample${n}.jpg`);
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

/**
 * A tight face crop like the 112×112 aligned crops of face datasets (ArcFace layout: eyes at 46 %
 * of the height, eye-to-mouth distance 36 % of the side), cut from a photo using its landmarks.
 */
export function tightFaceCrop(
  image: RgbImage,
  landmarks: { x: number; y: number }[],
  outSize = 112,
): RgbImage {
  const mean = (pts: { x: number; y: number }[]) => ({
    x: pts.reduce((s, p) => s + p.x, 0) / pts.length,
    y: pts.reduce((s, p) => s + p.y, 0) / pts.length,
  });
  const eyes = mean(landmarks.slice(36, 48));
  const mouth = mean(landmarks.slice(48, 68));
  const side = 2.75 * Math.hypot(mouth.x - eyes.x, mouth.y - eyes.y);
  const pixels = sampleSquare(
    image,
    { left: eyes.x - side / 2, top: eyes.y - 0.46 * side, size: side },
    outSize,
  );
  return { width: outSize, height: outSize, data: Uint8Array.from(pixels, (v) => Math.round(v)) };
}
