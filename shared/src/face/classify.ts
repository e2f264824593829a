import * as tf from "@tensorflow/tfjs-core";
import type { ModelMetadata } from "../artifact/metadata.ts";
import { MarqueeError } from "../errors.ts";

/** The label a face model gives a face that matches none of its classes. */
export const UNKNOWN_FACE_LABEL = "unknown";

/** What {@link classifyFaceHead} needs from metadata.json. */
export type FaceHeadMetadata = Pick<ModelMetadata, "labels" | "output" | "face">;

/** A face's classification under the model's open-set rule. */
export interface FaceClassification {
  /** A class, or {@link UNKNOWN_FACE_LABEL} when the rejection rule refuses the best match. */
  label: string;
  /** Probability of the best-matching class (also when `label` is unknown). */
  score: number;
  /** The class the head prefers, before the rejection rule. */
  bestMatch: string;
  /** Euclidean distance from the (unit-length) descriptor to that class' centroid; null when the head has no centroids. */
  distance: number | null;
  /** Top-k classes by probability, best first. */
  predictions: { label: string; score: number }[];
}

/**
 * Scales a 128-d face descriptor to unit length. Face heads take unit-length descriptors: dlib's
 * descriptors already have a norm near 1, normalising removes what is left of photo-dependent scale.
 */
export function normalizeDescriptor(descriptor: ArrayLike<number>): Float32Array {
  let sum = 0;
  for (let i = 0; i < descriptor.length; i++) sum += descriptor[i]! * descriptor[i]!;
  const norm = Math.sqrt(sum) || 1;
  const out = new Float32Array(descriptor.length);
  for (let i = 0; i < descriptor.length; i++) out[i] = descriptor[i]! / norm;
  return out;
}

function softmax(logits: ArrayLike<number>): number[] {
  let max = -Infinity;
  for (let i = 0; i < logits.length; i++) max = Math.max(max, logits[i]!);
  const exps = Array.from({ length: logits.length }, (_, i) => Math.exp(logits[i]! - max));
  const sum = exps.reduce((a, b) => a + b, 0);
  return exps.map((e) => e / sum);
}

/**
 * Turns a face head's output for ONE face into a label under the model's open-set rule.
 *
 * The head's output has N = labels.length or 2N values:
 * - `[0, N)`: class logits (or probabilities, per `meta.output`);
 * - `[N, 2N)` (optional): centroid scores `s_k = 1 − ‖x − c_k‖²` for the unit-length input x and
 *   class centroid c_k (a frozen Dense layer: kernel 2·c_k, bias −‖c_k‖²), so `‖x − c_k‖ = √(1 − s_k)`.
 *
 * Rule (`meta.face.rejection`): `probability` → unknown when the best class' probability is below
 * the threshold; `distance` → unknown when the distance to the best class' centroid is above it.
 *
 * @example
 * const out = await classifyFaceDescriptor(model, descriptor, meta); // { label: "unknown", score: 0.41, … }
 */
export function classifyFaceHead(
  output: ArrayLike<number>,
  meta: FaceHeadMetadata,
  options: { topK?: number } = {},
): FaceClassification {
  const n = meta.labels.length;
  if (output.length !== n && output.length !== 2 * n) {
    throw new MarqueeError(
      "invalid_metadata",
      `The face head emits ${output.length} values; with ${n} labels it must emit ${n} or ${2 * n}.`,
    );
  }
  const head = Array.from({ length: n }, (_, i) => output[i]!);
  const probs = meta.output === "logits" ? softmax(head) : head;
  let best = 0;
  for (let i = 1; i < n; i++) if (probs[i]! > probs[best]!) best = i;
  const distance = output.length === 2 * n ? Math.sqrt(Math.max(0, 1 - output[n + best]!)) : null;
  const rule = meta.face?.rejection;
  let rejected = false;
  if (rule?.kind === "probability") rejected = probs[best]! < rule.threshold;
  else if (rule?.kind === "distance") {
    if (distance === null)
      throw new MarqueeError(
        "invalid_metadata",
        "metadata.json asks for a distance rejection rule, but the face head has no centroid outputs.",
      );
    rejected = distance > rule.threshold;
  }
  const order = probs.map((p, i) => ({ label: meta.labels[i]!, score: p })).sort((a, b) => b.score - a.score);
  return {
    label: rejected ? UNKNOWN_FACE_LABEL : meta.labels[best]!,
    score: probs[best]!,
    bestMatch: meta.labels[best]!,
    distance,
    predictions: order.slice(0, Math.max(1, Math.min(options.topK ?? 5, n))),
  };
}

/** The part of a tfjs LayersModel (or GraphModel) the face head needs. */
export interface FaceHeadModel {
  predict(x: tf.Tensor): tf.Tensor | tf.Tensor[];
}

/**
 * Runs a face head on raw 128-d descriptors (as `embedFaces` returns them) and classifies each:
 * normalise to unit length → head → {@link classifyFaceHead}. The trainer's predict/evaluate and
 * the edge worker both call this, so they agree exactly.
 *
 * @example
 * const [face] = await classifyFaceDescriptors(model, [descriptor], meta);
 */
export async function classifyFaceDescriptors(
  model: FaceHeadModel,
  descriptors: ArrayLike<number>[],
  meta: FaceHeadMetadata,
  options: { topK?: number } = {},
): Promise<FaceClassification[]> {
  if (descriptors.length === 0) return [];
  const size = descriptors[0]!.length;
  const batch = new Float32Array(descriptors.length * size);
  descriptors.forEach((d, i) => {
    batch.set(normalizeDescriptor(d), i * size);
  });
  const input = tf.tensor2d(batch, [descriptors.length, size]);
  let out: tf.Tensor | tf.Tensor[] | undefined;
  try {
    out = model.predict(input);
    const tensor = Array.isArray(out) ? out[0]! : out;
    const values = (await tensor.data()) as Float32Array;
    const width = values.length / descriptors.length;
    return descriptors.map((_, i) =>
      classifyFaceHead(values.subarray(i * width, (i + 1) * width), meta, options),
    );
  } finally {
    input.dispose();
    if (out) tf.dispose(out);
  }
}
