/**
 * `@marquee/shared/face`: the face pipeline, detect → align → embed → subject rule → classify
 * (see README.md). Runs unchanged in Node and workerd.
 *
 * @module
 */
export { alignDetectedFaces, findLandmarks, wholeImageFace } from "./align.ts";
export {
  type BlazeFaceBox,
  blazeFaceRegion,
  blazeFaceTiled,
  type FeatureMap,
  runSegmentTiled,
  scaledPassInputSize,
} from "./blazeface-detect.ts";
export { DLIB_CHIP_PADDING, faceChipTransform, sampleFaceChip, similarityTransform } from "./chip.ts";
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
export {
  averageDescriptors,
  DEFAULT_DESCRIPTOR_RECIPE,
  type DescriptorRecipe,
  describeFaces,
  descriptorRecipeOf,
  embedFaces,
  embedWholeImageAsFace,
  FACE_DESCRIPTOR_SIZE,
  LEGACY_DESCRIPTOR_RECIPE,
} from "./embed.ts";
export { embedFaceres, FACERES_CROP_SCALE, faceresSquare } from "./faceres-embed.ts";
export {
  type DetectFacesOptions,
  detectFaces,
  embedSubjectFace,
  type FaceSource,
  type FoundFace,
  type FoundFaces,
  faceSource,
  findFaces,
  mergeCandidates,
  type SubjectFace,
  scaledPassScale,
  tileRegions,
} from "./find-faces.ts";
export type { FaceBox, Point } from "./geometry.ts";
export { type LoadedNet, loadBlazeFace, loadFaceres } from "./human-models.ts";
export { type HumanModelName, loadHumanWeightMap } from "./human-weights.ts";
export {
  type FaceDetectorKind,
  type FaceModelOptions,
  type FaceModels,
  faceWeightFiles,
  type LandmarkNetKind,
  loadFaceModels,
  type PretrainedWeightName,
  weightManifestFile,
} from "./models.ts";
export {
  BLAZEFACE_INPUT_SIZE,
  BLAZEFACE_SEGMENTS,
  type BlazeFaceParams,
  blazeFaceForward,
} from "./nets/blazeface.ts";
export { FACERES_DESCRIPTOR_SIZE, FACERES_INPUT_SIZE, type FaceresParams } from "./nets/faceres.ts";
export {
  DEFAULT_FACE_POLICY,
  DEFAULT_MIN_DETECTION_SCORE,
  type FacePolicy,
  MAX_FACES_LIMIT,
  servingFacePolicy,
} from "./policy.ts";
export {
  type FaceRecognition,
  MIRROR_PASS_BAND,
  type RecognizedFace,
  type RecognizeFacesOptions,
  recognizeFaces,
  topLevelFaceIndex,
} from "./recognize.ts";
export { type ScoredBox, SUBJECT_SCORE_RATIO, subjectFaceIndex } from "./subject.ts";
export {
  type FaceWeightName,
  type Fetcher,
  fetchWeightSource,
  loadWeightMap,
  type WeightSource,
} from "./weights.ts";
