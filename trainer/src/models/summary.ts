import type * as tf from "@tensorflow/tfjs";

/** Parameter totals of a model. */
export interface ParamCounts {
  total: number;
  trainable: number;
  nonTrainable: number;
}

/** Count a model's parameters (trainable and not). */
export function countParams(model: tf.LayersModel): ParamCounts {
  const sum = (weights: tf.LayerVariable[]) =>
    weights.reduce((n, w) => n + w.shape.reduce<number>((a, b) => a * (b ?? 0), 1), 0);
  const trainable = sum(model.trainableWeights);
  const nonTrainable = sum(model.nonTrainableWeights);
  return { total: trainable + nonTrainable, trainable, nonTrainable };
}

/** `1234567` → `1,234,567`, the way Keras prints counts. */
export function formatCount(n: number): string {
  return n.toLocaleString("en-US");
}

function formatShape(shape: tf.Shape | tf.Shape[]): string {
  const one = (s: tf.Shape) => `(${s.map((d) => (d === null ? "None" : String(d))).join(", ")})`;
  return Array.isArray(shape[0]) ? (shape as tf.Shape[]).map(one).join(", ") : one(shape as tf.Shape);
}

/**
 * A Keras-style summary: one row per layer (name and type, output shape, parameters), then
 * `Total params: 9,536,945`, `Trainable params` and `Non-trainable params`.
 *
 * @example
 * console.log(summarize(buildArchitecture("seed-cnn", { numClasses: 17, imageSize: 224 })));
 */
export function summarize(model: tf.LayersModel): string {
  const widths = [34, 28, 12];
  const total = widths.reduce((a, b) => a + b, 0);
  const row = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]! - 1) + " "))
      .join("")
      .trimEnd();
  const lines = [
    `Model: "${model.name}"`,
    "_".repeat(total),
    row(["Layer (type)", "Output Shape", "Param #"]),
  ];
  lines.push("=".repeat(total));
  model.layers.forEach((layer, i) => {
    lines.push(
      row([
        `${layer.name} (${layer.getClassName()})`,
        formatShape(layer.outputShape),
        formatCount(layer.countParams()),
      ]),
    );
    lines.push(i === model.layers.length - 1 ? "=".repeat(total) : "");
  });
  const counts = countParams(model);
  lines.push(`Total params: ${formatCount(counts.total)}`);
  lines.push(`Trainable params: ${formatCount(counts.trainable)}`);
  lines.push(`Non-trainable params: ${formatCount(counts.nonTrainable)}`);
  lines.push("_".repeat(total));
  return lines.join("\n");
}
