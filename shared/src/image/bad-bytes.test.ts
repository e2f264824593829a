// The bad inputs from issue 2's "Done when": each must fail with the right typed error within 50 ms,
// without allocating the full image.
import { beforeAll, describe, expect, it } from "vitest";
import { type ErrorCode, isMarqueeError } from "../errors.ts";
import { useNodeWasmDecoders } from "../node/index.ts";
import { decodeImage } from "./decode.ts";
import { concatBytes, gradientSharp, pngFile, u8 } from "./test-fixtures.ts";

const BUDGET_MS = 50;

/** Deterministic noise (mulberry32), so a failure reproduces. */
function noise(length: number, seed = 1): Uint8Array {
  const out = new Uint8Array(length);
  let state = seed;
  for (let i = 0; i < length; i++) {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = Math.imul(state ^ (state >>> 15), state | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = (t ^ (t >>> 14)) & 0xff;
  }
  return out;
}

async function expectFailure(
  bytes: Uint8Array,
  code: ErrorCode,
  message?: RegExp,
  jpegDecoder?: "mozjpeg" | "jpeg-js",
) {
  const heapBefore = process.memoryUsage().arrayBuffers;
  const start = performance.now();
  const err = await decodeImage(bytes, jpegDecoder ? { jpegDecoder } : undefined).then(
    () => new Error("decoded without error"),
    (e: unknown) => e,
  );
  const elapsed = performance.now() - start;
  expect(isMarqueeError(err) ? err.code : err).toBe(code);
  if (message) expect((err as Error).message).toMatch(message);
  expect(elapsed).toBeLessThan(BUDGET_MS);
  expect(process.memoryUsage().arrayBuffers - heapBefore).toBeLessThan(32 * 1024 * 1024);
  return err as Error;
}

let jpeg: Uint8Array;
let png: Uint8Array;
let webp: Uint8Array;
let gif: Uint8Array;

beforeAll(async () => {
  await useNodeWasmDecoders();
  jpeg = u8(await gradientSharp(320, 240).jpeg({ quality: 90 }).toBuffer());
  png = u8(await gradientSharp(320, 240).png().toBuffer());
  webp = u8(await gradientSharp(320, 240).webp().toBuffer());
  gif = u8(await gradientSharp(320, 240).gif().toBuffer());
  // Start each decoder once so the timings below measure rejection, not one-time wasm instantiation.
  for (const bytes of [jpeg, png, webp, gif]) await decodeImage(bytes);
});

describe("bad bytes", () => {
  it("empty input → empty_body", async () => {
    await expectFailure(new Uint8Array(0), "empty_body", /empty/);
  });

  it.each(["mozjpeg", "jpeg-js"] as const)("truncated JPEG → corrupt_image (%s)", async (decoder) => {
    await expectFailure(
      jpeg.subarray(0, Math.floor(jpeg.length * 0.6)),
      "corrupt_image",
      /truncated/,
      decoder,
    );
    await expectFailure(jpeg.subarray(0, 100), "corrupt_image", /truncated/, decoder); // inside the header
  });

  it("JPEG cut mid-scan but given a forged end marker → corrupt_image in our words, from either decoder", async () => {
    const forged = concatBytes([
      jpeg.subarray(0, Math.floor(jpeg.length * 0.6)),
      new Uint8Array([0xff, 0xd9]),
    ]);
    await expectFailure(forged, "corrupt_image", /^JPEG is truncated or corrupt: .* ends/, "mozjpeg");
    await expectFailure(forged, "corrupt_image", /^JPEG is truncated or corrupt: .* ends/);
  });

  it("PNG with a bad CRC → corrupt_image naming the chunk", async () => {
    const idat = png.slice();
    idat[idat.length - 30]! ^= 0x01; // a byte inside the (last) IDAT's data
    await expectFailure(idat, "corrupt_image", /PNG chunk IDAT has a bad CRC/);
    const ihdr = png.slice();
    ihdr[18]! ^= 0x01; // width, inside IHDR
    await expectFailure(ihdr, "corrupt_image", /PNG chunk IHDR has a bad CRC/);
  });

  it("a 30000×30000 header with a tiny body → image_too_large, for every format", async () => {
    const tinyPng = pngFile(30000, 30000, 2, 8, noise(16));
    expect(tinyPng.length).toBeLessThan(100);
    await expectFailure(tinyPng, "image_too_large", /30000×30000 \(900 MP\); the limit is 50 MP/);

    const sof = [0xff, 0xc0, 0, 17, 8, 30000 >> 8, 30000 & 0xff, 30000 >> 8, 30000 & 0xff, 3];
    const comps = [1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1];
    const sos = [0xff, 0xda, 0, 12, 3, 1, 0, 2, 0x11, 3, 0x11, 0, 63, 0];
    const tinyJpeg = new Uint8Array([0xff, 0xd8, ...sof, ...comps, ...sos, 1, 2, 3, 0xff, 0xd9]);
    await expectFailure(tinyJpeg, "image_too_large", /30000×30000/);

    const vp8x = new Uint8Array(30);
    vp8x.set(new TextEncoder().encode("RIFF\x16\0\0\0WEBPVP8X\x0a\0\0\0"));
    vp8x.set([0x10, 0, 0, 0, 0x2f, 0x75, 0, 0x2f, 0x75, 0], 20); // canvas 30000×30000 (stored minus one)
    await expectFailure(vp8x, "image_too_large", /30000×30000/);

    const tinyGif = concatBytes([
      new TextEncoder().encode("GIF89a"),
      new Uint8Array([0x30, 0x75, 0x30, 0x75, 0, 0, 0]),
      noise(8),
    ]);
    await expectFailure(tinyGif, "image_too_large", /30000×30000/);
  });

  it("random noise → unsupported_media_type; noise after valid magic → corrupt_image", async () => {
    const err = await expectFailure(noise(4096, 7), "unsupported_media_type", /not an image/i);
    expect(err.message).toMatch(/^Not an image: starts with [0-9a-f]{2} /);
    await expectFailure(
      concatBytes([new Uint8Array([0xff, 0xd8, 0xff]), noise(4096, 2)]),
      "corrupt_image",
      /JPEG/,
    );
    await expectFailure(concatBytes([png.subarray(0, 8), noise(4096, 3)]), "corrupt_image", /PNG/);
    await expectFailure(concatBytes([webp.subarray(0, 12), noise(4096, 4)]), "corrupt_image", /WebP/);
  });

  it("a decoder exception (bad zlib in a CRC-valid PNG, cut-off WebP and GIF) → corrupt_image", async () => {
    await expectFailure(pngFile(64, 64, 2, 8, noise(300, 5)), "corrupt_image", /^PNG image data is corrupt/);
    await expectFailure(
      webp.subarray(0, Math.floor(webp.length / 2)),
      "corrupt_image",
      /WebP could not be decoded/,
    );
    await expectFailure(
      gif.subarray(0, Math.floor(gif.length / 2)),
      "corrupt_image",
      /GIF could not be decoded/,
    );
  });

  it("animated WebP → unsupported_media_type (checked from the VP8X flags, before decoding)", async () => {
    const animated = new Uint8Array(30);
    animated.set(new TextEncoder().encode("RIFF\x16\0\0\0WEBPVP8X\x0a\0\0\0"));
    animated.set([0x02, 0, 0, 0, 7, 0, 0, 7, 0, 0], 20); // animation flag, 8×8 canvas
    await expectFailure(animated, "unsupported_media_type", /Animated WebP is not supported/);
  });

  it("other formats → unsupported_media_type with a message naming them", async () => {
    await expectFailure(
      new TextEncoder().encode("%PDF-1.7\n%âãÏÓ"),
      "unsupported_media_type",
      /starts with %PDF/,
    );
    await expectFailure(
      concatBytes([new TextEncoder().encode("BM"), noise(64)]),
      "unsupported_media_type",
      /BMP is not supported/,
    );
  });

  it("limits are configurable per call", async () => {
    const tight = await decodeImage(jpeg, { limits: { maxMegapixels: 0.05 } }).catch((e: unknown) => e);
    expect(isMarqueeError(tight, "image_too_large")).toBe(true);
    expect((tight as Error).message).toMatch(/320×240 \(0.1 MP\); the limit is 0.05 MP/);
    const small = await decodeImage(jpeg, { limits: { maxBytes: 100 } }).catch((e: unknown) => e);
    expect(isMarqueeError(small, "image_too_large")).toBe(true);
    await expect(decodeImage(jpeg, { limits: { maxMegapixels: 0.08 } })).resolves.toBeDefined();
  });
});
