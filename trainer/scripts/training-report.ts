// `tsx trainer/scripts/training-report.ts <run-dir> [--metadata model/metadata.json] [--samples samples.png]
//    [--data DIR [--cache-dir D]] [--out report.html]`
// Re-renders report.html from a finished run folder's JSON (history.json, evaluation.json, open-set.json,
// model/metadata.json, samples.png): for runs made before reports existed, or to measure the report.
// Duplicates and skipped files are not in those files: with --data the data folder is loaded again
// (same split and seed as metadata.json; the decode cache makes it cheap) and a sample grid drawn.
import { access, readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { ModelMetadata } from "@marquee/shared";
import { loadImageDataset } from "../src/data/load-dataset.ts";
import { writeSampleGrid } from "../src/data/sample-grid.ts";
import { faceReportParts, type OpenSetReport } from "../src/face/report-section.ts";
import { type DatasetSummary, summarizeDataset } from "../src/report/dataset-summary.ts";
import { runEnvironment } from "../src/report/environment.ts";
import { REPORT_FILE, type TrainingReportInput, writeTrainingReport } from "../src/report/report-html.ts";
import type { History } from "../src/train/history.ts";

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    metadata: { type: "string" },
    samples: { type: "string" },
    out: { type: "string" },
    data: { type: "string" },
    "cache-dir": { type: "string" },
  },
});
if (positionals.length !== 1) {
  console.error("usage: training-report.ts <run-dir> [--metadata FILE] [--samples PNG] [--out FILE]");
  process.exit(2);
}
const runDir = resolve(positionals[0]!);
const exists = (p: string) =>
  access(p).then(
    () => true,
    () => false,
  );
const json = async <T>(p: string): Promise<T | null> =>
  (await exists(p)) ? (JSON.parse(await readFile(p, "utf8")) as T) : null;

const history = await json<{ history: History; bestEpoch: number | null; stopReason?: string }>(
  join(runDir, "history.json"),
);
const evaluation = await json<{
  labels: string[];
  count: number;
  loss: number;
  accuracy: number;
  confusion: number[][];
  perClassAccuracy: Record<string, number | null>;
  quantization?: TrainingReportInput["quantization"];
  noFace?: Array<{ path: string; reason: string }>;
  candidates?: Array<{ kind: string; valAccuracy: number }>;
}>(join(runDir, "evaluation.json"));
if (!history || !evaluation) {
  console.error(`${runDir} lacks history.json or evaluation.json`);
  process.exit(1);
}
const metadataPath = values.metadata ? resolve(values.metadata) : join(runDir, "model", "metadata.json");
const metadata = await json<ModelMetadata>(metadataPath);
const openSet = await json<{
  rejection: OpenSetReport["chosen"];
  curves: OpenSetReport["curves"];
  knownAcceptedCorrect?: number;
  strangersRejected?: number;
  strangers?: number;
}>(join(runDir, "open-set.json"));
let samples = values.samples ? resolve(values.samples) : join(runDir, "samples.png");
let dataset: DatasetSummary | undefined;
let decodeSeconds: number | undefined;
if (values.data) {
  const ds = await loadImageDataset(resolve(values.data), {
    imageSize: metadata?.pipeline === "image" ? metadata.input.width : 64,
    validationSplit: metadata?.dataset.validationSplit ?? 0.1,
    seed: metadata?.dataset.seed ?? 123,
    ...(values["cache-dir"] ? { cacheDir: resolve(values["cache-dir"]) } : {}),
  });
  dataset = summarizeDataset(ds);
  decodeSeconds = ds.decodeSeconds;
  if (!(await exists(samples))) {
    samples = join(runDir, "samples.png");
    await writeSampleGrid(ds.split.train, ds.classNames, samples);
  }
}
const labels = evaluation.labels;
// A face run writes open-set.json and lists its photos without a face in evaluation.json.
const face = openSet !== null || evaluation.noFace !== undefined;
const seconds = history.history.seconds.reduce((a, b) => a + b, 0);

const input: TrainingReportInput = {
  name: metadata?.name ?? runDir,
  architecture: metadata?.architecture ?? "unknown",
  createdAt: metadata?.createdAt ?? "unknown",
  labels,
  history: history.history,
  bestEpoch: history.bestEpoch,
  stopReason: history.stopReason ?? "completed",
  evaluation: {
    count: evaluation.count,
    loss: evaluation.loss,
    accuracy: evaluation.accuracy,
    confusion: evaluation.confusion,
    perClassAccuracy: labels.map((l) => evaluation.perClassAccuracy[l] ?? null),
  },
  ...(evaluation.quantization ? { quantization: evaluation.quantization } : {}),
  ...(metadata
    ? {
        exported: {
          dir: metadataPath.replace(/\/metadata\.json$/, ""),
          weightBytes: metadata.weights.bytes ?? 0,
          weightDtype: metadata.weights.dtype ?? "float32",
        },
        parameters: metadata.training.parameters,
      }
    : {}),
  ...((await exists(samples)) ? { samples } : {}),
  ...(dataset ? { dataset } : {}),
  configuration: {
    "re-rendered from": runDir,
    ...(metadata
      ? { training: metadata.training, preprocessing: metadata.preprocessing, dataset: metadata.dataset }
      : {}),
  },
  environment: runEnvironment(metadata?.training.backend ?? "unknown"),
  timings: {
    phases: [
      ...(decodeSeconds === undefined
        ? []
        : [{ name: "decode and cache fill (this re-render)", seconds: decodeSeconds }]),
      { name: `training (${history.history.epoch.length} epochs)`, seconds },
    ],
    totalSeconds: metadata?.training.seconds ?? seconds,
  },
  ...(face
    ? faceReportParts({
        ...(openSet
          ? {
              openSet: {
                curves: openSet.curves,
                chosen: openSet.rejection,
                ...(openSet.knownAcceptedCorrect === undefined
                  ? {}
                  : { knownAcceptedCorrect: openSet.knownAcceptedCorrect }),
                ...(openSet.strangersRejected === undefined
                  ? {}
                  : { strangersRejected: openSet.strangersRejected }),
                ...(openSet.strangers === undefined ? {} : { strangers: openSet.strangers }),
              },
            }
          : {}),
        noFace: evaluation.noFace ?? [],
        ...(evaluation.candidates
          ? {
              facts: evaluation.candidates.map(
                (c) =>
                  [`Head candidate ${c.kind}`, `${(c.valAccuracy * 100).toFixed(1)}%`] as [string, string],
              ),
            }
          : {}),
      })
    : { modelKind: "Image classifier" }),
};
const out = values.out ? resolve(values.out) : join(runDir, REPORT_FILE);
const started = performance.now();
const bytes = await writeTrainingReport(out, input);
console.log(
  `${out}: ${bytes} bytes (${(bytes / 1024).toFixed(0)} KiB) in ${((performance.now() - started) / 1000).toFixed(2)} s`,
);
