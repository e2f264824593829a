// The one rule for "the faces of this photo", used by training, `pnpm predict`/`evaluate` and the
// worker: BlazeFace on the whole image, a scaled pass for small faces, a padded pass for tight
// crops, merge, largest first, landmarks from the full-resolution image. No whole-image fallback.
import { MarqueeError } from "../errors.ts";
import type { RgbImage } from "../image/types.ts";
import { alignDetectedFaces, findLandmarks } from "./align.ts";
import {
  type BlazeFaceBox,
  blazeFaceRegion,
  blazeFaceScaled,
  SCALED_PASS_MAX_FACE,
} from "./blazeface-detect.ts";
import { type DetectedFace, type DetectorOptions, detectFaceBoxes } from "./detect.ts";
import { DEFAULT_DESCRIPTOR_RECIPE, type DescriptorRecipe, embedFaces } from "./embed.ts";
import { clipBox, type FaceBox, iou } from "./geometry.ts";
import type { FaceModels } from "./models.ts";
import { BLAZEFACE_INPUT_SIZE } from "./nets/blazeface.ts";
import type { FacePolicy } from "./policy.ts";
import { boxShrink, type SquareRegion } from "./sample.ts";
import { subjectFaceIndex } from "./subject.ts";

/** Options for {@link detectFaces}. */
export interface DetectFacesOptions extends DetectorOptions {
  /** Also compute 68 landmarks per face. Default true. */
  landmarks?: boolean;
}

/**
 * One pass of face-api's tiny or SSD detector (face probes and comparisons only; served and trained
 * faces come from {@link findFaces}), largest first, with 68 landmarks unless `landmarks: false`.
 *
 * @example
 * const faces = await detectFaces(tinyModels, decoded.image, { inputSize: 416 });
 */
export async function detectFaces(
  models: FaceModels,
  image: RgbImage,
  opts: DetectFacesOptions = {},
): Promise<DetectedFace[]> {
  return alignDetectedFaces(models, await detectFaceBoxes(models, image, opts), opts.landmarks !== false);
}

/**
 * Which pass found a face: "detected" (the whole-image or scaled pass) or "padded-retry" (nothing
 * was found, and the image shrunk into a black border showed a face: the evidence for tight crops).
 */
export type FaceSource = "detected" | "padded-retry";

/** A face found by {@link findFaces}. */
export interface FoundFace extends DetectedFace {
  /** Which pass found it: 0 the whole image, 1.. finer passes, -1 the padded retry. */
  level: number;
  /** BlazeFace's 6 keypoints (eyes, nose, mouth, ears), when BlazeFace found the face. */
  keypoints?: { x: number; y: number }[];
}

/** The faces of a photo under a {@link FacePolicy}. */
export interface FoundFaces {
  /** Largest first, at most `policy.maxFaces`, with landmarks; empty when there is no face. */
  faces: FoundFace[];
  /** More faces were found than `policy.maxFaces`. */
  truncated: boolean;
  /** Index into `faces` of the photo's subject (see subjectFaceIndex); -1 when there is no face. */
  subject: number;
  /** Detector passes run (for cost accounting). */
  passes: number;
}

const PAD_RETRY_SCALE = 1.6;
/** Faces narrower than this (in pixels of the photo) are not looked for by the scaled pass. */
const MIN_FACE_PIXELS = 20;
/** Tiles overlap by this share of their side, so a face up to this size lies wholly in one tile. */
const TILE_OVERLAP = 0.25;
/** Faces at least this share of the longer side are close-ups: the scaled pass is skipped (portraits). */
const CLOSE_UP_FRACTION = 0.12;

/**
 * How much the scaled pass shrinks a picture whose longer side is `side`: so that a
 * `minFaceFraction` face (at least 20 px) covers `minFaceInput` detector pixels; never enlarges.
 *
 * @example
 * scaledPassScale(1334, 40 / 1920, 18); // 0.6477: the scaled picture's longer side is 864
 */
export function scaledPassScale(side: number, minFaceFraction: number, minFaceInput = 18): number {
  return Math.min(1, minFaceInput / Math.max(MIN_FACE_PIXELS, minFaceFraction * side));
}

interface Candidate {
  box: FaceBox;
  score: number;
  level: number;
  keypoints?: { x: number; y: number }[];
}

/**
 * The square regions to run the detector on: the whole image (padded to a square), then levels
 * of tiles each half the previous side, until a `minFaceFraction` face covers `minFaceInput` of
 * the detector's `inputSize`. Tiles overlap by a quarter: a face smaller than that lies wholly in a
 * tile, and a bigger one is big enough for the previous (coarser) level.
 */
export function tileRegions(
  width: number,
  height: number,
  inputSize: number,
  minFaceFraction: number,
  minFaceInput: number,
): { region: SquareRegion; level: number }[] {
  const side = Math.max(width, height);
  const out = [{ region: { left: 0, top: 0, size: side }, level: 0 }];
  // Largest tile at which a minFaceFraction face still reaches minFaceInput input pixels; never
  // smaller than the detector input (upsampled tiles only show blur, where detectors hallucinate).
  const finest = Math.max(inputSize, (inputSize * minFaceFraction * side) / minFaceInput);
  if (finest >= side) return out;
  // Levels from the whole image down to `finest`, each at most half the previous side.
  // (A ratio up to ~2.4 between levels still works: BlazeFace's range per pass is wider than 2×.)
  const levels = Math.ceil(Math.log2(side / finest) - 0.25);
  for (let level = 1; level <= levels; level++) {
    const tile = side * (finest / side) ** (level / levels);
    const stride = tile * (1 - TILE_OVERLAP);
    const cols = width <= tile ? 1 : Math.ceil((width - tile) / stride) + 1;
    const rows = height <= tile ? 1 : Math.ceil((height - tile) / stride) + 1;
    // Spread the tiles evenly so the last one ends at the image's edge.
    const stepX = cols > 1 ? (width - tile) / (cols - 1) : 0;
    const stepY = rows > 1 ? (height - tile) / (rows - 1) : 0;
    for (let r = 0; r < rows; r++)
      for (let c = 0; c < cols; c++)
        out.push({
          region: {
            left: cols > 1 ? c * stepX : (width - tile) / 2,
            top: rows > 1 ? r * stepY : (height - tile) / 2,
            size: tile,
          },
          level,
        });
  }
  return out;
}

function cropSquare(image: RgbImage, region: SquareRegion): { image: RgbImage; left: number; top: number } {
  const left = Math.max(0, Math.floor(region.left));
  const top = Math.max(0, Math.floor(region.top));
  const right = Math.min(image.width, Math.ceil(region.left + region.size));
  const bottom = Math.min(image.height, Math.ceil(region.top + region.size));
  const w = right - left;
  const h = bottom - top;
  const data = new Uint8Array(w * h * 3);
  for (let y = 0; y < h; y++) {
    const from = ((top + y) * image.width + left) * 3;
    data.set(image.data.subarray(from, from + w * 3), y * w * 3);
  }
  return { image: { width: w, height: h, data }, left, top };
}

async function detectRegion(
  models: FaceModels,
  inputSize: number,
  image: RgbImage,
  region: SquareRegion,
  minScore: number,
  level: number,
): Promise<Candidate[]> {
  if (models.detector.kind === "blazeface") {
    const found: BlazeFaceBox[] = await blazeFaceRegion(models.detector.params, image, region, minScore);
    return found.map((f) => ({ box: f.box, score: f.score, level, keypoints: f.keypoints }));
  }
  // face-api's detectors take an image; the tile is copied out (small) and its result shifted back.
  const inside = region.left >= 0 && region.top >= 0;
  if (!inside || level < 0) {
    // The padded retry: face-api's own detectFaces pads the image itself.
    const faces = await detectFaces(models, image, {
      inputSize,
      minScore,
      maxFaces: 1000,
      landmarks: false,
      padRetry: true,
    });
    return faces.map((f) => ({ box: f.box, score: f.score, level }));
  }
  const tile = level === 0 ? { image, left: 0, top: 0 } : cropSquare(image, region);
  const faces = await detectFaces(models, tile.image, {
    inputSize,
    minScore,
    maxFaces: 1000,
    landmarks: false,
    padRetry: false,
  });
  return faces.map((f) => ({
    box: { ...f.box, left: f.box.left + tile.left, top: f.box.top + tile.top },
    score: f.score,
    level,
  }));
}

/**
 * Whether a tile's detection is the tile's to report: not cut by an inner tile edge (the
 * neighbouring tile or the coarser level sees that face whole) and not larger than half the tile
 * (faces that big are the coarser level's; here they are mostly parts of a bigger face or body).
 */
function ownedByTile(box: FaceBox, region: SquareRegion, image: RgbImage): boolean {
  if (box.width > region.size / 2 || box.height > region.size / 2) return false;
  const margin = region.size * 0.01;
  const right = region.left + region.size;
  const bottom = region.top + region.size;
  if (box.left < region.left + margin && region.left > 0.5) return false;
  if (box.top < region.top + margin && region.top > 0.5) return false;
  if (box.left + box.width > right - margin && right < image.width - 0.5) return false;
  if (box.top + box.height > bottom - margin && bottom < image.height - 0.5) return false;
  return true;
}

// Intersection over the smaller box: a face cut by a tile edge is mostly inside the whole face.
function overlapOfSmaller(a: FaceBox, b: FaceBox): number {
  const w = Math.max(0, Math.min(a.left + a.width, b.left + b.width) - Math.max(a.left, b.left));
  const h = Math.max(0, Math.min(a.top + a.height, b.top + b.height) - Math.max(a.top, b.top));
  return (w * h) / Math.max(1e-9, Math.min(a.width * a.height, b.width * b.height));
}

/**
 * Merges detections from all passes: greedy by score; a box is dropped when it overlaps a kept
 * one by IoU > 0.3, or lies mostly (> 70 %) inside a kept box of similar size from another pass
 * (the same face seen whole and cut by a tile edge).
 */
export function mergeCandidates<C extends { box: FaceBox; score: number; level: number }>(all: C[]): C[] {
  const order = [...all].sort((a, b) => b.score - a.score);
  const kept: C[] = [];
  for (const c of order) {
    const i = kept.findIndex((k) => {
      if (iou(k.box, c.box) > 0.3) return true;
      const ratio = (k.box.width * k.box.height) / (c.box.width * c.box.height);
      return k.level !== c.level && ratio > 0.25 && ratio < 4 && overlapOfSmaller(k.box, c.box) > 0.7;
    });
    if (i < 0) kept.push(c);
    else if (c.level > kept[i]!.level && iou(kept[i]!.box, c.box) > 0.3) {
      // The same face seen by a finer pass: its box (and keypoints) locate a small face better;
      // the score stays the best one.
      kept[i] = { ...c, score: kept[i]!.score };
    }
  }
  return kept;
}

// BlazeFace's box is tighter than the tiny detector's, whose proportions the 68-point landmark net
// expects: measured on face-api's sample photos (19 faces found by both, medians), the tiny box is
// 1.48× as wide, 1.31× as tall and its centre 0.07 of the height lower.
function landmarkBox(c: Candidate): FaceBox {
  if (!c.keypoints) return c.box;
  const cx = c.box.left + c.box.width / 2;
  const cy = c.box.top + c.box.height * 0.57;
  const w = c.box.width * 1.48;
  const h = c.box.height * 1.31;
  return { left: cx - w / 2, top: cy - h / 2, width: w, height: h };
}

/**
 * The faces of a photo under `policy`, largest first, at most `policy.maxFaces` (`truncated` when
 * there were more), each with 68 landmarks read from the full-resolution image:
 *
 * 1. the detector on the whole image (BlazeFace at 256 px: faces ≥ ~12 px of 256);
 * 2. unless every face found is a close-up, one scaled pass (BlazeFace is fully convolutional) on
 *    the image scaled so that a `minFaceFraction` face covers 18 input px, in overlapping blocks;
 * 3. merged greedily by score; the finer pass' box wins for the same face;
 * 4. nothing found and `padRetry`: one pass on the image shrunk into a black border (tight crops).
 *
 * Never invents a face: a picture without a detection answers `faces: []`.
 *
 * @example
 * const { faces, subject, truncated } = await findFaces(models, image, servingFacePolicy());
 */
export async function findFaces(
  models: FaceModels,
  image: RgbImage,
  policy: FacePolicy,
): Promise<FoundFaces> {
  if (image.width < 1 || image.height < 1 || image.data.length < image.width * image.height * 3) {
    throw new MarqueeError("bad_request", `Image of ${image.width}×${image.height} has no usable pixels.`);
  }
  const kind = models.detector.kind;
  if (kind !== policy.detector) {
    throw new MarqueeError(
      "model_unavailable",
      `The face policy asks for the ${policy.detector} detector, but the loaded face nets hold ${kind}.`,
    );
  }
  const blazeface = models.detector.kind === "blazeface" ? models.detector.params : null;
  const minScore = policy.minScore;
  const tileMinScore = Math.max(minScore, policy.scaledMinScore);
  const maxFaces = policy.maxFaces;
  const inputSize = blazeface ? BLAZEFACE_INPUT_SIZE : kind === "ssd" ? 512 : (policy.inputSize ?? 416);
  const minFaceInput = policy.minFaceInput ?? (blazeface ? 18 : 24);
  const minFaceFraction = policy.minFaceFraction;
  const tiles = policy.tiles ?? "auto";

  // Big photos: shrink by a whole factor so the finest pass still needs ≥ 1 px per input pixel.
  const side = Math.max(image.width, image.height);
  const finestTile = (inputSize * minFaceFraction * side) / minFaceInput;
  const factor = tiles === false ? Math.floor(side / (inputSize * 2)) : Math.floor(finestTile / inputSize);
  const work = factor >= 2 ? boxShrink(image, factor) : image;
  const sx = image.width / work.width;
  const sy = image.height / work.height;
  const workSide = Math.max(work.width, work.height);

  const all: Candidate[] = [];
  let passes = 0;
  const closeUp = CLOSE_UP_FRACTION * workSide;
  const skipTiles = () => tiles !== "always" && all.length > 0 && all.every((c) => c.box.width >= closeUp);
  if (blazeface && policy.scaledPass !== false && tiles !== false) {
    // Level 0 (256 px, whole image) for large faces, then one scaled pass for the small ones.
    all.push(
      ...(await detectRegion(models, inputSize, work, { left: 0, top: 0, size: workSide }, minScore, 0)),
    );
    passes++;
    // Never upsample (faces under ~20 px cannot be named anyway): small pictures get no scaled pass.
    const scale = scaledPassScale(workSide, minFaceFraction, minFaceInput);
    if (scale * workSide > inputSize * 1.2 && !skipTiles()) {
      const small = await blazeFaceScaled(blazeface, work, scale, tileMinScore);
      // Faces above 112 input px are level 0's (there they are ≥ 12 px of 256), and the scaled
      // pass' blocks overlap by 112 input px, so each face it keeps lies whole in one block.
      const maxWidth = SCALED_PASS_MAX_FACE / scale;
      all.push(
        ...small
          .filter((f) => f.box.width <= maxWidth)
          .map((f) => ({ box: f.box, score: f.score, level: 1, keypoints: f.keypoints })),
      );
      passes++;
    }
  } else {
    const regions =
      tiles === false
        ? [{ region: { left: 0, top: 0, size: workSide }, level: 0 }]
        : tileRegions(work.width, work.height, inputSize, minFaceFraction, minFaceInput);
    for (const { region, level } of regions) {
      if (level === 1 && skipTiles()) break;
      const found = await detectRegion(
        models,
        inputSize,
        work,
        region,
        level > 0 ? tileMinScore : minScore,
        level,
      );
      all.push(...(level > 0 ? found.filter((c) => ownedByTile(c.box, region, work)) : found));
      passes++;
    }
  }
  if (all.length === 0 && policy.padRetry) {
    const wside = workSide * PAD_RETRY_SCALE;
    const region = { left: (work.width - wside) / 2, top: (work.height - wside) / 2, size: wside };
    all.push(...(await detectRegion(models, inputSize, work, region, minScore, -1)));
    passes++;
  }
  const minWidth = Math.max(1, policy.minFacePixels / sx);
  const merged = mergeCandidates(all)
    .map((c) => ({ ...c, box: clipBox(c.box, work.width, work.height) }))
    .filter((c) => c.box.width >= minWidth && c.box.height >= 1)
    .sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height);
  const truncated = merged.length > maxFaces;
  const kept = merged.slice(0, maxFaces);
  const toImage = (b: FaceBox): FaceBox => ({
    left: b.left * sx,
    top: b.top * sy,
    width: b.width * sx,
    height: b.height * sy,
  });
  // Landmarks are read from the full-resolution image: the shrunk copy is only for the detector.
  const landmarks =
    policy.landmarks === false
      ? undefined
      : await findLandmarks(
          models,
          image,
          kept.map((c) => toImage(landmarkBox(c))),
        );
  const faces = kept.map((c, i) => {
    const face: FoundFace = {
      box: clipBox(toImage(c.box), image.width, image.height),
      score: c.score,
      level: c.level,
    };
    if (c.keypoints) face.keypoints = c.keypoints.map((p) => ({ x: p.x * sx, y: p.y * sy }));
    const points = landmarks?.[i];
    if (points) face.landmarks = points;
    return face;
  });
  return { faces, truncated, subject: subjectFaceIndex(faces), passes };
}

/**
 * Where a found face came from: the padded retry (level -1) or a regular pass.
 *
 * @example
 * faceSource(found.faces[0]); // "detected"
 */
export function faceSource(face: Pick<FoundFace, "level">): FaceSource {
  return face.level < 0 ? "padded-retry" : "detected";
}

/** A photo's subject face and its descriptor. */
export interface SubjectFace {
  descriptor: Float32Array;
  face: FoundFace;
  source: FaceSource;
}

/**
 * The descriptor (made by `recipe`) of a photo's subject face under `policy` ({@link findFaces}), or null when there
 * is no face. The trainer labels a photo by this face.
 *
 * @example
 * const subject = await embedSubjectFace(models, image, policy);
 * subject?.descriptor; // Float32Array(128)
 */
export async function embedSubjectFace(
  models: FaceModels,
  image: RgbImage,
  policy: FacePolicy,
  recipe: Readonly<DescriptorRecipe> = DEFAULT_DESCRIPTOR_RECIPE,
): Promise<SubjectFace | null> {
  const found = await findFaces(models, image, policy);
  const face = found.faces[found.subject];
  if (!face) return null;
  const [descriptor] = (await embedFaces(models, image, [face], recipe)) as [Float32Array];
  return { descriptor, face, source: faceSource(face) };
}
