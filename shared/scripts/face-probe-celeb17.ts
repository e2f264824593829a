/**
 * Accuracy/throughput probe on a folder of class folders (default ../shared/datasets/celeb17):
 * embeds the largest face per photo (both cores: two worker processes), then measures
 * nearest-centroid top-1 on a seeded random 10 % split that keeps byte-identical duplicates on one
 * side, counts photos without a detected face, and checks tight 112×112 crops of the validation
 * faces (detector on the crop vs the whole-image fallback).
 *
 *   pnpm tsx shared/scripts/face-probe-celeb17.ts [--data DIR] [--detector tiny|ssd] [--input-size 416]
 *        [--landmarks full|tiny] [--workers 2]
 */
import { fork } from "node:child_process";
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import {
  detectFaces,
  embedFaces,
  embedWholeImageAsFace,
  euclideanDistance,
  type FaceDetectorKind,
  type LandmarkNetKind,
  loadFaceModels,
} from "../src/face/index.ts";
import { tightFaceCrop, useBackend } from "../src/face/test-support.ts";
import { decodeImage } from "../src/image/index.ts";
import { nodeFaceWeightSource } from "../src/node/face-weights.ts";
import { useNodeWasmDecoders } from "../src/node/index.ts";

const args = process.argv.slice(2);
const opt = (name: string, fallback: string) =>
  args.includes(name) ? (args[args.indexOf(name) + 1] as string) : fallback;
const here = path.dirname(fileURLToPath(import.meta.url));
const dataDir = path.resolve(opt("--data", path.resolve(here, "../../../shared/datasets/celeb17")));
const detector = opt("--detector", "tiny") as FaceDetectorKind;
const landmarksKind = opt("--landmarks", "full") as LandmarkNetKind;
const inputSize = Number(opt("--input-size", "416"));
const workers = Number(opt("--workers", "2"));
// --no-crops: embed only (the trainer's workload), for a clean photos/s figure.
const withCrops = !args.includes("--no-crops");
const shard = args.includes("--shard") ? opt("--shard", "0/1").split("/").map(Number) : undefined;

interface Row {
  file: string;
  label: string;
  hash: string;
  /** How the face was found: plain detection, the padded retry, the whole-image fallback, or none. */
  stage: "detected" | "padded" | "whole-image" | "none";
  descriptor?: number[];
  /** Tight 112×112 crop of the face: found by the detector (with padded retry)? and descriptors. */
  crop?: { detected: boolean; detectedDescriptor?: number[]; wholeDescriptor: number[] };
}

function listFiles(): { file: string; label: string }[] {
  const out: { file: string; label: string }[] = [];
  for (const label of readdirSync(dataDir).sort()) {
    const dir = path.join(dataDir, label);
    let names: string[];
    try {
      names = readdirSync(dir).sort();
    } catch {
      continue;
    }
    for (const name of names)
      if (/\.(jpe?g|png|webp|gif)$/i.test(name)) out.push({ file: path.join(dir, name), label });
  }
  return out;
}

async function runShard(index: number, count: number): Promise<Row[]> {
  await useBackend("wasm");
  await useNodeWasmDecoders();
  const models = await loadFaceModels(nodeFaceWeightSource(), { detector, landmarks: landmarksKind });
  const rows: Row[] = [];
  const files = listFiles().filter((_, i) => i % count === index);
  for (const { file, label } of files) {
    const bytes = new Uint8Array(readFileSync(file));
    const hash = createHash("sha1").update(bytes).digest("hex");
    const row: Row = { file: path.relative(dataDir, file), label, hash, stage: "none" };
    try {
      const { image } = await decodeImage(bytes);
      let faces = await detectFaces(models, image, { inputSize, maxFaces: 1, padRetry: false });
      row.stage = faces.length ? "detected" : "none";
      if (!faces.length) {
        faces = await detectFaces(models, image, { inputSize, maxFaces: 1 });
        if (faces.length) row.stage = "padded";
      }
      const face = faces[0];
      if (face) {
        const [d] = await embedFaces(models, image, [face]);
        row.descriptor = Array.from(d as Float32Array);
      }
      if (face && withCrops) {
        const crop = tightFaceCrop(image, face.landmarks ?? []);
        const onCrop = await detectFaces(models, crop, { inputSize, maxFaces: 1 });
        const whole = await embedWholeImageAsFace(models, crop);
        row.crop = { detected: onCrop.length > 0, wholeDescriptor: Array.from(whole.descriptor) };
        if (onCrop[0])
          row.crop.detectedDescriptor = Array.from(
            (await embedFaces(models, crop, onCrop))[0] as Float32Array,
          );
      } else if (!face && image.width / image.height >= 0.75 && image.width / image.height <= 4 / 3) {
        row.stage = "whole-image";
        row.descriptor = Array.from((await embedWholeImageAsFace(models, image)).descriptor);
      }
    } catch (err) {
      process.stderr.write(`${row.file}: ${(err as Error).message}\n`);
    }
    rows.push(row);
  }
  models.dispose();
  return rows;
}

function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

function nearestCentroid(train: Row[]): (d: number[]) => { label: string; distance: number } {
  const sums = new Map<string, { sum: number[]; n: number }>();
  for (const r of train) {
    if (!r.descriptor) continue;
    const e = sums.get(r.label) ?? { sum: new Array(128).fill(0), n: 0 };
    r.descriptor.forEach((v, i) => {
      e.sum[i] += v;
    });
    e.n++;
    sums.set(r.label, e);
  }
  const centroids = [...sums].map(([label, { sum, n }]) => ({ label, c: sum.map((v) => v / n) }));
  return (d) => {
    let best = { label: "", distance: Infinity };
    for (const { label, c } of centroids) {
      const distance = euclideanDistance(c, d);
      if (distance < best.distance) best = { label, distance };
    }
    return best;
  };
}

async function main() {
  if (shard) {
    const rows = await runShard(shard[0] as number, shard[1] as number);
    process.send?.(rows);
    return;
  }
  const t0 = performance.now();
  const parts = await Promise.all(
    Array.from(
      { length: workers },
      (_, i) =>
        new Promise<Row[]>((resolve, reject) => {
          const child = fork(fileURLToPath(import.meta.url), [...args, "--shard", `${i}/${workers}`], {
            execArgv: process.execArgv,
          });
          child.on("message", (m) => resolve(m as Row[]));
          child.on("error", reject);
          child.on("exit", (code) => code && reject(new Error(`worker ${i} exited with ${code}`)));
        }),
    ),
  );
  const seconds = (performance.now() - t0) / 1000;
  const rows = parts.flat();
  const count = (stage: Row["stage"]) => rows.filter((r) => r.stage === stage).length;
  console.log(
    `${dataDir}: ${rows.length} photos in ${seconds.toFixed(1)} s = ${(rows.length / seconds).toFixed(1)} photos/s (${workers} workers; detector ${detector}@${detector === "ssd" ? 512 : inputSize}, landmarks ${landmarksKind}${withCrops ? "; includes the tight-crop checks" : ""})`,
  );
  console.log(
    `face found directly: ${count("detected")}, only by the padded retry: ${count("padded")}, whole-image fallback: ${count("whole-image")}, no face: ${count("none")}`,
  );
  for (const r of rows.filter((r) => r.stage !== "detected"))
    console.log(`  ${r.stage.padEnd(11)} ${r.file}`);

  // Split by content hash so byte-identical copies never straddle train/validation.
  const hashes = [...new Set(rows.map((r) => r.hash))].sort();
  const rand = seededRandom(Number(opt("--seed", "42")));
  const valHashes = new Set(hashes.filter(() => rand() < 0.1));
  const train = rows.filter((r) => !valHashes.has(r.hash));
  const val = rows.filter((r) => valHashes.has(r.hash));
  const classify = nearestCentroid(train);
  const score = (list: Row[], pick: (r: Row) => number[] | undefined) => {
    let correct = 0;
    let n = 0;
    const wrong: string[] = [];
    for (const r of list) {
      n++;
      const d = pick(r);
      const label = d ? classify(d).label : "(no face)";
      if (label === r.label) correct++;
      else wrong.push(`${r.file} → ${label}`);
    }
    return { correct, n, wrong };
  };
  const full = score(val, (r) => r.descriptor);
  console.log(
    `nearest-centroid top-1 on ${val.length} validation photos (${hashes.length} distinct files, ${train.length} train): ${full.correct}/${full.n} = ${((100 * full.correct) / full.n).toFixed(1)} %`,
  );
  for (const w of full.wrong) console.log(`  wrong: ${w}`);
  if (!withCrops) return;
  const withCrop = val.filter((r) => r.crop);
  const crops = withCrop.map((r) => r.crop as NonNullable<Row["crop"]>);
  const detectedOnCrop = crops.filter((c) => c.detected).length;
  const viaWhole = score(withCrop, (r) => r.crop?.wholeDescriptor);
  const viaDetector = score(withCrop, (r) => r.crop?.detectedDescriptor);
  const dist = (a?: number[], b?: number[]) => (a && b ? euclideanDistance(a, b) : Number.NaN);
  const allCrops = rows.filter((r) => r.crop);
  const wholeDists = allCrops.map((r) => dist(r.crop?.wholeDescriptor, r.descriptor)).sort((a, b) => a - b);
  const detDists = allCrops
    .filter((r) => r.crop?.detectedDescriptor)
    .map((r) => dist(r.crop?.detectedDescriptor, r.descriptor))
    .sort((a, b) => a - b);
  const q = (xs: number[], p: number) =>
    xs.length ? (xs[Math.min(xs.length - 1, Math.floor(p * xs.length))] as number).toFixed(3) : "-";
  console.log(
    `tight 112×112 crops of all ${allCrops.length} detected faces: detector (with padded retry) finds ${allCrops.filter((r) => r.crop?.detected).length}`,
  );
  console.log(
    `  distance crop→full photo, whole-image fallback: median ${q(wholeDists, 0.5)}, p90 ${q(wholeDists, 0.9)}, max ${q(wholeDists, 1)}`,
  );
  console.log(
    `  distance crop→full photo, detector on crop:     median ${q(detDists, 0.5)}, p90 ${q(detDists, 0.9)}, max ${q(detDists, 1)}`,
  );
  console.log(
    `validation crops (${withCrop.length}; detector finds ${detectedOnCrop}): top-1 via whole-image fallback ${viaWhole.correct}/${viaWhole.n} = ${((100 * viaWhole.correct) / viaWhole.n).toFixed(1)} %, via detector ${viaDetector.correct}/${viaDetector.n} (misses count as wrong)`,
  );
}

await main();
