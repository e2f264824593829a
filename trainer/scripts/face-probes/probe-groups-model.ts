/**
 * The group set end to end through the real served pipeline and an exported face model (shared's
 * recognizeFaces under the model's policy, as `pnpm predict` and the worker run it):
 *
 *   pnpm tsx trainer/scripts/face-probes/probe-groups-model.ts --data /tmp/face-groups [--model-dir models/default]
 *
 * Collage faces (celeb17 validation faces): found = matched to a label (as probe-detectors.ts),
 * named right = the model's label is the face's person; sample photos (face-api's, strangers to
 * celeb17): found = min(faces, count), rejected = answered "unknown"; no-face pictures: faces answered.
 */
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { decodeImage } from "@marquee/shared";
import { type FaceBox, recognizeFaces } from "@marquee/shared/face";
import { useNodeWasmDecoders } from "@marquee/shared/node";
import { initWasmBackend } from "../../src/backend/wasm-node.ts";
import { loadExportedModel } from "../../src/export/load-model.ts";
import { facePolicyFor } from "../../src/face/embed-photo.ts";
import { loadPipelineModels, pipelineFromMetadata } from "../../src/face/face-pipeline.ts";
import type { GroupLabel } from "./build-group-set.ts";
import { median, opt, pct, required } from "./probe-common.ts";

const data = required("--data");
const modelDir = resolve(opt("--model-dir", "models/default")!);
await initWasmBackend();
await useNodeWasmDecoders();
const loaded = await loadExportedModel(modelDir);
const meta = loaded.metadata;
if (!meta.face) throw new Error(`${modelDir} is not a face model`);
const pipeline = pipelineFromMetadata(meta.face);
const nets = await loadPipelineModels(pipeline);
// --min-face-input / --scaled-min-score: try other scaled-pass settings than the model records.
const minFaceInput = opt("--min-face-input");
const scaledMinScore = opt("--scaled-min-score");
const policy = {
  ...facePolicyFor(pipeline),
  ...(minFaceInput ? { minFaceInput: Number(minFaceInput) } : {}),
  ...(scaledMinScore ? { scaledMinScore: Number(scaledMinScore) } : {}),
};
const labels = JSON.parse(await readFile(join(data, "labels.json"), "utf8")) as GroupLabel[];

/** One-to-one matches of detections to labelled boxes (centre in the box grown 25 %, width 0.4–2.5×). */
function match(truth: FaceBox[], found: { box: FaceBox; score: number }[]): number[] {
  const owner = found.map(() => -1);
  const taken = truth.map(() => false);
  const order = found.map((_, i) => i).sort((a, b) => found[b]!.score - found[a]!.score);
  for (const i of order) {
    const f = found[i]!.box;
    const cx = f.left + f.width / 2;
    const cy = f.top + f.height / 2;
    const j = truth.findIndex((l, k) => {
      if (taken[k]) return false;
      const ratio = f.width / l.width;
      return (
        cx >= l.left - l.width * 0.25 &&
        cx <= l.left + l.width * 1.25 &&
        cy >= l.top - l.height * 0.25 &&
        cy <= l.top + l.height * 1.25 &&
        ratio > 0.4 &&
        ratio < 2.5
      );
    });
    if (j >= 0) {
      taken[j] = true;
      owner[i] = j;
    }
  }
  return owner;
}

const t = {
  faces: 0,
  found: 0,
  named: 0,
  wrong: 0,
  extra: 0,
  sampleFaces: 0,
  sampleFound: 0,
  sampleExtra: 0,
};
let strangersRejected = 0;
let strangers = 0;
let nofaceWithFace = 0;
let nofacePictures = 0;
const ms: number[] = [];
for (const label of labels) {
  const { image } = await decodeImage(new Uint8Array(await readFile(join(data, label.file))));
  const t0 = performance.now();
  const r = await recognizeFaces(nets, loaded.model, image, meta, { policy, topK: 1 });
  ms.push(performance.now() - t0);
  const px = r.faces.map((f) => ({
    box: {
      left: f.box.left * image.width,
      top: f.box.top * image.height,
      width: f.box.width * image.width,
      height: f.box.height * image.height,
    },
    score: f.detectionScore,
  }));
  if (label.kind === "collage" && label.faces) {
    const owner = match(label.faces, px);
    t.faces += label.faces.length;
    owner.forEach((j, i) => {
      if (j < 0) {
        t.extra++;
        return;
      }
      t.found++;
      if (r.faces[i]!.label === label.faces![j]!.label) t.named++;
      else if (r.faces[i]!.label !== "unknown") t.wrong++;
    });
  } else if (label.kind === "sample") {
    t.sampleFaces += label.count;
    t.sampleFound += Math.min(label.count, r.faces.length);
    t.sampleExtra += Math.max(0, r.faces.length - label.count);
    strangers += r.faces.length;
    strangersRejected += r.faces.filter((f) => f.label === "unknown").length;
  } else {
    nofacePictures++;
    if (r.faces.length) nofaceWithFace++;
  }
}
nets.dispose();
console.log(
  `model ${modelDir} (${meta.face.rejection.kind} ≤ ${meta.face.rejection.threshold}), ${labels.length} pictures`,
);
console.log(
  `collage faces found ${t.found}/${t.faces} = ${pct(t.found / t.faces)}; found faces named right ${t.named}/${t.found} = ${pct(t.named / t.found)}, named wrong ${t.wrong}, unknown ${t.found - t.named - t.wrong}; extra boxes ${t.extra}`,
);
console.log(
  `sample photos: faces found ${t.sampleFound}/${t.sampleFaces}, extra ${t.sampleExtra}; strangers (every sample face) answered unknown ${strangersRejected}/${strangers} = ${pct(strangersRejected / strangers)}`,
);
console.log(`no-face pictures with a face: ${nofaceWithFace}/${nofacePictures}`);
console.log(`ms per picture (Node, wasm, load shared): median ${median(ms).toFixed(0)}`);
