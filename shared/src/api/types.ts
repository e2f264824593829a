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
  /**
   * Euclidean distance from the face's unit-length descriptor to its best class' centroid (what the
   * `distance` open-set rule compares with the threshold); null when the model has no centroids.
   */
  distance?: number | null;
  /** Top-k classes for this face, highest first (never contains `"unknown"`). */
  predictions: PredictionEntry[];
}

/**
 * The open-set rule a face answer used: a face is `"unknown"` when its distance to the best class'
 * centroid is above `threshold` (`rule: "distance"`, 0..2) or its best probability is below it
 * (`rule: "probability"`, 0..1). The model's own threshold unless the request's `?threshold=` set one.
 */
export interface OpenSetRule {
  rule: "distance" | "probability";
  threshold: number;
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
   * Face models: the top-k of the best ACCEPTED face — the subject rule (`subjectFaceIndex`: the
   * largest face among those detected with ≥ 0.8 of the best detection score) over the faces the
   * open-set rule did not call `"unknown"`; empty when no face is accepted (no face found, or every
   * face a stranger), so a client reading only this field never sees a stranger named.
   */
  predictions: PredictionEntry[];
  model: { name: string; version: string; pipeline: ModelMetadata["pipeline"] };
  /** The decoded (upright) image. */
  image: { width: number; height: number; format: ImageFormat };
  timingsMs: PredictTimings;
  /** Face models only: one entry per detected face, largest first, at most `?max_faces=` (1..100, default 100). */
  faces?: FacePrediction[];
  /** Face models only: more faces were found than `faces` holds (the smallest were left out). */
  truncated?: boolean;
  /** Face models only: the open-set rule and threshold this answer used. */
  openSet?: OpenSetRule;
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
