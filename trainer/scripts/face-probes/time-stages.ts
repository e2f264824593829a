/**
 * Where a photo's time goes in the served face pipeline (Node, wasm, one thread): decode to the
 * working size, findFaces (detector passes + landmarks), descriptors (plain + mirror), head.
 *
 *   pnpm tsx trainer/scripts/face-probes/time-stages.ts PHOTO [--model-dir models/default] [--runs 7] [--min-face N]
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import { decodeImage } from "@marquee/shared";
import { findFaces, recognizeFaces, servingFacePolicy } from "@marquee/shared/face";
import { useNodeWasmDecoders } from "@marquee/shared/node";
import { initWasmBackend } from "../../src/backend/wasm-node.ts";
import { loadExportedModel } from "../../src/export/load-model.ts";
import { loadPipelineModels, pipelineFromMetadata } from "../../src/face/face-pipeline.ts";
import { median, opt } from "./probe-common.ts";

const photo = resolve(process.argv[2]!);
const runs = Number(opt("--runs", "7"));
await initWasmBackend();
useNodeWasmDecoders();
const loaded = await loadExportedModel(resolve(opt("--model-dir", "models/default")!));
const meta = loaded.metadata;
const pipeline = pipelineFromMetadata(meta.face!);
const models = await loadPipelineModels(pipeline);
const policy = servingFacePolicy({
  minScore: pipeline.minDetectionScore,
  scaledMinScore: pipeline.scaledMinScore,
  minFaceFraction: pipeline.minFaceFraction,
  // --min-face N: as a request's ?min_face= (faces narrower than N photo pixels are not looked for).
  minFacePixels: Number(opt("--min-face", "0")),
});
const bytes = new Uint8Array(await readFile(photo));
const t: Record<string, number[]> = { decode: [], findFaces: [], recognize: [] };
let faces = 0;
for (let r = 0; r < runs; r++) {
  let t0 = performance.now();
  const { image } = await decodeImage(bytes, { maxPixels: 2_000_000 });
  t.decode!.push(performance.now() - t0);
  t0 = performance.now();
  const found = await findFaces(models, image, policy);
  t.findFaces!.push(performance.now() - t0);
  t0 = performance.now();
  await recognizeFaces(models, loaded.model, image, meta, { policy });
  t.recognize!.push(performance.now() - t0);
  faces = found.faces.length;
}
console.log(
  `${photo}: ${faces} faces; medians over ${runs}: ` +
    Object.entries(t)
      .map(([k, v]) => `${k} ${median(v).toFixed(0)} ms`)
      .join(", ") +
    " (recognize = findFaces + descriptors + head)",
);
