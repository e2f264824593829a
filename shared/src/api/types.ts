// The edge worker's HTTP API as types, defined once: the worker answers with them, and the page,
// the tests and the trainer's `pnpm predict --json` read or write the same shapes.
import type { ModelMetadata } from "../artifact/metadata.ts";
import type { ErrorCode } from "../errors.ts";
import type { ImageFormat } from "../image/types.ts";

/** One label and its probability (0–1). */
export interface PredictionEntry {
  label: string;
  score: number;
}

/** A rectangle as fractions (0–1) of the upright image's width and height. */
export interface FractionBox {
  left: number;
  top: number;
  width: number;
  height: number;
}

/** One detected face of a `pipeline: "face"` model's answer. */
export interface FacePrediction {
  /** Where the face is, as fractions of the image. */
  box: FractionBox;
  /** The face detector's confidence, 0–1. */
  detectionScore: number;
  /** The best class, or `"unknown"` when the model's rejection rule refuses every class. */
  label: string;
  /** The best class' probability (also when `label` is `"unknown"`). */
  score: number;
  /** Top-k classes for this face, highest first (never contains `"unknown"`). */
  predictions: PredictionEntry[];
}

/** Milliseconds per stage, as the runtime's clock reports them (workerd's clock only advances on I/O). */
export interface PredictTimings {
  decode: number;
  /** Image models: crop, resize, normalise. Face models: 0 (sampling is part of each net's step). */
  preprocess: number;
  /** Image models: the network. Face models: detect, align, embed and classify every face. */
  inference: number;
  total: number;
}

/** 200 response of `POST /predict`. */
export interface PredictResponse {
  /**
   * Highest score first; scores are a softmax over all classes (they sum to 1 over every label).
   * Face models: the top-k of the photo's subject (the largest clearly detected face, see
   * `subjectFaceIndex`); empty when no face was found.
   */
  predictions: PredictionEntry[];
  model: { name: string; version: string; pipeline: ModelMetadata["pipeline"] };
  /** The decoded (upright) image. */
  image: { width: number; height: number; format: ImageFormat };
  timingsMs: PredictTimings;
  /** Face models only: one entry per detected face, largest first. */
  faces?: FacePrediction[];
  /** Face models only: a human sentence when no face was found. */
  message?: string;
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
