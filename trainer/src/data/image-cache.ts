import { createHash, randomBytes } from "node:crypto";
import {
  type FileHandle,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  stat,
  unlink,
  writeFile,
} from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { crc32 } from "node:zlib";
import {
  type DecodeLimits,
  decodeImage,
  MarqueeError,
  type Preprocessing,
  preprocessImage,
  type RgbImage,
} from "@marquee/shared";
import {
  CACHE_ENTRY_HEADER_BYTES,
  type CacheDtype,
  cacheEntryLength,
  checkCacheEntry,
  checkCacheHeader,
  encodeCacheEntry,
} from "./cache-entry.ts";
import { ensureNodeDecoders } from "./decoders.ts";
import { TRAINING_DECODE_LIMITS } from "./scan.ts";
import type { DatasetFile } from "./types.ts";

/**
 * Bump whenever what ends up in an entry could change for the same photo (resize
 * arithmetic, orientation handling, alpha compositing), so stale entries are never read.
 */
export const PREPROCESS_VERSION = 1;

/** The model input an entry is made for. */
export interface CacheSpec {
  width: number;
  height: number;
  /** Crop before resizing; see the artefact schema's `preprocessing.fit`. Default stretch. */
  fit?: Preprocessing["fit"];
  /** Default float32 (exact). */
  dtype?: CacheDtype;
}

/** Options for {@link ImageCache}. */
export interface ImageCacheOptions extends CacheSpec {
  /** Cache folder; default {@link defaultCacheDir}. */
  dir?: string;
  limits?: Partial<DecodeLimits>;
}

/**
 * The default cache folder: `$MARQUEE_CACHE_DIR`, else `$XDG_CACHE_HOME/marquee`, else
 * `~/.cache/marquee`. Per-user rather than per-run (`<out>/.cache`) because entries are keyed
 * by content hash, so every run and every `--out` folder reuses the same decoded photos.
 */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.MARQUEE_CACHE_DIR) return env.MARQUEE_CACHE_DIR;
  const base = env.XDG_CACHE_HOME || join(homedir(), ".cache");
  return join(base, "marquee");
}

/** Counters, for progress lines and tests. */
export interface CacheStats {
  hits: number;
  /** Entries decoded from the source photo because none existed. */
  computed: number;
  /** Entries found damaged (truncated, torn, wrong) and recomputed. */
  repaired: number;
  /** Entry files read (hits and damaged). */
  reads: number;
}

/**
 * A disk cache of photos decoded once and resized to the model input, stored as 0..255
 * HWC pixels without normalisation (models normalise themselves, or the batch reader does).
 * Entries are keyed by content sha256 + size + fit + dtype + {@link PREPROCESS_VERSION},
 * written atomically (temp file + rename) and verified on every read.
 *
 * @example
 * const cache = new ImageCache({ width: 224, height: 224 });
 * const pixels = await cache.read(file); // Float32Array of 224*224*3
 */
export class ImageCache {
  readonly dir: string;
  readonly width: number;
  readonly height: number;
  readonly fit: Preprocessing["fit"];
  readonly dtype: CacheDtype;
  /** Values per image: width × height × 3. */
  readonly sampleLength: number;
  readonly stats: CacheStats = { hits: 0, computed: 0, repaired: 0, reads: 0 };
  /** Decode limits applied when computing entries. */
  readonly limits: DecodeLimits;
  private readonly madeDirs = new Set<string>();

  constructor(options: ImageCacheOptions) {
    this.dir = options.dir ?? defaultCacheDir();
    this.width = options.width;
    this.height = options.height;
    this.fit = options.fit ?? "stretch";
    this.dtype = options.dtype ?? "float32";
    this.sampleLength = this.width * this.height * 3;
    this.limits = { ...TRAINING_DECODE_LIMITS, ...options.limits };
  }

  /** Folder holding this spec's entries; a different size or version never collides. */
  get specDir(): string {
    return join(
      this.dir,
      `images-v${PREPROCESS_VERSION}`,
      `${this.width}x${this.height}-${this.fit}-${this.dtype}`,
    );
  }

  /** Path of the entry for a content hash. */
  entryPath(sha256: string): string {
    return join(this.specDir, sha256.slice(0, 2), `${sha256}.bin`);
  }

  /** Whether an entry of the right length exists (cheap; full checks happen on read). */
  async has(sha256: string): Promise<boolean> {
    try {
      const s = await stat(this.entryPath(sha256));
      return s.size === cacheEntryLength(this);
    } catch {
      return false;
    }
  }

  /**
   * Copy `file`'s preprocessed pixels into `out` at `offset` (in values), from the cache when
   * a valid entry exists, else by decoding the photo and writing the entry.
   */
  async readInto(file: DatasetFile, out: Float32Array, offset: number): Promise<void> {
    const hit = await this.readEntryInto(file.sha256, out, offset);
    if (hit === "hit") {
      this.stats.hits++;
      return;
    }
    if (hit === "damaged") this.stats.repaired++;
    else this.stats.computed++;
    const { pixels } = await this.compute(file);
    if (this.dtype === "uint8") {
      // Read back what was stored so a cold read equals a warm one.
      for (let i = 0; i < pixels.length; i++)
        out[offset + i] = Math.min(255, Math.max(0, Math.round(pixels[i]!)));
    } else {
      out.set(pixels, offset);
    }
  }

  /**
   * Stream a stored entry's payload straight into `out` (no per-image buffer, so a long epoch
   * makes little garbage), verifying header, length and CRC. `out` may be partly overwritten
   * when the entry turns out damaged; the caller then recomputes it.
   */
  private async readEntryInto(
    sha256: string,
    out: Float32Array,
    offset: number,
  ): Promise<"hit" | "damaged" | "missing"> {
    let handle: FileHandle;
    try {
      handle = await open(this.entryPath(sha256), "r");
    } catch {
      return "missing";
    }
    try {
      this.stats.reads++;
      const shape = { width: this.width, height: this.height, dtype: this.dtype, sha256 };
      const { size } = await handle.stat();
      const header = new Uint8Array(CACHE_ENTRY_HEADER_BYTES);
      const got = await readFully(handle, header, 0);
      const head = checkCacheHeader(header.subarray(0, got), size, shape);
      if ("problem" in head) return "damaged";
      const count = this.sampleLength;
      const target =
        this.dtype === "float32"
          ? new Uint8Array(out.buffer, out.byteOffset + offset * 4, count * 4)
          : new Uint8Array(count);
      if ((await readFully(handle, target, CACHE_ENTRY_HEADER_BYTES)) !== target.length) return "damaged";
      if (crc32(target) !== head.crc) return "damaged";
      if (this.dtype === "uint8") for (let i = 0; i < count; i++) out[offset + i] = target[i]!;
      return "hit";
    } catch {
      return "damaged";
    } finally {
      await handle.close();
    }
  }

  /** `file`'s preprocessed pixels as a new array; see {@link readInto}. */
  async read(file: DatasetFile): Promise<Float32Array> {
    const out = new Float32Array(this.sampleLength);
    await this.readInto(file, out, 0);
    return out;
  }

  /**
   * Decode `file` from its source, preprocess, and store the entry. Returns the decoded
   * image too, so the caller can derive more from the one decode (perceptual hashes).
   *
   * @throws MarqueeError `corrupt_image` / `unsupported_media_type` / `image_too_large` from the
   *   decoder, or `corrupt_image` when the file changed since it was scanned.
   */
  async compute(file: DatasetFile): Promise<{ pixels: Float32Array; image: RgbImage }> {
    const bytes = await readFile(file.path);
    const sha = createHash("sha256").update(bytes).digest("hex");
    if (sha !== file.sha256) {
      throw new MarqueeError(
        "corrupt_image",
        `${file.path} changed since the data folder was scanned; re-run.`,
      );
    }
    await ensureNodeDecoders();
    const { image } = await decodeImage(new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.length), {
      limits: this.limits,
    });
    const pixels = this.preprocess(image);
    await this.write(file.sha256, pixels);
    return { pixels, image };
  }

  /** Resize a decoded image to this cache's spec, without normalisation. */
  preprocess(image: RgbImage): Float32Array {
    return preprocessImage(image, {
      input: { width: this.width, height: this.height, channels: 3 },
      preprocessing: {
        resize: "bilinear",
        fit: this.fit,
        normalization: { kind: "scale", scale: 1, offset: 0 },
      },
    });
  }

  /** Store an entry atomically: a reader sees the old entry, no entry, or the whole new one. */
  async write(sha256: string, pixels: Float32Array): Promise<void> {
    const path = this.entryPath(sha256);
    const folder = join(this.specDir, sha256.slice(0, 2));
    if (!this.madeDirs.has(folder)) {
      await mkdir(folder, { recursive: true });
      this.madeDirs.add(folder);
      await removeStaleTempFiles(folder);
    }
    const bytes = encodeCacheEntry(
      { width: this.width, height: this.height, dtype: this.dtype, sha256 },
      pixels,
    );
    const tmp = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
    try {
      await writeFile(tmp, bytes);
      await rename(tmp, path);
    } catch (err) {
      await unlink(tmp).catch(() => {});
      throw err;
    }
  }

  /** Why the stored entry for `sha256` is unusable, or null if it is fine (for diagnostics). */
  async checkEntry(sha256: string): Promise<string | null> {
    let entry: Uint8Array;
    try {
      entry = await readFile(this.entryPath(sha256));
    } catch {
      return "missing";
    }
    return checkCacheEntry(entry, { width: this.width, height: this.height, dtype: this.dtype, sha256 });
  }
}

/** Read until `target` is full or the file ends; returns the bytes read. */
async function readFully(handle: FileHandle, target: Uint8Array, position: number): Promise<number> {
  let done = 0;
  while (done < target.length) {
    const { bytesRead } = await handle.read(target, done, target.length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done;
}

/** Temp files older than this are leftovers of a crashed writer, not one still writing. */
const STALE_TEMP_MS = 60 * 60 * 1000;

/** Delete `*.tmp` files a killed process left in `folder` (once per folder per process). */
async function removeStaleTempFiles(folder: string): Promise<void> {
  const names = await readdir(folder).catch(() => [] as string[]);
  const now = Date.now();
  for (const name of names) {
    if (!name.endsWith(".tmp")) continue;
    const path = join(folder, name);
    const s = await stat(path).catch(() => null);
    if (s && now - s.mtimeMs > STALE_TEMP_MS) await unlink(path).catch(() => {});
  }
}
