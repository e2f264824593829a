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
  type FaceRecognition,
  type RecognizedFace,
  type RecognizeOptions,
  recognizeFaces,
} from "./recognize.ts";
export {
  SERVING_DETECTOR_POLICY,
  type ServingDetectorOptions,
  type ServingDetectorPolicy,
  servingDetectorOptions,
} from "./serving-options.ts";
export { type ScoredBox, SUBJECT_SCORE_RATIO, subjectFaceIndex } from "./subject.ts";
