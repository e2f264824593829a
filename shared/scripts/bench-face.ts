/**
 * Face pipeline latency on the wasm backend (SIMD) in Node: decode, detection (tiny at several
 * input sizes, SSD), landmarks (full, tiny), descriptor, and end to end decode → descriptor.
 *
 *   pnpm tsx shared/scripts/bench-face.ts [photo.jpg] [--runs 15]
 *
 * Default photo: a 474×490 celeb17 photo from ../shared/datasets (not in the repo); falls back to
 * face-api's sample1.jpg.
 */
import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs-core";
import {
  detectFaces,
  embedFaces,
  type FaceModels,
  findLandmarks,
  loadFaceModels,
} from "../src/face/index.ts";
import { samplePhotoPath, useBackend } from "../src/face/test-support.ts";
import { decodeImage } from "../src/image/index.ts";
import { nodeFaceWeightSource } from "../src/node/face-weights.ts";
import { useNodeWasmDecoders } from "../src/node/index.ts";

const args = process.argv.slice(2);
const runs = args.includes("--runs") ? Number(args[args.indexOf("--runs") + 1]) : 15;
const defaultPhoto = fileURLToPath(
  new URL("../../../shared/datasets/celeb17/Tom Hanks/045_b472dfb1.jpg", import.meta.url),
);
const photo =
  args.find((a) => !a.startsWith("--") && a !== String(runs)) ??
  (existsSync(defaultPhoto) ? defaultPhoto : samplePhotoPath(1));

// Cases run interleaved, one call each per round, so that load from other processes on this
// shared machine spreads evenly over them instead of skewing whichever ran during a busy spell.
const cases: { name: string; fn: () => Promise<unknown> }[] = [];
async function runCases(): Promise<[string, number][]> {
  for (const c of cases) {
    await c.fn(); // warm-up
    await c.fn();
  }
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

await useBackend("wasm");
await useNodeWasmDecoders();
const bytes = new Uint8Array(readFileSync(photo));
const { image } = await decodeImage(bytes);
console.log(
  `photo ${photo} (${image.width}×${image.height}), backend ${tf.getBackend()}, SIMD ${tf.env().getBool("WASM_HAS_SIMD_SUPPORT")}, ${runs} runs, median ms`,
);
cases.push({ name: "decode (decodeImage)", fn: () => decodeImage(bytes) });

const tiny = await loadFaceModels(nodeFaceWeightSource(), { detector: "tiny", landmarks: "tiny" });
const ssd = await loadFaceModels(nodeFaceWeightSource(), { detector: "ssd", landmarks: "full" });
const tinyFull = await loadFaceModels(nodeFaceWeightSource(), { detector: "tiny", landmarks: "full" });
for (const size of [416, 320, 224, 160]) {
  cases.push({
    name: `detect tiny @${size}`,
    fn: () => detectFaces(tiny, image, { inputSize: size, landmarks: false }),
  });
}
cases.push({ name: "detect ssd @512", fn: () => detectFaces(ssd, image, { landmarks: false }) });
const [face] = await detectFaces(ssd, image, { landmarks: false });
if (!face) throw new Error("no face found in the bench photo");
cases.push({ name: "landmarks full (1 face)", fn: () => findLandmarks(ssd, image, [face.box]) });
cases.push({ name: "landmarks tiny (1 face)", fn: () => findLandmarks(tiny, image, [face.box]) });
const [landmarks] = await findLandmarks(ssd, image, [face.box]);
cases.push({ name: "descriptor (1 face)", fn: () => embedFaces(ssd, image, [{ ...face, landmarks }]) });

async function endToEnd(models: FaceModels, inputSize?: number) {
  const decoded = await decodeImage(bytes);
  const faces = await detectFaces(models, decoded.image, inputSize ? { inputSize } : {});
  const descriptors = await embedFaces(models, decoded.image, faces);
  return JSON.stringify({
    faces: faces.map((f, i) => ({ box: f.box, score: f.score, d: Array.from(descriptors[i] ?? []) })),
  });
}
cases.push({ name: "end to end: tiny@416 + full landmarks", fn: () => endToEnd(tinyFull, 416) });
cases.push({ name: "end to end: tiny@416 + tiny landmarks", fn: () => endToEnd(tiny, 416) });
cases.push({ name: "end to end: tiny@320 + full landmarks", fn: () => endToEnd(tinyFull, 320) });
cases.push({ name: "end to end: ssd + full landmarks", fn: () => endToEnd(ssd) });
const rows = await runCases();
for (const [name, ms] of rows) console.log(`${name.padEnd(40)} ${ms.toFixed(1).padStart(7)}`);
// wasm memory only grows: report the heap after the runs above, then after a 12 MP photo.
const heapMiB = () =>
  ((tf.backend() as unknown as { wasm?: { HEAPU8: Uint8Array } }).wasm?.HEAPU8.length ?? 0) / 2 ** 20;
console.log(
  `wasm heap after the runs above: ${heapMiB().toFixed(1)} MiB; tensors alive: ${tf.memory().numTensors} (weights only)`,
);
const big = { width: 4000, height: 3000, data: new Uint8Array(4000 * 3000 * 3) };
for (let y = 0; y < big.height; y++) {
  for (let x = 0; x < big.width; x++) {
    const src =
      (Math.floor((y * image.height) / big.height) * image.width +
        Math.floor((x * image.width) / big.width)) *
      3;
    big.data.set(image.data.subarray(src, src + 3), (y * big.width + x) * 3);
  }
}
for (const models of [tiny, ssd]) {
  const t = performance.now();
  const faces = await detectFaces(models, big);
  await embedFaces(models, big, faces);
  console.log(
    `12 MP (${models.detector.kind}): ${faces.length} face(s), ${(performance.now() - t).toFixed(0)} ms, wasm heap now ${heapMiB().toFixed(1)} MiB`,
  );
}
tiny.dispose();
ssd.dispose();
tinyFull.dispose();
