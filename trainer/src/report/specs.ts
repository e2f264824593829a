import type { TopLevelSpec } from "vega-lite";
import type { History } from "../train/history.ts";

const SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json";
const FONT = "DejaVu Sans";
const baseConfig = {
  font: FONT,
  view: { stroke: "#ddd" },
  axis: { labelFontSize: 11, titleFontSize: 12 },
  legend: { labelFontSize: 11, titleFontSize: 12 },
  title: { fontSize: 14 },
};

/**
 * Accuracy and loss per epoch, training against validation, side by side (vega-lite).
 * Pure data in, spec out, so report.html can embed the same spec for vega-embed.
 *
 * @example
 * await renderSpecToPng(trainingCurvesSpec(history));
 */
export function trainingCurvesSpec(history: History, title = "Training curves"): TopLevelSpec {
  const rows = history.epoch.flatMap((epoch, i) => [
    { epoch, metric: "accuracy", split: "training", value: history.accuracy[i] },
    { epoch, metric: "accuracy", split: "validation", value: history.val_accuracy[i] },
    { epoch, metric: "loss", split: "training", value: history.loss[i] },
    { epoch, metric: "loss", split: "validation", value: history.val_loss[i] },
  ]);
  const panel = (metric: "accuracy" | "loss") => ({
    title: metric === "accuracy" ? "Accuracy" : "Loss",
    width: 320,
    height: 220,
    transform: [{ filter: { field: "metric", equal: metric } }],
    mark: { type: "line" as const, point: history.epoch.length <= 30, tooltip: true },
    encoding: {
      x: { field: "epoch", type: "quantitative" as const, title: "epoch", axis: { tickMinStep: 1 } },
      y: {
        field: "value",
        type: "quantitative" as const,
        title: metric,
        ...(metric === "accuracy" ? { scale: { domain: [0, 1] } } : {}),
      },
      color: {
        field: "split",
        type: "nominal" as const,
        title: null,
        scale: { range: ["#1f77b4", "#ff7f0e"] },
      },
    },
  });
  return {
    $schema: SCHEMA,
    title,
    data: { values: rows },
    hconcat: [panel("accuracy"), panel("loss")],
    config: baseConfig,
  } as TopLevelSpec;
}

/**
 * Confusion matrix heat map (actual rows × predicted columns), cells shaded by the share of the actual
 * class and labelled with counts; axes carry the class names in label order.
 */
export function confusionMatrixSpec(
  labels: string[],
  confusion: number[][],
  title = "Confusion matrix (validation)",
): TopLevelSpec {
  const cell = Math.max(18, Math.min(48, Math.floor(640 / Math.max(1, labels.length))));
  const rows = labels.flatMap((actual, a) => {
    const total = confusion[a]!.reduce((x, y) => x + y, 0);
    return labels.map((predicted, p) => ({
      actual,
      predicted,
      count: confusion[a]![p]!,
      share: total ? confusion[a]![p]! / total : 0,
    }));
  });
  const axisFor = (t: string) => ({
    field: t,
    type: "ordinal" as const,
    sort: labels,
    title: t === "actual" ? "actual class" : "predicted class",
  });
  return {
    $schema: SCHEMA,
    title,
    data: { values: rows },
    width: cell * labels.length,
    height: cell * labels.length,
    encoding: {
      x: { ...axisFor("predicted"), axis: { labelAngle: -45 } },
      y: axisFor("actual"),
    },
    layer: [
      {
        mark: { type: "rect", tooltip: true },
        encoding: {
          color: {
            field: "share",
            type: "quantitative",
            title: "share of row",
            // lab, not vega's default hcl: hcl turns the white end cyan (rgb 236,253,255), so empty cells looked filled.
            scale: { domain: [0, 1], range: ["#ffffff", "#08306b"], interpolate: "lab" },
          },
        },
      },
      {
        mark: { type: "text", fontSize: Math.min(12, cell / 2.5) },
        transform: [{ filter: "datum.count > 0" }],
        encoding: {
          text: { field: "count", type: "quantitative" },
          color: { condition: { test: "datum.share > 0.5", value: "white" }, value: "black" },
        },
      },
    ],
    config: baseConfig,
  } as TopLevelSpec;
}

/** Horizontal bars of each class' validation accuracy; classes without examples are shown as "no data". */
export function perClassAccuracySpec(
  labels: string[],
  perClassAccuracy: Array<number | null>,
  title = "Per-class accuracy (validation)",
): TopLevelSpec {
  const rows = labels.map((label, i) => ({
    label,
    accuracy: perClassAccuracy[i] ?? 0,
    text:
      perClassAccuracy[i] === null || perClassAccuracy[i] === undefined
        ? "no data"
        : `${Math.round(perClassAccuracy[i]! * 100)}%`,
  }));
  return {
    $schema: SCHEMA,
    title,
    data: { values: rows },
    width: 360,
    height: { step: 20 },
    encoding: {
      y: { field: "label", type: "nominal", sort: labels, title: null },
      x: {
        field: "accuracy",
        type: "quantitative",
        scale: { domain: [0, 1] },
        axis: { format: "%" },
        title: "accuracy",
      },
    },
    layer: [
      { mark: { type: "bar", color: "#1f77b4", tooltip: true } },
      { mark: { type: "text", align: "left", dx: 4, fontSize: 11 }, encoding: { text: { field: "text" } } },
    ],
    config: baseConfig,
  } as TopLevelSpec;
}
