import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RgbImage } from "../image/types.ts";
import { nodeFaceWeightSource } from "../node/face-weights.ts";
import { type FoundFace, findFaces, mergeCandidates, scaledPassScale, tileRegions } from "./find-faces.ts";
import { type FaceModels, loadFaceModels } from "./models.ts";
import { servingFacePolicy } from "./policy.ts";
import { sampleSquare } from "./sample.ts";
import { cropRgb, readRgb, samplePhotoPath, tightFaceCrop, useBackend } from "./test-support.ts";

let models: FaceModels;
let sample1: RgbImage;

beforeAll(async () => {
  await useBackend("wasm");
  models = await loadFaceModels(nodeFaceWeightSource()); // BlazeFace, the served detector
  sample1 = await readRgb(samplePhotoPath(1));
}, 60_000);

afterAll(() => {
  models?.dispose();
});

/** The policy every face model is served and trained with, plus test tweaks. */
const policy = (o: Parameters<typeof servingFacePolicy>[0] = {}) => servingFacePolicy(o);

/** sample1.jpg (1920×1280, faces ~170–200 px) shrunk `times` and pasted at (x, y) into a grey canvas. */
function smallCopyOnCanvas(width: number, height: number, times: number, x: number, y: number): RgbImage {
  const side = Math.max(sample1.width, sample1.height);
  const out = Math.round(side / times);
  const small = sampleSquare(sample1, { left: 0, top: 0, size: side }, out);
  const data = new Uint8Array(width * height * 3).fill(128);
  const h = Math.round(sample1.height / times);
  for (let r = 0; r < h; r++)
    for (let c = 0; c < out; c++)
      for (let k = 0; k < 3; k++)
        data[((y + r) * width + x + c) * 3 + k] = Math.round(small[(r * out + c) * 3 + k]!);
  return { width, height, data };
}

describe("tileRegions", () => {
  it("adds halving levels of overlapping tiles until a min face reaches the detector's size", () => {
    const regions = tileRegions(1920, 1080, 256, 40 / 1920, 24);
    expect(regions[0]).toEqual({ region: { left: 0, top: 0, size: 1920 }, level: 0 });
    const finest = Math.max(...regions.map((r) => r.level));
    const tiles = regions.filter((r) => r.level === finest);
    // 40 px must become ≥ 24 input px: tiles of ≤ 427 px, covering the whole image.
    expect(tiles[0]!.region.size).toBeLessThanOrEqual((256 * 40) / 24 + 1e-9);
    for (const [x, y] of [
      [0, 0],
      [1919, 1079],
      [960, 540],
    ] as const) {
      expect(
        tiles.some(
          (t) =>
            x >= t.region.left &&
            x < t.region.left + t.region.size &&
            y >= t.region.top &&
            y < t.region.top + t.region.size,
        ),
      ).toBe(true);
    }
  });

  it("needs no tiles when the whole image already shows a min face large enough", () => {
    expect(tileRegions(300, 200, 256, 0.1, 24)).toHaveLength(1);
  });
});

describe("scaledPassScale", () => {
  it("maps a 40/1920 face to 18 px (any photo's longer side to 864), never enlarges, stops at 20 px faces", () => {
    expect(scaledPassScale(1334, 40 / 1920) * 1334).toBeCloseTo(864, 6);
    expect(scaledPassScale(4000, 40 / 1920) * 4000).toBeCloseTo(864, 6);
    expect(scaledPassScale(600, 40 / 1920)).toBe(0.9); // the face would be 12.5 px: 20 px is the floor
    expect(scaledPassScale(300, 40 / 1920)).toBe(0.9);
    expect(scaledPassScale(100, 40 / 1920, 24)).toBe(1);
  });
});

describe("mergeCandidates", () => {
  it("keeps the best of overlapping boxes and drops a tile's cut-off copy of a face", () => {
    const face = { box: { left: 100, top: 100, width: 100, height: 100 }, score: 0.9, level: 0 };
    const cut = { box: { left: 100, top: 100, width: 60, height: 100 }, score: 0.95, level: 1 };
    const other = { box: { left: 300, top: 100, width: 100, height: 100 }, score: 0.6, level: 1 };
    const kept = mergeCandidates([face, cut, other]);
    expect(kept).toHaveLength(2);
    expect(kept).toContain(other);
  });
});

/** Deterministic pseudo-random bytes. */
function noiseBytes(n: number, seed: number): Uint8Array {
  let s = seed;
  return Uint8Array.from({ length: n }, () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s >>> 24;
  });
}

/** A 3×3 box blur of an RGB image (blurred noise looks more like skin and shadows than raw noise). */
function blur(image: RgbImage): RgbImage {
  const { width: w, height: h, data } = image;
  const out = new Uint8Array(data.length);
  for (let y = 0; y < h; y++)
    for (let x = 0; x < w; x++)
      for (let k = 0; k < 3; k++) {
        let sum = 0;
        let n = 0;
        for (let dy = -2; dy <= 2; dy++)
          for (let dx = -2; dx <= 2; dx++) {
            const yy = y + dy;
            const xx = x + dx;
            if (yy < 0 || yy >= h || xx < 0 || xx >= w) continue;
            sum += data[(yy * w + xx) * 3 + k]!;
            n++;
          }
        out[(y * w + x) * 3 + k] = Math.round(sum / n);
      }
  return { width: w, height: h, data: out };
}

describe("findFaces (BlazeFace + scaled pass, the served and trained rule)", () => {
  it("finds sample1's three faces, largest first, with 68 landmarks and BlazeFace keypoints", async () => {
    const { faces, truncated, subject } = await findFaces(models, sample1, policy());
    expect(faces).toHaveLength(3);
    expect(truncated).toBe(false);
    expect(subject).toBeGreaterThanOrEqual(0);
    const areas = faces.map((f) => f.box.width * f.box.height);
    expect([...areas].sort((a, b) => b - a)).toEqual(areas);
    for (const f of faces) {
      expect(f.landmarks).toHaveLength(68);
      expect(f.keypoints).toHaveLength(6);
    }
  }, 60_000);

  it("finds ~45 px faces in a 1920×1080 picture, with tight boxes from the scaled pass", async () => {
    const image = smallCopyOnCanvas(1920, 1080, 4.2, 700, 500);
    const found = await findFaces(models, image, policy({ landmarks: false }));
    expect(found.faces.length).toBe(3);
    for (const f of found.faces) {
      expect(f.box.left).toBeGreaterThan(700);
      expect(f.box.width).toBeGreaterThan(25);
      expect(f.box.width).toBeLessThan(60);
      expect(f.level).toBeGreaterThan(0);
    }
  }, 60_000);

  it("finds every face of a collage of sample-photo faces pasted at 60–150 px", async () => {
    // Faces cut from face-api's sample photos 1–3 (9 faces) with 1.9× their box of context, scaled
    // so each face box is 60–150 px wide, pasted on a gradient 1920×1080 canvas, twice (18 faces).
    const sources: { image: RgbImage; face: FoundFace }[] = [];
    for (const n of [1, 2, 3]) {
      const image = n === 1 ? sample1 : await readRgb(samplePhotoPath(n));
      for (const face of (await findFaces(models, image, policy({ landmarks: false }))).faces)
        sources.push({ image, face });
    }
    expect(sources.length).toBeGreaterThanOrEqual(8);
    const W = 1920;
    const H = 1080;
    const data = new Uint8Array(W * H * 3);
    for (let y = 0; y < H; y++)
      for (let x = 0; x < W; x++) {
        const i = (y * W + x) * 3;
        data[i] = 60 + Math.round((120 * x) / W);
        data[i + 1] = 90;
        data[i + 2] = 60 + Math.round((120 * y) / H);
      }
    const pasted: { cx: number; cy: number; width: number }[] = [];
    const slots = 18;
    for (let k = 0; k < slots; k++) {
      const { image, face } = sources[k % sources.length]!;
      const width = 60 + Math.round((90 * k) / (slots - 1));
      const side = Math.max(face.box.width, face.box.height) * 1.9;
      const out = Math.round((width / face.box.width) * side);
      const region = {
        left: face.box.left + face.box.width / 2 - side / 2,
        top: face.box.top + face.box.height / 2 - side / 2,
        size: side,
      };
      const pixels = sampleSquare(image, region, out);
      const col = k % 6;
      const row = Math.floor(k / 6);
      const x0 = col * 320 + Math.round((320 - out) / 2);
      const y0 = row * 360 + Math.round((360 - out) / 2);
      for (let r = 0; r < out; r++)
        for (let c = 0; c < out; c++) {
          const y = y0 + r;
          const x = x0 + c;
          if (x < 0 || y < 0 || x >= W || y >= H) continue;
          for (let ch = 0; ch < 3; ch++)
            data[(y * W + x) * 3 + ch] = Math.round(pixels[(r * out + c) * 3 + ch]!);
        }
      pasted.push({ cx: x0 + out / 2, cy: y0 + out / 2, width });
    }
    const { faces } = await findFaces(models, { width: W, height: H, data }, policy({ landmarks: false }));
    const missed = pasted.filter(
      (p) =>
        !faces.some(
          (f) =>
            Math.abs(f.box.left + f.box.width / 2 - p.cx) < p.width * 0.6 &&
            Math.abs(f.box.top + f.box.height / 2 - p.cy) < p.width * 0.6,
        ),
    );
    expect(missed, `missed faces of ${missed.map((m) => m.width).join(", ")} px`).toEqual([]);
    expect(faces.length).toBe(slots);
  }, 120_000);

  it("skips the scaled pass for a close-up (auto), runs it when asked to", async () => {
    const portrait = cropRgb(sample1, 250, 250, 550, 650);
    const auto = await findFaces(models, portrait, policy({ landmarks: false }));
    const always = await findFaces(models, portrait, policy({ landmarks: false, tiles: "always" }));
    expect(auto.faces).toHaveLength(1);
    expect(auto.passes).toBe(1);
    expect(always.passes).toBeGreaterThan(1);
    expect(always.faces).toHaveLength(1);
  }, 60_000);

  it("caps the answer at maxFaces and says it was truncated", async () => {
    const { faces, truncated } = await findFaces(models, sample1, policy({ maxFaces: 2, landmarks: false }));
    expect(faces).toHaveLength(2);
    expect(truncated).toBe(true);
    const all = await findFaces(models, sample1, policy({ landmarks: false }));
    expect(faces).toEqual(all.faces.slice(0, 2));
  }, 60_000);

  it("drops faces narrower than minFacePixels", async () => {
    const all = await findFaces(models, sample1, policy({ landmarks: false }));
    const widest = Math.max(...all.faces.map((f) => f.box.width));
    const big = await findFaces(
      models,
      sample1,
      policy({ landmarks: false, minFacePixels: Math.ceil(widest) - 1 }),
    );
    expect(big.faces).toHaveLength(1);
    const none = await findFaces(
      models,
      sample1,
      policy({ landmarks: false, minFacePixels: Math.ceil(widest) + 1 }),
    );
    expect(none.faces).toEqual([]);
  }, 60_000);

  it("invents no face in flat, noisy, blurred-noise, striped, panorama or 1×1 pictures", async () => {
    const W = 640;
    const H = 480;
    const stripes = new Uint8Array(W * H * 3).map((_, i) => (Math.floor(i / 3 / 24) % 2 ? 220 : 30));
    const pictures: [string, RgbImage][] = [
      [
        "flat green",
        { width: W, height: H, data: new Uint8Array(W * H * 3).map((_, i) => (i % 3 === 1 ? 160 : 40)) },
      ],
      ["flat grey 1920×1080", { width: 1920, height: 1080, data: new Uint8Array(1920 * 1080 * 3).fill(128) }],
      ["noise", { width: W, height: H, data: noiseBytes(W * H * 3, 1) }],
      ["blurred noise", blur({ width: W, height: H, data: noiseBytes(W * H * 3, 7) })],
      ["stripes", { width: W, height: H, data: stripes }],
      ["1×1", { width: 1, height: 1, data: new Uint8Array([200, 180, 150]) }],
      ["112×112 flat", { width: 112, height: 112, data: new Uint8Array(112 * 112 * 3).fill(90) }],
      // Panoramas: the scaled pass runs on a 864×48 (or 48×864) input.
      ["3000×160 noise", { width: 3000, height: 160, data: noiseBytes(3000 * 160 * 3, 3) }],
      ["160×3000 noise", { width: 160, height: 3000, data: noiseBytes(160 * 3000 * 3, 5) }],
    ];
    for (const [name, image] of pictures) {
      const found = await findFaces(models, image, policy());
      expect(found.faces, name).toEqual([]);
      expect(found.subject, name).toBe(-1);
    }
  }, 120_000);

  it("recognises a tight 112×112 crop as a face through the padded retry", async () => {
    const [face] = (await findFaces(models, sample1, policy({ tiles: false }))).faces;
    const crop = tightFaceCrop(sample1, face!.landmarks!, 112);
    const found = await findFaces(models, crop, policy());
    expect(found.faces).toHaveLength(1);
    expect(found.faces[0]!.box.width).toBeGreaterThan(40);
  }, 60_000);

  it("refuses a policy whose detector the models do not hold", async () => {
    await expect(findFaces(models, sample1, policy({ detector: "tiny" }))).rejects.toThrow(
      /asks for the tiny detector, but the loaded face nets hold blazeface/,
    );
  });
});
