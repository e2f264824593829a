import type { RgbImage } from "@marquee/shared";
import type { Point } from "@marquee/shared/face";

/**
 * A tight face crop like the 112×112 aligned crops of face datasets (ArcFace-like layout: eyes at
 * 46 % of the height, eye-to-mouth distance 36 % of the side), cut from a photo using the face's
 * 68 landmarks; bilinear, black outside the photo. For robustness checks: the detector often
 * misses faces that fill the frame.
 */
export function tightFaceCrop(image: RgbImage, landmarks: readonly Point[], outSize = 112): RgbImage {
  const mean = (pts: readonly Point[]) => ({
    x: pts.reduce((s, p) => s + p.x, 0) / pts.length,
    y: pts.reduce((s, p) => s + p.y, 0) / pts.length,
  });
  const eyes = mean(landmarks.slice(36, 48));
  const mouth = mean(landmarks.slice(48, 68));
  const side = 2.75 * Math.hypot(mouth.x - eyes.x, mouth.y - eyes.y);
  const left = eyes.x - side / 2;
  const top = eyes.y - 0.46 * side;
  const scale = side / outSize;
  const out = new Uint8Array(outSize * outSize * 3);
  const { width: W, height: H, data } = image;
  const at = (x: number, y: number, c: number) =>
    x < 0 || y < 0 || x >= W || y >= H ? 0 : data[(y * W + x) * 3 + c]!;
  for (let oy = 0; oy < outSize; oy++) {
    const sy = top + (oy + 0.5) * scale - 0.5;
    const y0 = Math.floor(sy);
    const fy = sy - y0;
    for (let ox = 0; ox < outSize; ox++) {
      const sx = left + (ox + 0.5) * scale - 0.5;
      const x0 = Math.floor(sx);
      const fx = sx - x0;
      for (let c = 0; c < 3; c++) {
        const v =
          at(x0, y0, c) * (1 - fx) * (1 - fy) +
          at(x0 + 1, y0, c) * fx * (1 - fy) +
          at(x0, y0 + 1, c) * (1 - fx) * fy +
          at(x0 + 1, y0 + 1, c) * fx * fy;
        out[(oy * outSize + ox) * 3 + c] = Math.round(v);
      }
    }
  }
  return { width: outSize, height: outSize, data: out };
}
