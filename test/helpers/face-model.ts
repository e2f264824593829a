// The face fixture model (test/fixtures/make-face-model.ts), generated once per change of its
// inputs and shared by every test file through a lock directory, like the worker builds.
import { createHash } from "node:crypto";
import { mkdir, readdir, readFile, rm, stat } from "node:fs/promises";
import { join, resolve } from "node:path";
import { type FaceGallery, makeFaceModel } from "../fixtures/make-face-model.ts";
import { CACHE_DIR, REPO_DIR } from "./paths.ts";

const INPUTS = ["test/fixtures/make-face-model.ts", "shared/src/face", "shared/src/image"];

/** The generated face model folder and the gallery it was made from. */
export interface FaceFixture {
  modelDir: string;
  gallery: FaceGallery;
}

/** Generate (or reuse) the face fixture model. Takes ~5–10 s the first time. */
export async function ensureFaceModel(): Promise<FaceFixture> {
  const hash = createHash("sha256");
  for (const input of INPUTS) {
    const path = resolve(REPO_DIR, input);
    const files = (await stat(path)).isDirectory()
      ? (await readdir(path, { recursive: true, withFileTypes: true }))
          .filter((e) => e.isFile())
          .map((e) => join(e.parentPath, e.name))
          .sort()
      : [path];
    for (const file of files) hash.update(file).update(await readFile(file));
  }
  const modelDir = join(CACHE_DIR, `face-model-${hash.digest("hex").slice(0, 16)}`);
  const galleryFile = join(modelDir, "gallery.json");
  await mkdir(CACHE_DIR, { recursive: true });
  const lock = join(CACHE_DIR, "face-model.lock");
  for (;;) {
    try {
      await mkdir(lock);
      break;
    } catch {
      const age = await stat(lock).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (age > 5 * 60_000) await rm(lock, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  try {
    const existing = await readFile(galleryFile, "utf8").catch(() => null);
    if (existing) return { modelDir, gallery: JSON.parse(existing) as FaceGallery };
    await rm(modelDir, { recursive: true, force: true });
    const gallery = await makeFaceModel(modelDir);
    return { modelDir, gallery };
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}
