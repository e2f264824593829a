import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { basename } from "node:path";
import sharp from "sharp";
import type { SkippedFile } from "../data/types.ts";
import type { Evaluation } from "../train/evaluate.ts";
import type { History } from "../train/history.ts";
import { writeFileAtomic } from "../util/durable-fs.ts";
import type { DatasetSummary } from "./dataset-summary.ts";
import type { RunEnvironment } from "./environment.ts";
import { chartFigure, listTable } from "./figures.ts";
import { type Cell, escapeHtml, facts, formatNumber, formatSeconds, percent, table } from "./html.ts";
import { REPORT_CSS } from "./report-style.ts";
import { confusionMatrixSpec, perClassAccuracySpec, trainingCurvesSpec } from "./specs.ts";
import { validationWarnings } from "./validation-warnings.ts";

/** File name of the report inside a run folder. */
export const REPORT_FILE = "report.html";

/**
 * A section a task adds to the report (e.g. the face task's open set), placed after the per-class
 * results. Rendering it is the task's business; report/ knows nothing about the kinds of model.
 */
export interface ReportSection {
  /** Anchor id, e.g. "open-set". */
  id: string;
  title: string;
  /** The section's HTML (escaped by the task; {@link chartFigure}, `facts`, `table` help). */
  render(): Promise<string>;
}

/** Everything report.html shows. Only `name`…`timings` are required; sections without data are left out. */
export interface TrainingReportInput {
  /** Model name (metadata.json `name`). */
  name: string;
  /** What the model is, in words, for the page's lead ("Image classifier", "Face model"). */
  modelKind: string;
  /** metadata.json `architecture`. */
  architecture: string;
  /** ISO time the run finished. */
  createdAt: string;
  labels: string[];
  history: History;
  /** 1-based epoch of the exported weights. */
  bestEpoch: number | null;
  /** Why training stopped ("completed", "early-stopping", …). */
  stopReason: string;
  /** Best weights on the validation set. */
  evaluation: Evaluation;
  /** Accuracy change of a quantised export, when not float32. */
  quantization?: { dtype: string; float32Accuracy: number; exportedAccuracy: number; change: number } | null;
  /** The export: folder, weight bytes and dtype. */
  exported?: { dir: string; weightBytes: number; weightDtype: string };
  parameters?: number;
  /** Sample grid (samples.png): a file path or the image bytes, embedded as a data: URI. */
  samples?: string | Uint8Array;
  /** The data side's findings (summarizeDataset). */
  dataset?: DatasetSummary;
  /** Every option of the run, shown as given (JSON values). */
  configuration: Record<string, unknown>;
  /** Backend, versions, machine (runEnvironment). */
  environment: RunEnvironment;
  timings: {
    /** Named phases in order, e.g. "decode and cache fill", "training", "evaluation", "export". */
    phases: Array<{ name: string; seconds: number }>;
    /** Wall seconds of the whole run. */
    totalSeconds: number;
  };
  /** Extra summary facts from the task (e.g. the face task's rejection rule), shown before the total time. */
  summaryFacts?: Array<[string, string | number | null | undefined]>;
  /** Extra sections from the task, shown after the per-class results. */
  sections?: ReportSection[];
}

/**
 * Write report.html: a single self-contained page (no script, no network, images as data: URIs, charts
 * as inline SVG drawn by vega in Node) with the run's samples, curves, confusion matrix, per-class
 * accuracy, duplicates, skipped files, open-set trade-off (face models), configuration and timings.
 * Returns the page's size in bytes.
 *
 * @example
 * await writeTrainingReport(join(outDir, REPORT_FILE), { name, modelKind: "Image classifier", … });
 */
export async function writeTrainingReport(path: string, input: TrainingReportInput): Promise<number> {
  const html = await renderTrainingReport(input);
  const bytes = Buffer.from(html, "utf8");
  await writeFileAtomic(path, bytes);
  return bytes.length;
}

/** The report's HTML text; see {@link writeTrainingReport}. */
export async function renderTrainingReport(input: TrainingReportInput): Promise<string> {
  const sections: Array<{ id: string; title: string; html: string }> = [];
  const add = (id: string, title: string, html: string) => sections.push({ id, title, html });

  add("summary", "Summary", summarySection(input));
  if (input.samples !== undefined) add("samples", "Sample images", await samplesSection(input.samples));
  add("curves", "Accuracy and loss", await curvesSection(input));
  add("confusion", "Confusion matrix", await confusionSection(input));
  add("per-class", "Per-class accuracy", await perClassSection(input));
  for (const extra of input.sections ?? []) add(extra.id, extra.title, await extra.render());
  if (input.dataset) {
    add("duplicates", "Duplicates", duplicatesSection(input.dataset));
    add("skipped", "Skipped files", skippedSection(input.dataset.skipped));
  }
  add("configuration", "Configuration", configurationSection(input));
  add("timings", "Timings", timingsSection(input));

  const title = `Training report: ${input.name}`;
  const css = REPORT_CSS;
  const styleHash = createHash("sha256").update(css, "utf8").digest("base64");
  // No script at all, and nothing may be fetched: images are data: URIs, the one stylesheet is inline.
  const csp = `default-src 'none'; img-src data:; style-src 'sha256-${styleHash}'; base-uri 'none'; form-action 'none'`;
  const lead = `${escapeHtml(input.modelKind)} <code>${escapeHtml(input.architecture)}</code>, ${input.labels.length} classes, trained on ${escapeHtml(input.environment.backend)}; finished ${escapeHtml(input.createdAt)}.`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="referrer" content="no-referrer">
<title>${escapeHtml(title)}</title>
<style>${css}</style>
</head>
<body>
<header>
<h1>${escapeHtml(title)}</h1>
<p class="lead">${lead}</p>
<nav aria-label="Sections"><ul>${sections.map((s) => `<li><a href="#${s.id}">${escapeHtml(s.title)}</a></li>`).join("")}</ul></nav>
</header>
<main>
${sections.map((s) => `<section id="${s.id}" aria-labelledby="${s.id}-h">\n<h2 id="${s.id}-h">${escapeHtml(s.title)}</h2>\n${s.html}\n</section>`).join("\n")}
</main>
<footer><p>Written by the Marquee trainer (${escapeHtml(input.environment.versions["@marquee/trainer"] ?? "")}). Self-contained: this file loads nothing else.</p></footer>
</body>
</html>
`;
}

function summarySection(input: TrainingReportInput): string {
  const e = input.evaluation;
  const epochs = input.history.epoch.length;
  const q = input.quantization;
  const d = input.dataset;
  const pairs: Array<[string, string | number | null | undefined]> = [
    ["Validation accuracy", percent(q ? q.exportedAccuracy : e.accuracy)],
    ["Validation loss", Number.isFinite(e.loss) ? e.loss : null],
    ["Best epoch", input.bestEpoch === null ? null : `${input.bestEpoch} of ${epochs}`],
    ["Stopped because", input.stopReason],
    ["Validation images", e.count],
  ];
  if (d) {
    pairs.push(["Training images", d.perClass.train.reduce((a, b) => a + b, 0)]);
    pairs.push(["Skipped files", d.skipped.length]);
    pairs.push(["Duplicate groups", d.duplicates.groups]);
  }
  if (input.parameters !== undefined) pairs.push(["Parameters", input.parameters]);
  if (input.exported) {
    pairs.push([
      "Exported weights",
      `${formatNumber(input.exported.weightBytes)} bytes (${input.exported.weightDtype})`,
    ]);
  }
  if (q) {
    pairs.push([
      `Change from ${q.dtype}`,
      `${q.change >= 0 ? "+" : ""}${(q.change * 100).toFixed(2)} points (float32 ${percent(q.float32Accuracy)})`,
    ]);
  }
  pairs.push(...(input.summaryFacts ?? []));
  pairs.push(["Total time", formatSeconds(input.timings.totalSeconds)]);
  const exportLine = input.exported
    ? `<p>Export: <code>${escapeHtml(input.exported.dir)}</code>${q ? `; the accuracy above is the exported ${escapeHtml(q.dtype)} weights'.` : "."}</p>`
    : "";
  const warnings = validationWarnings(e, input.labels);
  const warningHtml = warnings.length
    ? `<div class="warning" role="note"><p><strong>Read the validation figures with care:</strong></p><ul>${warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join("")}</ul></div>`
    : "";
  return warningHtml + facts(pairs) + exportLine;
}

async function samplesSection(samples: string | Uint8Array): Promise<string> {
  try {
    const { uri, note } = await imageDataUri(samples);
    return `<figure class="samples"><img src="${uri}" alt="A grid of training images, each labelled with its class name below it."><figcaption>Training images as the data loader read them, class name under each${note}.</figcaption></figure>`;
  } catch (err) {
    return `<p class="warning">The sample grid could not be embedded: ${escapeHtml((err as Error).message)}</p>`;
  }
}

/**
 * The sample grid as a data: URI. A grid of photos is far smaller as JPEG than as PNG, so the smaller
 * of the original and a quality-85 JPEG is embedded.
 */
async function imageDataUri(source: string | Uint8Array): Promise<{ uri: string; note: string }> {
  const bytes = typeof source === "string" ? await readFile(source) : Buffer.from(source);
  const meta = await sharp(bytes).metadata();
  let best = { bytes: bytes as Buffer, mime: `image/${meta.format === "jpeg" ? "jpeg" : meta.format}` };
  if (meta.format !== "jpeg") {
    const jpeg = await sharp(bytes)
      .flatten({ background: "#ffffff" })
      .jpeg({ quality: 85, mozjpeg: true })
      .toBuffer();
    if (jpeg.length < bytes.length * 0.8) best = { bytes: jpeg, mime: "image/jpeg" };
  }
  const name =
    typeof source === "string"
      ? ` (<code>${escapeHtml(basename(source))}</code>, ${meta.width}×${meta.height})`
      : "";
  return { uri: `data:${best.mime};base64,${best.bytes.toString("base64")}`, note: name };
}

/** Epochs listed per table: all of up to 30; beyond that every k-th, plus the first, the best and the last. */
const MAX_EPOCH_ROWS = 30;

/** Indices of the epochs the per-epoch tables list, and a caption note when some are left out. */
function epochRows(h: History, bestEpoch: number | null): { indices: number[]; note: string } {
  const n = h.epoch.length;
  if (n <= MAX_EPOCH_ROWS) return { indices: h.epoch.map((_, i) => i), note: "" };
  const step = Math.ceil(n / (MAX_EPOCH_ROWS - 5));
  const indices = h.epoch
    .map((epoch, i) => ({ epoch, i }))
    .filter(({ epoch, i }) => i === 0 || i === n - 1 || epoch === bestEpoch || epoch % step === 0)
    .map(({ i }) => i);
  return {
    indices,
    note: ` (every ${step}th epoch, the first, the best and the last; history.json has all ${n})`,
  };
}

async function curvesSection(input: TrainingReportInput): Promise<string> {
  const h = input.history;
  const chart = await chartFigure(
    () => trainingCurvesSpec(h, "Accuracy and loss per epoch"),
    "curves",
    `Line charts of training and validation accuracy and loss over ${h.epoch.length} epochs; the numbers are in the table below.`,
    "Training (blue) and validation (orange) accuracy and loss per epoch.",
  );
  const shown = epochRows(h, input.bestEpoch);
  const rows: Cell[][] = shown.indices.map((i) => [
    { num: h.epoch[i] === input.bestEpoch ? `${h.epoch[i]} (best)` : String(h.epoch[i]) },
    h.loss[i],
    percent(h.accuracy[i]),
    h.val_loss[i],
    percent(h.val_accuracy[i]),
  ]);
  return `${chart}${table(`Metrics per epoch${shown.note}`, ["epoch", "loss", "accuracy", "validation loss", "validation accuracy"], rows, { rowHeaders: true })}`;
}

async function confusionSection(input: TrainingReportInput): Promise<string> {
  const { labels } = input;
  const m = input.evaluation.confusion;
  const chart = await chartFigure(
    () => confusionMatrixSpec(labels, m, "Confusion matrix (validation, best weights)"),
    "confusion",
    `Heat map of a ${labels.length} by ${labels.length} confusion matrix: rows are the actual class, columns the predicted class; the counts are in the table below.`,
    "Rows: actual class; columns: predicted class; shade: share of the row; numbers: image counts.",
  );
  const rows: Cell[][] = labels.map((label, a) => [label, ...labels.map((_, p) => m[a]?.[p] ?? 0)]);
  return `${chart}${table("Confusion matrix counts (rows actual, columns predicted)", ["actual \\ predicted", ...labels], rows, { rowHeaders: true })}`;
}

async function perClassSection(input: TrainingReportInput): Promise<string> {
  const { labels } = input;
  const acc = input.evaluation.perClassAccuracy;
  const chart = await chartFigure(
    () => perClassAccuracySpec(labels, acc, "Per-class accuracy (validation, best weights)"),
    "per-class",
    `Bar chart of validation accuracy for each of ${labels.length} classes; the numbers are in the table below.`,
    "Share of each class' validation images predicted correctly.",
  );
  const d = input.dataset;
  const rows: Cell[][] = labels.map((label, i) => {
    const correct = input.evaluation.confusion[i]?.[i] ?? 0;
    const total = (input.evaluation.confusion[i] ?? []).reduce((a, b) => a + b, 0);
    return [
      label,
      ...(d ? [d.perClass.train[i] ?? 0] : []),
      total,
      correct,
      acc[i] === null || acc[i] === undefined ? "no data" : percent(acc[i]),
    ];
  });
  return `${chart}${table(
    "Per-class results on the validation set",
    ["class", ...(d ? ["training images"] : []), "validation images", "correct", "accuracy"],
    rows,
    { rowHeaders: true },
  )}`;
}

function duplicatesSection(d: DatasetSummary): string {
  const dup = d.duplicates;
  const parts: string[] = [];
  parts.push(
    dup.groups === 0
      ? `<p class="ok">No duplicate images found.</p>`
      : `<p>${formatNumber(dup.groups)} groups of the same photo (${formatNumber(dup.exactGroups)} byte-identical, ${formatNumber(dup.nearGroups)} with near-identical copies found by perceptual hash) cover ${formatNumber(dup.filesInGroups)} files; ${formatNumber(dup.redundantFiles)} are extra copies. Each group is kept on one side of the train/validation split.</p>`,
  );
  if (dup.crossClass.length) {
    parts.push(
      `<div class="warning" role="note"><p><strong>${dup.crossClass.length} photo${dup.crossClass.length === 1 ? " is" : "s are"} filed under more than one class</strong> — a labelling conflict to fix in the data folder:</p><ul>${dup.crossClass
        .map(
          (g) =>
            `<li>${escapeHtml(g.classes.join(" / "))}: ${g.examples.map((e) => `<code>${escapeHtml(e)}</code>`).join(", ")}${g.size > g.examples.length ? ` and ${g.size - g.examples.length} more` : ""}</li>`,
        )
        .join("")}</ul></div>`,
    );
  }
  if (d.leakage) {
    const { ours, naive } = d.leakage;
    parts.push(
      table(
        "Validation images with a copy in training",
        ["split", "validation images", "byte-identical copy in training", "any copy in training"],
        [
          ["duplicate-aware (used)", ours.validationImages, ours.exactLeaks, ours.groupLeaks],
          [
            "naive random split, same seed (Keras-style)",
            naive.validationImages,
            naive.exactLeaks,
            naive.groupLeaks,
          ],
        ],
        { rowHeaders: true },
      ),
    );
  }
  if (dup.examples.length) {
    const shown =
      dup.examples.length < dup.groups ? ` (the ${dup.examples.length} largest of ${dup.groups})` : "";
    parts.push(
      table(
        `Duplicate groups${shown}`,
        ["files", "kind", "classes", "examples"],
        dup.examples.map((g) => [
          g.size,
          g.exact ? "byte-identical" : "near-identical",
          g.classes.join(" / "),
          {
            html:
              g.examples.map((e) => `<code>${escapeHtml(e)}</code>`).join("<br>") +
              (g.size > g.examples.length ? `<br>… ${g.size - g.examples.length} more` : ""),
          },
        ]),
      ),
    );
  }
  return parts.join("\n");
}

function skippedSection(skipped: SkippedFile[]): string {
  return skipped.length
    ? listTable(`Files left out (${skipped.length})`, skipped)
    : `<p class="ok">No files were skipped.</p>`;
}

function configurationSection(input: TrainingReportInput): string {
  const env = input.environment;
  const value = (v: unknown): Cell => ({
    html: `<code>${escapeHtml(typeof v === "string" ? v : (JSON.stringify(v) ?? "undefined"))}</code>`,
  });
  const options = Object.entries(input.configuration).map(([k, v]) => [k, value(v)] as Cell[]);
  const d = input.dataset;
  const data: Cell[][] = d
    ? [
        ["data folder", value(d.root)],
        ["classes", d.classNames.length],
        ["validation split", d.validationSplit],
        ["seed", d.seed],
        ["fingerprint", value(d.fingerprint)],
      ]
    : [];
  return [
    table("Training options", ["option", "value"], options, { rowHeaders: true }),
    data.length ? table("Data", ["setting", "value"], data, { rowHeaders: true }) : "",
    table(
      "Environment",
      ["", "value"],
      [
        ["backend", env.backend],
        ["Node.js", env.node],
        ["operating system", env.os],
        ["CPU", env.cpu],
        ["memory", env.memory],
        ...Object.entries(env.versions).map(
          ([name, v]) => [{ html: `<code>${escapeHtml(name)}</code>` }, v] as Cell[],
        ),
      ],
      { rowHeaders: true },
    ),
  ].join("\n");
}

function timingsSection(input: TrainingReportInput): string {
  const h = input.history;
  const epochSeconds = h.seconds.reduce((a, b) => a + b, 0);
  const phases: Cell[][] = input.timings.phases.map((p) => [p.name, { num: formatSeconds(p.seconds) }]);
  phases.push([{ html: "<strong>total</strong>" }, { num: formatSeconds(input.timings.totalSeconds) }]);
  const shown = epochRows(h, input.bestEpoch);
  const perEpoch: Cell[][] = shown.indices.map((i) => [
    h.epoch[i],
    { num: formatSeconds(h.seconds[i] ?? Number.NaN) },
    { num: `${Math.round(h.ms_per_step[i] ?? 0)} ms` },
    h.learning_rate[i],
  ]);
  return [
    facts([
      ["Epochs", h.epoch.length],
      ["Mean epoch", h.epoch.length ? formatSeconds(epochSeconds / h.epoch.length) : null],
      [
        "Fastest / slowest epoch",
        h.epoch.length
          ? `${formatSeconds(Math.min(...h.seconds))} / ${formatSeconds(Math.max(...h.seconds))}`
          : null,
      ],
      ["Total", formatSeconds(input.timings.totalSeconds)],
    ]),
    table("Phases of the run", ["phase", "time"], phases, { rowHeaders: true }),
    table(
      `Time per epoch, training and validation${shown.note}`,
      ["epoch", "time", "per step", "learning rate"],
      perEpoch,
      {
        rowHeaders: true,
      },
    ),
  ].join("\n");
}
