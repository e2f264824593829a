import { randomBytes } from "node:crypto";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { PerceptualHashes } from "./duplicates.ts";
import { PERCEPTUAL_HASH_VERSION } from "./perceptual-hash.ts";

/**
 * Perceptual hashes by content sha256, kept in one JSON file in the cache folder so a
 * re-run finds duplicates without decoding any photo again. Size-independent, so one store
 * serves every image size. Saved atomically; a damaged file is simply ignored and rebuilt.
 */
export class HashStore {
  readonly path: string;
  private readonly hashes = new Map<string, PerceptualHashes>();
  private dirty = false;

  constructor(cacheDir: string) {
    this.path = join(cacheDir, `perceptual-hashes-v${PERCEPTUAL_HASH_VERSION}.json`);
  }

  /** Load the saved hashes; missing or unreadable files leave the store empty. */
  async load(): Promise<this> {
    try {
      const json = JSON.parse(await readFile(this.path, "utf8")) as Record<string, unknown>;
      for (const [sha, value] of Object.entries(json)) {
        const v = value as Partial<PerceptualHashes>;
        if (typeof v?.dct === "string" && typeof v.difference === "string") {
          this.hashes.set(sha, { dct: v.dct, difference: v.difference });
        }
      }
    } catch {
      // First run, or a damaged file: recompute.
    }
    return this;
  }

  get(sha256: string): PerceptualHashes | undefined {
    return this.hashes.get(sha256);
  }

  set(sha256: string, hashes: PerceptualHashes): void {
    this.hashes.set(sha256, hashes);
    this.dirty = true;
  }

  /** Write the store if anything changed. */
  async save(): Promise<void> {
    if (!this.dirty) return;
    await mkdir(dirname(this.path), { recursive: true });
    const tmp = `${this.path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
    await writeFile(tmp, JSON.stringify(Object.fromEntries(this.hashes)));
    await rename(tmp, this.path);
    this.dirty = false;
  }
}
