/**
 * Group pictures end to end with the recommended pipeline: findFacesV2 (BlazeFace, scaled pass,
 * defaults) + landmarks + ResNet-34 and faceres descriptors, named by the nearest celeb17 centroid
 * (training split, seed 123; unit descriptors without mean subtraction, concatenation weight 0.8 to
 * the ResNet part; "unknown" beyond --threshold, calibrated on the folds by probe-descriptors.ts):
 *
 *   pnpm tsx trainer/scripts/face-probes/probe-groups.ts --data /tmp/face-groups \
 *       --celeb17 ../shared/datasets/celeb17 [--threshold 0.45]
 *
 * Collage faces are celeb17 validation faces: found = matched to a label (as probe-detectors.ts),
 * named right = accepted with the label's class. face-api's sample photos hold strangers: each
 * found face should come back unknown.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { embedFaceres, embedFaces, type FaceBox } from "@marquee/shared/face";
import { DEFAULT_NEAR_DUPLICATES, findDuplicates } from "../../src/data/duplicates.ts";
import { scanDataset } from "../../src/data/scan.ts";
import { splitDataset } from "../../src/data/split.ts";
import type { GroupLabel } from "./build-group-set.ts";
import { type PhotoRecord, photoCache } from "./embed-celeb.ts";
import {
  JsonCache,
  loadProbeNets,
  opt,
  pct,
  probeFindFaces,
  readRgbFile,
  required,
  sha256File,
} from "./probe-common.ts";

const WEIGHT = 0.8;
const data = required("--data");
const celeb = required("--celeb17");
const threshold = Number(opt("--threshold", "0.45"));

const unit = (v: ArrayLike<number>) => {
  let n = 0;
  for (let i = 0; i < v.length; i++) n += v[i]! * v[i]!;
  n = Math.sqrt(n) || 1;
  return Float32Array.from(v, (x) => x / n);
};
const joined = (resnet: ArrayLike<number>, faceres: ArrayLike<number>) => {
  const a = unit(resnet);
  const b = unit(faceres);
  const out = new Float32Array(a.length + b.length);
  out.set(a.map((x) => x * Math.sqrt(WEIGHT)));
  out.set(
    b.map((x) => x * Math.sqrt(1 - WEIGHT)),
    a.length,
  );
  return out;
};

const scan = await scanDataset(celeb, { log: { info: () => {}, warn: () => {} } });
const recs = (await Promise.all(scan.files.map((f) => photoCache.get(f.sha256)))) as PhotoRecord[];
const dups = findDuplicates(
  scan.files,
  recs.map((r) => r.hashes),
  DEFAULT_NEAR_DUPLICATES,
);
const split = splitDataset(scan.files, dups.unitOf, { validationSplit: 0.1, seed: 123 });
const sums = new Map<number, Float32Array>();
for (const i of split.trainIndices) {
  const r = recs[i]!;
  if (!r.resnet || !r.faceres13) continue;
  const e = joined(r.resnet, r.faceres13);
  const c = scan.files[i]!.classIndex;
  const s = sums.get(c) ?? new Float32Array(e.length);
  for (let k = 0; k < e.length; k++) s[k]! += e[k]!;
  sums.set(c, s);
}
const centroids = [...sums].map(([c, s]) => ({ name: scan.classNames[c]!, v: unit(s) }));
const name = (e: Float32Array) => {
  let best = "";
  let bestD = Infinity;
  for (const c of centroids) {
    let d = 0;
    for (let k = 0; k < e.length; k++) d += (e[k]! - c.v[k]!) ** 2;
    if (d < bestD) {
      bestD = d;
      best = c.name;
    }
  }
  return Math.sqrt(bestD) <= threshold ? best : "unknown";
};

interface Found {
  box: FaceBox;
  score: number;
  resnet: number[];
  faceres: number[];
}
const cache = new JsonCache<Found[]>("groups-v1");
const labels = JSON.parse(await readFile(join(data, "labels.json"), "utf8")) as GroupLabel[];
const nets = await loadProbeNets();
let faces = 0;
let found = 0;
let namedRight = 0;
let sampleFaces = 0;
let sampleRejected = 0;
let noFaceWithFace = 0;
for (const l of labels) {
  const file = join(data, l.file);
  const key = await sha256File(file);
  let got = await cache.get(key);
  if (!got) {
    const image = await readRgbFile(file);
    const r = await probeFindFaces(nets.tiny, image, {
      detector: { kind: "blazeface", params: nets.blazeface.params },
    });
    const resnet = await embedFaces(nets.tiny, image, r.faces);
    const faceres = await embedFaceres(
      nets.faceres.params,
      image,
      r.faces.map((f) => f.landmarks!),
    );
    got = r.faces.map((f, i) => ({
      box: f.box,
      score: f.score,
      resnet: Array.from(resnet[i]!),
      faceres: Array.from(faceres[i]!),
    }));
    await cache.set(key, got);
  }
  if (l.kind === "noface") {
    if (got.length) noFaceWithFace++;
    continue;
  }
  const names = got.map((g) => name(joined(g.resnet, g.faceres)));
  if (l.kind === "sample") {
    sampleFaces += got.length;
    sampleRejected += names.filter((n) => n === "unknown").length;
    continue;
  }
  const used = got.map(() => false);
  for (const lab of l.faces!) {
    faces++;
    const j = got.findIndex((g, k) => {
      if (used[k]) return false;
      const cx = g.box.left + g.box.width / 2;
      const cy = g.box.top + g.box.height / 2;
      const ratio = g.box.width / lab.width;
      return (
        cx >= lab.left - lab.width * 0.25 &&
        cx <= lab.left + lab.width * 1.25 &&
        cy >= lab.top - lab.height * 0.25 &&
        cy <= lab.top + lab.height * 1.25 &&
        ratio > 0.4 &&
        ratio < 2.5
      );
    });
    if (j < 0) continue;
    used[j] = true;
    found++;
    if (names[j] === lab.label) namedRight++;
  }
}
console.log(
  `threshold ${threshold}: collage faces found ${pct(found / faces)} (${found}/${faces}); found faces named right ${pct(namedRight / found)} (${namedRight}/${found}); face-api sample strangers rejected ${pct(sampleRejected / sampleFaces)} (${sampleRejected}/${sampleFaces}); no-face pictures with a face: ${noFaceWithFace}`,
);
