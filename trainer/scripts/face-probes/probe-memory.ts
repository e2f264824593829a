/**
 * Wasm heap of a face pipeline combination (the heap only grows, so run one combination per
 * process), on the group set's 12 MP collage (10 faces):
 *
 *   pnpm tsx trainer/scripts/face-probes/probe-memory.ts --data /tmp/face-groups --combo resnet|faceres|both [--tiles 12]
 *
 * Prints the float32 weight bytes of each net, the heap after loading, and after 3 runs of
 * detect (BlazeFace, tiled) + landmarks + descriptors on the 12 MP picture, with the warm median ms.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import {
  embedFaceres,
  embedFaces,
  findFacesV2,
  loadBlazeFace,
  loadFaceModels,
  loadFaceres,
} from "@marquee/shared";
import { nodeFaceWeightSource, nodeHumanWeightSource } from "@marquee/shared/node";
import * as tf from "@tensorflow/tfjs";
import { initWasmBackend } from "../../src/backend/wasm-node.ts";
import type { GroupLabel } from "./build-group-set.ts";
import { median, opt, readRgbFile, required, wasmHeapBytes } from "./probe-common.ts";

const data = required("--data");
const combo = opt("--combo", "both")!;
const minFaceInput = Number(opt("--tiles", "12"));
const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
await initWasmBackend();
console.log(`heap at start ${mib(wasmHeapBytes())}`);
const models = await loadFaceModels(nodeFaceWeightSource());
const faceApiBytes = tf.memory().numBytes;
const blazeface = await loadBlazeFace(nodeHumanWeightSource());
const faceres = combo === "resnet" ? null : await loadFaceres(nodeHumanWeightSource());
console.log(
  `weights: face-api tiny+landmarks+ResNet ${mib(faceApiBytes)}, BlazeFace ${mib(blazeface.weightBytes)}, faceres ${faceres ? mib(faceres.weightBytes) : "–"}; heap after loading ${mib(wasmHeapBytes())}`,
);
const labels = JSON.parse(await readFile(join(data, "labels.json"), "utf8")) as GroupLabel[];
const big = labels.find((l) => l.file.includes("4000x3000"))!;
const image = await readRgbFile(join(data, big.file));
const times: number[] = [];
let faces = 0;
for (let run = 0; run < 3; run++) {
  const t0 = performance.now();
  const found = await findFacesV2(models, image, {
    detector: { kind: "blazeface", params: blazeface.params },
    minFaceInput,
  });
  faces = found.faces.length;
  if (combo !== "faceres") await embedFaces(models, image, found.faces);
  if (faceres)
    await embedFaceres(
      faceres.params,
      image,
      found.faces.map((f) => f.landmarks!),
    );
  times.push(performance.now() - t0);
}
console.log(
  `combo ${combo}: ${faces} faces of ${big.count} in ${big.file} (${image.width}×${image.height}); ms per run ${times.map((t) => t.toFixed(0)).join(", ")} (median ${median(times).toFixed(0)}); heap after ${mib(wasmHeapBytes())}; tensors ${tf.memory().numTensors}`,
);
