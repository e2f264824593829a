import { describe, expect, it } from "vitest";
import { isMarqueeError } from "../errors.ts";
import { crc32 } from "./crc32.ts";
import { checkImageLimits, readImageHeader } from "./header.ts";
import { gradientSharp, u8 } from "./test-fixtures.ts";
import { DEFAULT_DECODE_LIMITS, type ImageFormat } from "./types.ts";

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (isMarqueeError(err)) return err.code;
    throw err;
  }
  return undefined;
}

describe("readImageHeader", () => {
  type Encode = (s: ReturnType<typeof gradientSharp>) => ReturnType<typeof gradientSharp>;
  const encoders: [string, ImageFormat, Encode][] = [
    ["baseline JPEG", "jpeg", (s) => s.jpeg()],
    ["progressive JPEG", "jpeg", (s) => s.jpeg({ progressive: true })],
    ["PNG", "png", (s) => s.png()],
    ["lossy WebP (VP8)", "webp", (s) => s.webp()],
    ["lossless WebP (VP8L)", "webp", (s) => s.webp({ lossless: true })],
    ["WebP with alpha (VP8X)", "webp", (s) => s.ensureAlpha(0.5).webp()],
    ["GIF", "gif", (s) => s.gif()],
  ];
  it.each(encoders)("reads %s dimensions without decoding", async (_name, format, encode) => {
    const bytes = u8(await encode(gradientSharp(37, 23)).toBuffer());
    expect(readImageHeader(bytes)).toEqual({ format, width: 37, height: 23 });
  });

  it("reports stored (unrotated) dimensions for an EXIF-rotated JPEG", async () => {
    const bytes = u8(await gradientSharp(37, 23).jpeg().withMetadata({ orientation: 6 }).toBuffer());
    expect(readImageHeader(bytes)).toEqual({ format: "jpeg", width: 37, height: 23 });
  });

  it("uses the PNG CRC-32 (known value for IEND)", () => {
    expect(crc32(new TextEncoder().encode("IEND"), 0, 4)).toBe(0xae426082);
  });

  it("gives empty_body for zero bytes, unsupported_media_type for other formats", () => {
    expect(codeOf(() => readImageHeader(new Uint8Array(0)))).toBe("empty_body");
    expect(codeOf(() => readImageHeader(new TextEncoder().encode("BM\0\0\0\0")))).toBe(
      "unsupported_media_type",
    );
    expect(() => readImageHeader(new TextEncoder().encode("%PDF-1.4"))).toThrow(/starts with %PDF/);
  });

  it("gives corrupt_image for a header cut short", async () => {
    const jpeg = u8(await gradientSharp().jpeg().toBuffer());
    const png = u8(await gradientSharp().png().toBuffer());
    const webp = u8(await gradientSharp().webp().toBuffer());
    expect(codeOf(() => readImageHeader(jpeg.subarray(0, 40)))).toBe("corrupt_image");
    expect(codeOf(() => readImageHeader(png.subarray(0, 20)))).toBe("corrupt_image");
    expect(codeOf(() => readImageHeader(webp.subarray(0, 16)))).toBe("corrupt_image");
  });
});

describe("checkImageLimits", () => {
  const header = { format: "png", width: 9000, height: 6000 } as const; // 54 MP

  it("defaults to 50 MP and 10 MB (4 MP for WebP and GIF, which are decoded whole)", () => {
    expect(DEFAULT_DECODE_LIMITS).toEqual({
      maxMegapixels: 50,
      maxBytes: 10 * 1024 * 1024,
      maxWholeDecodeMegapixels: 4,
    });
    expect(() => checkImageLimits(header, 1000)).toThrow(/9000×6000 \(54 MP\); the limit is 50 MP/);
    expect(codeOf(() => checkImageLimits({ ...header, width: 8000 }, 1000))).toBeUndefined(); // 48 MP
    expect(() => checkImageLimits({ format: "webp", width: 3000, height: 2000 }, 1000)).toThrow(
      /WebP image is 3000×2000 \(6 MP\); WebP is decoded whole, so its limit is 4 MP/,
    );
    expect(codeOf(() => checkImageLimits({ ...header, width: 10 }, 10 * 1024 * 1024 + 1))).toBe(
      "image_too_large",
    );
    expect(codeOf(() => checkImageLimits({ ...header, width: 10 }, 10 * 1024 * 1024))).toBeUndefined();
  });

  it("never says an image over the limit is at the limit (no '2 MP; the limit is 2 MP')", () => {
    expect(() =>
      checkImageLimits({ format: "jpeg", width: 1600, height: 1281 }, 1000, { maxMegapixels: 2 }),
    ).toThrow("Image is 1600×1281 (2.05 MP); the limit is 2 MP.");
  });

  it("takes partial overrides", () => {
    expect(codeOf(() => checkImageLimits(header, 1000, { maxMegapixels: 60 }))).toBeUndefined();
    expect(codeOf(() => checkImageLimits({ ...header, width: 10 }, 2000, { maxBytes: 1999 }))).toBe(
      "image_too_large",
    );
    expect(
      codeOf(() => checkImageLimits({ ...header, width: 1000, height: 1000 }, 10, { maxMegapixels: 0.5 })),
    ).toBe("image_too_large");
  });
});
