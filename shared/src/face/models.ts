import * as tf from "@tensorflow/tfjs-core";
import { type FaceLandmark68Params, faceLandmark68Params } from "./nets/face-landmark-68.ts";
import { type FaceRecognitionParams, faceRecognitionParams } from "./nets/face-recognition.ts";
import { collectTensors, disposeWeightMap } from "./nets/layers.ts";
import { type SsdMobilenetv1Params, ssdMobilenetv1Params } from "./nets/ssd-mobilenetv1.ts";
import { type TinyFaceDetectorParams, tinyFaceDetectorParams } from "./nets/tiny-face-detector.ts";
import { type FaceWeightName, loadWeightMap, type WeightSource } from "./weights.ts";

/** Which face detector to run: face-api's Tiny Face Detector (fast) or SSD MobileNetV1 (thorough). */
export type FaceDetectorKind = "tiny" | "ssd";

/** Which 68-point landmark net to run: the full one (more precise) or the tiny one (faster). */
export type LandmarkNetKind = "full" | "tiny";

/** Options for {@link loadFaceModels}. */
export interface FaceModelOptions {
  /** Default "tiny". */
  detector?: FaceDetectorKind;
  /** Default "full". */
  landmarks?: LandmarkNetKind;
}

/** The loaded face networks. Hold one per process; call `dispose()` to free the weights. */
export interface FaceModels {
  detector: { kind: "tiny"; params: TinyFaceDetectorParams } | { kind: "ssd"; params: SsdMobilenetv1Params };
  landmarks: { kind: LandmarkNetKind; params: FaceLandmark68Params };
  recognition: FaceRecognitionParams;
  /** The weight files in use, e.g. for an artefact's metadata. */
  weightFiles: FaceWeightName[];
  dispose(): void;
}

/** The weight files {@link loadFaceModels} reads for the given options (for build-time copying). */
export function faceWeightFiles(opts: FaceModelOptions = {}): FaceWeightName[] {
  return [
    opts.detector === "ssd" ? "ssd_mobilenetv1_model" : "tiny_face_detector_model",
    opts.landmarks === "tiny" ? "face_landmark_68_tiny_model" : "face_landmark_68_model",
    "face_recognition_model",
  ];
}

/**
 * Loads face-api's pretrained detector, 68-point landmark net and 128-d descriptor net through
 * `source`. Runs on whatever tfjs backend is active.
 *
 * @example
 * const models = await loadFaceModels((name) => readFile(join(modelDir, name)), { detector: "tiny" });
 */
export async function loadFaceModels(source: WeightSource, opts: FaceModelOptions = {}): Promise<FaceModels> {
  const files = faceWeightFiles(opts);
  const maps: tf.NamedTensorMap[] = [];
  const disposeAll = () => {
    for (const m of maps) disposeWeightMap(m);
  };
  try {
    for (const f of files) maps.push(await loadWeightMap(source, f));
    const [detMap, lmMap, recMap] = maps as [tf.NamedTensorMap, tf.NamedTensorMap, tf.NamedTensorMap];
    // Built in a tidy scope so that folded tensors made before a failure are freed with it.
    const nets = tf.tidy(() => {
      const detector: FaceModels["detector"] =
        opts.detector === "ssd"
          ? { kind: "ssd", params: ssdMobilenetv1Params(detMap) }
          : { kind: "tiny", params: tinyFaceDetectorParams(detMap) };
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
