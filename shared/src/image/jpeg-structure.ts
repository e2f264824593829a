import { MarqueeError } from "../errors.ts";
import { be16 } from "./bytes.ts";

/**
 * Progressive JPEGs with more scans than this are refused before any decoding. Each scan is a pass
 * over the image's blocks, so a few hundred bytes of tiny scans could otherwise keep the isolate busy
 * for seconds. libjpeg-turbo's `djpeg -maxscans` exists for the same attack; real encoders write
 * 10 (libjpeg's default script) to about 20 (mozjpeg with scan optimisation), so 64 leaves room.
 */
export const MAX_JPEG_SCANS = 64;

/** One marker segment of a JPEG, as found by {@link walkJpeg}. */
export interface JpegSegment {
  marker: number;
  /** Offset of the segment's payload (after the length field). */
  start: number;
  /** Payload length in bytes. */
  length: number;
  /** SOS only: where its entropy-coded data starts and ends (the next non-RST marker). */
  dataStart?: number;
  dataEnd?: number;
}

/** The frame header (SOF) of a JPEG. */
export interface JpegFrame {
  marker: number;
  progressive: boolean;
  width: number;
  height: number;
  components: { id: number; h: number; v: number; tq: number }[];
}

/** The marker segments from SOI to EOI, the frame and the number of scans. */
export interface JpegStructure {
  segments: JpegSegment[];
  frame: JpegFrame;
  scans: number;
}

/**
 * Walks a whole JPEG's marker structure without decoding: header segments by their lengths, scan
 * data by looking for the next marker. Checks what is cheap to check before any work: one
 * supported frame (8-bit baseline, extended or progressive Huffman), sane sampling factors, at most
 * {@link MAX_JPEG_SCANS} scans, an end-of-image marker. Throws corrupt_image / unsupported_media_type.
 */
export function walkJpeg(bytes: Uint8Array): JpegStructure {
  const segments: JpegSegment[] = [];
  let frame: JpegFrame | null = null;
  let scans = 0;
  let offset = 2;
  for (;;) {
    if (offset >= bytes.length)
      throw corrupt("JPEG is truncated: the data ends without an end-of-image marker");
    if (bytes[offset] !== 0xff) {
      throw corrupt(`JPEG is corrupt: expected a marker at byte ${offset}, found 0x${hex(bytes[offset]!)}`);
    }
    while (offset < bytes.length && bytes[offset] === 0xff) offset++;
    if (offset >= bytes.length)
      throw corrupt("JPEG is truncated: the data ends without an end-of-image marker");
    const marker = bytes[offset]!;
    offset++;
    if (marker === 0xd9) break;
    if (marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7)) continue;
    if (marker === 0xd8) throw corrupt("JPEG is corrupt: a second start-of-image marker");
    if (offset + 2 > bytes.length) throw corrupt("JPEG is truncated inside a marker segment");
    const length = be16(bytes, offset);
    if (length < 2) throw corrupt(`JPEG marker 0xFF${hex(marker)} has an invalid length ${length}`);
    const start = offset + 2;
    const end = offset + length;
    if (end > bytes.length) throw corrupt("JPEG is truncated inside a marker segment");
    const segment: JpegSegment = { marker, start, length: length - 2 };
    if (isStartOfFrame(marker)) {
      if (frame) throw corrupt("JPEG has more than one frame header (SOF)");
      frame = readFrame(bytes, marker, start, length - 2);
    } else if (marker === 0xda) {
      if (!frame) throw corrupt("JPEG is corrupt: scan data before any frame header (SOF)");
      scans++;
      if (scans > MAX_JPEG_SCANS) {
        throw corrupt(`JPEG has more than ${MAX_JPEG_SCANS} scans; real encoders write at most about 20`);
      }
      segment.dataStart = end;
      segment.dataEnd = findMarker(bytes, end);
      offset = segment.dataEnd;
      segments.push(segment);
      continue;
    } else if (marker === 0xdc) {
      throw new MarqueeError(
        "unsupported_media_type",
        "JPEG with a DNL marker (height after the data) is not supported",
      );
    }
    segments.push(segment);
    offset = end;
  }
  if (!frame) throw corrupt("JPEG has no frame header (SOF)");
  if (scans === 0) throw corrupt("JPEG has no image data (no scan)");
  return { segments, frame, scans };
}

/** Offset of the next marker at or after `from` that is not a restart marker or stuffing, or the end. */
function findMarker(bytes: Uint8Array, from: number): number {
  let i = bytes.indexOf(0xff, from);
  while (i >= 0 && i + 1 < bytes.length) {
    const next = bytes[i + 1]!;
    if (next !== 0 && next !== 0xff && !(next >= 0xd0 && next <= 0xd7)) return i;
    i = bytes.indexOf(0xff, i + 1);
  }
  throw corrupt("JPEG is truncated: the image data ends without an end-of-image marker");
}

function readFrame(bytes: Uint8Array, marker: number, start: number, length: number): JpegFrame {
  if (marker === 0xc3 || marker === 0xc7 || marker === 0xcb || marker === 0xcf) {
    throw new MarqueeError(
      "unsupported_media_type",
      "Lossless JPEG is not supported; send a standard (lossy) JPEG",
    );
  }
  if (marker >= 0xc9) {
    throw new MarqueeError(
      "unsupported_media_type",
      "Arithmetic-coded JPEG is not supported; re-save it as a standard JPEG",
    );
  }
  if (marker >= 0xc5) {
    throw new MarqueeError(
      "unsupported_media_type",
      "Hierarchical JPEG is not supported; re-save it as a standard JPEG",
    );
  }
  if (length < 6) throw corrupt("JPEG frame header (SOF) is too short");
  const precision = bytes[start]!;
  if (precision === 12) {
    throw new MarqueeError("unsupported_media_type", "12-bit JPEG is not supported; send an 8-bit JPEG");
  }
  if (precision !== 8) throw corrupt(`JPEG frame says ${precision}-bit samples; a lossy JPEG has 8 or 12`);
  const height = be16(bytes, start + 1);
  const width = be16(bytes, start + 3);
  const count = bytes[start + 5]!;
  if (width === 0 || height === 0) {
    throw corrupt(`JPEG frame header says ${width}×${height}; zero-sized images cannot be decoded`);
  }
  if (count !== 1 && count !== 3 && count !== 4) {
    throw corrupt(`JPEG has ${count} colour components; expected 1, 3 or 4`);
  }
  if (length < 6 + count * 3) throw corrupt("JPEG frame header (SOF) is too short");
  const components: JpegFrame["components"] = [];
  for (let i = 0; i < count; i++) {
    const o = start + 6 + i * 3;
    const id = bytes[o]!;
    const h = bytes[o + 1]! >> 4;
    const v = bytes[o + 1]! & 15;
    const tq = bytes[o + 2]!;
    if (h < 1 || h > 4 || v < 1 || v > 4)
      throw corrupt(`JPEG component ${id} has invalid sampling factors ${h}×${v}`);
    if (tq > 3) throw corrupt(`JPEG component ${id} names quantisation table ${tq}; there are 4`);
    if (components.some((c) => c.id === id)) throw corrupt(`JPEG names component ${id} twice`);
    components.push({ id, h, v, tq });
  }
  const blocksPerMcu = components.reduce((n, c) => n + c.h * c.v, 0);
  if (count > 1 && blocksPerMcu > 10) throw corrupt("JPEG sampling factors need more than 10 blocks per MCU");
  return { marker, progressive: marker === 0xc2, width, height, components };
}

/** SOF0–SOF15 except DHT (C4), JPG (C8) and DAC (CC), which share the range. */
function isStartOfFrame(marker: number): boolean {
  return marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;
}

function hex(n: number): string {
  return n.toString(16).toUpperCase().padStart(2, "0");
}

function corrupt(message: string): MarqueeError {
  return new MarqueeError("corrupt_image", message);
}
