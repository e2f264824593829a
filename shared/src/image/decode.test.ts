import { deflateSync } from "node:zlib";
import sharp from "sharp";
import { beforeAll, describe, expect, it } from "vitest";
import { isMarqueeError } from "../errors.ts";
import { useNodeWasmDecoders } from "../node/index.ts";
import { decodeImage } from "./decode.ts";
import {
  gradientRgb,
  gradientSharp,
  grayPng,
  maxAbsDiff,
  meanAbsDiff,
  pngFile,
  sharpReference,
  u8,
} from "./test-fixtures.ts";
import { configureWasmDecoders, hasWasmDecoder, wasmInstancesStarted } from "./wasm-decoders.ts";

beforeAll(async () => {
  await useNodeWasmDecoders();
});

/** An 8-bit RGB PNG whose tRNS chunk makes pure red transparent (sharp does not write colour keys). */
async function rgbWithColourKey(): Promise<Uint8Array> {
  const width = 6;
  const height = 4;
  const raw = new Uint8Array((width * 3 + 1) * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const o = y * (width * 3 + 1) + 1 + x * 3;
      raw.set((x + y) % 2 === 0 ? [255, 0, 0] : [x * 40, y * 60, 90], o);
    }
  }
  return pngFile(width, height, 2, 8, new Uint8Array(deflateSync(raw)), [
    ["tRNS", new Uint8Array([0, 255, 0, 0, 0, 0])],
  ]);
}

async function expectMatchesSharp(
  bytes: Uint8Array,
  tolerance: number,
  options?: Parameters<typeof decodeImage>[1],
) {
  const ours = await decodeImage(bytes, options);
  const ref = await sharpReference(bytes);
  expect(ours.image.data.length).toBe(ours.image.width * ours.image.height * 3);
  expect(maxAbsDiff(ours.image, ref)).toBeLessThanOrEqual(tolerance);
  return ours;
}

describe("decodeImage: every format to 8-bit RGB", () => {
  it("JPEG (MozJPEG wasm) matches libvips exactly on a baseline 4:4:4 file and stays near the source", async () => {
    const bytes = u8(await gradientSharp().jpeg({ quality: 100, chromaSubsampling: "4:4:4" }).toBuffer());
    const ours = await expectMatchesSharp(bytes, 1);
    expect(ours.header).toEqual({ format: "jpeg", width: 48, height: 32 });
    expect(maxAbsDiff(ours.image, gradientRgb())).toBeLessThanOrEqual(8);
  });

  it("progressive, 4:2:0 JPEG", async () => {
    await expectMatchesSharp(u8(await gradientSharp(61, 47).jpeg({ progressive: true }).toBuffer()), 2);
  });

  it("JPEG with jpeg-js (the no-wasm path) stays close to libvips", async () => {
    // jpeg-js upsamples 4:2:0 chroma by replication where libjpeg interpolates, so only 4:4:4 is near-exact.
    const full = u8(await gradientSharp().jpeg({ quality: 90, chromaSubsampling: "4:4:4" }).toBuffer());
    expect(
      maxAbsDiff((await decodeImage(full, { jpegDecoder: "jpeg-js" })).image, await sharpReference(full)),
    ).toBeLessThanOrEqual(2);
    const subsampled = u8(await gradientSharp().jpeg({ quality: 90 }).toBuffer());
    const ours = await decodeImage(subsampled, { jpegDecoder: "jpeg-js" });
    expect(meanAbsDiff(ours.image, await sharpReference(subsampled))).toBeLessThan(4);
  });

  it("grayscale JPEG comes out as R = G = B", async () => {
    const bytes = u8(await gradientSharp().grayscale().jpeg().toBuffer());
    for (const jpegDecoder of ["mozjpeg", "jpeg-js"] as const) {
      const { image } = await decodeImage(bytes, { jpegDecoder });
      for (let i = 0; i < image.data.length; i += 3) {
        expect(image.data[i + 1]).toBe(image.data[i]);
        expect(image.data[i + 2]).toBe(image.data[i]);
      }
      expect(meanAbsDiff(image, await sharpReference(bytes))).toBeLessThan(1.5);
    }
  });

  it("CMYK JPEG (Adobe, inverted) falls back to jpeg-js and gives plausible colours", async () => {
    const bytes = u8(await gradientSharp().toColourspace("cmyk").jpeg({ quality: 95 }).toBuffer());
    expect((await sharp(bytes).metadata()).space).toBe("cmyk");
    const { image } = await decodeImage(bytes);
    // libvips converts through an ICC profile and we do not, so only near, not equal; an inverted or
    // channel-swapped decode would be off by ~100.
    expect(meanAbsDiff(image, await sharpReference(bytes))).toBeLessThan(25);
    expect(meanAbsDiff(image, gradientRgb())).toBeLessThan(25);
  });

  it("PNG: RGB, RGBA on white, 16-bit, palette, gray, gray+alpha, low-bit gray", async () => {
    const g = () => gradientSharp();
    // [name, bytes, expected IHDR colour type, expected bit depth] — checked so each case really is that kind.
    const cases: [string, Uint8Array, number, number][] = [
      ["rgb", u8(await g().png().toBuffer()), 2, 8],
      ["rgba", u8(await g().ensureAlpha(0.4).png().toBuffer()), 6, 8],
      ["rgb16", u8(await g().toColourspace("rgb16").png().toBuffer()), 2, 16],
      ["rgba16", u8(await g().ensureAlpha(0.7).toColourspace("rgb16").png().toBuffer()), 6, 16],
      ["palette 4-bit", u8(await g().png({ palette: true, colours: 16 }).toBuffer()), 3, 4],
      ["palette+tRNS", u8(await g().ensureAlpha(0.5).png({ palette: true }).toBuffer()), 3, 8],
      ["gray", u8(await g().toColourspace("b-w").png().toBuffer()), 0, 8],
      ["gray16", u8(await g().grayscale().toColourspace("grey16").png().toBuffer()), 0, 16],
      ["gray+alpha", u8(await g().toColourspace("b-w").ensureAlpha(0.3).png().toBuffer()), 4, 8],
      ["gray 1-bit", grayPng(13, 5, 1), 0, 1],
      ["gray 2-bit", grayPng(13, 5, 2), 0, 2],
      ["gray 4-bit", grayPng(13, 5, 4), 0, 4],
      ["gray 2-bit + tRNS key", grayPng(13, 5, 2, 1), 0, 2],
      ["rgb + tRNS key", await rgbWithColourKey(), 2, 8],
    ];
    for (const [name, bytes, colorType, depth] of cases) {
      expect([bytes[25], bytes[24]], name).toEqual([colorType, depth]);
      const ours = await decodeImage(bytes);
      const ref = await sharpReference(bytes);
      expect(maxAbsDiff(ours.image, ref), name).toBeLessThanOrEqual(1);
      // The colour-keyed pixels (red at (0,0); gray value 1 at (3,0)) must have become white.
      if (name === "rgb + tRNS key")
        expect(Array.from(ours.image.data.subarray(0, 6))).toEqual([255, 255, 255, 40, 0, 90]);
      if (name === "gray 2-bit + tRNS key")
        expect(ours.image.data.subarray(9, 12).every((v) => v === 255)).toBe(true);
    }
  });

  it("GIF: only the first frame of an animation", async () => {
    const red = await sharp({ create: { width: 8, height: 6, channels: 3, background: "#f00" } })
      .png()
      .toBuffer();
    const blue = await sharp({ create: { width: 8, height: 6, channels: 3, background: "#00f" } })
      .png()
      .toBuffer();
    const animated = u8(
      await sharp([red, blue], { join: { animated: true } })
        .gif()
        .toBuffer(),
    );
    expect((await sharp(animated).metadata()).pages).toBe(2);
    const { image } = await decodeImage(animated);
    expect([image.width, image.height]).toEqual([8, 6]);
    expect(Array.from(image.data.subarray(0, 3))).toEqual([255, 0, 0]);
    expect(maxAbsDiff(image, await sharpReference(animated))).toBe(0);
  });

  it("alpha composites on white, not black", async () => {
    const transparent = u8(
      await sharp({
        create: { width: 4, height: 4, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } },
      })
        .png()
        .toBuffer(),
    );
    const { image } = await decodeImage(transparent);
    expect(image.data.every((v) => v === 255)).toBe(true);
  });

  it("WebP lossy, lossless and with alpha", async () => {
    await expectMatchesSharp(u8(await gradientSharp().webp({ quality: 80 }).toBuffer()), 1);
    await expectMatchesSharp(u8(await gradientSharp().webp({ lossless: true }).toBuffer()), 0);
    const withAlpha = await expectMatchesSharp(
      u8(await gradientSharp().ensureAlpha(0.5).webp({ lossless: true }).toBuffer()),
      1,
    );
    expect(withAlpha.header.format).toBe("webp");
  });

  it("GIF first frame, transparency on white", async () => {
    await expectMatchesSharp(u8(await gradientSharp().gif().toBuffer()), 0);
    const transparent = u8(
      await sharp({
        create: { width: 6, height: 5, channels: 4, background: { r: 10, g: 20, b: 30, alpha: 0 } },
      })
        .gif()
        .toBuffer(),
    );
    const { image } = await decodeImage(transparent);
    expect(image.width * image.height).toBe(30);
    expect(image.data.every((v) => v === 255)).toBe(true);
  });
});

describe("decodeImage: EXIF orientation", () => {
  // Where the stored image's top-left corner (the blue marker) must land once upright, per the EXIF spec.
  const markerCorner = { 1: "TL", 2: "TR", 3: "BR", 4: "BL", 5: "TL", 6: "TR", 7: "BR", 8: "BL" } as const;
  const blueAt = (image: { width: number; height: number; data: Uint8Array }, corner: string) => {
    const x = corner.endsWith("L") ? 0 : image.width - 1;
    const y = corner.startsWith("T") ? 0 : image.height - 1;
    return image.data[(y * image.width + x) * 3 + 2]!;
  };

  it.each([1, 2, 3, 4, 5, 6, 7, 8] as const)(
    "JPEG orientation %i ends up upright like libvips' autorotate",
    async (o) => {
      const bytes = u8(
        await gradientSharp()
          .jpeg({ quality: 95, chromaSubsampling: "4:4:4" })
          .withMetadata({ orientation: o })
          .toBuffer(),
      );
      const ref = await sharpReference(bytes);
      expect(blueAt(ref, markerCorner[o])).toBeGreaterThan(200);
      for (const jpegDecoder of ["mozjpeg", "jpeg-js"] as const) {
        const ours = await decodeImage(bytes, { jpegDecoder });
        expect(ours.orientation).toBe(o);
        expect([ours.image.width, ours.image.height]).toEqual(o >= 5 ? [32, 48] : [48, 32]);
        expect(maxAbsDiff(ours.image, ref)).toBeLessThanOrEqual(2);
        expect(blueAt(ours.image, markerCorner[o])).toBeGreaterThan(200);
      }
    },
  );

  it("WebP EXIF orientation is honoured too", async () => {
    const bytes = u8(
      await gradientSharp().webp({ lossless: true }).withMetadata({ orientation: 6 }).toBuffer(),
    );
    const ours = await decodeImage(bytes);
    expect(ours.orientation).toBe(6);
    expect(maxAbsDiff(ours.image, await sharpReference(bytes))).toBe(0);
  });
});

describe("decodeImage: wasm decoders", () => {
  it("a decoder that throws inside wasm is replaced, and the next decode is unaffected", async () => {
    const good = u8(await gradientSharp().jpeg().toBuffer());
    const before = await decodeImage(good, { jpegDecoder: "mozjpeg" });
    const started = wasmInstancesStarted("jpeg");
    // libjpeg cannot convert CMYK to RGBA and calls exit() inside wasm.
    const cmyk = u8(await gradientSharp().toColourspace("cmyk").jpeg().toBuffer());
    const err = await decodeImage(cmyk, { jpegDecoder: "mozjpeg" }).catch((e: unknown) => e);
    expect(isMarqueeError(err, "corrupt_image")).toBe(true);
    // Our words for the client; libjpeg's own text only travels as the cause, for logs.
    expect(String((err as Error).message)).toBe("JPEG could not be decoded: its data is corrupt");
    expect(String(((err as Error).cause as Error).message)).toMatch(/Unsupported color conversion/);
    const after = await decodeImage(good, { jpegDecoder: "mozjpeg" });
    expect(wasmInstancesStarted("jpeg")).toBe(started + 1);
    expect(after.image.data).toEqual(before.image.data);
  });

  it("an instance whose heap grew on a 12 MP photo is dropped, so the memory can be reclaimed", async () => {
    const big = u8(
      await sharp({ create: { width: 4000, height: 3000, channels: 3, background: "#3a6" } })
        .jpeg()
        .toBuffer(),
    );
    const small = u8(await gradientSharp().jpeg().toBuffer());
    await decodeImage(small, { jpegDecoder: "mozjpeg" });
    const started = wasmInstancesStarted("jpeg");
    await decodeImage(small, { jpegDecoder: "mozjpeg" });
    expect(wasmInstancesStarted("jpeg")).toBe(started); // small images reuse the instance
    const { image } = await decodeImage(big, { jpegDecoder: "mozjpeg" });
    expect([image.width, image.height, image.data[1]]).toEqual([4000, 3000, 0xaa]);
    await decodeImage(small, { jpegDecoder: "mozjpeg" });
    expect(wasmInstancesStarted("jpeg")).toBe(started + 1);
  });

  it("without wasm modules, JPEG uses jpeg-js and WebP is refused as unsupported", async () => {
    const jpeg = u8(await gradientSharp().jpeg().toBuffer());
    const webp = u8(await gradientSharp().webp().toBuffer());
    configureWasmDecoders({ jpeg: undefined, webp: undefined });
    try {
      expect(hasWasmDecoder("jpeg")).toBe(false);
      const started = wasmInstancesStarted("jpeg");
      const { image } = await decodeImage(jpeg);
      expect(wasmInstancesStarted("jpeg")).toBe(started);
      expect(meanAbsDiff(image, await sharpReference(jpeg))).toBeLessThan(4);
      await expect(decodeImage(webp)).rejects.toMatchObject({ code: "unsupported_media_type" });
    } finally {
      await useNodeWasmDecoders();
    }
    expect(hasWasmDecoder("jpeg") && hasWasmDecoder("webp")).toBe(true);
  });
});
