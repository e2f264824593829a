import { crc32 } from "node:zlib";

/**
 * On-disk format of one decode-cache entry: a 64-byte little-endian header, then the
 * preprocessed pixels (HWC, values 0..255). The header repeats what the key promises and
 * carries the payload length and a CRC-32, so a truncated or torn write is detected on
 * read and the entry recomputed instead of feeding garbage to training.
 *
 *   0  "MQIC" magic          4  format version u16   6  dtype u8 (0 float32, 1 uint8)   7  reserved
 *   8  width u32            12  height u32          16  channels u32
 *  20  payload bytes u32    24  payload CRC-32 u32  28  source sha256 (32 bytes)   60  reserved u32
 */
export const CACHE_ENTRY_HEADER_BYTES = 64;
const MAGIC = 0x4349514d; // "MQIC" read as little-endian u32
const ENTRY_FORMAT_VERSION = 1;

/** How pixels are stored: float32 is exact; uint8 rounds (±0.5 of 255) for 4× less disk. */
export type CacheDtype = "float32" | "uint8";

/** What an entry must say about itself to be accepted. */
export interface CacheEntryShape {
  width: number;
  height: number;
  dtype: CacheDtype;
  sha256: string;
}

/** Bytes of a whole entry for `shape`. */
export function cacheEntryLength(shape: Omit<CacheEntryShape, "sha256">): number {
  return CACHE_ENTRY_HEADER_BYTES + shape.width * shape.height * 3 * (shape.dtype === "float32" ? 4 : 1);
}

/** Serialise preprocessed pixels (length width×height×3) into an entry. */
export function encodeCacheEntry(shape: CacheEntryShape, pixels: Float32Array): Uint8Array {
  const count = shape.width * shape.height * 3;
  if (pixels.length !== count) {
    throw new Error(
      `cache entry expects ${count} values for ${shape.width}×${shape.height}×3, got ${pixels.length}`,
    );
  }
  const out = new Uint8Array(cacheEntryLength(shape));
  const payload = out.subarray(CACHE_ENTRY_HEADER_BYTES);
  if (shape.dtype === "float32") {
    payload.set(new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength));
  } else {
    for (let i = 0; i < count; i++) payload[i] = Math.min(255, Math.max(0, Math.round(pixels[i]!)));
  }
  const view = new DataView(out.buffer);
  view.setUint32(0, MAGIC, true);
  view.setUint16(4, ENTRY_FORMAT_VERSION, true);
  view.setUint8(6, shape.dtype === "float32" ? 0 : 1);
  view.setUint32(8, shape.width, true);
  view.setUint32(12, shape.height, true);
  view.setUint32(16, 3, true);
  view.setUint32(20, payload.length, true);
  view.setUint32(24, crc32(payload), true);
  out.set(Buffer.from(shape.sha256, "hex"), 28);
  return out;
}

/** Why `entry` is not a valid entry for `shape`, or null when it is. */
export function checkCacheEntry(entry: Uint8Array, shape: CacheEntryShape): string | null {
  const head = checkCacheHeader(entry.subarray(0, CACHE_ENTRY_HEADER_BYTES), entry.length, shape);
  if ("problem" in head) return head.problem;
  if (crc32(entry.subarray(CACHE_ENTRY_HEADER_BYTES)) !== head.crc) return "payload CRC mismatch";
  return null;
}

/**
 * Check an entry's header against `shape` and the entry file's size, without the payload,
 * so a reader can then stream the payload straight into its batch buffer. Returns the CRC
 * the payload must have.
 */
export function checkCacheHeader(
  header: Uint8Array,
  fileBytes: number,
  shape: CacheEntryShape,
): { problem: string } | { crc: number } {
  const expected = cacheEntryLength(shape);
  if (header.length < CACHE_ENTRY_HEADER_BYTES)
    return { problem: `truncated header (${header.length} bytes)` };
  const view = new DataView(header.buffer, header.byteOffset, CACHE_ENTRY_HEADER_BYTES);
  if (view.getUint32(0, true) !== MAGIC) return { problem: "bad magic" };
  if (view.getUint16(4, true) !== ENTRY_FORMAT_VERSION) return { problem: "other entry format version" };
  if (view.getUint8(6) !== (shape.dtype === "float32" ? 0 : 1)) return { problem: "other dtype" };
  if (view.getUint32(8, true) !== shape.width || view.getUint32(12, true) !== shape.height) {
    return { problem: "other size" };
  }
  if (view.getUint32(16, true) !== 3) return { problem: "other channel count" };
  if (view.getUint32(20, true) !== expected - CACHE_ENTRY_HEADER_BYTES) {
    return { problem: "header length disagrees with the shape" };
  }
  if (fileBytes !== expected) return { problem: `truncated: ${fileBytes} of ${expected} bytes` };
  if (Buffer.from(header.subarray(28, 60)).toString("hex") !== shape.sha256) {
    return { problem: "entry belongs to other content" };
  }
  return { crc: view.getUint32(24, true) };
}
