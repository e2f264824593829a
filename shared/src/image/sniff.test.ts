import { describe, expect, it } from "vitest";
import { describeUnsupportedBytes, sniffImageFormat } from "./sniff.ts";
import { gradientSharp, u8 } from "./test-fixtures.ts";

const text = (s: string) => new TextEncoder().encode(s);

describe("sniffImageFormat", () => {
  it("recognises each supported format from real encoder output", async () => {
    const g = gradientSharp();
    expect(sniffImageFormat(u8(await g.clone().jpeg().toBuffer()))).toBe("jpeg");
    expect(sniffImageFormat(u8(await g.clone().png().toBuffer()))).toBe("png");
    expect(sniffImageFormat(u8(await g.clone().webp().toBuffer()))).toBe("webp");
    expect(sniffImageFormat(u8(await g.clone().gif().toBuffer()))).toBe("gif");
  });

  it("ignores anything but the magic bytes", () => {
    expect(sniffImageFormat(new Uint8Array(0))).toBeNull();
    expect(sniffImageFormat(new Uint8Array([0xff, 0xd8]))).toBeNull(); // too short to be sure
    expect(sniffImageFormat(text("%PDF-1.7\n"))).toBeNull();
    expect(sniffImageFormat(text("RIFF\0\0\0\0WAVEfmt "))).toBeNull();
    expect(sniffImageFormat(text("GIF88a"))).toBeNull();
  });
});

describe("describeUnsupportedBytes", () => {
  it.each([
    ["BM6\0\0\0", "BMP is not supported"],
    ["II*\0\x08\0", "TIFF is not supported"],
    ["\0\0\0\x1cftypheic", "HEIC/HEIF is not supported"],
    // AVIF is decoded now (sniffImageFormat → "avif"; decode-avif.test.ts).
    ['<svg xmlns="http://www.w3.org/2000/svg">', "SVG is not supported"],
    ["%PDF-1.7\n%", "not an image: starts with %PDF-1.7"],
  ])("names %j", (bytes, expected) => {
    expect(describeUnsupportedBytes(text(bytes))).toContain(expected);
  });

  it("shows unprintable prefixes as hex", () => {
    expect(describeUnsupportedBytes(new Uint8Array([0xde, 0xad, 0xbe, 0xef, 1, 2, 3, 4, 5]))).toBe(
      "not an image: starts with de ad be ef 01 02 03 04",
    );
  });
});
