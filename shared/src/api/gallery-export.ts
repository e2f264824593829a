// The gallery export document (`GET /galleries/{g}/export`, `POST …/import`, `pnpm gallery`):
// embeddings as base64 of little-endian float32, so an export round-trips bit for bit and a
// 128-d face costs 684 characters instead of ~1.3 kB of decimal text.
import { z } from "zod";
import type { FaceSettings } from "../artifact/metadata.ts";
import { MarqueeError } from "../errors.ts";
import type { EmbedderId } from "./gallery-types.ts";

/** `format` of every gallery export. */
export const GALLERY_EXPORT_FORMAT = "marquee-gallery";
/** Version of the export document; bumped when its shape changes. */
export const GALLERY_EXPORT_VERSION = 1;

/** One face of an export: the embedding only (galleries never hold photos). */
export interface ExportedFace {
  /** base64 of `dimensions` little-endian float32 values. */
  embedding: string;
  /** Where the face was in its photo, if known. */
  box?: { left: number; top: number; width: number; height: number };
  createdAt?: string;
}

/** A gallery as JSON. */
export interface GalleryExport {
  format: typeof GALLERY_EXPORT_FORMAT;
  formatVersion: typeof GALLERY_EXPORT_VERSION;
  gallery: string;
  exportedAt: string;
  embedder: EmbedderId;
  people: { person: string; faces: ExportedFace[] }[];
}

const box = z.object({ left: z.number(), top: z.number(), width: z.number(), height: z.number() });
const exportSchema = z.object({
  format: z.literal(GALLERY_EXPORT_FORMAT),
  formatVersion: z.literal(GALLERY_EXPORT_VERSION),
  gallery: z.string().optional(),
  exportedAt: z.string().optional(),
  embedder: z.object({
    name: z.string().min(1),
    version: z.string().min(1),
    dimensions: z.number().int().positive(),
  }),
  people: z.array(
    z.object({
      person: z.string(),
      faces: z.array(
        z.object({ embedding: z.string(), box: box.optional(), createdAt: z.string().optional() }),
      ),
    }),
  ),
});

/**
 * Encode an embedding as base64 of little-endian float32.
 *
 * @example
 * encodeEmbedding(new Float32Array([1, 0])); // "AACAPwAAAAA="
 */
export function encodeEmbedding(values: Float32Array): string {
  const bytes = new Uint8Array(values.length * 4);
  const view = new DataView(bytes.buffer);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i] as number, true);
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x2000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x2000));
  }
  return btoa(binary);
}

/**
 * Decode {@link encodeEmbedding}'s text; throws a `bad_request` MarqueeError unless it holds
 * exactly `dimensions` finite values.
 */
export function decodeEmbedding(text: string, dimensions: number, where = "embedding"): Float32Array {
  let binary: string;
  try {
    binary = atob(text);
  } catch {
    throw new MarqueeError("bad_request", `${where} is not base64.`);
  }
  if (binary.length !== dimensions * 4) {
    throw new MarqueeError(
      "bad_request",
      `${where} holds ${binary.length} bytes; ${dimensions} float32 values take ${dimensions * 4}.`,
    );
  }
  const view = new DataView(new ArrayBuffer(binary.length));
  for (let i = 0; i < binary.length; i++) view.setUint8(i, binary.charCodeAt(i));
  const out = new Float32Array(dimensions);
  for (let i = 0; i < dimensions; i++) {
    const v = view.getFloat32(i * 4, true);
    if (!Number.isFinite(v))
      throw new MarqueeError("bad_request", `${where} has a value that is not finite.`);
    out[i] = v;
  }
  return out;
}

/**
 * Parse and validate an export document (the shape; names and embedder are checked by the
 * importer). Throws a `bad_request` MarqueeError naming the first problem.
 */
export function parseGalleryExport(value: unknown): GalleryExport {
  const parsed = exportSchema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = issue?.path.join(".") || "(document)";
    throw new MarqueeError(
      "bad_request",
      `The gallery export is not valid at ${path}: ${issue?.message ?? "invalid"}. Expected the JSON of GET /galleries/{gallery}/export.`,
    );
  }
  return {
    gallery: "",
    exportedAt: "",
    ...parsed.data,
  } as GalleryExport;
}

/**
 * The embedder a face model's metadata names: package + net name, and the package version. The
 * worker stamps every gallery embedding with it; `pnpm gallery seed` stamps the model's centroids.
 *
 * @example
 * embedderIdOf(metadata.face); // { name: "@vladmandic/face-api/face_recognition_model+dlib-chip+mirror", version: "1.7.15", dimensions: 128 }
 */
export function embedderIdOf(face: FaceSettings): EmbedderId {
  const net = face.embedder.name.replace(/-weights_manifest\.json$/, "").replace(/^.*\//, "");
  // The crop is part of what an embedding means: the same net on another crop gives other vectors.
  const recipe = face.descriptor;
  const crop =
    recipe && recipe.crop !== "aligned-square" ? `+${recipe.crop}${recipe.mirror ? "+mirror" : ""}` : "";
  return {
    name: `${face.embedder.package}/${net}${crop}`,
    version: face.embedder.version,
    dimensions: face.embeddingSize,
  };
}
