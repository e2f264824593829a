/** A face box in pixels of the image it was found in (fractional; same fields as a preprocess `Rect`). */
export interface FaceBox {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** A 2-D point in image pixels. */
export interface Point {
  x: number;
  y: number;
}

/** Intersection over union of two boxes. */
export function iou(a: FaceBox, b: FaceBox): number {
  const w = Math.max(0, Math.min(a.left + a.width, b.left + b.width) - Math.max(a.left, b.left));
  const h = Math.max(0, Math.min(a.top + a.height, b.top + b.height) - Math.max(a.top, b.top));
  const inter = w * h;
  const union = a.width * a.height + b.width * b.height - inter;
  return union > 0 ? inter / union : 0;
}

/** Greedy non-maximum suppression: indices of kept boxes, best score first. */
export function nonMaxSuppression(
  boxes: FaceBox[],
  scores: number[],
  iouThreshold: number,
  maxOut = Infinity,
): number[] {
  const order = scores.map((_, i) => i).sort((a, b) => (scores[b] as number) - (scores[a] as number));
  const kept: number[] = [];
  for (const i of order) {
    if (kept.length >= maxOut) break;
    const box = boxes[i] as FaceBox;
    if (kept.every((k) => iou(boxes[k] as FaceBox, box) <= iouThreshold)) kept.push(i);
  }
  return kept;
}

/** Clips a box to a `width`×`height` image; may return a zero-sized box. */
export function clipBox(box: FaceBox, width: number, height: number): FaceBox {
  const left = Math.min(width, Math.max(0, box.left));
  const top = Math.min(height, Math.max(0, box.top));
  const right = Math.min(width, Math.max(0, box.left + box.width));
  const bottom = Math.min(height, Math.max(0, box.top + box.height));
  return { left, top, width: right - left, height: bottom - top };
}

function centroid(points: Point[]): Point {
  let x = 0;
  let y = 0;
  for (const p of points) {
    x += p.x;
    y += p.y;
  }
  return { x: x / points.length, y: y / points.length };
}

/**
 * The square that face-api (after dlib) feeds the descriptor net: sized from the eye–mouth
 * distance and placed around the centroid of the eye and mouth centres of 68 landmarks.
 * Unlike face-api it is not shifted to stay inside the image; the part outside reads as black.
 */
export function alignedFaceSquare(landmarks: Point[]): { left: number; top: number; size: number } {
  const leftEye = centroid(landmarks.slice(36, 42));
  const rightEye = centroid(landmarks.slice(42, 48));
  const mouth = centroid(landmarks.slice(48, 68));
  const dist = (a: Point, b: Point) => Math.hypot(a.x - b.x, a.y - b.y);
  const eyeToMouth = (dist(mouth, leftEye) + dist(mouth, rightEye)) / 2;
  const size = Math.max(1, Math.floor(eyeToMouth / 0.45));
  const ref = centroid([leftEye, rightEye, mouth]);
  return { left: Math.floor(ref.x - 0.5 * size), top: Math.floor(ref.y - 0.43 * size), size };
}
