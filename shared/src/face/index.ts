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
  type FaceWeightName,
  type Fetcher,
  fetchWeightSource,
  loadWeightMap,
  type WeightSource,
} from "./weights.ts";
