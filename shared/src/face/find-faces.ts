// The subject rule, written once: detect with retries, pick the subject, else take a near-square
// photo whole. Training, `pnpm predict`/`evaluate` and the worker all come through here.
import type { RgbImage } from "../image/types.ts";
import { alignDetectedFaces, wholeImageFace } from "./align.ts";
import { type DetectedFace, type DetectorOptions, detectFaceBoxes } from "./detect.ts";
import { embedFaces } from "./embed.ts";
import type { FaceModels } from "./models.ts";
import type { FacePolicy } from "./policy.ts";
import { subjectFaceIndex } from "./subject.ts";

/** Options for {@link detectFaces}. */
export interface DetectFacesOptions extends DetectorOptions {
  /** Also compute 68 landmarks per face. Default true. */
  landmarks?: boolean;
}

/**
 * Finds faces in an image, largest first, with 68 landmarks each unless `landmarks: false`: one
 * detector pass ({@link detectFaceBoxes}) then alignment ({@link alignDetectedFaces}).
 *
 * @example
 * const faces = await detectFaces(models, decoded.image);
 * faces[0]?.box; // { left, top, width, height } in pixels
 */
export async function detectFaces(
  models: FaceModels,
  image: RgbImage,
  opts: DetectFacesOptions = {},
): Promise<DetectedFace[]> {
  return alignDetectedFaces(models, await detectFaceBoxes(models, image, opts), opts.landmarks !== false);
}

/** Where a photo's faces came from: the detector, or the whole photo taken as a face crop. */
export type FaceSource = "detected" | "whole-image";

/** The faces of a photo under a {@link FacePolicy}. */
export interface FoundFaces {
  /** Largest first, with landmarks; empty when there is no face. */
  faces: DetectedFace[];
  /** "none" when `faces` is empty. */
  source: FaceSource | "none";
  /** Index into `faces` of the photo's subject (see subjectFaceIndex); -1 when there is no face. */
  subject: number;
}

/**
 * Whether a photo is near-square enough (aspect 3:4..4:3) to be taken whole as a tight face crop.
 *
 * @example
 * isNearSquare(112, 112); // true
 * isNearSquare(1600, 900); // false
 */
export function isNearSquare(width: number, height: number): boolean {
  const aspect = width / height;
  return aspect >= 0.75 && aspect <= 4 / 3;
}

/**
 * The faces of a photo: the detector at `policy.inputSize`, then at each retry size while nothing
 * is found; when no pass finds a face and the photo is near-square, the whole photo as one face
 * (if `policy.wholeImageFallback`). `subject` picks the photo's subject.
 *
 * @example
 * const { faces, subject, source } = await findFaces(models, image, servingFacePolicy());
 */
export async function findFaces(
  models: FaceModels,
  image: RgbImage,
  policy: FacePolicy,
): Promise<FoundFaces> {
  for (const inputSize of [policy.inputSize, ...policy.retryInputSizes]) {
    const faces = await detectFaces(models, image, {
      inputSize,
      minScore: policy.minScore,
      maxFaces: policy.maxFaces,
    });
    if (faces.length) return { faces, source: "detected", subject: subjectFaceIndex(faces) };
  }
  if (!policy.wholeImageFallback || !isNearSquare(image.width, image.height)) {
    return { faces: [], source: "none", subject: -1 };
  }
  return { faces: [await wholeImageFace(models, image)], source: "whole-image", subject: 0 };
}

/** A photo's subject face and its descriptor. */
export interface SubjectFace {
  descriptor: Float32Array;
  face: DetectedFace;
  source: FaceSource;
}

/**
 * The descriptor of a photo's subject face under `policy` ({@link findFaces}), or null when there
 * is no face. The trainer labels a photo by this face.
 *
 * @example
 * const subject = await embedSubjectFace(models, image, policy);
 * subject?.descriptor; // Float32Array(128)
 */
export async function embedSubjectFace(
  models: FaceModels,
  image: RgbImage,
  policy: FacePolicy,
): Promise<SubjectFace | null> {
  const found = await findFaces(models, image, policy);
  const face = found.faces[found.subject];
  if (!face || found.source === "none") return null;
  const [descriptor] = (await embedFaces(models, image, [face])) as [Float32Array];
  return { descriptor, face, source: found.source };
}
