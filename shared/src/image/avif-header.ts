import { MarqueeError } from "../errors.ts";
import { ascii } from "./latin1.ts";

/** What an AVIF's boxes say before any pixel is decoded. */
export interface AvifInfo {
  width: number;
  height: number;
  /** The primary item's `irot` rotation in degrees anticlockwise (0, 90, 180, 270). */
  rotation: number;
  /** The primary item's `imir` axis: 0 flips left–right, 1 top–bottom; undefined when not mirrored. */
  mirrorAxis: 0 | 1 | undefined;
  /** The EXIF orientation (1–8) that turns the stored image upright: rotation first, then mirror. */
  orientation: number;
}

// [rotation / 90][no mirror, imir axis 0 (left–right), imir axis 1 (top–bottom)] → EXIF orientation.
const ORIENTATION = [
  [1, 2, 4],
  [8, 7, 5],
  [3, 4, 2],
  [6, 5, 7],
] as const;

interface Box {
  type: string;
  /** Offset of the payload (after the size/type header). */
  start: number;
  end: number;
}

/**
 * True for an ISO-BMFF file whose `ftyp` names the AVIF brands (`avif` still image, `avis` sequence)
 * as major or compatible brand.
 *
 * @example
 * isAvif(bytes); // true for a file starting "....ftypavif"
 */
export function isAvif(bytes: Uint8Array): boolean {
  if (bytes.length < 12 || ascii(bytes, 4, 4) !== "ftyp") return false;
  const size = Math.min(readU32(bytes, 0), bytes.length, 256);
  for (let offset = 8; offset + 4 <= size; offset += 4) {
    if (offset === 12) continue; // minor version
    const brand = ascii(bytes, offset, 4);
    if (brand === "avif" || brand === "avis") return true;
  }
  return false;
}

/**
 * Reads an AVIF's size from the primary item's `ispe` property (meta → pitm, iprp → ipco/ipma),
 * with its `irot`/`imir` transform. Throws `corrupt_image` when the boxes are cut short or missing.
 *
 * @example
 * readAvifInfo(bytes); // { width: 640, height: 480, rotation: 0, mirrorAxis: undefined, orientation: 1 }
 */
export function readAvifInfo(bytes: Uint8Array): AvifInfo {
  const meta = children(bytes, 0, bytes.length).find((b) => b.type === "meta");
  if (!meta) throw corrupt("AVIF has no meta box (truncated?)");
  // meta is a full box: 4 bytes of version and flags before its children.
  const metaBoxes = children(bytes, meta.start + 4, meta.end);
  const pitm = metaBoxes.find((b) => b.type === "pitm");
  const iprp = metaBoxes.find((b) => b.type === "iprp");
  if (!iprp) throw corrupt("AVIF has no item properties (iprp box)");
  const iprpBoxes = children(bytes, iprp.start, iprp.end);
  const ipco = iprpBoxes.find((b) => b.type === "ipco");
  if (!ipco) throw corrupt("AVIF has no ipco box");
  const properties = children(bytes, ipco.start, ipco.end);
  let primary: number | undefined;
  if (pitm) {
    need(bytes, pitm.start + 6);
    primary = bytes[pitm.start] === 0 ? readU16(bytes, pitm.start + 4) : readU32(bytes, pitm.start + 4);
  }
  const associated = primary === undefined ? null : associations(bytes, iprpBoxes, primary);
  const mine = associated
    ? associated.map((i) => properties[i - 1]).filter((b) => b !== undefined)
    : properties;

  const ispe = mine.find((b) => b.type === "ispe");
  if (!ispe) throw corrupt("AVIF has no image size (ispe) for its primary image");
  need(bytes, ispe.start + 12);
  const width = readU32(bytes, ispe.start + 4);
  const height = readU32(bytes, ispe.start + 8);
  if (width === 0 || height === 0) throw corrupt(`AVIF header says ${width}×${height}`);
  const irot = mine.find((b) => b.type === "irot");
  const quarterTurns = irot ? (bytes[irot.start] ?? 0) & 3 : 0;
  const imir = mine.find((b) => b.type === "imir");
  const mirrorAxis = imir ? (((bytes[imir.start] ?? 0) & 1) as 0 | 1) : undefined;
  const orientation = ORIENTATION[quarterTurns]![mirrorAxis === undefined ? 0 : mirrorAxis + 1]!;
  return { width, height, rotation: quarterTurns * 90, mirrorAxis, orientation };
}

// The 1-based ipco indices associated with `item` in the ipma boxes, or null when there is no ipma.
function associations(bytes: Uint8Array, iprpBoxes: Box[], item: number): number[] | null {
  const ipmas = iprpBoxes.filter((b) => b.type === "ipma");
  if (ipmas.length === 0) return null;
  const found: number[] = [];
  for (const ipma of ipmas) {
    need(bytes, ipma.start + 8);
    const version = bytes[ipma.start]!;
    const flags = readU32(bytes, ipma.start) & 0xffffff;
    let p = ipma.start + 4;
    const count = readU32(bytes, p);
    p += 4;
    for (let i = 0; i < count; i++) {
      need(bytes, p + (version < 1 ? 3 : 5));
      const id = version < 1 ? readU16(bytes, p) : readU32(bytes, p);
      p += version < 1 ? 2 : 4;
      const n = bytes[p++]!;
      for (let j = 0; j < n; j++) {
        need(bytes, p + (flags & 1 ? 2 : 1));
        const index = flags & 1 ? readU16(bytes, p) & 0x7fff : bytes[p]! & 0x7f;
        p += flags & 1 ? 2 : 1;
        if (id === item) found.push(index);
      }
    }
  }
  return found;
}

// The boxes directly inside [start, end).
function children(bytes: Uint8Array, start: number, end: number): Box[] {
  const boxes: Box[] = [];
  let p = start;
  while (p + 8 <= end) {
    let size = readU32(bytes, p);
    const type = ascii(bytes, p + 4, 4);
    let header = 8;
    if (size === 1) {
      need(bytes, p + 16);
      size = readU32(bytes, p + 8) * 2 ** 32 + readU32(bytes, p + 12);
      header = 16;
    } else if (size === 0) {
      size = end - p;
    }
    if (size < header)
      throw corrupt(`AVIF box "${type.replace(/[^\x20-\x7e]/g, "?")}" has a bad size ${size}`);
    boxes.push({ type, start: p + header, end: Math.min(p + size, end) });
    p += size;
  }
  return boxes;
}

function need(bytes: Uint8Array, end: number): void {
  if (bytes.length < end) throw corrupt("AVIF ends inside its header (truncated)");
}

function readU16(bytes: Uint8Array, p: number): number {
  return ((bytes[p] ?? 0) << 8) | (bytes[p + 1] ?? 0);
}

function readU32(bytes: Uint8Array, p: number): number {
  return (
    (((bytes[p] ?? 0) << 24) |
      ((bytes[p + 1] ?? 0) << 16) |
      ((bytes[p + 2] ?? 0) << 8) |
      (bytes[p + 3] ?? 0)) >>>
    0
  );
}

function corrupt(message: string): MarqueeError {
  return new MarqueeError("corrupt_image", message);
}
