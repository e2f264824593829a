export { type BlazeFaceBox, blazeFaceRegion } from "./blazeface-detect.ts";
export { type DetectedFace, type DetectFacesOptions, detectFaces, detectLandmarks } from "./detect.ts";
export { euclideanDistance, type FaceMatch, FaceMatcher, type LabeledDescriptors } from "./distance.ts";
export {
  type EmbedLargestFaceOptions,
  embedFaces,
  embedLargestFace,
  embedWholeImageAsFace,
  FACE_DESCRIPTOR_SIZE,
  type FaceSource,
} from "./embed.ts";
export { embedFaceres, FACERES_CROP_SCALE, faceresSquare } from "./faceres-embed.ts";
export {
  type FindFacesV2Options,
  type FoundFace,
  type FoundFaces,
  findFacesV2,
  mergeCandidates,
  tileRegions,
  type V2Detector,
} from "./find-faces-v2.ts";
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
} from "./models.ts";
export { BLAZEFACE_INPUT_SIZE, type BlazeFaceParams } from "./nets/blazeface.ts";
export { FACERES_DESCRIPTOR_SIZE, FACERES_INPUT_SIZE, type FaceresParams } from "./nets/faceres.ts";
export {
  type FaceWeightName,
  type Fetcher,
  fetchWeightSource,
  loadWeightMap,
  type WeightSource,
} from "./weights.ts";
