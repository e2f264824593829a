import { type FaceSettings, MarqueeError, type ModelMetadata } from "@marquee/shared";
import {
  FACE_DESCRIPTOR_SIZE,
  type FaceModelOptions,
  type FaceWeightName,
  faceWeightFiles,
} from "@marquee/shared/face";

/** Folder, inside the served model's assets folder, that holds the pretrained face weights. */
export const FACE_WEIGHTS_FOLDER = "face-weights";

/**
 * Which pretrained face nets a face model's metadata names, as `loadFaceModels` options. Accepts
 * the weight-file names the trainer records (`tiny_face_detector_model`, …) with or without the
 * `_model` suffix. The SSD detector is refused: its ~200 MiB of wasm heap cannot fit an isolate.
 *
 * @example
 * faceModelOptions(metadata); // { detector: "tiny", landmarks: "full" }
 */
export function faceModelOptions(metadata: ModelMetadata): Required<FaceModelOptions> {
  const face = requireFaceSettings(metadata);
  const detector = partName(face.detector.name);
  if (detector === "ssd_mobilenetv1") {
    throw new MarqueeError(
      "model_unavailable",
      "the model uses the SSD face detector, which needs ~200 MiB of wasm memory; the edge (128 MB per isolate) serves tiny_face_detector models only",
    );
  }
  if (detector !== "tiny_face_detector") {
    throw new MarqueeError(
      "invalid_metadata",
      `metadata.json names an unknown face detector "${face.detector.name}"`,
    );
  }
  const landmarks = partName(face.landmarks?.name ?? "face_landmark_68");
  if (landmarks !== "face_landmark_68" && landmarks !== "face_landmark_68_tiny") {
    throw new MarqueeError(
      "invalid_metadata",
      `metadata.json names an unknown landmark net "${face.landmarks?.name}"`,
    );
  }
  if (partName(face.embedder.name) !== "face_recognition") {
    throw new MarqueeError(
      "invalid_metadata",
      `metadata.json names an unknown face embedder "${face.embedder.name}"`,
    );
  }
  if (face.embeddingSize !== FACE_DESCRIPTOR_SIZE) {
    throw new MarqueeError(
      "invalid_metadata",
      `metadata.json says face embeddings have ${face.embeddingSize} values; the embedder makes ${FACE_DESCRIPTOR_SIZE}`,
    );
  }
  return { detector: "tiny", landmarks: landmarks === "face_landmark_68_tiny" ? "tiny" : "full" };
}

/**
 * Every file (manifests and shards' manifest names) a face model needs from face-api's model
 * folder: `<name>-weights_manifest.json` per part; the shards are listed inside the manifests.
 */
export function faceWeightNames(metadata: ModelMetadata): FaceWeightName[] {
  return faceWeightFiles(faceModelOptions(metadata));
}

/** The `face` block of a face model's metadata; schema validation already requires it. */
export function requireFaceSettings(metadata: ModelMetadata): FaceSettings {
  if (!metadata.face)
    throw new MarqueeError("invalid_metadata", 'metadata.json of a "face" model has no face block');
  return metadata.face;
}

function partName(name: string): string {
  return name
    .replace(/-weights_manifest\.json$/, "")
    .replace(/^.*\//, "")
    .replace(/_model$/, "");
}
