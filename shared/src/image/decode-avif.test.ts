// AVIF (libavif + dav1d from @jsquash/avif, in wasm) against sharp's own decode (libheif + aom) of
// files sharp wrote, and the header, sniffing and HEIC paths around it.
import sharp, { type AvifOptions, type Sharp } from "sharp";
import { beforeAll, describe, expect, it } from "vitest";
import { isMarqueeError } from "../errors.ts";
import { useNodeWasmDecoders } from "../node/index.ts";
import { isAvif, readAvifInfo } from "./avif-header.ts";
import { decodeImage } from "./decode.ts";
import { AVIF_MAX_MEGAPIXELS } from "./decode-avif.ts";
import { readImageHeader } from "./header.ts";
import { sniffImageFormat } from "./sniff.ts";
import { gradientRgb, gradientSharp, maxAbsDiff, meanAbsDiff, sharpReference, u8 } from "./test-fixtures.ts";
import { configureWasmDecoders, hasWasmDecoder } from "./wasm-decoders.ts";

beforeAll(async () => {
  await useNodeWasmDecoders();
});

async function avif(pipeline: Sharp, options: AvifOptions = {}): Promise<Uint8Array> {
  return u8(await pipeline.avif({ quality: 90, chromaSubsampling: "4:4:4", ...options }).toBuffer());
}

async function expectCode(promise: Promise<unknown>, code: string, message?: RegExp): Promise<void> {
  const err = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(isMarqueeError(err), String(err)).toBe(true);
  expect((err as { code: string }).code).toBe(code);
  if (message) expect((err as Error).message).toMatch(message);
}

describe("AVIF", () => {
  it("decodes an 8-bit AVIF like sharp does, at its header's size", async () => {
    const bytes = await avif(gradientSharp(48, 32));
    expect(sniffImageFormat(bytes)).toBe("avif");
    expect(readImageHeader(bytes)).toEqual({ format: "avif", width: 48, height: 32 });
    const { image, header } = await decodeImage(bytes);
    expect(header.format).toBe("avif");
    expect([image.width, image.height]).toEqual([48, 32]);
    const reference = await sharpReference(bytes);
    // Two AV1 decoders and two YUV→RGB conversions: close, not identical.
    expect(maxAbsDiff(image, reference)).toBeLessThanOrEqual(6);
    expect(meanAbsDiff(image, reference)).toBeLessThan(1.5);
    // And close to the gradient it was made from (lossy at quality 90).
    expect(meanAbsDiff(image, gradientRgb(48, 32))).toBeLessThan(4);
  });

  it("decodes a 10-bit AVIF to 8-bit RGB", async () => {
    const bytes = await avif(gradientSharp(40, 24), { bitdepth: 10 });
    const { image } = await decodeImage(bytes);
    expect(meanAbsDiff(image, gradientRgb(40, 24))).toBeLessThan(4);
  });

  it("composites alpha on white", async () => {
    const rgba = sharp({
      create: { width: 16, height: 16, channels: 4, background: { r: 0, g: 0, b: 255, alpha: 0 } },
    });
    const { image } = await decodeImage(await avif(rgba, { lossless: true }));
    expect(Math.min(...image.data)).toBeGreaterThanOrEqual(250);
  });

  it("turns a rotated AVIF (irot) upright, as sharp does", async () => {
    const bytes = await avif(gradientSharp(48, 32).withMetadata({ orientation: 6 }));
    const info = readAvifInfo(bytes);
    expect(info).toMatchObject({ width: 48, height: 32, rotation: 270, orientation: 6 });
    const { image, orientation } = await decodeImage(bytes);
    expect(orientation).toBe(6);
    expect([image.width, image.height]).toEqual([32, 48]);
    const upright = await sharp(Buffer.from(gradientRgb(48, 32).data), {
      raw: { width: 48, height: 32, channels: 3 },
    })
      .rotate(90)
      .raw()
      .toBuffer();
    expect(meanAbsDiff(image, { width: 32, height: 48, data: u8(upright) })).toBeLessThan(4);
  });

  it("refuses an AVIF over the megapixel limit from its header, before decoding", async () => {
    const big = sharp({ create: { width: 1500, height: 1000, channels: 3, background: "#888" } });
    const bytes = await avif(big, { effort: 0, quality: 30, chromaSubsampling: "4:2:0" });
    await expectCode(decodeImage(bytes, { limits: { maxMegapixels: 1 } }), "image_too_large", /1500×1000/);
  });

  it("refuses an AVIF over AVIF_MAX_MEGAPIXELS even when the general limit allows it", async () => {
    const side = Math.ceil(Math.sqrt(AVIF_MAX_MEGAPIXELS * 1e6)) + 8;
    const bytes = await avif(
      sharp({ create: { width: side, height: side, channels: 3, background: "#888" } }),
      {
        effort: 0,
        quality: 30,
      },
    );
    await expectCode(
      decodeImage(bytes, { limits: { maxMegapixels: 4 } }),
      "image_too_large",
      /send it as JPEG/,
    );
    const fits = Math.floor(Math.sqrt(AVIF_MAX_MEGAPIXELS * 1e6));
    const small = await avif(
      sharp({ create: { width: fits, height: fits, channels: 3, background: "#888" } }),
      {
        effort: 0,
        quality: 30,
      },
    );
    expect((await decodeImage(small)).image.width).toBe(fits);
  });

  it("says corrupt_image for a truncated AVIF", async () => {
    const bytes = await avif(gradientSharp(48, 32));
    await expectCode(decodeImage(bytes.subarray(0, 40)), "corrupt_image", /AVIF/);
    // Header intact, image data cut: the decoder's failure is reported as corrupt too.
    await expectCode(decodeImage(bytes.subarray(0, bytes.length - 60)), "corrupt_image", /AVIF/);
  });

  it("says AVIF is not enabled when no wasm module is configured", async () => {
    const bytes = await avif(gradientSharp(8, 8));
    configureWasmDecoders({ avif: undefined });
    try {
      expect(hasWasmDecoder("avif")).toBe(false);
      await expectCode(decodeImage(bytes), "unsupported_media_type", /AVIF decoding is not enabled/);
    } finally {
      await useNodeWasmDecoders();
    }
  });

  it("is told apart from other ISO media files by its brands", () => {
    const ftyp = (major: string, ...compatible: string[]) => {
      const brands = [major, "\0\0\0\0", ...compatible].join("");
      const size = 8 + brands.length;
      return new Uint8Array([0, 0, 0, size, ...Buffer.from(`ftyp${brands}`, "latin1")]);
    };
    expect(isAvif(ftyp("avif", "mif1"))).toBe(true);
    expect(isAvif(ftyp("mif1", "miaf", "avif"))).toBe(true);
    expect(isAvif(ftyp("avis", "msf1"))).toBe(true);
    expect(isAvif(ftyp("heic", "mif1", "heic"))).toBe(false);
    expect(isAvif(ftyp("isom", "mp41"))).toBe(false);
  });
});

describe("HEIC", () => {
  it("is refused with a 415 that says how to convert it", async () => {
    const brands = "heic\0\0\0\0mif1heic";
    const heic = new Uint8Array([
      0,
      0,
      0,
      8 + brands.length,
      ...Buffer.from(`ftyp${brands}`, "latin1"),
      0,
      0,
      0,
      0,
    ]);
    expect(sniffImageFormat(heic)).toBeNull();
    await expectCode(decodeImage(heic), "unsupported_media_type", /HEIC\/HEIF is not supported/);
    await expectCode(decodeImage(heic), "unsupported_media_type", /sips -s format jpeg .*heif-convert/);
  });
});
