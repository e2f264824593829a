const ORIENTATION_TAG = 0x0112;
const TYPE_SHORT = 3;

/**
 * The EXIF orientation (1–8) in a TIFF-structured EXIF block, or 1 when absent or unreadable.
 * `tiff` starts at the TIFF header ("II*\0" or "MM\0*"); a leading "Exif\0\0" is skipped too,
 * since WebP writers disagree on whether to include it. Bad EXIF never fails a decode: a photo
 * with a mangled tag is still a photo, shown as stored.
 *
 * @example
 * readExifOrientation(app1Payload.subarray(6)); // 6 for a phone photo taken in portrait
 */
export function readExifOrientation(tiff: Uint8Array): number {
  let t = tiff;
  if (
    t.length >= 6 &&
    t[0] === 0x45 &&
    t[1] === 0x78 &&
    t[2] === 0x69 &&
    t[3] === 0x66 &&
    t[4] === 0 &&
    t[5] === 0
  ) {
    t = t.subarray(6);
  }
  if (t.length < 8) return 1;
  let little: boolean;
  if (t[0] === 0x49 && t[1] === 0x49) little = true;
  else if (t[0] === 0x4d && t[1] === 0x4d) little = false;
  else return 1;
  const u16 = (o: number) => (little ? t[o]! | (t[o + 1]! << 8) : (t[o]! << 8) | t[o + 1]!);
  const u32 = (o: number) =>
    little
      ? (t[o]! | (t[o + 1]! << 8) | (t[o + 2]! << 16) | (t[o + 3]! << 24)) >>> 0
      : ((t[o]! << 24) | (t[o + 1]! << 16) | (t[o + 2]! << 8) | t[o + 3]!) >>> 0;
  if (u16(2) !== 42) return 1;
  const ifd = u32(4);
  if (ifd + 2 > t.length) return 1;
  const count = u16(ifd);
  for (let i = 0; i < count; i++) {
    const entry = ifd + 2 + i * 12;
    if (entry + 12 > t.length) return 1;
    if (u16(entry) !== ORIENTATION_TAG) continue;
    if (u16(entry + 2) !== TYPE_SHORT || u32(entry + 4) < 1) return 1;
    const value = u16(entry + 8);
    return value >= 1 && value <= 8 ? value : 1;
  }
  return 1;
}
