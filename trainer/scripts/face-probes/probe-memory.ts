/**
 * Warm latency and wasm heap of whole face pipelines (detect + landmarks + descriptors), one
 * combination per process (the heap only grows):
 *
 *   pnpm tsx trainer/scripts/face-probes/probe-memory.ts --data /tmp/face-groups --portrait PHOTO \
 *       --combo today|resnet|faceres|both [--tiles 18]
 *
 * today = tiny@320 (no padded retry) + landmarks + ResNet-34 (the worker's current pipeline, 10
 * faces at most); resnet / faceres / both = findFacesV2 with BlazeFace (auto tiles, --tiles =
 * minFaceInput) + landmarks + that descriptor. Pictures: the portrait, face-api's sample1.jpg
 * (1920×1280, 3 faces), a 1920×1080 collage (12 faces of 40–80 px) and the 12 MP collage (10 faces).
 * Prints weights, heap after loading, per picture the faces found and the median of 3 warm runs,
 * and the heap at the end.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import {
  type DetectedFace,
  detectFaces,
  embedFaceres,
  embedFaces,
  loadBlazeFace,
  loadFaceModels,
  loadFaceres,
} from "@marquee/shared/face";
import { nodeFaceWeightSource, nodeHumanWeightSource } from "@marquee/shared/node";
import * as tf from "@tensorflow/tfjs";
import { initWasmBackend } from "../../src/backend/wasm-node.ts";
import type { GroupLabel } from "./build-group-set.ts";
import { median, opt, probeFindFaces, readRgbFile, required, wasmHeapBytes } from "./probe-common.ts";

const data = required("--data");
const portrait = required("--portrait");
const combo = opt("--combo", "both")!;
const minFaceInput = Number(opt("--tiles", "18"));
const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
await initWasmBackend();
const heap0 = wasmHeapBytes();
const models = await loadFaceModels(nodeFaceWeightSource(), { detector: "tiny" });
const faceApiBytes = tf.memory().numBytes;
const blazeface = combo === "today" ? null : await loadBlazeFace(nodeHumanWeightSource());
const faceres = combo === "faceres" || combo === "both" ? await loadFaceres(nodeHumanWeightSource()) : null;
console.log(
  `combo ${combo}: weights face-api tiny+landmarks+ResNet ${mib(faceApiBytes)}, BlazeFace ${blazeface ? mib(blazeface.weightBytes) : "–"}, faceres ${faceres ? mib(faceres.weightBytes) : "–"}; heap ${mib(heap0)} at start, ${mib(wasmHeapBytes())} after loading`,
);
const labels = JSON.parse(await readFile(join(data, "labels.json"), "utf8")) as GroupLabel[];
const pictures = [
  { name: "portrait", file: portrait, count: 1 },
  { name: "sample1 1920×1280", file: join(data, "samples/sample1.jpg"), count: 3 },
  ...[
    labels.find((l) => l.file.includes("1920x1080"))!,
    labels.find((l) => l.file.includes("4000x3000"))!,
  ].map((l) => ({
    name: l.file,
    file: join(data, l.file),
    count: l.count,
  })),
];
for (const p of pictures) {
  const image = await readRgbFile(p.file);
  const times: number[] = [];
  let faces = 0;
  for (let run = 0; run < 4; run++) {
    const t0 = performance.now();
    let found: DetectedFace[];
    if (!blazeface)
      found = await detectFaces(models, image, { inputSize: 320, padRetry: false, maxFaces: 10 });
    else
      found = (
        await probeFindFaces(models, image, {
          detector: { kind: "blazeface", params: blazeface.params },
          minFaceInput,
        })
      ).faces;
    faces = found.length;
    if (combo !== "faceres") await embedFaces(models, image, found);
    if (faceres)
      await embedFaceres(
        faceres.params,
        image,
        found.map((f) => f.landmarks!),
      );
    if (run > 0) times.push(performance.now() - t0);
  }
  console.log(
    `  ${p.name} (${image.width}×${image.height}): ${faces} faces of ${p.count}; warm median ${median(times).toFixed(0)} ms`,
  );
}
console.log(`  heap at the end ${mib(wasmHeapBytes())}; tensors ${tf.memory().numTensors}`);
