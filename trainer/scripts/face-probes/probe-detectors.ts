/**
 * Detector recall, false positives and CPU time on the labelled group set (build-group-set.ts):
 *
 *   pnpm tsx trainer/scripts/face-probes/probe-detectors.ts --data /tmp/face-groups [--only name,name]
 *
 * A detection matches a labelled face (one-to-one, best score first) when its centre lies in the
 * label box grown by 25 % and its width is 0.4–2.5× the label's. Samples have counts only: found =
 * min(detections, count), extra = the rest. Times are wall-clock ms per picture on tfjs wasm (one
 * thread, shared CPU: compare within a run), detection only (no landmarks). Results are cached per
 * (config, picture) under --cache.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { RgbImage } from "@marquee/shared";
import { detectFaces, type FaceBox, loadFaceModels } from "@marquee/shared/face";
import { nodeFaceWeightSource } from "@marquee/shared/node";
import type { GroupLabel } from "./build-group-set.ts";
import {
  JsonCache,
  loadProbeNets,
  median,
  opt,
  pct,
  probeFindFaces,
  readRgbFile,
  required,
  sha256File,
} from "./probe-common.ts";

interface Result {
  boxes: { box: FaceBox; score: number }[];
  ms: number;
}

const data = required("--data");
const labels = JSON.parse(await readFile(join(data, "labels.json"), "utf8")) as GroupLabel[];
const nets = await loadProbeNets();
const ssd = await loadFaceModels(nodeFaceWeightSource(), { detector: "ssd" });
const bf = { kind: "blazeface" as const, params: nets.blazeface.params };
type Run = (image: RgbImage) => Promise<{ box: FaceBox; score: number }[]>;
const configs: Record<string, Run> = {
  "tiny@320 (today)": (img) =>
    detectFaces(nets.tiny, img, { inputSize: 320, landmarks: false, padRetry: false, maxFaces: 1000 }),
  "tiny@416+padRetry": (img) =>
    detectFaces(nets.tiny, img, { inputSize: 416, landmarks: false, maxFaces: 1000 }),
  "tiny@320 tiled": async (img) =>
    (
      await probeFindFaces(nets.tiny, img, {
        detector: { kind: "face-api", inputSize: 320 },
        landmarks: false,
        minFaceInput: 24,
        tileMinScore: 0.5,
      })
    ).faces,
  "ssd@512": (img) => detectFaces(ssd, img, { landmarks: false, padRetry: false, maxFaces: 1000 }),
  blazeface: async (img) =>
    (await probeFindFaces(nets.tiny, img, { detector: bf, tiles: false, landmarks: false })).faces,
  "blazeface tiled(12)": async (img) =>
    (
      await probeFindFaces(nets.tiny, img, {
        detector: bf,
        landmarks: false,
        minFaceInput: 12,
        minScore: 0.5,
        tiles: "always",
      })
    ).faces,
  "blazeface scaled pass (12)": async (img) =>
    (await probeFindFaces(nets.tiny, img, { detector: bf, landmarks: false, minFaceInput: 12 })).faces,
  "blazeface scaled pass (18)": async (img) =>
    (await probeFindFaces(nets.tiny, img, { detector: bf, landmarks: false, minFaceInput: 18 })).faces,
  "blazeface scaled pass (24)": async (img) =>
    (await probeFindFaces(nets.tiny, img, { detector: bf, landmarks: false, minFaceInput: 24 })).faces,
  "blazeface default (auto tiles, 12, min 0.6)": async (img) =>
    (await probeFindFaces(nets.tiny, img, { detector: bf, landmarks: false, scaledPass: false })).faces,
  "blazeface auto tiles (18, min 0.6)": async (img) =>
    (
      await probeFindFaces(nets.tiny, img, {
        detector: bf,
        landmarks: false,
        minFaceInput: 18,
        scaledPass: false,
      })
    ).faces,
  "blazeface auto tiles (24, min 0.6)": async (img) =>
    (
      await probeFindFaces(nets.tiny, img, {
        detector: bf,
        landmarks: false,
        minFaceInput: 24,
        scaledPass: false,
      })
    ).faces,
  "blazeface always tiles (12, min 0.6)": async (img) =>
    (
      await probeFindFaces(nets.tiny, img, {
        detector: bf,
        landmarks: false,
        tiles: "always",
        scaledPass: false,
      })
    ).faces,
  "blazeface tiled(24)": async (img) =>
    (
      await probeFindFaces(nets.tiny, img, {
        detector: bf,
        landmarks: false,
        minFaceInput: 24,
        minScore: 0.5,
        tiles: "always",
      })
    ).faces,
};
const only = opt("--only")?.split(",");
/** Re-score cached results at a higher minimum score (exact for the greedy, score-ordered merge). */
const minScore = Number(opt("--min-score", "0"));

function match(
  labelsOf: FaceBox[],
  found: { box: FaceBox; score: number }[],
): { hit: boolean[]; extra: number } {
  const hit = labelsOf.map(() => false);
  let extra = 0;
  for (const f of [...found].sort((a, b) => b.score - a.score)) {
    const cx = f.box.left + f.box.width / 2;
    const cy = f.box.top + f.box.height / 2;
    const j = labelsOf.findIndex((l, k) => {
      if (hit[k]) return false;
      const gx = l.width * 0.25;
      const gy = l.height * 0.25;
      const ratio = f.box.width / l.width;
      return (
        cx >= l.left - gx &&
        cx <= l.left + l.width + gx &&
        cy >= l.top - gy &&
        cy <= l.top + l.height + gy &&
        ratio > 0.4 &&
        ratio < 2.5
      );
    });
    if (j >= 0) hit[j] = true;
    else extra++;
  }
  return { hit, extra };
}

const buckets = [
  [40, 60],
  [60, 100],
  [100, 200],
  [200, 1000],
] as const;
console.log(
  `min score ${minScore || "as run"}\n| detector | collage recall | 40–60 px | 60–100 | 100–200 | ≥200 | collage extra | samples found (22) | samples extra | no-face pictures with a face (22) | ms/picture median (1920×1080 / 12 MP) |`,
);
console.log("|---|---|---|---|---|---|---|---|---|---|---|");
for (const [name, run] of Object.entries(configs)) {
  if (only && !only.some((o) => name.startsWith(o))) continue;
  const cache = new JsonCache<Result>(`detect-v1-${name.replace(/[^a-z0-9@]+/gi, "_")}`);
  let faces = 0;
  let found = 0;
  const byBucket = buckets.map(() => [0, 0]);
  let collageExtra = 0;
  let samplesFound = 0;
  let samplesExtra = 0;
  let noFaceBad = 0;
  const ms1080: number[] = [];
  const ms12: number[] = [];
  const msAll: number[] = [];
  for (const l of labels) {
    const file = join(data, l.file);
    const key = await sha256File(file);
    let r = await cache.get(key);
    if (!r) {
      const image = await readRgbFile(file);
      const t0 = performance.now();
      const boxes = (await run(image)).map((b) => ({ box: b.box, score: b.score }));
      r = { boxes, ms: performance.now() - t0 };
      await cache.set(key, r);
    }
    r = { ...r, boxes: r.boxes.filter((b) => b.score >= minScore) };
    msAll.push(r.ms);
    if (l.file.includes("1920x1080")) ms1080.push(r.ms);
    if (l.file.includes("4000x3000")) ms12.push(r.ms);
    if (l.kind === "collage") {
      const m = match(l.faces!, r.boxes);
      faces += l.faces!.length;
      found += m.hit.filter(Boolean).length;
      collageExtra += m.extra;
      l.faces!.forEach((f, k) => {
        const b = buckets.findIndex(([lo, hi]) => f.width >= lo && f.width < hi);
        if (b >= 0) {
          byBucket[b]![0]!++;
          if (m.hit[k]) byBucket[b]![1]!++;
        }
      });
    } else if (l.kind === "sample") {
      samplesFound += Math.min(l.count, r.boxes.length);
      samplesExtra += Math.max(0, r.boxes.length - l.count);
    } else if (r.boxes.length > 0) noFaceBad++;
  }
  console.log(
    `| ${name} | ${pct(found / faces)} (${found}/${faces}) | ${byBucket.map(([n, h]) => (n ? pct(h! / n!) : "–")).join(" | ")} | ${collageExtra} | ${samplesFound} | ${samplesExtra} | ${noFaceBad} | ${median(msAll).toFixed(0)} (${median(ms1080).toFixed(0)} / ${median(ms12).toFixed(0)}) |`,
  );
}
