// The worker's HTTP API types live in @marquee/shared (shared/src/api/types.ts) so the page, the
// tests and the trainer use the same definitions; re-exported here for existing imports.
export type {
  ErrorResponse,
  FacePrediction,
  FractionBox,
  HealthResponse,
  ModelResponse,
  PredictionEntry,
  PredictResponse,
  PredictTimings,
} from "@marquee/shared";
