// The face fixture model (test/fixtures/make-face-model.ts), generated once per change of its
// inputs and shared by every test file through a lock directory, like the worker builds.
import { readFile, rm } from "node:fs/promises";
import { join } from "node:path";
import { type FaceGallery, makeFaceModel } from "../fixtures/make-face-model.ts";
import { hashSources, withCacheLock } from "./cache.ts";
import { CACHE_DIR } from "./paths.ts";

const INPUTS = ["test/fixtures/make-face-model.ts", "shared/src/face", "shared/src/image"];

/** The generated face model folder and the gallery it was made from. */
export interface FaceFixture {
  modelDir: string;
  gallery: FaceGallery;
}

/** Generate (or reuse) the face fixture model. Takes ~5–10 s the first time. */
export async function ensureFaceModel(): Promise<FaceFixture> {
  const modelDir = join(CACHE_DIR, `face-model-${await hashSources(INPUTS)}`);
  const galleryFile = join(modelDir, "gallery.json");
  return withCacheLock("face-model", async () => {
    const existing = await readFile(galleryFile, "utf8").catch(() => null);
    if (existing) return { modelDir, gallery: JSON.parse(existing) as FaceGallery };
    await rm(modelDir, { recursive: true, force: true });
    const gallery = await makeFaceModel(modelDir);
    return { modelDir, gallery };
  });
}
