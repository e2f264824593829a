/**
 * Runs our face pipeline on face-api's sample photos and prints detections; with an oracle JSON
 * from face-probe-oracle.ts, also compares boxes and descriptors with face-api's own pipeline.
 *
 *   pnpm tsx shared/scripts/face-probe.ts [--backend wasm|cpu] [--oracle /tmp/face-oracle.json]
 */
import { readFileSync } from "node:fs";
import * as tf from "@tensorflow/tfjs-core";
import {
  detectFaces,
  embedFaces,
  euclideanDistance,
  type FaceBox,
  loadFaceModels,
} from "../src/face/index.ts";
import { readRgb, samplePhotoPath, useBackend } from "../src/face/test-support.ts";
import { nodeFaceWeightSource } from "../src/node/face-weights.ts";

const args = process.argv.slice(2);
const backend = (args[args.indexOf("--backend") + 1] ?? "wasm") as "wasm" | "cpu";
const oraclePath = args.includes("--oracle") ? args[args.indexOf("--oracle") + 1] : undefined;
interface OracleFace {
  box: FaceBox;
  score: number;
  descriptor: number[];
}
const oracle: { file: string; detector: string; faces: OracleFace[] }[] = oraclePath
  ? JSON.parse(readFileSync(oraclePath, "utf8"))
  : [];

function iou(a: FaceBox, b: FaceBox): number {
  const w = Math.max(0, Math.min(a.left + a.width, b.left + b.width) - Math.max(a.left, b.left));
  const h = Math.max(0, Math.min(a.top + a.height, b.top + b.height) - Math.max(a.top, b.top));
  return (w * h) / (a.width * a.height + b.width * b.height - w * h);
}

await useBackend(args.includes("--backend") ? backend : "wasm");
for (const detector of ["tiny", "ssd"] as const) {
  const models = await loadFaceModels(nodeFaceWeightSource(), { detector });
  for (let n = 1; n <= 6; n++) {
    const image = await readRgb(samplePhotoPath(n));
    const t0 = performance.now();
    const faces = await detectFaces(models, image);
    const descriptors = await embedFaces(models, image, faces);
    const ms = performance.now() - t0;
    const ref = oracle.find((o) => o.file === `sample${n}.jpg` && o.detector === detector);
    console.log(
      `sample${n} ${image.width}x${image.height} ${detector}: ${faces.length} faces (${ms.toFixed(0)} ms)` +
        (ref ? `, face-api found ${ref.faces.length}` : ""),
    );
    faces.forEach((f, i) => {
      const b = f.box;
      let line = `  [${i}] box ${b.left.toFixed(0)},${b.top.toFixed(0)} ${b.width.toFixed(0)}x${b.height.toFixed(0)} score ${f.score.toFixed(3)}`;
      if (ref) {
        let best = -1;
        let bestIou = 0;
        ref.faces.forEach((r, j) => {
          const v = iou(r.box, b);
          if (v > bestIou) [best, bestIou] = [j, v];
        });
        const r = ref.faces[best];
        if (r) {
          line += ` | iou ${bestIou.toFixed(3)} score ${r.score.toFixed(3)} descriptor dist ${euclideanDistance(r.descriptor, descriptors[i] as Float32Array).toFixed(3)}`;
        }
      }
      console.log(line);
    });
  }
  models.dispose();
}
console.log(`tensors left: ${tf.memory().numTensors}`);
