/**
 * Embeds every photo of a class-folder dataset with both descriptors, for the descriptor probe
 * (cached per photo sha256 under --cache, default /tmp/marquee-probe-cache; re-runs are cheap):
 *
 *   pnpm tsx trainer/scripts/face-probes/embed-celeb.ts --data ../shared/datasets/celeb17 [--tight]
 *
 * Subject face: face-api's tiny detector at 416 (retries 320, 512; largest confident face, as
 * training finds it), else BlazeFace back (with its padded retry); none → the photo is counted as
 * missed. Descriptors: face-api ResNet-34 (dlib aligned 150 px crop) and faceres (224 px, crop scale
 * 1.0 and 1.3 of the dlib square). With --tight, also the validation split's (seed 123, 10 %, the
 * trainer's duplicate-aware split) tight 112×112 crops, found only through detection evidence
 * (BlazeFace on the crop or on a padded copy, then the tiny detector's padded retry).
 */
import type { RgbImage } from "@marquee/shared";
import {
  type DetectedFace,
  detectFaces,
  embedFaceres,
  embedFaces,
  type Point,
  subjectFaceIndex,
} from "@marquee/shared/face";
import { DEFAULT_NEAR_DUPLICATES, findDuplicates } from "../../src/data/duplicates.ts";
import { dctHash, differenceHash } from "../../src/data/perceptual-hash.ts";
import { scanDataset } from "../../src/data/scan.ts";
import { splitDataset } from "../../src/data/split.ts";
import { tightFaceCrop } from "../../src/face/tight-crop.ts";
import {
  JsonCache,
  loadProbeNets,
  opt,
  type ProbeNets,
  probeFindFaces,
  readRgbFile,
  required,
} from "./probe-common.ts";

/** Bump when what is stored changes. */
const VERSION = "v1";

/** One photo's probe record. */
export interface PhotoRecord {
  width: number;
  height: number;
  hashes: { dct: string; difference: string };
  subject: null | {
    box: { left: number; top: number; width: number; height: number };
    score: number;
    source: "tiny" | "blazeface";
    landmarks: number[];
  };
  resnet?: number[];
  faceres10?: number[];
  faceres13?: number[];
  ms?: { detect: number; resnet: number; faceres: number };
}

/** One tight crop's probe record. */
export interface TightRecord {
  evidence: "blazeface" | "blazeface-padded" | "tiny-padded" | null;
  resnet?: number[];
  faceres13?: number[];
  faceres10?: number[];
}

export const photoCache = new JsonCache<PhotoRecord>(`photos-${VERSION}`);
export const tightCache = new JsonCache<TightRecord>(`tight-${VERSION}`);

const flat = (pts: Point[]) => pts.flatMap((p) => [p.x, p.y]);
const unflat = (a: number[]) =>
  Array.from({ length: a.length / 2 }, (_, i) => ({ x: a[2 * i]!, y: a[2 * i + 1]! }));

async function findSubject(
  nets: ProbeNets,
  image: RgbImage,
): Promise<{ face: DetectedFace; source: "tiny" | "blazeface" } | null> {
  for (const inputSize of [416, 320, 512]) {
    const faces = await detectFaces(nets.tiny, image, { inputSize, minScore: 0.5 });
    const i = subjectFaceIndex(faces);
    if (i >= 0) return { face: faces[i]!, source: "tiny" };
  }
  const found = await probeFindFaces(nets.tiny, image, {
    detector: { kind: "blazeface", params: nets.blazeface.params },
    tiles: false,
  });
  const i = subjectFaceIndex(found.faces);
  return i >= 0 ? { face: found.faces[i]!, source: "blazeface" } : null;
}

async function describe(nets: ProbeNets, image: RgbImage, face: DetectedFace) {
  const t0 = performance.now();
  const [resnet] = await embedFaces(nets.tiny, image, [face]);
  const t1 = performance.now();
  const [f13] = await embedFaceres(nets.faceres.params, image, [face.landmarks!], 1.3);
  const t2 = performance.now();
  const [f10] = await embedFaceres(nets.faceres.params, image, [face.landmarks!], 1.0);
  return {
    resnet: Array.from(resnet!),
    faceres13: Array.from(f13!),
    faceres10: Array.from(f10!),
    ms: { resnet: t1 - t0, faceres: t2 - t1 },
  };
}

/** Evidence that a tight crop holds a face: BlazeFace (plain, then padded), then tiny's padded retry. */
export async function tightEvidence(
  nets: ProbeNets,
  crop: RgbImage,
): Promise<{ face: DetectedFace; evidence: NonNullable<TightRecord["evidence"]> } | null> {
  const bf = await probeFindFaces(nets.tiny, crop, {
    detector: { kind: "blazeface", params: nets.blazeface.params },
    tiles: false,
  });
  const best = bf.faces[subjectFaceIndex(bf.faces)];
  if (best)
    return { face: best, evidence: (best as { level: number }).level < 0 ? "blazeface-padded" : "blazeface" };
  const tiny = await detectFaces(nets.tiny, crop, { inputSize: 416, minScore: 0.5, padRetry: true });
  const t = tiny[subjectFaceIndex(tiny)];
  return t ? { face: t, evidence: "tiny-padded" } : null;
}

async function main() {
  const data = required("--data");
  const scan = await scanDataset(data, { log: { info: () => {}, warn: (l) => console.error(l) } });
  const nets = await loadProbeNets();
  const records: PhotoRecord[] = [];
  let done = 0;
  let computed = 0;
  const started = performance.now();
  for (const f of scan.files) {
    let r = await photoCache.get(f.sha256);
    if (!r) {
      const image = await readRgbFile(f.path);
      const t0 = performance.now();
      const subject = await findSubject(nets, image);
      const detect = performance.now() - t0;
      r = {
        width: image.width,
        height: image.height,
        hashes: { dct: dctHash(image), difference: differenceHash(image) },
        subject: null,
      };
      if (subject) {
        const d = await describe(nets, image, subject.face);
        const b = subject.face.box;
        r = {
          ...r,
          subject: {
            box: { ...b },
            score: subject.face.score,
            source: subject.source,
            landmarks: flat(subject.face.landmarks!),
          },
          resnet: d.resnet,
          faceres13: d.faceres13,
          faceres10: d.faceres10,
          ms: { detect, ...d.ms },
        };
      }
      await photoCache.set(f.sha256, r);
      computed++;
    }
    records.push(r);
    if (++done % 100 === 0)
      console.error(
        `${done}/${scan.files.length} (${computed} computed, ${((performance.now() - started) / 1000).toFixed(0)} s)`,
      );
  }
  const missed = records.filter((r) => !r.subject).length;
  console.log(
    `${scan.files.length} photos in ${scan.classNames.length} classes; ${missed} without a subject face; ${computed} computed now.`,
  );
  if (!process.argv.includes("--tight")) return;
  const dups = findDuplicates(
    scan.files,
    records.map((r) => r.hashes),
    DEFAULT_NEAR_DUPLICATES,
  );
  const split = splitDataset(scan.files, dups.unitOf, {
    validationSplit: Number(opt("--split", "0.1")),
    seed: 123,
  });
  let crops = 0;
  for (const i of split.validationIndices) {
    const f = scan.files[i]!;
    const r = records[i]!;
    if (!r.subject) continue;
    if (await tightCache.get(f.sha256)) continue;
    const image = await readRgbFile(f.path);
    const crop = tightFaceCrop(image, unflat(r.subject.landmarks), 112);
    const ev = await tightEvidence(nets, crop);
    const t: TightRecord = { evidence: ev?.evidence ?? null };
    if (ev) {
      const d = await describe(nets, crop, ev.face);
      Object.assign(t, { resnet: d.resnet, faceres13: d.faceres13, faceres10: d.faceres10 });
    }
    await tightCache.set(f.sha256, t);
    crops++;
  }
  console.log(`tight crops computed now: ${crops}`);
}

if (import.meta.url === `file://${process.argv[1]}`) await main();
