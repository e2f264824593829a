// The ONE place the gallery reaches the face pipeline: decode → detect → align → embed, and the
// served face model's embedder identity. Everything else in edge/src/gallery works on embeddings,
// so a change of face pipeline only touches this file.
import {
  type DecodedImage,
  decodeImage,
  type EmbedderId,
  embedderIdOf,
  type FractionBox,
  MarqueeError,
  type ModelMetadata,
} from "@marquee/shared";
import { descriptorRecipeOf, embedFaces, findFaces, normalizeDescriptor } from "@marquee/shared/face";
import { workingPixelsFor } from "../config.ts";
import type { WorkerEnv } from "../env.ts";
import { servedFacePolicy } from "../inference/recognize-served-faces.ts";
import { decodeLimitsFor } from "../kinds/registry.ts";
import type { LoadedFaceModel } from "../model/build-face-model.ts";
import type { EdgeRuntime } from "../runtime.ts";

/** One face of a photo: where it is and its unit-length embedding. */
export interface EmbeddedFace {
  box: FractionBox;
  detectionScore: number;
  embedding: Float32Array;
}

/** A photo's faces (largest first), the photo, the embedder and where the time went. */
export interface EmbeddedPhoto {
  faces: EmbeddedFace[];
  image: { width: number; height: number; format: string };
  embedder: EmbedderId;
  timingsMs: { decode: number; embed: number };
}

/**
 * The served face model (loading it on first use). Galleries need a face model: an image
 * classifier is answered with `gallery_unavailable`.
 */
export async function faceModel(runtime: EdgeRuntime, env: WorkerEnv): Promise<LoadedFaceModel> {
  await runtime.backend();
  const loaded = await runtime.models(env).get();
  if (loaded.kind !== "face") {
    throw new MarqueeError(
      "gallery_unavailable",
      `Galleries need a face model (metadata pipeline "face"); the served model "${loaded.metadata.name}" classifies whole images.`,
    );
  }
  return loaded;
}

/**
 * The embedder of a face model's metadata: package + net name, and the package version.
 *
 * @example
 * embedderOf(metadata); // { name: "@vladmandic/face-api/face_recognition_model+dlib-chip+mirror", version: "1.7.15", dimensions: 128 }
 */
export function embedderOf(metadata: ModelMetadata): EmbedderId {
  if (!metadata.face)
    throw new MarqueeError("invalid_metadata", 'metadata.json of a "face" model has no face block');
  return embedderIdOf(metadata.face);
}

/**
 * Decode a photo and embed every face in it (at most `MAX_FACES`, largest first) with the served
 * face model, the way /predict finds faces (servedFacePolicy: no whole-image guess; tight crops
 * are found by the detector's padded pass).
 */
export async function embedPhoto(
  runtime: EdgeRuntime,
  env: WorkerEnv,
  bytes: Uint8Array,
): Promise<EmbeddedPhoto> {
  const config = runtime.config(env);
  const model = await faceModel(runtime, env);
  const t0 = performance.now();
  // Decoded to the face model's working size, as /predict does: never the full-resolution pixels.
  const decoded: DecodedImage = await decodeImage(bytes, {
    limits: decodeLimitsFor(config, "face"),
    maxPixels: workingPixelsFor(config, model.metadata),
  });
  const t1 = performance.now();
  const { image } = decoded;
  // The worker's one face rule (shared's findFaces), with the serving policy /predict uses.
  const found = await findFaces(
    model.nets,
    image,
    servedFacePolicy(model.metadata, { maxFaces: config.face.maxFaces }),
  );
  const recipe = descriptorRecipeOf(model.metadata.face);
  const descriptors = found.faces.length ? await embedFaces(model.nets, image, found.faces, recipe) : [];
  const faces: EmbeddedFace[] = found.faces.map((face, i) => ({
    box: fraction(face.box, image.width, image.height),
    detectionScore: face.score,
    embedding: normalizeDescriptor(descriptors[i] as Float32Array),
  }));
  return {
    faces,
    image: { width: decoded.original.width, height: decoded.original.height, format: decoded.header.format },
    embedder: embedderOf(model.metadata),
    timingsMs: { decode: t1 - t0, embed: performance.now() - t1 },
  };
}

function fraction(box: { left: number; top: number; width: number; height: number }, w: number, h: number) {
  return { left: box.left / w, top: box.top / h, width: box.width / w, height: box.height / h };
}
