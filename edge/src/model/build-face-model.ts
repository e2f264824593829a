import { MarqueeError, type ModelMetadata } from "@marquee/shared";
import {
  classifyFaceDescriptors,
  descriptorRecipeOf,
  embedFaces,
  FACE_DESCRIPTOR_SIZE,
  type FaceModels,
  findLandmarks,
  loadFaceModels,
  type WeightSource,
} from "@marquee/shared/face";
import type * as tfl from "@tensorflow/tfjs-layers";
import { recognizeServedFaces, type ServedFaceNets } from "../inference/recognize-served-faces.ts";
import { collectTensors } from "../tf/collect-tensors.ts";
import { type ReleaseReport, releasePackedWeights, watchWeights } from "../tf/release-packed-weights.ts";
import { faceModelOptions } from "./face-options.ts";
import { loadLayersModelLean } from "./load-layers-model.ts";
import type { ModelFiles } from "./read-model-files.ts";

/** A face-pipeline model: the pretrained face nets plus the trained head on their descriptors. */
export interface LoadedFaceModel extends ServedFaceNets {
  kind: "face";
  /** Classifies 128-d descriptors: input [n, 128], output [n, labels]. */
  head: tfl.LayersModel;
  nets: FaceModels;
  metadata: ModelMetadata;
  /** Weights whose original copy was freed after XNNPACK packed its own (see release-packed-weights.ts). */
  released: ReleaseReport;
}

/** Where a face model's pretrained weights come from, and how its nets will be run (so the warm-up runs the same kernels the requests will). */
export interface FaceNetSource {
  weights: WeightSource;
  maxFaces: number;
}

/**
 * Build a face model: the head from model.json, the pretrained detector (BlazeFace), landmark and
 * descriptor nets from `weights` (face-api's manifests and shards, `blazeface-back.json`), then one warm-up pass through each net so
 * the first request pays no kernel set-up.
 */
export async function buildFaceModel(files: ModelFiles, source: FaceNetSource): Promise<LoadedFaceModel> {
  const { weights, ...warmUp } = source;
  const options = faceModelOptions(files.metadata);
  let head: tfl.LayersModel;
  try {
    head = await loadLayersModelLean(files.artifacts);
  } catch (err) {
    throw new MarqueeError("model_unavailable", `model.json could not be loaded: ${(err as Error).message}`);
  }
  let nets: FaceModels | null = null;
  try {
    checkHeadShapes(head, files.metadata);
    nets = await loadFaceModels(weights, options);
    const weightTensors = [
      ...collectTensors([nets.detector, nets.landmarks, nets.recognition]),
      ...head.weights.map((w) => w.read()),
    ];
    watchWeights(weightTensors, { eager: true });
    // A flat 1920×1080 picture takes every detector pass: the whole image, the scaled pass (its
    // blocks) and the padded retry, and finds nothing. Then one face box through landmarks,
    // descriptor and head. Every operator gets packed here, and the heap reaches the size
    // requests need.
    const grey = { width: 1920, height: 1080, data: new Uint8Array(1920 * 1080 * 3).fill(128) };
    const warming: LoadedFaceModel = {
      kind: "face",
      head,
      nets,
      metadata: files.metadata,
      released: { released: 0, releasedBytes: 0, kept: 0 },
    };
    await recognizeServedFaces(warming, grey, { maxFacesCap: warmUp.maxFaces, topK: 1 });
    const box = { left: 800, top: 400, width: 200, height: 240 };
    const [landmarks] = await findLandmarks(nets, grey, [box]);
    const descriptors = await embedFaces(
      nets,
      grey,
      [{ box, score: 1, ...(landmarks ? { landmarks } : {}) }],
      descriptorRecipeOf(files.metadata.face),
    );
    await classifyFaceDescriptors(head, descriptors, files.metadata, { topK: 1 });
    const released = releasePackedWeights(weightTensors);
    return { ...warming, released };
  } catch (err) {
    head.dispose();
    nets?.dispose();
    throw err;
  }
}

function checkHeadShapes(head: tfl.LayersModel, metadata: ModelMetadata): void {
  if (head.inputs.length !== 1 || head.outputs.length !== 1) {
    throw new MarqueeError("invalid_metadata", "the face head must have exactly one input and one output");
  }
  const inShape = head.inputs[0]?.shape ?? [];
  if (inShape.length !== 2 || inShape[1] !== FACE_DESCRIPTOR_SIZE) {
    throw new MarqueeError(
      "invalid_metadata",
      `the face head must take [n, ${FACE_DESCRIPTOR_SIZE}] descriptors but takes [${inShape.join(", ")}]`,
    );
  }
  // N class scores, optionally followed by N centroid scores (see the shared classifyFaceHead).
  const outShape = head.outputs[0]?.shape ?? [];
  const n = metadata.labels.length;
  if (outShape.length !== 2 || (outShape[1] !== n && outShape[1] !== 2 * n)) {
    throw new MarqueeError(
      "invalid_metadata",
      `metadata.json lists ${n} labels but the face head outputs [${outShape.join(", ")}] (expected ${n} or ${2 * n} values per face)`,
    );
  }
}
