import * as tf from "@tensorflow/tfjs-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isMarqueeError } from "../../errors.ts";
import { nodeHumanWeightSource } from "../../node/human-weights.ts";
import { blazeFaceRegion, blazeFaceTiled, type FeatureMap, runSegmentTiled } from "../blazeface-detect.ts";
import { nonMaxSuppression } from "../geometry.ts";
import { type LoadedNet, loadBlazeFace } from "../human-models.ts";
import { readRgb, samplePhotoPath, useBackend } from "../test-support.ts";
import {
  BLAZEFACE_SEGMENTS,
  type BlazeFaceParams,
  blazeFaceAnchors,
  blazeFaceForward,
  blazeFaceParams,
  decodeBlazeFace,
} from "./blazeface.ts";

let net: LoadedNet<BlazeFaceParams>;

beforeAll(async () => {
  await useBackend("wasm");
  net = await loadBlazeFace(nodeHumanWeightSource());
}, 60_000);

afterAll(() => net?.dispose());

describe("BlazeFace back (ported)", () => {
  it("maps a batch of 256×256 images to 896 anchors × 17 values, without leaking tensors", () => {
    const before = tf.memory().numTensors;
    const x = tf.randomUniform([2, 256, 256, 3], 0, 255, "float32", 7) as tf.Tensor4D;
    const out = blazeFaceForward(x, net.params);
    expect(out.shape).toEqual([2, 896, 17]);
    expect(Number.isFinite(out.dataSync()[0])).toBe(true);
    x.dispose();
    out.dispose();
    expect(tf.memory().numTensors).toBe(before);
  });

  it("has 896 anchor centres inside the input", () => {
    const a = blazeFaceAnchors();
    expect(a.length).toBe(896 * 2);
    expect(Math.min(...a)).toBe(8);
    expect(Math.max(...a)).toBe(248);
  });

  it("decodes a hand-made output: score above the threshold, box centred on its anchor", () => {
    const raw = new Float32Array(896 * 17).fill(-10);
    const anchors = blazeFaceAnchors();
    raw[0] = 3; // anchor 0 at (8, 8)
    raw[1] = 0;
    raw[2] = 0;
    raw[3] = 32; // width 32 px
    raw[4] = 40; // height 40 px
    const [d, ...rest] = decodeBlazeFace(raw, 0.5, anchors);
    expect(rest).toHaveLength(0);
    expect(d?.score).toBeCloseTo(1 / (1 + Math.exp(-3)), 5);
    expect(d?.left).toBeCloseTo((8 - 16) / 256, 6);
    expect(d?.height).toBeCloseTo(40 / 256, 6);
  });

  it("finds the three faces of face-api's sample1.jpg, and none in a flat picture", async () => {
    const image = await readRgb(samplePhotoPath(1));
    const side = Math.max(image.width, image.height);
    const raw = await blazeFaceRegion(net.params, image, { left: 0, top: 0, size: side }, 0.5);
    const kept = nonMaxSuppression(
      raw.map((r) => r.box),
      raw.map((r) => r.score),
      0.3,
    );
    expect(kept).toHaveLength(3);
    for (const i of kept) {
      const f = raw[i]!;
      expect(f.box.width).toBeGreaterThan(120);
      expect(f.box.width).toBeLessThan(320);
      // Eyes (keypoints 0, 1) above the mouth (3), inside the box.
      expect(f.keypoints[0]!.y).toBeLessThan(f.keypoints[3]!.y);
      expect(f.keypoints[3]!.x).toBeGreaterThan(f.box.left);
      expect(f.keypoints[3]!.x).toBeLessThan(f.box.left + f.box.width);
    }
    const flat = { width: 300, height: 200, data: new Uint8Array(300 * 200 * 3).fill(90) };
    expect(await blazeFaceRegion(net.params, flat, { left: 0, top: 0, size: 300 }, 0.5)).toHaveLength(0);
  }, 30_000);

  // A textured picture: flat or random pixels would make every path answer near-constant maps.
  function texture(width: number, height: number): FeatureMap {
    const data = new Float32Array(width * height * 3);
    for (let y = 0; y < height; y++)
      for (let x = 0; x < width; x++)
        for (let c = 0; c < 3; c++)
          data[(y * width + x) * 3 + c] = 128 + 100 * Math.sin(x / (7 + c) + y / 11) * Math.cos(y / (5 + c));
    return { data, height, width, channels: 3 };
  }

  function maxDiff(a: Float32Array, b: Float32Array): number {
    expect(a.length).toBe(b.length);
    let d = 0;
    for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs((a[i] as number) - (b[i] as number)));
    return d;
  }

  it("tiled segments give exactly one whole pass' outputs, without leaking tensors", () => {
    // 400×304: several tiles in every segment (budget: 256×256 input pixels in the first), and odd
    // /16 maps (25×19), which the tail pads as a whole pass does.
    const map = texture(400, 304);
    const x = tf.tensor4d(map.data, [1, 304, 400, 3]);
    const whole = blazeFaceForward(x, net.params);
    const expected = whole.dataSync() as Float32Array;
    x.dispose();
    whole.dispose();
    const before = tf.memory().numTensors;
    const tiled = blazeFaceTiled(net.params, map);
    expect(tf.memory().numTensors).toBe(before);
    expect(tiled.length).toBe((25 * 19 * 2 + 13 * 10 * 6) * 17);
    expect(maxDiff(tiled, expected)).toBeLessThan(1e-3);
  });

  it("tiles panorama-shaped inputs (864×32, 48×704) exactly too", () => {
    for (const [w, h] of [
      [864, 32],
      [48, 704],
    ] as const) {
      const map = texture(w, h);
      const x = tf.tensor4d(map.data, [1, h, w, 3]);
      const whole = blazeFaceForward(x, net.params);
      const expected = whole.dataSync() as Float32Array;
      x.dispose();
      whole.dispose();
      expect(maxDiff(blazeFaceTiled(net.params, map), expected)).toBeLessThan(1e-3);
    }
  });

  it("a tile halo smaller than the segment's reach changes the result (the check above can fail)", () => {
    const map = texture(320, 256);
    const segment = BLAZEFACE_SEGMENTS[0]!;
    const exact = runSegmentTiled(net.params, segment, map, 128 * 128);
    const short = runSegmentTiled(net.params, { ...segment, haloBefore: 8, haloAfter: 8 }, map, 128 * 128);
    const one = runSegmentTiled(net.params, segment, map, 320 * 256); // a single tile: the whole map
    expect(exact.width).toBe(80);
    expect(exact.channels).toBe(24);
    expect(maxDiff(exact.data, one.data)).toBeLessThan(1e-4);
    expect(maxDiff(short.data, one.data)).toBeGreaterThan(1e-2);
  });

  it("names a missing weight clearly", () => {
    try {
      blazeFaceParams({});
      expect.unreachable();
    } catch (err) {
      expect(isMarqueeError(err) && err.code).toBe("model_unavailable");
      expect((err as Error).message).toMatch(/unknown/);
    }
  });
});
