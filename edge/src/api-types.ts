// The worker's HTTP API, as types. Clients (the page, tests) import these so both sides agree.
import type { ErrorCode, ImageFormat, ModelMetadata } from "@marquee/shared";

/** One label and its probability (0–1). */
export interface PredictionEntry {
  label: string;
  score: number;
}

/** 200 response of `POST /predict`. */
export interface PredictResponse {
  /** Highest score first; scores are a softmax over all classes (they sum to 1 over every label). */
  predictions: PredictionEntry[];
  model: { name: string; version: string; pipeline: ModelMetadata["pipeline"] };
  /** The decoded (upright) image. */
  image: { width: number; height: number; format: ImageFormat };
  /** Milliseconds per stage, as the runtime's clock reports them (workerd's clock only advances on I/O). */
  timingsMs: { decode: number; preprocess: number; inference: number; total: number };
}

/** Response of `GET /health`: 200 when the model is loaded, 503 otherwise. */
export interface HealthResponse {
  ok: boolean;
  model: { loaded: boolean; error?: { code: string; message: string } };
  backend: string;
  simd: boolean;
  /** Live tfjs tensors; flat across requests when nothing leaks. */
  tensors: number;
  /** Size of the wasm linear memory in bytes (it grows and never shrinks). */
  wasmMemoryBytes: number;
  /** What /predict accepts, so a client can shrink a photo before uploading it. */
  limits: { maxBytes: number; maxMegapixels: number };
}

/** Response of `GET /model`: metadata.json as validated, without any weights. */
export type ModelResponse = ModelMetadata;

/** Body of every error response. */
export interface ErrorResponse {
  error: { code: ErrorCode; message: string };
}
