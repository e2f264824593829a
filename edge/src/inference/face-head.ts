import { type FaceSettings, MarqueeError, type ModelMetadata, UNKNOWN_LABEL } from "@marquee/shared";
import * as tf from "@tensorflow/tfjs-core";
import type * as tfl from "@tensorflow/tfjs-layers";
import { softmax } from "./classify.ts";

/** The head's verdict on one face. */
export interface HeadVerdict {
  /** Probability per label (softmax over all classes). */
  scores: Float64Array;
  /** The best class, or `"unknown"` when the rejection rule refuses it. */
  label: string;
  /** The best class' probability. */
  score: number;
}

/**
 * Classify face descriptors with the trained head in one batch and apply the model's open-set
 * rejection rule. All tensors are freed before returning.
 *
 * @example
 * const [verdict] = classifyDescriptors(head, metadata, [descriptor]);
 * verdict.label; // "Tom Hanks" or "unknown"
 */
export function classifyDescriptors(
  head: tfl.LayersModel,
  metadata: ModelMetadata,
  descriptors: Float32Array[],
): HeadVerdict[] {
  if (descriptors.length === 0) return [];
  const size = descriptors[0]?.length ?? 0;
  const batch = new Float32Array(descriptors.length * size);
  for (const [i, d] of descriptors.entries()) batch.set(d, i * size);
  const raw = tf.tidy(() =>
    (head.predict(tf.tensor2d(batch, [descriptors.length, size])) as tf.Tensor).dataSync(),
  );
  const classes = metadata.labels.length;
  return descriptors.map((_, i) => {
    const row = raw.subarray(i * classes, (i + 1) * classes);
    const scores = metadata.output === "logits" ? softmax(row) : Float64Array.from(row);
    let best = 0;
    for (let c = 1; c < classes; c++) if ((scores[c] as number) > (scores[best] as number)) best = c;
    const score = scores[best] as number;
    const accepted = acceptsProbability(metadata.face?.rejection, score);
    return { scores, label: accepted ? (metadata.labels[best] as string) : UNKNOWN_LABEL, score };
  });
}

/**
 * The probability form of the rejection rule: the best class is accepted when its probability
 * reaches the threshold. A distance rule needs class centroids, which the head does not carry.
 */
export function acceptsProbability(
  rule: FaceSettings["rejection"] | undefined,
  topProbability: number,
): boolean {
  if (!rule) return true;
  if (rule.kind !== "probability") {
    throw new MarqueeError(
      "model_unavailable",
      `the model's rejection rule is "${rule.kind}", which the edge cannot apply yet (it applies "probability")`,
    );
  }
  return topProbability >= rule.threshold;
}
