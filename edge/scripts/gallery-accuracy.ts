/**
 * Gallery accuracy on photos of people the default model never saw (measurement only; the photos
 * are not in the repo). Enrols the first `--enrol` (5) photos of each person folder of `--data`
 * (sorted by name), identifies every photo of `--val`, and counts strangers (every photo of
 * `--strangers`, folders of other people) that the gallery rejects, over a sweep of thresholds.
 * Faces are found and embedded as the worker does (shared findFaces with the serving policy, unit-length
 * descriptors) and searched with the worker's ExactScanSearch.
 *
 *   pnpm tsx edge/scripts/gallery-accuracy.ts --data /work/shared/datasets/five-celeb/train \
 *       --val /work/shared/datasets/five-celeb/val --strangers /work/shared/datasets/celeb17 [--per-stranger 10]
 */
import { readdir, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { DEFAULT_DECODE_LIMITS, DEFAULT_WORKING_PIXELS, decodeImage } from "@marquee/shared";
import {
  embedFaces,
  findFaces,
  loadFaceModels,
  normalizeDescriptor,
  servingFacePolicy,
} from "@marquee/shared/face";
import { nodeFaceWeightSource, useNodeWasmDecoders } from "@marquee/shared/node";
import "@tensorflow/tfjs-backend-wasm";
import * as tf from "@tensorflow/tfjs-core";
import { ExactScanSearch, type SearchRow } from "../src/gallery/search.ts";

const args = process.argv.slice(2);
const opt = (name: string, fallback?: string) =>
  args.includes(name) ? (args[args.indexOf(name) + 1] as string) : fallback;
const data = opt("--data");
const val = opt("--val");
const strangersDir = opt("--strangers");
if (!data || !val) throw new Error("usage: --data TRAIN_DIR --val VAL_DIR [--strangers DIR] [--enrol 5]");
const enrolCount = Number(opt("--enrol", "5"));
const perStranger = Number(opt("--per-stranger", "10"));

await tf.setBackend("wasm");
await useNodeWasmDecoders();
const nets = await loadFaceModels(nodeFaceWeightSource(), { landmarks: "full" });

/** The largest face's unit-length embedding, or null: the worker's face rule (servingFacePolicy). */
async function embed(path: string): Promise<Float32Array | null> {
  const { image } = await decodeImage(new Uint8Array(await readFile(path)), {
    limits: { ...DEFAULT_DECODE_LIMITS, maxMegapixels: 50 },
    maxPixels: DEFAULT_WORKING_PIXELS,
  });
  const { faces } = await findFaces(nets, image, servingFacePolicy({ maxFaces: 1 }));
  if (!faces[0]) return null;
  const [d] = await embedFaces(nets, image, [faces[0]]);
  return normalizeDescriptor(d as Float32Array);
}

async function folders(dir: string): Promise<[string, string[]][]> {
  const names = (await readdir(dir, { withFileTypes: true }))
    .filter((e) => e.isDirectory())
    .map((e) => e.name);
  return Promise.all(
    names.sort().map(async (n) => {
      const files = (await readdir(join(dir, n))).filter((f) => /\.(jpe?g|png|webp)$/i.test(f));
      files.sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
      return [n, files.map((f) => join(dir, n, f))] as [string, string[]];
    }),
  );
}

const rows: SearchRow[] = [];
let refused = 0;
for (const [person, files] of await folders(resolve(data))) {
  let enrolled = 0;
  for (const file of files) {
    if (enrolled === enrolCount) break;
    const e = await embed(file);
    if (!e) {
      refused++;
      continue;
    }
    rows.push({ id: rows.length + 1, person, embedding: e });
    enrolled++;
  }
}
const search = new ExactScanSearch((after, limit) => rows.filter((r) => r.id > after).slice(0, limit));

const known: { truth: string; best: string; distance: number }[] = [];
let knownNoFace = 0;
for (const [person, files] of await folders(resolve(val))) {
  for (const file of files) {
    const e = await embed(file);
    if (!e) {
      knownNoFace++;
      continue;
    }
    const m = search.search([e], 1).matches[0]?.[0];
    known.push({ truth: person, best: m?.person ?? "", distance: m?.distance ?? 2 });
  }
}
const strangers: number[] = [];
if (strangersDir) {
  const enrolledPeople = new Set(rows.map((r) => r.person));
  for (const [person, files] of await folders(resolve(strangersDir))) {
    if (enrolledPeople.has(person)) continue;
    for (const file of files.slice(0, perStranger)) {
      const e = await embed(file);
      if (e) strangers.push(search.search([e], 1).matches[0]?.[0]?.distance ?? 2);
    }
  }
}
const knownTotal = known.length + knownNoFace;
console.log(
  `gallery: ${rows.length} faces of ${new Set(rows.map((r) => r.person)).size} people (${refused} photos without a face skipped); ` +
    `held-back photos: ${knownTotal} (${knownNoFace} without a face); strangers: ${strangers.length} faces`,
);
console.log(
  `nearest person correct (no threshold): ${known.filter((k) => k.truth === k.best).length}/${knownTotal}`,
);
console.log("threshold | known accepted and correct | known wrong | strangers rejected");
for (const t of [0.3, 0.33, 0.35, 0.36, 0.37, 0.38, 0.4, 0.42, 0.45, 0.5, 0.6]) {
  const correct = known.filter((k) => k.distance <= t && k.truth === k.best).length;
  const wrong = known.filter((k) => k.distance <= t && k.truth !== k.best).length;
  const rejected = strangers.filter((d) => d > t).length;
  console.log(
    `${t.toFixed(2).padStart(9)} | ${`${correct}/${knownTotal} (${pct(correct, knownTotal)})`.padStart(26)} | ${String(wrong).padStart(11)} | ${strangers.length ? `${rejected}/${strangers.length} (${pct(rejected, strangers.length)})` : "n/a"}`,
  );
}
nets.dispose();

function pct(a: number, b: number): string {
  return `${((100 * a) / b).toFixed(1)} %`;
}
