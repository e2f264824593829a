/**
 * The served face pipeline's stages on the wasm backend (SIMD, one thread) in Node, on a photo
 * and on a 12 MP group picture of 10 faces made from it: decode to the 2 MP working size, BlazeFace
 * on the whole image, the scaled pass (exact, tiled) and, for comparison, the same scaled pass as
 * one whole pass (what the tiles reproduce; too big for the worker's heap), landmarks, one
 * descriptor pass and the default recipe (dlib chip + mirror), and end to end.
 *
 *   pnpm bench face [-- photo.jpg] [--runs 9]
 *
 * Default photo: face-api's sample1.jpg (three faces); its largest face is cut out and pasted at
 * 150–400 px on a 4000×3000 gradient for the group picture (JPEG, quality 90, via jpeg-js).
 */

import { readFileSync } from "node:fs";
import * as tf from "@tensorflow/tfjs-core";
import jpegJs from "jpeg-js";
import {
  blazeFaceForward,
  blazeFaceRegion,
  blazeFaceTiled,
  DEFAULT_DESCRIPTOR_RECIPE,
  describeFaces,
  embedFaces,
  type FaceModels,
  findFaces,
  findLandmarks,
  loadFaceModels,
  scaledPassInputSize,
  scaledPassScale,
  servingFacePolicy,
} from "../src/face/index.ts";
import { sampleRect } from "../src/face/sample.ts";
import { samplePhotoPath, useBackend } from "../src/face/test-support.ts";
import { decodeImage } from "../src/image/index.ts";
import type { RgbImage } from "../src/image/types.ts";
import { nodeFaceWeightSource } from "../src/node/face-weights.ts";

const args = process.argv.slice(2);
const runs = args.includes("--runs") ? Number(args[args.indexOf("--runs") + 1]) : 9;
const photoPath = args.find((a, i) => !a.startsWith("--") && args[i - 1] !== "--runs") ?? samplePhotoPath(1);
const WORKING_PIXELS = 2_000_000;

// Cases run interleaved, one call each per round, so that load from other processes on this
// shared machine spreads evenly over them instead of skewing whichever ran during a busy spell.
const cases: { name: string; fn: () => Promise<unknown> | unknown }[] = [];
async function runCases(): Promise<[string, number][]> {
  for (const c of cases) await c.fn(); // warm-up
  const times = cases.map(() => [] as number[]);
  for (let r = 0; r < runs; r++) {
    for (const [i, c] of cases.entries()) {
      const t = performance.now();
      await c.fn();
      times[i]?.push(performance.now() - t);
    }
  }
  return cases.map((c, i) => {
    const sorted = (times[i] ?? []).sort((a, b) => a - b);
    return [c.name, sorted[Math.floor(sorted.length / 2)] as number];
  });
}

/** 10 copies of the photo's largest face (1.9× its box) at 150–400 px on a 4000×3000 gradient, as JPEG. */
function groupPicture(image: RgbImage, box: { left: number; top: number; width: number; height: number }) {
  const W = 4000;
  const H = 3000;
  const rgba = new Uint8Array(W * H * 4);
  for (let y = 0; y < H; y++)
    for (let x = 0; x < W; x++) {
      const i = (y * W + x) * 4;
      rgba[i] = 70 + Math.round((90 * x) / W);
      rgba[i + 1] = 100;
      rgba[i + 2] = 90 + Math.round((90 * y) / H);
      rgba[i + 3] = 255;
    }
  const side = Math.max(box.width, box.height) * 1.9;
  const region = { left: box.left + box.width / 2 - side / 2, top: box.top + box.height / 2 - side / 2 };
  for (let k = 0; k < 10; k++) {
    const face = 150 + Math.round((250 * k) / 9);
    const out = Math.round((side * face) / box.width);
    const cut = sampleRect(image, { ...region, width: side, height: side }, out, out);
    const left = (k % 5) * 800 + 10;
    const top = Math.floor(k / 5) * 1500 + 200;
    for (let y = 0; y < out && top + y < H; y++)
      for (let x = 0; x < out && left + x < W; x++) {
        const o = ((top + y) * W + left + x) * 4;
        const c = (y * out + x) * 3;
        rgba[o] = cut[c] as number;
        rgba[o + 1] = cut[c + 1] as number;
        rgba[o + 2] = cut[c + 2] as number;
      }
  }
  return new Uint8Array(jpegJs.encode({ data: rgba, width: W, height: H }, 90).data);
}

await useBackend("wasm");
const models: FaceModels = await loadFaceModels(nodeFaceWeightSource());
if (models.detector.kind !== "blazeface") throw new Error("bench face: expected the BlazeFace detector");
const blazeface = models.detector.params;
const policy = servingFacePolicy();

const photoBytes = new Uint8Array(readFileSync(photoPath));
const photo = (await decodeImage(photoBytes, { maxPixels: WORKING_PIXELS })).image;
const photoFaces = (await findFaces(models, photo, policy)).faces;
const [largest] = photoFaces;
if (!largest) throw new Error(`bench face: no face found in ${photo}`);
const groupBytes = groupPicture(photo, largest.box);
const group = (await decodeImage(groupBytes, { maxPixels: WORKING_PIXELS })).image;
const groupFaces = (await findFaces(models, group, policy)).faces;
console.log(
  `photo ${photoPath} (${photo.width}×${photo.height}, ${photoFaces.length} faces); group picture 4000×3000 ` +
    `(${(groupBytes.length / 1e6).toFixed(1)} MB, decoded to ${group.width}×${group.height}, ${groupFaces.length} faces found); ` +
    `backend ${tf.getBackend()}, SIMD ${tf.env().getBool("WASM_HAS_SIMD_SUPPORT")}, ${runs} rounds, median ms`,
);

// The scaled pass' input as findFaces makes it.
const scale = scaledPassScale(Math.max(group.width, group.height), policy.minFaceFraction);
const { width: sw, height: sh } = scaledPassInputSize(group.width, group.height, scale);
const scaled = sampleRect(group, { left: 0, top: 0, width: sw / scale, height: sh / scale }, sw, sh);
const groupLandmarks = groupFaces.map((f) => f.landmarks ?? []);
const plain = { crop: DEFAULT_DESCRIPTOR_RECIPE.crop, mirrored: false };

/** What serving a photo costs before the head: decode, find the faces, describe them. */
async function endToEnd(bytes: Uint8Array) {
  const { image } = await decodeImage(bytes, { maxPixels: WORKING_PIXELS });
  return embedFaces(models, image, (await findFaces(models, image, policy)).faces);
}

cases.push({ name: "photo: decode", fn: () => decodeImage(photoBytes, { maxPixels: WORKING_PIXELS }) });
cases.push({ name: "photo: findFaces", fn: () => findFaces(models, photo, policy) });
cases.push({ name: "photo: end to end (decode, findFaces, chip + mirror)", fn: () => endToEnd(photoBytes) });
cases.push({
  name: "12 MP group: decode to 2 MP",
  fn: () => decodeImage(groupBytes, { maxPixels: WORKING_PIXELS }),
});
cases.push({
  name: "12 MP group: BlazeFace, whole image at 256",
  fn: () =>
    blazeFaceRegion(blazeface, group, { left: 0, top: 0, size: Math.max(group.width, group.height) }, 0.6),
});
cases.push({
  name: `12 MP group: scaled pass resample (${sw}×${sh})`,
  fn: () => sampleRect(group, { left: 0, top: 0, width: sw / scale, height: sh / scale }, sw, sh),
});
cases.push({
  name: "12 MP group: scaled pass, tiled (served)",
  fn: () => blazeFaceTiled(blazeface, { data: scaled, height: sh, width: sw, channels: 3 }),
});
cases.push({
  name: "12 MP group: scaled pass, one whole pass",
  fn: () => {
    const x = tf.tensor4d(scaled, [1, sh, sw, 3]);
    const out = blazeFaceForward(x, blazeface);
    const raw = out.dataSync();
    x.dispose();
    out.dispose();
    return raw;
  },
});
cases.push({
  name: `12 MP group: landmarks (${groupFaces.length} faces)`,
  fn: () =>
    findLandmarks(
      models,
      group,
      groupFaces.map((f) => f.box),
    ),
});
cases.push({
  name: `12 MP group: descriptor, one pass (${groupFaces.length} faces)`,
  fn: () => describeFaces(models, group, groupLandmarks, plain),
});
cases.push({ name: "12 MP group: findFaces", fn: () => findFaces(models, group, policy) });
cases.push({
  name: "12 MP group: end to end (decode, findFaces, chip + mirror)",
  fn: () => endToEnd(groupBytes),
});
const rows = await runCases();
for (const [name, ms] of rows) console.log(`${name.padEnd(60)} ${ms.toFixed(1).padStart(7)}`);
const heapMiB = () =>
  ((tf.backend() as unknown as { wasm?: { HEAPU8: Uint8Array } }).wasm?.HEAPU8.length ?? 0) / 2 ** 20;
console.log(
  `wasm heap now ${heapMiB().toFixed(1)} MiB (grown by the one whole scaled pass; the worker runs only the tiled one); ` +
    `tensors alive: ${tf.memory().numTensors} (weights only)`,
);
models.dispose();
