// dlib's face chip: the crop dlib's ResNet-34 descriptor was trained on. face-api.js feeds the net
// an axis-aligned square around the face instead; a tilted head then reaches the net tilted.
import type { RgbImage } from "../image/types.ts";
import type { Point } from "./geometry.ts";

// dlib's mean face shape (image_transforms/interpolation.h, get_face_chip_details), points 17–67.
const MEAN_FACE_X = [
  0.000213256, 0.0752622, 0.18113, 0.29077, 0.393397, 0.586856, 0.689483, 0.799124, 0.904991, 0.98004,
  0.490127, 0.490127, 0.490127, 0.490127, 0.36688, 0.426036, 0.490127, 0.554217, 0.613373, 0.121737, 0.187122,
  0.265825, 0.334606, 0.260918, 0.182743, 0.645647, 0.714428, 0.793132, 0.858516, 0.79751, 0.719335, 0.254149,
  0.340985, 0.428858, 0.490127, 0.551395, 0.639268, 0.726104, 0.642159, 0.556721, 0.490127, 0.423532,
  0.338094, 0.290379, 0.428096, 0.490127, 0.552157, 0.689874, 0.553364, 0.490127, 0.42689,
];
const MEAN_FACE_Y = [
  0.106454, 0.038915, 0.0187482, 0.0344891, 0.0773906, 0.0773906, 0.0344891, 0.0187482, 0.038915, 0.106454,
  0.203352, 0.307009, 0.409805, 0.515625, 0.587326, 0.609345, 0.628106, 0.609345, 0.587326, 0.216423,
  0.178758, 0.179852, 0.231733, 0.245099, 0.244077, 0.231733, 0.179852, 0.178758, 0.216423, 0.244077,
  0.245099, 0.780233, 0.745405, 0.727388, 0.742578, 0.727388, 0.745405, 0.780233, 0.864805, 0.902192,
  0.909281, 0.902192, 0.864805, 0.784792, 0.778746, 0.785343, 0.778746, 0.784792, 0.824182, 0.831803,
  0.824182,
];

/** The padding dlib's face recognition example chips with (`get_face_chip(img, shape, 150, 0.25)`). */
export const DLIB_CHIP_PADDING = 0.25;

/** Chip pixel (x, y) → image point: x' = a·x − b·y + tx, y' = b·x + a·y + ty. */
export interface ChipTransform {
  a: number;
  b: number;
  tx: number;
  ty: number;
}

// dlib skips the eyebrows (17–26) and the lower lip (55–59, 65–67).
function usedPoint(i: number): boolean {
  return !(i <= 26 || (i >= 55 && i <= 59) || i >= 65);
}

/**
 * The least-squares similarity transform from a `size`×`size` chip to the image that puts the 68
 * landmarks on dlib's mean face shape (what dlib's `get_face_chip_details` computes).
 *
 * @example
 * const t = faceChipTransform(face.landmarks, 150); // chip (75, 75) → t.a*75 - t.b*75 + t.tx, …
 */
export function faceChipTransform(
  landmarks: Point[],
  size: number,
  padding = DLIB_CHIP_PADDING,
): ChipTransform {
  const from: Point[] = [];
  const to: Point[] = [];
  for (let i = 17; i < 68; i++) {
    if (!usedPoint(i)) continue;
    const p = landmarks[i];
    if (!p) throw new Error(`faceChipTransform needs 68 landmarks, got ${landmarks.length}`);
    from.push({
      x: ((padding + MEAN_FACE_X[i - 17]!) / (2 * padding + 1)) * size,
      y: ((padding + MEAN_FACE_Y[i - 17]!) / (2 * padding + 1)) * size,
    });
    to.push(p);
  }
  return similarityTransform(from, to);
}

/**
 * The least-squares similarity transform (rotation, uniform scale, shift) mapping the points `from`
 * onto the points `to`, pair by pair (dlib's `find_similarity_transform` for 2-D points).
 *
 * @example
 * similarityTransform([{ x: 0, y: 0 }, { x: 1, y: 0 }], [{ x: 5, y: 5 }, { x: 5, y: 7 }]); // { a: 0, b: 2, tx: 5, ty: 5 }
 */
export function similarityTransform(from: readonly Point[], to: readonly Point[]): ChipTransform {
  const mean = (ps: readonly Point[]) => ({
    x: ps.reduce((s, p) => s + p.x, 0) / ps.length,
    y: ps.reduce((s, p) => s + p.y, 0) / ps.length,
  });
  const mf = mean(from);
  const mt = mean(to);
  let dot = 0;
  let cross = 0;
  let norm = 0;
  for (let i = 0; i < from.length; i++) {
    const fx = from[i]!.x - mf.x;
    const fy = from[i]!.y - mf.y;
    const tx = to[i]!.x - mt.x;
    const ty = to[i]!.y - mt.y;
    dot += fx * tx + fy * ty;
    cross += fx * ty - fy * tx;
    norm += fx * fx + fy * fy;
  }
  const a = dot / norm;
  const b = cross / norm;
  return { a, b, tx: mt.x - (a * mf.x - b * mf.y), ty: mt.y - (b * mf.x + a * mf.y) };
}

// Up to 4×4 bilinear sub-samples per chip pixel when the face is larger than the chip.
const MAX_SUPERSAMPLE = 4;

/**
 * Samples dlib's aligned face chip (`size`×`size`, HWC float 0..255) from `image`: rotated and scaled
 * so the landmarks sit on dlib's mean face; points outside the image read as black, as in dlib's
 * `extract_image_chip`. `mirror` samples the chip flipped left–right.
 *
 * @example
 * const pixels = sampleFaceChip(image, face.landmarks, 150); // the ResNet-34's input
 */
export function sampleFaceChip(
  image: RgbImage,
  landmarks: Point[],
  size: number,
  options: {
    padding?: number;
    mirror?: boolean;
    outside?: "black" | "edge";
    out?: Float32Array;
    offset?: number;
  } = {},
): Float32Array {
  const t = faceChipTransform(landmarks, size, options.padding ?? DLIB_CHIP_PADDING);
  const out = options.out ?? new Float32Array(size * size * 3);
  const offset = options.offset ?? 0;
  const scale = Math.hypot(t.a, t.b);
  const k = Math.max(1, Math.min(MAX_SUPERSAMPLE, Math.round(scale)));
  const { data, width, height } = image;
  const norm = 1 / (k * k);
  const clampEdge = options.outside === "edge";
  for (let oy = 0; oy < size; oy++) {
    for (let ox = 0; ox < size; ox++) {
      let r = 0;
      let g = 0;
      let bl = 0;
      for (let sy = 0; sy < k; sy++) {
        const cy = oy + (sy + 0.5) / k - 0.5;
        for (let sx = 0; sx < k; sx++) {
          const cx = ox + (sx + 0.5) / k - 0.5;
          const px = t.a * cx - t.b * cy + t.tx;
          const py = t.b * cx + t.a * cy + t.ty;
          const x0 = Math.floor(px);
          const y0 = Math.floor(py);
          const fx = px - x0;
          const fy = py - y0;
          for (let dy = 0; dy < 2; dy++) {
            let y = y0 + dy;
            if (y < 0 || y >= height) {
              if (!clampEdge) continue;
              y = y < 0 ? 0 : height - 1;
            }
            const wy = dy ? fy : 1 - fy;
            for (let dx = 0; dx < 2; dx++) {
              let x = x0 + dx;
              if (x < 0 || x >= width) {
                if (!clampEdge) continue;
                x = x < 0 ? 0 : width - 1;
              }
              const w = wy * (dx ? fx : 1 - fx);
              const p = (y * width + x) * 3;
              r += w * data[p]!;
              g += w * data[p + 1]!;
              bl += w * data[p + 2]!;
            }
          }
        }
      }
      const o = offset + (oy * size + (options.mirror ? size - 1 - ox : ox)) * 3;
      out[o] = r * norm;
      out[o + 1] = g * norm;
      out[o + 2] = bl * norm;
    }
  }
  return out;
}
