import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository root. */
export const REPO_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
/** Scratch space for built bundles and generated models (gitignored). */
export const CACHE_DIR = join(REPO_DIR, "test", ".cache");
