// Step 1 of the face pipeline: where are the faces? Boxes and scores only; align.ts adds the
// landmarks, embed.ts the descriptors (see README.md).
import * as tf from "@tensorflow/tfjs-core";
import { MarqueeError } from "../errors.ts";
import type { RgbImage } from "../image/types.ts";
import { clipBox, type FaceBox, nonMaxSuppression, type Point } from "./geometry.ts";
import type { FaceModels } from "./models.ts";
import { ssdMobilenetv1Forward } from "./nets/ssd-mobilenetv1.ts";
import { TINY_FACE_ANCHORS, tinyFaceDetectorForward } from "./nets/tiny-face-detector.ts";
import { boxShrink, type SquareRegion, sampleSquare } from "./sample.ts";

/** One detected face. */
export interface DetectedFace {
  /** In pixels of the image passed in, clipped to it. */
  box: FaceBox;
  /** Detector confidence, 0..1. */
  score: number;
  /** 68 points (iBUG 300-W order) in image pixels, when landmarks were requested. */
  landmarks?: Point[];
}

/** Options for {@link detectFaceBoxes}. */
export interface DetectorOptions {
  /** Detector input side, a multiple of 32. Default 416 for tiny; the SSD always uses 512. */
  inputSize?: number;
  /** Minimum detector score. Default 0.5. */
  minScore?: number;
  /** At most this many faces (the largest). Default {@link DEFAULT_MAX_FACES}. */
  maxFaces?: number;
  /** Ignore faces narrower than this many pixels. Default 0. */
  minFaceSize?: number;
  /**
   * When nothing is found, look again with the image shrunk into a black border. Tight face crops
   * (e.g. 112×112 aligned crops) fill the frame, which detectors trained on photos often miss.
   * Default true.
   */
  padRetry?: boolean;
}

/** What the detector found, in the pixels of the image it ran on. */
export interface FaceBoxes {
  /**
   * The image the detector ran on: the photo, or the photo shrunk by a whole factor. Landmarks are
   * found on this image too (align.ts), so that they match the boxes.
   */
  work: RgbImage;
  /** Photo pixels per `work` pixel, horizontally and vertically. */
  scale: { x: number; y: number };
  /** Faces in `work` pixels, largest first. */
  faces: { box: FaceBox; score: number }[];
}

/** The default cap on faces per photo. */
export const DEFAULT_MAX_FACES = 20;

/** How much wider than the image the padded retry's square is. */
const PAD_RETRY_SCALE = 1.6;

const SSD_INPUT_SIZE = 512;

function sigmoid(x: number): number {
  return 1 / (1 + Math.exp(-x));
}

// Decodes the Tiny-YOLO grid; boxes come out relative to the padded square input (0..1).
function decodeTinyGrid(
  grid: Float32Array,
  cells: number,
  minScore: number,
): { boxes: FaceBox[]; scores: number[] } {
  const boxes: FaceBox[] = [];
  const scores: number[] = [];
  const anchors = TINY_FACE_ANCHORS.length;
  for (let row = 0; row < cells; row++) {
    for (let col = 0; col < cells; col++) {
      for (let a = 0; a < anchors; a++) {
        const o = ((row * cells + col) * anchors + a) * 5;
        const score = sigmoid(grid[o + 4] as number);
        if (score <= minScore) continue;
        const anchor = TINY_FACE_ANCHORS[a] as { x: number; y: number };
        const cx = (col + sigmoid(grid[o] as number)) / cells;
        const cy = (row + sigmoid(grid[o + 1] as number)) / cells;
        const w = (Math.exp(grid[o + 2] as number) * anchor.x) / cells;
        const h = (Math.exp(grid[o + 3] as number) * anchor.y) / cells;
        boxes.push({ left: cx - w / 2, top: cy - h / 2, width: w, height: h });
        scores.push(score);
      }
    }
  }
  return { boxes, scores };
}

async function runDetector(
  models: FaceModels,
  image: RgbImage,
  inputSize: number,
  minScore: number,
  region: SquareRegion,
): Promise<{ boxes: FaceBox[]; scores: number[]; iouThreshold: number }> {
  const side = region.size;
  const pixels = sampleSquare(image, region, inputSize);
  const toPixels = (b: FaceBox): FaceBox => ({
    left: region.left + b.left * side,
    top: region.top + b.top * side,
    width: b.width * side,
    height: b.height * side,
  });
  const input = tf.tensor4d(pixels, [1, inputSize, inputSize, 3]);
  try {
    if (models.detector.kind === "tiny") {
      const grid = tinyFaceDetectorForward(input, models.detector.params);
      const cells = grid.shape[1];
      const data = (await grid.data()) as Float32Array;
      grid.dispose();
      const { boxes, scores } = decodeTinyGrid(data, cells, minScore);
      return { boxes: boxes.map(toPixels), scores, iouThreshold: 0.4 };
    }
    if (models.detector.kind !== "ssd") throw new Error("runDetector: not a face-api detector");
    const { boxes, scores } = ssdMobilenetv1Forward(input, models.detector.params);
    const boxData = (await boxes.data()) as Float32Array;
    const scoreData = (await scores.data()) as Float32Array;
    boxes.dispose();
    scores.dispose();
    const outBoxes: FaceBox[] = [];
    const outScores: number[] = [];
    for (let i = 0; i < scoreData.length; i++) {
      const score = scoreData[i] as number;
      if (score <= minScore) continue;
      const top = Math.max(0, boxData[i * 4] as number);
      const left = Math.max(0, boxData[i * 4 + 1] as number);
      const bottom = Math.min(1, boxData[i * 4 + 2] as number);
      const right = Math.min(1, boxData[i * 4 + 3] as number);
      outBoxes.push(toPixels({ left, top, width: right - left, height: bottom - top }));
      outScores.push(score);
    }
    return { boxes: outBoxes, scores: outScores, iouThreshold: 0.5 };
  } finally {
    input.dispose();
  }
}

/**
 * Runs the face detector on a photo: boxes and scores, largest first, in the pixels of the image
 * the detector actually saw (see {@link FaceBoxes}). All pixel work happens in JS; only the small
 * network input becomes a tensor. Most callers want `detectFaces` (find-faces.ts), which adds
 * landmarks and returns photo pixels.
 *
 * @example
 * const { faces, scale } = await detectFaceBoxes(models, decoded.image, { inputSize: 320 });
 */
export async function detectFaceBoxes(
  models: FaceModels,
  image: RgbImage,
  opts: DetectorOptions = {},
): Promise<FaceBoxes> {
  if (image.width < 1 || image.height < 1 || image.data.length < image.width * image.height * 3) {
    throw new MarqueeError("bad_request", `Image of ${image.width}×${image.height} has no usable pixels.`);
  }
  if (models.detector.kind === "blazeface") {
    throw new MarqueeError(
      "bad_request",
      "detectFaceBoxes runs face-api's detectors; BlazeFace goes through findFaces.",
    );
  }
  const inputSize = models.detector.kind === "ssd" ? SSD_INPUT_SIZE : (opts.inputSize ?? 416);
  if (!Number.isInteger(inputSize) || inputSize < 32 || inputSize % 32 !== 0) {
    throw new MarqueeError(
      "bad_request",
      `Face detector input size must be a positive multiple of 32, got ${inputSize}.`,
    );
  }
  const minScore = opts.minScore ?? 0.5;
  const maxFaces = opts.maxFaces ?? DEFAULT_MAX_FACES;
  // Shrink big photos by a whole factor first (cheap, exact averaging) so that the detector input
  // needs at most ~2× supersampling; faces stay large enough for 112/150 px crops.
  const factor = Math.floor(Math.max(image.width, image.height) / (inputSize * 2));
  const work = factor >= 2 ? boxShrink(image, factor) : image;
  const scale = { x: image.width / work.width, y: image.height / work.height };

  // The image is padded at the bottom/right to a square, as face-api does.
  const side = Math.max(work.width, work.height);
  let found = await runDetector(models, work, inputSize, minScore, { left: 0, top: 0, size: side });
  if (found.boxes.length === 0 && opts.padRetry !== false) {
    const padded = side * PAD_RETRY_SCALE;
    const region = { left: (work.width - padded) / 2, top: (work.height - padded) / 2, size: padded };
    found = await runDetector(models, work, inputSize, minScore, region);
  }
  const { boxes, scores, iouThreshold } = found;
  const faces = nonMaxSuppression(boxes, scores, iouThreshold)
    .map((i) => ({ box: clipBox(boxes[i] as FaceBox, work.width, work.height), score: scores[i] as number }))
    .filter((f) => f.box.width >= Math.max(1, (opts.minFaceSize ?? 0) / scale.x) && f.box.height >= 1)
    .sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height)
    .slice(0, maxFaces);
  return { work, scale, faces };
}
