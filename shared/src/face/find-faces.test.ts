import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { RgbImage } from "../image/types.ts";
import { nodeFaceWeightSource } from "../node/face-weights.ts";
import { nodeHumanWeightSource } from "../node/human-weights.ts";
import { findFacesV2, mergeCandidates, tileRegions } from "./find-faces-v2.ts";
import { type LoadedNet, loadBlazeFace } from "./human-models.ts";
import { type FaceModels, loadFaceModels } from "./models.ts";
import type { BlazeFaceParams } from "./nets/blazeface.ts";
import { sampleSquare } from "./sample.ts";
import { cropRgb, readRgb, samplePhotoPath, tightFaceCrop, useBackend } from "./test-support.ts";

let models: FaceModels;
let blazeface: LoadedNet<BlazeFaceParams>;
let sample1: RgbImage;

beforeAll(async () => {
  await useBackend("wasm");
  models = await loadFaceModels(nodeFaceWeightSource());
  blazeface = await loadBlazeFace(nodeHumanWeightSource());
  sample1 = await readRgb(samplePhotoPath(1));
}, 60_000);

afterAll(() => {
  models?.dispose();
  blazeface?.dispose();
});

const bf = () => ({ kind: "blazeface" as const, params: blazeface.params });

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

describe("findFacesV2", () => {
  it("finds sample1's three faces, largest first, with 68 landmarks and BlazeFace keypoints", async () => {
    const { faces, truncated } = await findFacesV2(models, sample1, { detector: bf() });
    expect(faces).toHaveLength(3);
    expect(truncated).toBe(false);
    const areas = faces.map((f) => f.box.width * f.box.height);
    expect([...areas].sort((a, b) => b - a)).toEqual(areas);
    for (const f of faces) {
      expect(f.landmarks).toHaveLength(68);
      expect(f.keypoints).toHaveLength(6);
    }
  }, 60_000);

  it("finds ~45 px faces in a 1920×1080 picture, with tight boxes from the tiles", async () => {
    const image = smallCopyOnCanvas(1920, 1080, 4.2, 700, 500);
    const tiled = await findFacesV2(models, image, { detector: bf(), landmarks: false });
    expect(tiled.faces.length).toBe(3);
    for (const f of tiled.faces) {
      expect(f.box.left).toBeGreaterThan(700);
      expect(f.box.width).toBeGreaterThan(25);
      expect(f.box.width).toBeLessThan(60);
      expect(f.level).toBeGreaterThan(0);
    }
  }, 60_000);

  it("skips the tiles for a close-up (auto), runs them when asked to", async () => {
    const portrait = cropRgb(sample1, 250, 250, 550, 650);
    const auto = await findFacesV2(models, portrait, { detector: bf(), landmarks: false });
    const always = await findFacesV2(models, portrait, { detector: bf(), landmarks: false, tiles: "always" });
    expect(auto.faces).toHaveLength(1);
    expect(auto.passes).toBe(1);
    expect(always.passes).toBeGreaterThan(1);
    expect(always.faces).toHaveLength(1);
  }, 60_000);

  it("caps the answer at maxFaces and says it was truncated", async () => {
    const { faces, truncated } = await findFacesV2(models, sample1, {
      detector: bf(),
      maxFaces: 2,
      landmarks: false,
    });
    expect(faces).toHaveLength(2);
    expect(truncated).toBe(true);
  }, 60_000);

  it("invents no face in flat, noisy or 1×1 pictures", async () => {
    let s = 1;
    const noise = Uint8Array.from({ length: 640 * 480 * 3 }, () => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return s >>> 24;
    });
    const pictures: RgbImage[] = [
      {
        width: 640,
        height: 480,
        data: new Uint8Array(640 * 480 * 3).fill(0).map((_, i) => (i % 3 === 1 ? 160 : 40)),
      },
      { width: 640, height: 480, data: noise },
      { width: 1, height: 1, data: new Uint8Array([200, 180, 150]) },
    ];
    for (const image of pictures) {
      const found = await findFacesV2(models, image, { detector: bf() });
      expect(found.faces).toEqual([]);
    }
  }, 60_000);

  it("recognises a tight 112×112 crop as a face through the padded retry", async () => {
    const [face] = (await findFacesV2(models, sample1, { detector: bf(), tiles: false })).faces;
    const crop = tightFaceCrop(sample1, face!.landmarks!, 112);
    const found = await findFacesV2(models, crop, { detector: bf() });
    expect(found.faces).toHaveLength(1);
    expect(found.faces[0]!.box.width).toBeGreaterThan(40);
  }, 60_000);
});
