/**
 * Generated images for the data pipeline's tests: random coloured shapes drawn by sharp,
 * distinct per seed, so tests need no photos from ../shared/datasets.
 */
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import sharp from "sharp";
import { seededRandom } from "../util/random.ts";

/** SVG of random rectangles and circles; the layout is fixed by `seed`. */
export function shapesSvg(seed: number, width: number, height: number): string {
  const rand = seededRandom(seed, 0x51a9e);
  const colour = () =>
    `rgb(${Math.floor(rand() * 256)},${Math.floor(rand() * 256)},${Math.floor(rand() * 256)})`;
  let body = `<rect width="${width}" height="${height}" fill="${colour()}"/>`;
  for (let k = 0; k < 6; k++) {
    const x = Math.floor(rand() * width);
    const y = Math.floor(rand() * height);
    const s = Math.floor((0.15 + rand() * 0.4) * Math.min(width, height));
    body +=
      rand() < 0.5
        ? `<rect x="${x - s / 2}" y="${y - s / 2}" width="${s}" height="${s * (0.5 + rand())}" fill="${colour()}"/>`
        : `<circle cx="${x}" cy="${y}" r="${s / 2}" fill="${colour()}"/>`;
  }
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">${body}</svg>`;
}

/** Encode a distinct test image. */
export async function makeImage(
  seed: number,
  options: { width?: number; height?: number; format?: "jpeg" | "png" | "webp"; quality?: number } = {},
): Promise<Buffer> {
  const width = options.width ?? 96;
  const height = options.height ?? 80;
  const img = sharp(Buffer.from(shapesSvg(seed, width, height)));
  switch (options.format ?? "jpeg") {
    case "png":
      return img.png().toBuffer();
    case "webp":
      return img.webp({ quality: options.quality ?? 80 }).toBuffer();
    default:
      return img.jpeg({ quality: options.quality ?? 90 }).toBuffer();
  }
}

/** Re-encode `bytes` (a near-copy: other quality, optional resize). */
export async function reencode(
  bytes: Buffer,
  options: { quality?: number; scale?: number } = {},
): Promise<Buffer> {
  let img = sharp(bytes);
  if (options.scale) {
    const meta = await sharp(bytes).metadata();
    img = img.resize(Math.round(meta.width! * options.scale), Math.round(meta.height! * options.scale));
  }
  return img.jpeg({ quality: options.quality ?? 60 }).toBuffer();
}

/**
 * A PNG whose IHDR claims `width`×`height` (with a valid CRC) but carries no real pixel
 * data: a decompression-bomb header that must be refused from the header alone.
 */
export function pngWithHeader(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // RGB
  const chunk = (type: string, data: Buffer) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const typeAndData = Buffer.concat([Buffer.from(type, "ascii"), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(typeAndData));
    return Buffer.concat([len, typeAndData, crc]);
  };
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([
    signature,
    chunk("IHDR", ihdr),
    chunk("IDAT", Buffer.from([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])),
    chunk("IEND", Buffer.alloc(0)),
  ]);
}

function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const b of bytes) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0xedb88320 : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

/** A fresh temp folder and a function that removes it (restoring permissions first). */
export async function tempDir(
  prefix = "marquee-data-",
): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return {
    dir,
    cleanup: async () => {
      await chmodTree(dir);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function chmodTree(dir: string): Promise<void> {
  const { readdir, lstat } = await import("node:fs/promises");
  await chmod(dir, 0o755).catch(() => {});
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const p = join(dir, name);
    const s = await lstat(p).catch(() => null);
    if (s?.isDirectory()) await chmodTree(p);
    else if (s?.isFile()) await chmod(p, 0o644).catch(() => {});
  }
}

/** Write `bytes` at `dir/relPath`, creating folders. */
export async function put(dir: string, relPath: string, bytes: Uint8Array | string): Promise<string> {
  const path = join(dir, relPath);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, bytes);
  return path;
}
