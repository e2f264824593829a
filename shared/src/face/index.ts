/**
 * `@marquee/shared/face`: the face pipeline, detect → align → embed → subject rule → classify
 * (see README.md). Runs unchanged in Node and workerd.
 *
 * @module
 */
export { alignDetectedFaces, findLandmarks, wholeImageFace } from "./align.ts";
export {
  classifyFaceDescriptors,
  classifyFaceHead,
  type FaceClassification,
  type FaceHeadMetadata,
  type FaceHeadModel,
  normalizeDescriptor,
  UNKNOWN_FACE_LABEL,
} from "./classify.ts";
export {
  DEFAULT_MAX_FACES,
  type DetectedFace,
  type DetectorOptions,
  detectFaceBoxes,
  type FaceBoxes,
} from "./detect.ts";
export { euclideanDistance } from "./distance.ts";
export { embedFaces, embedWholeImageAsFace, FACE_DESCRIPTOR_SIZE } from "./embed.ts";
export {
  type DetectFacesOptions,
  detectFaces,
  embedSubjectFace,
  type FaceSource,
  type FoundFaces,
  findFaces,
  isNearSquare,
  type SubjectFace,
} from "./find-faces.ts";
export type { FaceBox, Point } from "./geometry.ts";
export {
  type FaceDetectorKind,
  type FaceModelOptions,
  type FaceModels,
  faceWeightFiles,
  type LandmarkNetKind,
  loadFaceModels,
} from "./models.ts";
export {
  DEFAULT_MIN_DETECTION_SCORE,
  type FacePolicy,
  SERVING_DETECTOR_POLICY,
  type ServingDetectorPolicy,
  servingFacePolicy,
} from "./policy.ts";
export {
  type FaceRecognition,
  type RecognizedFace,
  type RecognizeFacesOptions,
  recognizeFaces,
} from "./recognize.ts";
export { type ScoredBox, SUBJECT_SCORE_RATIO, subjectFaceIndex } from "./subject.ts";
export {
  type FaceWeightName,
  type Fetcher,
  fetchWeightSource,
  loadWeightMap,
  type WeightSource,
} from "./weights.ts";
