import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { FaceSettings } from "@marquee/shared";
import {
  FACE_DESCRIPTOR_SIZE,
  type FaceModels,
  faceWeightFiles,
  loadFaceModels,
  SERVING_DETECTOR_POLICY,
  type ServingDetectorPolicy,
} from "@marquee/shared/face";
import { faceApiDir, nodeFaceWeightSource } from "@marquee/shared/node";

/** How photos become descriptors: which pretrained nets, with which options. */
export interface FacePipelineConfig {
  detector: "tiny" | "ssd";
  /** Tiny detector input side (multiple of 32). */
  inputSize: number;
  landmarks: "full" | "tiny";
  /** Faces scoring at or below this are ignored. */
  minDetectionScore: number;
  /** Detector input sizes tried, in order, when the first finds no face (before the whole-image fallback). */
  retryInputSizes: number[];
  /** Treat a near-square photo without a detected face as a tight face crop. */
  wholeImageFallback: boolean;
  /** Which face of a photo is its subject; see shared's subjectFaceIndex. */
  subjectRule: "largest-confident-0.8";
  /**
   * Set: find faces as the deployed worker does (shared's servingFacePolicy with this policy: the
   * detector at `inputSize`, no retries, at most `maxFaces`), ignoring `inputSize` and
   * `retryInputSizes`. `pnpm evaluate` sets it; training leaves it unset.
   */
  serving?: ServingDetectorPolicy;
}

/** The trainer's default pipeline; the edge must run the same one (it is recorded in metadata). */
export const DEFAULT_FACE_PIPELINE: Readonly<FacePipelineConfig> = Object.freeze({
  detector: "tiny",
  inputSize: 416,
  landmarks: "full",
  minDetectionScore: 0.5,
  retryInputSizes: [320, 512],
  wholeImageFallback: true,
  subjectRule: "largest-confident-0.8",
}) as Readonly<FacePipelineConfig>;

const sharedEntry = createRequire(import.meta.url).resolve("@marquee/shared");

/** face-api's package name, version and licence, read from its package.json. */
export function faceApiPackage(): { name: string; version: string; license: string } {
  const pkg = JSON.parse(readFileSync(join(faceApiDir(), "package.json"), "utf8")) as {
    name: string;
    version: string;
    license: string;
  };
  return { name: pkg.name, version: pkg.version, license: pkg.license };
}

/** Loads the pretrained nets of `config` on the active tfjs backend. */
export function loadPipelineModels(config: FacePipelineConfig): Promise<FaceModels> {
  return loadFaceModels(nodeFaceWeightSource(), { detector: config.detector, landmarks: config.landmarks });
}

/**
 * sha256 of shared's face code (nets, detection, alignment, resampling). Any change to it can move
 * descriptors, so it is part of the embedding cache key: stale descriptors are never reused.
 */
function faceCodeHash(): string {
  const root = join(dirname(sharedEntry), "face");
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".ts") && !e.name.endsWith(".test.ts") && e.name !== "test-support.ts")
        files.push(p);
    }
  };
  walk(root);
  files.sort();
  const h = createHash("sha256");
  for (const f of files) h.update(f.slice(root.length)).update("\0").update(readFileSync(f)).update("\0");
  return h.digest("hex");
}

/** Everything that determines a photo's descriptor; its hash keys the embedding cache. */
export interface FacePipelineVersion {
  package: string;
  packageVersion: string;
  weights: string[];
  config: FacePipelineConfig;
  descriptorSize: number;
  codeSha256: string;
}

/** The version record of `config` (reads face-api's package.json and hashes shared's face code). */
export function facePipelineVersion(config: FacePipelineConfig = DEFAULT_FACE_PIPELINE): FacePipelineVersion {
  const pkg = faceApiPackage();
  return {
    package: pkg.name,
    packageVersion: pkg.version,
    weights: faceWeightFiles({ detector: config.detector, landmarks: config.landmarks }),
    config: { ...config },
    descriptorSize: FACE_DESCRIPTOR_SIZE,
    codeSha256: faceCodeHash(),
  };
}

/** A short stable key of a pipeline version (first 16 hex digits of its sha256). */
export function pipelineKey(version: FacePipelineVersion): string {
  return createHash("sha256").update(JSON.stringify(version)).digest("hex").slice(0, 16);
}

/**
 * metadata.json's `face` block, minus the rejection rule: the pretrained parts with package,
 * version, path and licence.
 */
export function faceSettingsFor(config: FacePipelineConfig): Omit<FaceSettings, "rejection"> {
  const pkg = faceApiPackage();
  const [detector, landmarks, embedder] = faceWeightFiles({
    detector: config.detector,
    landmarks: config.landmarks,
  }) as [string, string, string];
  // face-api's MIT licence covers the package; the descriptor net is dlib's model (see README).
  const part = (name: string, license = pkg.license) => ({
    name,
    package: pkg.name,
    version: pkg.version,
    path: `model/${name}-weights_manifest.json`,
    license,
  });
  return {
    detector: part(detector),
    landmarks: part(landmarks),
    embedder: part(
      embedder,
      `${pkg.license} (face-api.js port of dlib_face_recognition_resnet_model_v1, dlib-models: free use)`,
    ),
    embeddingSize: FACE_DESCRIPTOR_SIZE,
    minDetectionScore: config.minDetectionScore,
  };
}

/**
 * The pipeline a face model was trained with, as far as metadata.json records it (detector and
 * landmark net by weight name, minimum detection score); the rest is the trainer's default.
 */
export function pipelineFromMetadata(face: FaceSettings): FacePipelineConfig {
  return {
    ...DEFAULT_FACE_PIPELINE,
    detector: face.detector.name.startsWith("ssd") ? "ssd" : "tiny",
    landmarks: face.landmarks?.name.includes("tiny") ? "tiny" : "full",
    minDetectionScore: face.minDetectionScore,
  };
}

/**
 * The pipeline `pnpm predict` and `pnpm evaluate` run for a face model: the model's own nets and
 * minimum score, with the worker's serving detector policy, so they answer what the worker answers.
 *
 * @example
 * servingPipelineFromMetadata(meta.face).serving; // { inputSize: 320, maxFaces: 10 }
 */
export function servingPipelineFromMetadata(face: FaceSettings): FacePipelineConfig {
  return { ...pipelineFromMetadata(face), serving: { ...SERVING_DETECTOR_POLICY } };
}

/** How the detector is sized under `config`, for log lines ("tiny detector @416, retries 320/512"). */
export function describeDetectorSizes(config: FacePipelineConfig): string {
  if (config.serving) {
    const p = config.serving;
    return `${config.detector} detector @${p.inputSize}, no retries (serving)`;
  }
  const retries = config.retryInputSizes.length ? `, retries ${config.retryInputSizes.join("/")}` : "";
  return `${config.detector} detector @${config.inputSize}${retries}`;
}
