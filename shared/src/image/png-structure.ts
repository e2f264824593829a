import { be32 } from "./bytes.ts";
import { crc32 } from "./crc32.ts";
import { inflate } from "./inflate.ts";
import { corruptPng, type PngInfo, printableChunkType, readPngInfo } from "./png-header.ts";

/** What a PNG's chunks hold, as far as decoding needs it. */
export interface PngStructure extends PngInfo {
  interlaced: boolean;
  /** PLTE entries as RGB triples (palette images; optional for others). */
  palette: Uint8Array | null;
  /** tRNS payload as stored (palette alphas, or the grey / RGB colour key at the stored depth). */
  transparency: Uint8Array | null;
  /** The IDAT payloads in order: [start, end) byte ranges. */
  idat: [number, number][];
  /** Compressed ancillary chunks (iCCP, zTXt, iTXt): see {@link checkCompressedChunks}. */
  compressed: { type: string; data: Uint8Array }[];
}

const KNOWN_CRITICAL = new Set(["IHDR", "PLTE", "IDAT", "IEND"]);

/**
 * How far a compressed ancillary chunk may inflate. Nothing reads their contents (colour profiles and
 * text do not change the pixels Marquee uses), but a chunk that inflates past these is a bomb, not
 * metadata: the ICC profiles cameras and phones embed are 0.5–100 KB. Checking costs ~15 ms per MiB.
 */
export const PNG_ANCILLARY_INFLATE_LIMITS: Readonly<Record<string, number>> = Object.freeze({
  iCCP: 1024 * 1024,
  zTXt: 256 * 1024,
  iTXt: 256 * 1024,
});

/**
 * Walks every chunk of a PNG up to IEND, checking each CRC (so damage is reported by chunk name) and
 * the rules a decoder relies on: exactly one IHDR, first; PLTE before IDAT, and present for palette
 * images; IDATs consecutive; no unknown critical chunk. One pass, no pixel work; compressed
 * ancillary chunks are listed for {@link checkCompressedChunks}.
 */
export function readPngStructure(bytes: Uint8Array): PngStructure {
  const info = readPngInfo(bytes);
  const interlace = bytes[28]!;
  if (bytes[26] !== 0 || bytes[27] !== 0 || interlace > 1) {
    throw corruptPng("PNG IHDR names an unknown compression, filter or interlace method");
  }
  let palette: Uint8Array | null = null;
  let transparency: Uint8Array | null = null;
  const idat: [number, number][] = [];
  const compressed: PngStructure["compressed"] = [];
  let idatEnded = false;
  let offset = 8;
  let first = true;
  for (;;) {
    if (offset + 12 > bytes.length) throw corruptPng("PNG ends before its IEND chunk (truncated)");
    const length = be32(bytes, offset);
    const type = String.fromCharCode(
      bytes[offset + 4]!,
      bytes[offset + 5]!,
      bytes[offset + 6]!,
      bytes[offset + 7]!,
    );
    const start = offset + 8;
    const end = start + length;
    if (length > 0x7fffffff || end + 4 > bytes.length) {
      throw corruptPng(`PNG chunk ${printableChunkType(type)} runs past the end of the file (truncated)`);
    }
    if (crc32(bytes, offset + 4, end) !== be32(bytes, end))
      throw corruptPng(`PNG chunk ${printableChunkType(type)} has a bad CRC`);
    if (type === "IHDR" && !first) throw corruptPng("PNG has more than one IHDR chunk");
    first = false;
    if (idat.length > 0 && type !== "IDAT") idatEnded = true;
    switch (type) {
      case "IEND":
        if (idat.length === 0) throw corruptPng("PNG has no image data (no IDAT chunk)");
        if (info.colorType === 3 && !palette) throw corruptPng("PNG is a palette image without a PLTE chunk");
        return { ...info, interlaced: interlace === 1, palette, transparency, idat, compressed };
      case "PLTE":
        if (palette) throw corruptPng("PNG has more than one PLTE chunk");
        if (idat.length > 0) throw corruptPng("PNG has its PLTE chunk after the image data");
        if (length % 3 !== 0 || length === 0 || length > 768)
          throw corruptPng(`PNG PLTE chunk has an invalid length ${length}`);
        palette = bytes.subarray(start, end);
        break;
      case "tRNS":
        if (idat.length === 0) transparency = bytes.subarray(start, end);
        break;
      case "IDAT":
        if (idatEnded) throw corruptPng("PNG has IDAT chunks that are not consecutive");
        idat.push([start, end]);
        break;
      case "iCCP":
      case "zTXt":
      case "iTXt":
        compressed.push({ type, data: bytes.subarray(start, end) });
        break;
      default:
        if (!KNOWN_CRITICAL.has(type) && type.charCodeAt(0) < 0x61) {
          throw corruptPng(`PNG has a critical chunk ${printableChunkType(type)} that no decoder knows`);
        }
    }
    offset = end + 4;
  }
}

/**
 * Inflates each compressed ancillary chunk's payload into nothing, refusing it once its output passes
 * its budget ({@link PNG_ANCILLARY_INFLATE_LIMITS}). A damaged stream is tolerated (the chunk is
 * optional and its contents unused).
 */
export async function checkCompressedChunks(png: PngStructure): Promise<void> {
  for (const { type, data } of png.compressed) {
    let o = data.indexOf(0); // after the keyword / profile name
    if (o < 0) continue;
    if (type === "iTXt") {
      if (data[o + 1] !== 1) continue; // not compressed
      o = data.indexOf(0, o + 3); // language tag
      if (o >= 0) o = data.indexOf(0, o + 1); // translated keyword
      if (o < 0) continue;
      o += 1;
    } else o += 2; // the compression method byte
    const limit = PNG_ANCILLARY_INFLATE_LIMITS[type]!;
    let total = 0;
    let stopped = false;
    try {
      ({ stopped } = inflate([data.subarray(o)], (_, start, end) => {
        total += end - start;
        return total <= limit;
      }));
    } catch {
      continue;
    }
    if (stopped) {
      throw corruptPng(
        `PNG ${type} chunk inflates past ${limit / 1024} KiB (a decompression bomb, not metadata)`,
      );
    }
  }
}
