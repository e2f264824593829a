import type { TopLevelSpec } from "vega-lite";
import type { RejectionKind, TradeOffPoint } from "./open-set.ts";
import { FACE_HEAD_TRAINING_DEFAULTS } from "./training-defaults.ts";

/**
 * The open-set trade-off as a vega-lite spec: known faces accepted-and-correct and strangers
 * rejected against the threshold (one panel per rule), with the chosen threshold marked and a dotted
 * line at the share of strangers the threshold had to reject.
 *
 * @example
 * await renderSpecToPng(openSetTradeOffSpec({ probability: curveP, distance: curveD }, { kind: "distance", threshold: 0.5 }));
 */
export function openSetTradeOffSpec(
  curves: Partial<Record<RejectionKind, TradeOffPoint[]>>,
  chosen: { kind: RejectionKind; threshold: number },
  title = "Open set: known faces vs strangers",
  strangerTarget: number = FACE_HEAD_TRAINING_DEFAULTS.minStrangersRejected,
): TopLevelSpec {
  const panels = (Object.entries(curves) as [RejectionKind, TradeOffPoint[]][]).map(([kind, curve]) => {
    const rows = curve.flatMap((p) => [
      { threshold: p.threshold, rate: "known accepted & correct", value: p.knownAcceptedCorrect },
      { threshold: p.threshold, rate: "strangers rejected", value: p.strangersRejected },
    ]);
    const layers: unknown[] = [
      {
        mark: { type: "line", tooltip: true },
        encoding: {
          x: {
            field: "threshold",
            type: "quantitative",
            title:
              kind === "probability" ? "minimum top-1 probability" : "maximum distance to class centroid",
          },
          y: { field: "value", type: "quantitative", title: "share", scale: { domain: [0, 1] } },
          color: {
            field: "rate",
            type: "nominal",
            title: null,
            scale: { range: ["#1f77b4", "#d62728"] },
          },
        },
      },
      {
        data: { values: [{ y: strangerTarget }] },
        mark: { type: "rule", strokeDash: [2, 3], color: "#888" },
        encoding: { y: { field: "y", type: "quantitative" } },
      },
    ];
    if (kind === chosen.kind) {
      layers.push({
        data: { values: [{ t: chosen.threshold, label: `chosen ${chosen.threshold}` }] },
        layer: [
          { mark: { type: "rule", color: "#2ca02c" }, encoding: { x: { field: "t", type: "quantitative" } } },
          {
            mark: { type: "text", align: "left", dx: 4, dy: -6, color: "#2ca02c" },
            encoding: { x: { field: "t", type: "quantitative" }, y: { value: 12 }, text: { field: "label" } },
          },
        ],
      });
    }
    return {
      title: `${kind} rule${kind === chosen.kind ? " (chosen)" : ""}`,
      width: 340,
      height: 240,
      data: { values: rows },
      layer: layers,
    };
  });
  return {
    $schema: "https://vega.github.io/schema/vega-lite/v6.json",
    title,
    hconcat: panels,
    config: {
      font: "DejaVu Sans",
      view: { stroke: "#ddd" },
      axis: { labelFontSize: 11, titleFontSize: 12 },
      legend: { labelFontSize: 11, titleFontSize: 12, orient: "bottom", labelLimit: 400 },
      title: { fontSize: 14 },
    },
  } as TopLevelSpec;
}
