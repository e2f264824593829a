import * as tf from "@tensorflow/tfjs-core";
import { MarqueeError } from "../errors.ts";
import type { RgbImage } from "../image/types.ts";
import { clipBox, type FaceBox, nonMaxSuppression, type Point } from "./geometry.ts";
import type { FaceModels } from "./models.ts";
import { faceLandmark68Forward, LANDMARK_INPUT_SIZE } from "./nets/face-landmark-68.ts";
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

/** Options for {@link detectFaces}. */
export interface DetectFacesOptions {
  /** Detector input side, a multiple of 32. Default 416 for tiny; the SSD always uses 512. */
  inputSize?: number;
  /** Minimum detector score. Default 0.5. */
  minScore?: number;
  /** At most this many faces (the largest). Default 20. */
  maxFaces?: number;
  /** Also compute 68 landmarks per face. Default true. */
  landmarks?: boolean;
  /** Ignore faces narrower than this many pixels. Default 0. */
  minFaceSize?: number;
  /**
   * When nothing is found, look again with the image shrunk into a black border. Tight face crops
   * (e.g. 112×112 aligned crops) fill the frame, which detectors trained on photos often miss.
   * Default true.
   */
  padRetry?: boolean;
}

/** How much wider than the image the padded retry's square is. */
const PAD_RETRY_SCALE = 1.6;

const SSD_INPUT_SIZE = 512;
const LANDMARK_BATCH = 1;

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
 * Computes 68 landmarks for each box (in pixels of `image`). The box is padded to a centred square
 * with black outside the box, exactly the crop face-api gives its landmark net.
 */
export async function detectLandmarks(
  models: FaceModels,
  image: RgbImage,
  boxes: FaceBox[],
): Promise<Point[][]> {
  const result: Point[][] = [];
  const size = LANDMARK_INPUT_SIZE;
  for (let start = 0; start < boxes.length; start += LANDMARK_BATCH) {
    const chunk = boxes.slice(start, start + LANDMARK_BATCH);
    const pixels = new Float32Array(chunk.length * size * size * 3);
    const regions = chunk.map((box, i) => {
      const side = Math.max(box.width, box.height);
      const region = {
        left: box.left - (side - box.width) / 2,
        top: box.top - (side - box.height) / 2,
        size: side,
      };
      const clip = {
        left: box.left,
        top: box.top,
        right: box.left + box.width,
        bottom: box.top + box.height,
      };
      sampleSquare(image, region, size, pixels, i * size * size * 3, clip);
      return region;
    });
    const input = tf.tensor4d(pixels, [chunk.length, size, size, 3]);
    const out = faceLandmark68Forward(input, models.landmarks.params);
    input.dispose();
    const data = (await out.data()) as Float32Array;
    out.dispose();
    regions.forEach((region, i) => {
      const points: Point[] = [];
      for (let p = 0; p < 68; p++) {
        points.push({
          x: region.left + (data[i * 136 + p * 2] as number) * region.size,
          y: region.top + (data[i * 136 + p * 2 + 1] as number) * region.size,
        });
      }
      result.push(points);
    });
  }
  return result;
}

/**
 * Finds faces in an image, largest first, with 68 landmarks each unless `landmarks: false`.
 * All pixel work happens in JS; only the small network inputs become tensors.
 *
 * @example
 * const faces = await detectFaces(models, decoded.image);
 * faces[0]?.box; // { left, top, width, height } in pixels
 */
export async function detectFaces(
  models: FaceModels,
  image: RgbImage,
  opts: DetectFacesOptions = {},
): Promise<DetectedFace[]> {
  if (image.width < 1 || image.height < 1 || image.data.length < image.width * image.height * 3) {
    throw new MarqueeError("bad_request", `Image of ${image.width}×${image.height} has no usable pixels.`);
  }
  const inputSize = models.detector.kind === "ssd" ? SSD_INPUT_SIZE : (opts.inputSize ?? 416);
  if (!Number.isInteger(inputSize) || inputSize < 32 || inputSize % 32 !== 0) {
    throw new MarqueeError(
      "bad_request",
      `Face detector input size must be a positive multiple of 32, got ${inputSize}.`,
    );
  }
  const minScore = opts.minScore ?? 0.5;
  const maxFaces = opts.maxFaces ?? 20;
  // Shrink big photos by a whole factor first (cheap, exact averaging) so that the detector input
  // needs at most ~2× supersampling; faces stay large enough for 112/150 px crops.
  const factor = Math.floor(Math.max(image.width, image.height) / (inputSize * 2));
  const work = factor >= 2 ? boxShrink(image, factor) : image;

  const sx = image.width / work.width;
  const sy = image.height / work.height;

  // The image is padded at the bottom/right to a square, as face-api does.
  const side = Math.max(work.width, work.height);
  let found = await runDetector(models, work, inputSize, minScore, { left: 0, top: 0, size: side });
  if (found.boxes.length === 0 && opts.padRetry !== false) {
    const padded = side * PAD_RETRY_SCALE;
    const region = { left: (work.width - padded) / 2, top: (work.height - padded) / 2, size: padded };
    found = await runDetector(models, work, inputSize, minScore, region);
  }
  const { boxes, scores, iouThreshold } = found;
  const kept = nonMaxSuppression(boxes, scores, iouThreshold)
    .map((i) => ({ box: clipBox(boxes[i] as FaceBox, work.width, work.height), score: scores[i] as number }))
    .filter((f) => f.box.width >= Math.max(1, (opts.minFaceSize ?? 0) / sx) && f.box.height >= 1)
    .sort((a, b) => b.box.width * b.box.height - a.box.width * a.box.height)
    .slice(0, maxFaces);

  const landmarks =
    opts.landmarks === false
      ? undefined
      : await detectLandmarks(
          models,
          work,
          kept.map((f) => f.box),
        );
  return kept.map((f, i) => {
    const face: DetectedFace = {
      box: { left: f.box.left * sx, top: f.box.top * sy, width: f.box.width * sx, height: f.box.height * sy },
      score: f.score,
    };
    const points = landmarks?.[i];
    if (points) face.landmarks = points.map((p) => ({ x: p.x * sx, y: p.y * sy }));
    return face;
  });
}
