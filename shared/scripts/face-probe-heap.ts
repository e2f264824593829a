/**
 * Wasm heap growth of the face pipeline in Node (the heap never shrinks, so its size is the peak):
 * after loading, after repeated detect + embed on a portrait, then after a 5-face group photo.
 *
 *   pnpm tsx shared/scripts/face-probe-heap.ts [tiny|ssd] [inputSize] [photo.jpg]
 */
import * as tf from "@tensorflow/tfjs-core";
import { detectFaces, embedFaces, type FaceDetectorKind, loadFaceModels } from "../src/face/index.ts";
import { readRgb, samplePhotoPath, useBackend } from "../src/face/test-support.ts";
import { nodeFaceWeightSource } from "../src/node/face-weights.ts";

const detector = (process.argv[2] ?? "tiny") as FaceDetectorKind;
const inputSize = Number(process.argv[3] ?? 416);
const photo = process.argv[4] ?? samplePhotoPath(2);
await useBackend("wasm");
const heap = () =>
  `${((tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length / 2 ** 20).toFixed(1)} MiB`;
console.log(`after backend init: ${heap()}`);
const models = await loadFaceModels(nodeFaceWeightSource(), { detector });
console.log(`after load: ${heap()} (weights ${(tf.memory().numBytes / 2 ** 20).toFixed(1)} MiB)`);
const image = await readRgb(photo);
for (let i = 0; i < 3; i++) {
  const faces = await detectFaces(models, image, { inputSize });
  await embedFaces(models, image, faces);
  console.log(`after photo ${i + 1} (${image.width}×${image.height}, ${faces.length} faces): ${heap()}`);
}
const group = await readRgb(samplePhotoPath(5));
const faces = await detectFaces(models, group, { inputSize });
await embedFaces(models, group, faces);
console.log(`after group photo (${faces.length} faces): ${heap()}`);
models.dispose();
