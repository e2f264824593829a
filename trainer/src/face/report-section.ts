/**
 * @module
 * The face task's part of report.html: the open-set section (trade-off chart, chosen threshold, photos
 * without a face) and the summary facts of the rejection rule. report/ renders whatever sections a task
 * hands it; it does not know about faces.
 */
import type { SkippedFile } from "../data/types.ts";
import { chartFigure, listTable } from "../report/figures.ts";
import { escapeHtml, facts, percent, table } from "../report/html.ts";
import type { TrainingReportInput } from "../report/report-html.ts";
import type { RejectionKind, TradeOffPoint } from "./open-set.ts";
import { openSetTradeOffSpec } from "./open-set-chart.ts";

/** The open-set calibration of a face model. */
export interface OpenSetReport {
  /** Trade-off curve per rejection rule (from `tradeOffCurve`). */
  curves: Partial<Record<RejectionKind, TradeOffPoint[]>>;
  /** The rule and threshold written to metadata.json's `face.rejection`. */
  chosen: { kind: RejectionKind; threshold: number };
  /** Known faces accepted and correctly named at the chosen threshold. */
  knownAcceptedCorrect?: number;
  /** Strangers answered "unknown" at the chosen threshold. */
  strangersRejected?: number;
  /** How many stranger faces the curve was measured on. */
  strangers?: number;
  /** One sentence on how the curve was measured (e.g. leave-3-classes-out folds). */
  method?: string;
}

/** What the face part of the report shows. */
export interface FaceReportInput {
  openSet?: OpenSetReport;
  /** Photos with no usable face, skipped, with the reason. */
  noFace?: SkippedFile[];
  /** Extra facts shown in the face section (e.g. head candidates' accuracies). */
  facts?: Array<[string, string | number]>;
}

/**
 * The face model's additions to report.html: its kind, the rejection rule in the summary, and the
 * "Faces: open set and threshold" section.
 *
 * @example
 * await writeTrainingReport(path, { ...common, ...faceReportParts({ openSet, noFace }) });
 */
export function faceReportParts(
  face: FaceReportInput,
): Pick<TrainingReportInput, "modelKind" | "summaryFacts" | "sections"> {
  const o = face.openSet;
  const summaryFacts: NonNullable<TrainingReportInput["summaryFacts"]> = [];
  if (o) {
    summaryFacts.push([
      "Rejection rule",
      `${o.chosen.kind} ${o.chosen.kind === "probability" ? "≥" : "≤"} ${o.chosen.threshold}`,
    ]);
    if (o.knownAcceptedCorrect !== undefined)
      summaryFacts.push(["Known faces accepted & correct", percent(o.knownAcceptedCorrect)]);
    if (o.strangersRejected !== undefined)
      summaryFacts.push(["Strangers rejected", percent(o.strangersRejected)]);
  }
  return {
    modelKind: "Face model",
    summaryFacts,
    sections: [{ id: "open-set", title: "Faces: open set and threshold", render: () => faceSection(face) }],
  };
}

async function faceSection(face: FaceReportInput): Promise<string> {
  const parts: string[] = [];
  const o = face.openSet;
  if (o) {
    const rule =
      o.chosen.kind === "probability"
        ? `a face is named when the head's top probability is at least ${o.chosen.threshold}`
        : `a face is named when its descriptor lies within ${o.chosen.threshold} of the class centroid`;
    parts.push(
      `<p>Chosen threshold: <strong>${escapeHtml(o.chosen.kind)} ${o.chosen.threshold}</strong> — ${escapeHtml(rule)}; otherwise it is answered "unknown".${o.method ? ` ${escapeHtml(o.method)}` : ""}</p>`,
    );
    parts.push(
      await chartFigure(
        () => openSetTradeOffSpec(o.curves, o.chosen, "Known faces vs strangers across thresholds"),
        "open-set",
        `Line charts of the open-set trade-off: share of known faces accepted and correct, and of strangers rejected, against the threshold, for ${Object.keys(o.curves).join(" and ")} rules; the chosen threshold ${o.chosen.threshold} is marked.`,
        "Blue: known faces accepted and named correctly; red: strangers rejected; green line: the chosen threshold; dashed: 95%.",
      ),
    );
    const pairs: Array<[string, string | number | undefined]> = [
      ["Rule", o.chosen.kind],
      ["Threshold", o.chosen.threshold],
    ];
    if (o.knownAcceptedCorrect !== undefined)
      pairs.push(["Known faces accepted & correct", percent(o.knownAcceptedCorrect)]);
    if (o.strangersRejected !== undefined) pairs.push(["Strangers rejected", percent(o.strangersRejected)]);
    if (o.strangers !== undefined) pairs.push(["Stranger faces measured", o.strangers]);
    parts.push(facts(pairs));
    const chosenCurve = o.curves[o.chosen.kind];
    const chosenPoint = chosenCurve?.find((p) => p.threshold === o.chosen.threshold);
    if (chosenPoint) {
      parts.push(
        table(
          "The chosen point of the curve",
          ["threshold", "known accepted & correct", "known accepted", "strangers rejected"],
          [
            [
              chosenPoint.threshold,
              percent(chosenPoint.knownAcceptedCorrect),
              percent(chosenPoint.knownAccepted),
              percent(chosenPoint.strangersRejected),
            ],
          ],
        ),
      );
    }
  }
  if (face.facts?.length) parts.push(facts(face.facts));
  const noFace = face.noFace ?? [];
  parts.push(`<h3>Photos without a face</h3>`);
  parts.push(
    noFace.length
      ? listTable(`Photos skipped because no face was found (${noFace.length})`, noFace)
      : `<p class="ok">Every photo had a usable face.</p>`,
  );
  return parts.join("\n");
}
