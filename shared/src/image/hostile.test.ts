// Each hostile class is refused from its structure, fast and without allocating what it asks for;
// valid rarities of the same formats decode. Generators: hostile-images.ts (shared with the edge fuzz corpus).
import { beforeAll, describe, expect, it } from "vitest";
import { type ErrorCode, isMarqueeError } from "../errors.ts";
import { useNodeWasmDecoders } from "../node/index.ts";
import { decodeImage } from "./decode.ts";
import {
  gifFrameBiggerThanScreen,
  grayPngOf,
  jpegWithManyScans,
  jpegWithPrecision,
  pngAncillaryBomb,
  pngIdatBomb,
  pngPaletteWithoutPlte,
  pngSecondIhdr,
} from "./hostile-images.ts";
import { MAX_JPEG_SCANS } from "./jpeg-structure.ts";
import { gradientSharp, maxAbsDiff, sharpReference, u8 } from "./test-fixtures.ts";

const MiB = 1024 * 1024;

/** Decodes `bytes`, expecting `code`; returns the error, the ms it took and the ArrayBuffer growth. */
async function refusal(bytes: Uint8Array, code: ErrorCode) {
  const before = process.memoryUsage().arrayBuffers;
  const start = performance.now();
  const err = await decodeImage(bytes, { maxPixels: 2_000_000 }).then(
    () => new Error("decoded without error"),
    (e: unknown) => e,
  );
  const ms = performance.now() - start;
  const grew = process.memoryUsage().arrayBuffers - before;
  expect(isMarqueeError(err) ? err.code : err).toBe(code);
  // Generous for a loaded CI machine; each case takes a few ms when idle.
  expect(ms).toBeLessThan(250);
  expect(grew).toBeLessThan(32 * MiB);
  return err as Error;
}

let progressive: Uint8Array;
beforeAll(async () => {
  await useNodeWasmDecoders();
  progressive = u8(await gradientSharp(320, 240).jpeg({ progressive: true }).toBuffer());
});

describe("hostile images are refused from their structure", () => {
  it("PNG whose IDAT inflates far beyond what IHDR promises (16 MiB behind a 100×100 header)", async () => {
    const bomb = pngIdatBomb(100, 100, 16 * MiB);
    expect(bomb.length).toBeLessThan(40_000);
    const err = await refusal(bomb, "corrupt_image");
    expect(err.message).toMatch(/inflates to more than the 30100 bytes its IHDR promises/);
  });

  it.each(["iCCP", "zTXt", "iTXt"] as const)("PNG with a %s chunk that inflates to 16 MiB", async (type) => {
    const err = await refusal(pngAncillaryBomb(type, 16 * MiB), "corrupt_image");
    expect(err.message).toMatch(new RegExp(`PNG ${type} chunk inflates past`));
  });

  it("PNG with a second IHDR, and a palette PNG without PLTE", async () => {
    expect((await refusal(pngSecondIhdr(), "corrupt_image")).message).toMatch(/more than one IHDR/);
    expect((await refusal(pngPaletteWithoutPlte(), "corrupt_image")).message).toMatch(
      /palette image without a PLTE/,
    );
  });

  it("GIF whose first frame is far larger than its logical screen", async () => {
    const err = await refusal(gifFrameBiggerThanScreen(16, 60000), "image_too_large");
    expect(err.message).toMatch(/first frame is 60000×60000/);
  });

  it("a GIF frame reaching past a small screen is clipped to the screen", async () => {
    const { image } = await decodeImage(gifFrameBiggerThanScreen(16, 40, 8, 8));
    expect([image.width, image.height]).toEqual([16, 16]);
  });

  it(`progressive JPEG with thousands of scans (cap ${MAX_JPEG_SCANS})`, async () => {
    const many = jpegWithManyScans(progressive, 5000);
    const err = await refusal(many, "corrupt_image");
    expect(err.message).toMatch(/more than 64 scans/);
    // At the cap it still decodes: repeated final refinement scans add nothing new.
    await expect(decodeImage(jpegWithManyScans(progressive, MAX_JPEG_SCANS - 10))).resolves.toBeTruthy();
  });

  it("JPEG frames declaring 0-, 12- or 16-bit samples", async () => {
    for (const bits of [0, 16]) {
      expect((await refusal(jpegWithPrecision(progressive, bits), "corrupt_image")).message).toMatch(
        new RegExp(`${bits}-bit samples`),
      );
    }
    await refusal(jpegWithPrecision(progressive, 12), "unsupported_media_type");
  });
});

describe("valid rarities decode", () => {
  it.each([1, 2, 4, 8, 16])(
    "Adam7-interlaced %i-bit greyscale PNG, and the same non-interlaced",
    async (depth) => {
      const max = (1 << depth) - 1;
      for (const interlaced of [true, false]) {
        const { bytes, expected } = grayPngOf(
          37,
          23,
          depth,
          interlaced,
          (x, y) => (x * 7 + y * 3) % (max + 1),
        );
        const { image } = await decodeImage(bytes);
        const grey = image.data.filter((_, i) => i % 3 === 0);
        expect(Array.from(grey)).toEqual(Array.from(expected));
      }
    },
  );

  it("16-bit RGBA and palette + tRNS PNGs match sharp", async () => {
    const rgba16 = u8(await gradientSharp(40, 30).ensureAlpha(0.5).png().toColourspace("rgb16").toBuffer());
    expect(maxAbsDiff((await decodeImage(rgba16)).image, await sharpReference(rgba16))).toBeLessThanOrEqual(
      1,
    );
    const palette = u8(
      await gradientSharp(40, 30).ensureAlpha(0.4).png({ palette: true, colours: 16 }).toBuffer(),
    );
    expect(palette[25]).toBe(3); // colour type: palette
    expect(Buffer.from(palette).includes("tRNS")).toBe(true);
    expect(maxAbsDiff((await decodeImage(palette)).image, await sharpReference(palette))).toBeLessThanOrEqual(
      1,
    );
  });
});
