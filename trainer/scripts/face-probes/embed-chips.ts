/**
 * ResNet-34 descriptors on dlib's aligned chip (rotation + scale to dlib's mean face, padding 0.25),
 * plain and mirrored, for photos embed-celeb.ts already cached (landmarks reused):
 *
 *   pnpm tsx trainer/scripts/face-probes/embed-chips.ts --data DIR [--tight]
 */
import type { RgbImage } from "@marquee/shared";
import { type Point, sampleFaceChip } from "@marquee/shared/face";
import * as tf from "@tensorflow/tfjs";
import { faceRecognitionForward } from "../../../shared/src/face/nets/face-recognition.ts";
import { DEFAULT_NEAR_DUPLICATES, findDuplicates } from "../../src/data/duplicates.ts";
import { scanDataset } from "../../src/data/scan.ts";
import { splitDataset } from "../../src/data/split.ts";
import { tightFaceCrop } from "../../src/face/tight-crop.ts";
import { type PhotoRecord, photoCache, tightEvidence } from "./embed-celeb.ts";
import { JsonCache, loadProbeNets, type ProbeNets, readRgbFile, required } from "./probe-common.ts";

/** Chip descriptors of one photo (or tight crop). */
export interface ChipRecord {
  chip: number[] | null;
  mirror: number[] | null;
  padding: number;
}
export const chipCache = new JsonCache<ChipRecord>("chips-v1");
const outside = process.argv.includes("--edge") ? "edge" : "black";
export const tightChipCache = new JsonCache<ChipRecord>(
  outside === "edge" ? "tight-chips-edge-v1" : "tight-chips-v1",
);

const unflat = (a: number[]) =>
  Array.from({ length: a.length / 2 }, (_, i) => ({ x: a[2 * i]!, y: a[2 * i + 1]! }));

async function describe(
  nets: ProbeNets,
  image: RgbImage,
  landmarks: Point[],
  mirror: boolean,
): Promise<number[]> {
  const pixels = sampleFaceChip(image, landmarks, 150, { mirror, outside });
  const input = tf.tensor4d(pixels, [1, 150, 150, 3]);
  const out = faceRecognitionForward(input, nets.tiny.recognition);
  input.dispose();
  const d = Array.from((await out.data()) as Float32Array);
  out.dispose();
  return d;
}

async function record(nets: ProbeNets, image: RgbImage, landmarks: Point[] | null): Promise<ChipRecord> {
  if (!landmarks) return { chip: null, mirror: null, padding: 0.25 };
  return {
    chip: await describe(nets, image, landmarks, false),
    mirror: await describe(nets, image, landmarks, true),
    padding: 0.25,
  };
}

async function main(): Promise<void> {
  const data = required("--data");
  const scan = await scanDataset(data, { log: { info: () => {}, warn: () => {} } });
  const nets = await loadProbeNets();
  const recs: PhotoRecord[] = [];
  let done = 0;
  const t0 = performance.now();
  for (const f of scan.files) {
    const r = await photoCache.get(f.sha256);
    if (!r) throw new Error(`run embed-celeb.ts on ${data} first`);
    recs.push(r);
    if (!(await chipCache.get(f.sha256))) {
      const image = await readRgbFile(f.path);
      await chipCache.set(
        f.sha256,
        await record(nets, image, r.subject ? unflat(r.subject.landmarks) : null),
      );
    }
    if (++done % 100 === 0)
      console.error(`${done}/${scan.files.length} ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  }
  if (process.argv.includes("--tight")) {
    const dups = findDuplicates(
      scan.files,
      recs.map((r) => r.hashes),
      DEFAULT_NEAR_DUPLICATES,
    );
    const split = splitDataset(scan.files, dups.unitOf, { validationSplit: 0.1, seed: 123 });
    for (const i of split.validationIndices) {
      const f = scan.files[i]!;
      const r = recs[i]!;
      if (!r.subject || (await tightChipCache.get(f.sha256))) continue;
      const image = await readRgbFile(f.path);
      const crop = tightFaceCrop(image, unflat(r.subject.landmarks), 112);
      const ev = await tightEvidence(nets, crop);
      await tightChipCache.set(f.sha256, await record(nets, crop, ev?.face.landmarks ?? null));
    }
  }
  console.log(`done ${done} photos in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
