// Test images: the sample photos @vladmandic/face-api ships, and encodings of them made with sharp.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { faceApiDir } from "@marquee/shared/node";
import sharp from "sharp";

/** Path of face-api's demo photo `sample<n>.jpg` (n = 1..6). */
export function samplePhotoPath(n: number): string {
  return join(faceApiDir(), "demo", `sample${n}.jpg`);
}

/** Bytes of face-api's demo photo `sample<n>.jpg`. */
export async function samplePhoto(n: number): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await readFile(samplePhotoPath(n)));
}

/** sample1 re-encoded in another format, resized to `width` (keeps aspect). */
export async function samplePhotoAs(
  format: "png" | "webp" | "gif" | "jpeg",
  width = 320,
): Promise<Uint8Array<ArrayBuffer>> {
  return new Uint8Array(await sharp(samplePhotoPath(1)).resize({ width }).toFormat(format).toBuffer());
}

/** A JPEG of exactly `megapixels` (4:3, sample1 stretched), as large as the limit allows. */
export async function jpegOfMegapixels(
  megapixels: number,
): Promise<{ bytes: Uint8Array; width: number; height: number }> {
  const width = Math.floor(Math.sqrt((megapixels * 1e6 * 4) / 3));
  const height = Math.floor((megapixels * 1e6) / width);
  const bytes = await sharp(samplePhotoPath(1))
    .resize(width, height, { fit: "fill" })
    .jpeg({ quality: 90 })
    .toBuffer();
  return { bytes, width, height };
}

/**
 * A valid-looking PNG signature + IHDR claiming `width`×`height`, followed by nothing useful:
 * a decompression bomb's header, a few dozen bytes long.
 */
export function pngHeaderClaiming(width: number, height: number): Uint8Array<ArrayBuffer> {
  const ihdr = new Uint8Array(13);
  const view = new DataView(ihdr.buffer);
  view.setUint32(0, width);
  view.setUint32(4, height);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const type = new TextEncoder().encode("IHDR");
  const crc = crc32(new Uint8Array([...type, ...ihdr]));
  const chunk = new Uint8Array(4 + 4 + 13 + 4);
  const chunkView = new DataView(chunk.buffer);
  chunkView.setUint32(0, 13);
  chunk.set(type, 4);
  chunk.set(ihdr, 8);
  chunkView.setUint32(21, crc);
  return new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10, ...chunk, 0, 0, 0, 0, 73, 68, 65, 84, 0, 0, 0, 0]);
}

function crc32(bytes: Uint8Array): number {
  let crc = 0xffffffff;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}
