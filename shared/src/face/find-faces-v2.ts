import { MarqueeError } from "../errors.ts";
import type { RgbImage } from "../image/types.ts";
import { findLandmarks as detectLandmarks } from "./align.ts";
import { type BlazeFaceBox, blazeFaceRegion, blazeFaceScaled } from "./blazeface-detect.ts";
import type { DetectedFace } from "./detect.ts";
import { detectFaces } from "./find-faces.ts";
import { clipBox, type FaceBox, iou } from "./geometry.ts";
import type { FaceModels } from "./models.ts";
import type { BlazeFaceParams } from "./nets/blazeface.ts";
import { BLAZEFACE_INPUT_SIZE } from "./nets/blazeface.ts";
import { boxShrink, type SquareRegion } from "./sample.ts";

/** Which detector {@link findFacesV2} runs on each square it looks at. */
export type V2Detector =
  | { kind: "blazeface"; params: BlazeFaceParams }
  /** face-api's tiny detector or SSD, whichever `models.detector` holds, at `inputSize` (tiny only). */
  | { kind: "face-api"; inputSize: number };

/** Options for {@link findFacesV2}. */
export interface FindFacesV2Options {
  detector: V2Detector;
  /**
   * Minimum detector score on the whole image. Default 0.6 for BlazeFace (a checkerboard scored
   * 0.52–0.56; real faces in face-api's samples ≥ 0.64), 0.5 for face-api's detectors.
   */
  minScore?: number;
  /** At most this many faces, largest first; `truncated` says when more were found. Default 100. */
  maxFaces?: number;
  /**
   * Smallest face to find, as a fraction of the image's longer side. Default 40/1920 (Rekognition's
   * 40 px at 1920×1080, scaled with the photo). Sets how finely the image is tiled.
   */
  minFaceFraction?: number;
  /**
   * Smallest face width (in detector input pixels) the detector should find; tiles are sized so
   * that a `minFaceFraction` face reaches it. Default 18 for BlazeFace back (measured on the probe's
   * collages: 12 finds half of the 40–60 px faces, 18 and 24 all of them; see
   * trainer/scripts/face-probes/README.md), 24 for face-api.
   */
  minFaceInput?: number;
  /**
   * Tiles: "always"; "auto" (default) skips them when the whole-image pass found faces and all of
   * them are close-ups (≥ `closeUpFraction` of the longer side: a portrait or selfie, where the cost
   * of tiling buys only tiny background faces); false: one pass on the whole image, like today.
   */
  tiles?: boolean | "always" | "auto";
  /** See `tiles: "auto"`. Default 0.12. */
  closeUpFraction?: number;
  /**
   * BlazeFace only: instead of 256 px tiles, one fully-convolutional pass over the whole image
   * scaled so a `minFaceFraction` face covers `minFaceInput` input pixels. Default true.
   */
  scaledPass?: boolean;
  /**
   * Input block of the scaled pass (multiples of 32, > 128). Default 384×256 (see blazeface-detect.ts);
   * smaller blocks cost more passes and less wasm heap.
   */
  scaledBlock?: { width: number; height: number };
  /**
   * Minimum score on tiles (never below `minScore`). Zoomed-in tiles show hands, ears and patterns
   * at face size, which score 0.5–0.65 with BlazeFace; real faces there mostly score > 0.8. Default 0.7.
   */
  tileMinScore?: number;
  /** When nothing is found, one more pass on the image shrunk into a black border. Default true. */
  padRetry?: boolean;
  /** Compute 68 landmarks (needed for alignment). Default true. */
  landmarks?: boolean;
}

/** A face found by {@link findFacesV2}. */
export interface FoundFace extends DetectedFace {
  /** Which pass found it: 0 the whole image, 1.. finer tile levels, -1 the padded retry. */
  level: number;
  /** BlazeFace's 6 keypoints (eyes, nose, mouth, ears), when BlazeFace found the face. */
  keypoints?: { x: number; y: number }[];
}

/** What {@link findFacesV2} returns. */
export interface FoundFaces {
  faces: FoundFace[];
  /** More faces were found than `maxFaces`. */
  truncated: boolean;
  /** Detector passes run (for cost accounting). */
  passes: number;
}

const PAD_RETRY_SCALE = 1.6;
/** Faces narrower than this (in pixels of the photo) are not looked for by the scaled pass. */
const MIN_FACE_PIXELS = 20;
/** Tiles overlap by this share of their side, so a face up to this size lies wholly in one tile. */
const TILE_OVERLAP = 0.25;

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
  detector: V2Detector,
  image: RgbImage,
  region: SquareRegion,
  minScore: number,
  level: number,
): Promise<Candidate[]> {
  if (detector.kind === "blazeface") {
    const found: BlazeFaceBox[] = await blazeFaceRegion(detector.params, image, region, minScore);
    return found.map((f) => ({ box: f.box, score: f.score, level, keypoints: f.keypoints }));
  }
  // face-api's detectors take an image; the tile is copied out (small) and its result shifted back.
  const inside = region.left >= 0 && region.top >= 0;
  if (!inside || level < 0) {
    // The padded retry: face-api's own detectFaces pads the image itself.
    const faces = await detectFaces(models, image, {
      inputSize: detector.inputSize,
      minScore,
      maxFaces: 1000,
      landmarks: false,
      padRetry: true,
    });
    return faces.map((f) => ({ box: f.box, score: f.score, level }));
  }
  const tile = level === 0 ? { image, left: 0, top: 0 } : cropSquare(image, region);
  const faces = await detectFaces(models, tile.image, {
    inputSize: detector.inputSize,
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
 * Finds every face in an image, largest first, at most `maxFaces` (`truncated` when there were
 * more): a pass on the whole image, then tiles fine enough for faces down to `minFaceFraction` of
 * the longer side. Never invents a face: when no pass finds one, only a pass on the image shrunk
 * into a black border may (tight face crops) — there is no whole-image fallback.
 *
 * @example
 * const { faces, truncated } = await findFacesV2(models, image, { detector: { kind: "blazeface", params } });
 */
export async function findFacesV2(
  models: FaceModels,
  image: RgbImage,
  opts: FindFacesV2Options,
): Promise<FoundFaces> {
  if (image.width < 1 || image.height < 1 || image.data.length < image.width * image.height * 3) {
    throw new MarqueeError("bad_request", `Image of ${image.width}×${image.height} has no usable pixels.`);
  }
  const { detector } = opts;
  const minScore = opts.minScore ?? (detector.kind === "blazeface" ? 0.6 : 0.5);
  const tileMinScore = Math.max(minScore, opts.tileMinScore ?? 0.7);
  const maxFaces = opts.maxFaces ?? 100;
  const inputSize = detector.kind === "blazeface" ? BLAZEFACE_INPUT_SIZE : detector.inputSize;
  const minFaceInput = opts.minFaceInput ?? (detector.kind === "blazeface" ? 18 : 24);
  const minFaceFraction = opts.minFaceFraction ?? 40 / 1920;

  // Big photos: shrink by a whole factor so the finest tiles still need ≥ 1 px per input pixel
  // (the tiles sample the shrunk copy; faces keep ≥ 24 px for landmarks).
  const side = Math.max(image.width, image.height);
  const finestTile = (inputSize * minFaceFraction * side) / minFaceInput;
  const factor =
    opts.tiles === false ? Math.floor(side / (inputSize * 2)) : Math.floor(finestTile / inputSize);
  const work = factor >= 2 ? boxShrink(image, factor) : image;
  const sx = image.width / work.width;
  const sy = image.height / work.height;

  const regions =
    opts.tiles === false
      ? [{ region: { left: 0, top: 0, size: Math.max(work.width, work.height) }, level: 0 }]
      : tileRegions(work.width, work.height, inputSize, minFaceFraction, minFaceInput);
  const all: Candidate[] = [];
  let passes = 0;
  const closeUp = (opts.closeUpFraction ?? 0.12) * Math.max(work.width, work.height);
  const skipTiles = () =>
    opts.tiles !== "always" && all.length > 0 && all.every((c) => c.box.width >= closeUp);
  if (detector.kind === "blazeface" && opts.scaledPass !== false && opts.tiles !== false) {
    // Level 0 (256 px, whole image) for large faces, then one scaled pass for the small ones.
    const side = Math.max(work.width, work.height);
    all.push(...(await detectRegion(models, detector, work, { left: 0, top: 0, size: side }, minScore, 0)));
    passes++;
    // Never upsample (faces under ~20 px cannot be named anyway): small pictures get no scaled pass.
    const scale = Math.min(1, minFaceInput / Math.max(MIN_FACE_PIXELS, minFaceFraction * side));
    if (scale * side > inputSize * 1.2 && !skipTiles()) {
      const small = await blazeFaceScaled(detector.params, work, scale, tileMinScore, opts.scaledBlock);
      // Faces above 112 input px are level 0's (there they are ≥ 12 px of 256), and the scaled
      // pass' blocks overlap by 128 input px, so each face it keeps lies whole in one block.
      const maxWidth = 112 / scale;
      all.push(
        ...small
          .filter((f) => f.box.width <= maxWidth)
          .map((f) => ({ box: f.box, score: f.score, level: 1, keypoints: f.keypoints })),
      );
      passes++;
    }
  } else {
    for (const { region, level } of regions) {
      if (level === 1 && skipTiles()) break;
      const found = await detectRegion(
        models,
        detector,
        work,
        region,
        level > 0 ? tileMinScore : minScore,
        level,
      );
      all.push(...(level > 0 ? found.filter((c) => ownedByTile(c.box, region, work)) : found));
      passes++;
    }
  }
  if (all.length === 0 && opts.padRetry !== false) {
    const wside = Math.max(work.width, work.height) * PAD_RETRY_SCALE;
    const region = { left: (work.width - wside) / 2, top: (work.height - wside) / 2, size: wside };
    all.push(...(await detectRegion(models, detector, work, region, minScore, -1)));
    passes++;
  }
  const merged = mergeCandidates(all)
    .map((c) => ({ ...c, box: clipBox(c.box, work.width, work.height) }))
    .filter((c) => c.box.width >= 1 && c.box.height >= 1)
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
    opts.landmarks === false
      ? undefined
      : await detectLandmarks(
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
  return { faces, truncated, passes };
}
