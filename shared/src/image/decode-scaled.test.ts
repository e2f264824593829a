// Decoding to a working size: JPEG in the DCT domain, PNG row by row. Checked against sharp's
// full-resolution decode box-averaged to the same size, so a wrong scale, offset or colour shows.
import { readFileSync } from "node:fs";
import sharp, { type Sharp } from "sharp";
import { beforeAll, describe, expect, it } from "vitest";
import { useNodeWasmDecoders } from "../node/index.ts";
import { BoxReducer } from "./box-reducer.ts";
import { decodeImage } from "./decode.ts";
import { decodeJpegScaled } from "./jpeg-scaled-decoder.ts";
import {
  faceApiSamplePaths,
  gradientSharp,
  maxAbsDiff,
  meanAbsDiff,
  sharpReference,
  u8,
} from "./test-fixtures.ts";
import type { RgbImage } from "./types.ts";
import { reductionFor } from "./working-size.ts";

/** `image` box-averaged by `factor`, as the decoders should produce it. */
function boxReduce(image: RgbImage, factor: number): RgbImage {
  const reducer = new BoxReducer(image.width, image.height, factor);
  for (let y = 0; y < image.height; y++) reducer.addRow(y, image.data, y * image.width * 3);
  return reducer.finish();
}

let photo: Buffer;
beforeAll(async () => {
  await useNodeWasmDecoders();
  photo = readFileSync(faceApiSamplePaths()[0]!);
});

describe("reductionFor", () => {
  it("is the smallest integer factor that fits the working size", () => {
    expect(reductionFor(4000, 3000, 2_000_000)).toBe(3); // 1334×1000
    expect(reductionFor(8000, 6000, 2_000_000)).toBe(5);
    expect(reductionFor(1000, 1000, 2_000_000)).toBe(1);
    expect(reductionFor(1000, 1000)).toBe(1);
    for (const [w, h, max] of [
      [4001, 2999, 2e6],
      [123, 45678, 5e5],
      [8192, 8192, 802_816],
    ] as const) {
      const r = reductionFor(w, h, max);
      expect(Math.ceil(w / r) * Math.ceil(h / r)).toBeLessThanOrEqual(max);
      expect(Math.ceil(w / (r - 1)) * Math.ceil(h / (r - 1))).toBeGreaterThan(max);
    }
  });
});

describe("JPEG decoded in the DCT domain", () => {
  const variants = {
    "baseline 4:2:0": (s: Sharp) => s.jpeg({ quality: 90 }),
    "progressive 4:2:0": (s: Sharp) => s.jpeg({ quality: 90, progressive: true }),
    "baseline 4:4:4": (s: Sharp) => s.jpeg({ quality: 90, chromaSubsampling: "4:4:4" }),
    "progressive grey": (s: Sharp) => s.grayscale().jpeg({ quality: 90, progressive: true }),
    "restart markers": (s: Sharp) => s.jpeg({ quality: 90, mozjpeg: true }),
  };
  it.each(Object.keys(variants))(
    "%s: every split of DCT scale and box filter matches sharp box-averaged",
    async (name) => {
      const bytes = await variants[name as keyof typeof variants](sharp(photo).resize(1001, 667)).toBuffer();
      const full = await sharpReference(u8(bytes));
      for (const [idctScale, boxFactor] of [
        [1, 1],
        [2, 1],
        [4, 1],
        [8, 1],
        [1, 3],
        [2, 2],
        [8, 3],
      ] as const) {
        const ours = decodeJpegScaled(u8(bytes), { idctScale, boxFactor });
        const ref = boxReduce(full, idctScale * boxFactor);
        expect([ours.width, ours.height]).toEqual([ref.width, ref.height]);
        // Reduced IDCTs drop the frequencies above the output's Nyquist limit, which a box filter keeps a little of.
        expect(meanAbsDiff(ours, ref), `${name} 1/${idctScale} box ${boxFactor}`).toBeLessThan(
          idctScale === 1 ? 1 : 2,
        );
        expect(maxAbsDiff(ours, ref)).toBeLessThan(idctScale === 1 ? 64 : 48);
      }
    },
    30_000,
  );

  it("a progressive JPEG decodes to exactly the pixels of its baseline twin, at every DCT scale", async () => {
    // libjpeg quantises both the same way, so only the entropy coding differs: the progressive
    // paths (refinement, the non-zero bits, the sparse dequantisation) must land on the same blocks.
    for (const chromaSubsampling of ["4:2:0", "4:4:4"]) {
      const image = () => sharp(photo).resize(1001, 667).jpeg({ quality: 90, chromaSubsampling });
      const baseline = u8(await image().toBuffer());
      const progressive = u8(await image().jpeg({ progressive: true }).toBuffer());
      for (const idctScale of [1, 2, 4, 8]) {
        const a = decodeJpegScaled(baseline, { idctScale, boxFactor: 1 });
        const b = decodeJpegScaled(progressive, { idctScale, boxFactor: 1 });
        expect(maxAbsDiff(a, b), `${chromaSubsampling} 1/${idctScale}`).toBe(0);
      }
    }
  }, 30_000);

  it("CMYK (Adobe, inverted) decodes as jpeg-js does (plain conversion, no ICC profile)", async () => {
    const bytes = u8(await gradientSharp(64, 48).toColourspace("cmyk").jpeg({ quality: 95 }).toBuffer());
    const ours = await decodeImage(bytes, { jpegDecoder: "scaled" });
    const jpegJs = await decodeImage(bytes, { jpegDecoder: "jpeg-js" });
    expect(meanAbsDiff(ours.image, jpegJs.image)).toBeLessThan(2);
  });
});

describe("decodeImage with a working size", () => {
  it("a 12 MP JPEG comes out at most 2 MP, the original size and EXIF orientation honoured", async () => {
    const bytes = u8(
      await sharp(photo)
        .resize(4000, 3000, { fit: "fill" })
        .jpeg({ quality: 85 })
        .withMetadata({ orientation: 6 })
        .toBuffer(),
    );
    const decoded = await decodeImage(bytes, { maxPixels: 2_000_000 });
    expect(decoded.reduction).toBe(3);
    expect(decoded.original).toEqual({ width: 3000, height: 4000 });
    expect([decoded.image.width, decoded.image.height]).toEqual([1000, 1334]);
    const ref = await sharp(bytes)
      .rotate()
      .resize(1000, 1334, { fit: "fill", kernel: "cubic" })
      .raw()
      .toBuffer();
    expect(meanAbsDiff(decoded.image, { width: 1000, height: 1334, data: u8(ref) })).toBeLessThan(3);
  }, 30_000);

  it("a PNG reduced row by row equals the full decode box-averaged, exactly", async () => {
    for (const progressive of [false, true]) {
      const bytes = u8(await sharp(photo).resize(999, 701).png({ progressive }).toBuffer());
      const full = await decodeImage(bytes);
      const reduced = await decodeImage(bytes, { maxPixels: 100_000 });
      expect(reduced.reduction).toBe(3);
      expect(maxAbsDiff(reduced.image, boxReduce(full.image, 3))).toBe(0);
      expect(maxAbsDiff(full.image, await sharpReference(bytes))).toBe(0);
    }
  }, 30_000);

  it("a 48 MP JPEG decodes to the working size without holding its full-resolution pixels", async () => {
    const bytes = u8(
      await sharp(photo)
        .resize(8000, 6000, { fit: "fill" })
        .jpeg({ quality: 80, progressive: true })
        .toBuffer(),
    );
    const before = process.memoryUsage().arrayBuffers;
    let peak = 0;
    const timer = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().arrayBuffers - before);
    }, 1);
    const decoded = await decodeImage(bytes, { maxPixels: 2_000_000 });
    clearInterval(timer);
    peak = Math.max(peak, process.memoryUsage().arrayBuffers - before);
    expect(decoded.image.width * decoded.image.height).toBeLessThanOrEqual(2_000_000);
    expect(decoded.original).toEqual({ width: 8000, height: 6000 });
    // Full-resolution RGB alone would be 144 MB; the coefficients kept for 1/4 scale are ~20 MB.
    expect(peak).toBeLessThan(48 * 1024 * 1024);
  }, 60_000);
});
