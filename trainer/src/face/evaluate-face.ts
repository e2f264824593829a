import { basename } from "node:path";
import { MarqueeError } from "@marquee/shared";
import { classifyFaceDescriptors, UNKNOWN_FACE_LABEL } from "@marquee/shared/face";
import { displayPath } from "../data/scan.ts";
import type { DataLog } from "../data/types.ts";
import type { LoadedExport } from "../export/load-model.ts";
import { embedFolder } from "./embed-dataset.ts";
import { pipelineFromMetadata } from "./face-pipeline.ts";

/** One class folder's figures. */
export interface FaceClassScore {
  /** Whether the folder is one of the model's labels (else its photos are strangers). */
  known: boolean;
  n: number;
  /** Known: accepted with the right label. Strangers: answered unknown (or no face). */
  correct: number;
  accuracy: number;
  noFace: number;
}

/** What `pnpm evaluate` reports for a face model. */
export interface FaceEvaluation {
  model: string;
  data: string;
  rejection: { kind: string; threshold: number };
  /** Photos scored (decodable), faces or not. */
  n: number;
  /** Correct over all n: known photos with the right label, strangers answered unknown. */
  accuracy: number;
  /** Known-class photos accepted with the right label, over all known-class photos (no-face counts as wrong). */
  knownAccuracy: number | null;
  /** Known-class photos whose best match is right, ignoring the rejection rule (closed-set top-1). */
  knownTop1: number | null;
  /** Stranger photos answered unknown (a photo without a face counts as rejected), over all stranger photos. */
  unknownRejection: number | null;
  known: number;
  strangers: number;
  /** Photos without a face. */
  noFace: number;
  /** Faces found only by the padded retry (tight crops). */
  paddedRetry: number;
  perClass: Record<string, FaceClassScore>;
  /** Every wrong answer. */
  errors: { file: string; expected: string; predicted: string; score: number; distance: number | null }[];
  skipped: { file: string; reason: string }[];
  embedding: { photos: number; cached: number; seconds: number; photosPerSecond: number };
}

/**
 * Score every photo under a folder of class folders with a face model: the subject face of each
 * photo is found with the worker's face policy (shared's findFaces, BlazeFace),
 * embedded (cached) and classified with shared's classifyFaceDescriptors, exactly as the edge does. Folders named like a label are known faces; any other folder holds strangers, correct
 * only when answered unknown.
 *
 * @example
 * const ev = await evaluateFaceModel(await loadExportedModel("models/default"), "data/five-celeb/val");
 */
export async function evaluateFaceModel(
  loaded: LoadedExport,
  dataDir: string,
  options: { modelDir?: string; cacheDir?: string; workers?: number; log?: DataLog; progress?: boolean } = {},
): Promise<FaceEvaluation> {
  const meta = loaded.metadata;
  if (meta.pipeline !== "face" || !meta.face)
    throw new MarqueeError("bad_request", 'evaluateFaceModel needs a face model (pipeline "face").');
  const folder = await embedFolder(dataDir, {
    pipeline: pipelineFromMetadata(meta.face),
    minClasses: 1,
    ...(options.cacheDir ? { cacheDir: options.cacheDir } : {}),
    ...(options.workers === undefined ? {} : { workers: options.workers }),
    ...(options.log ? { log: options.log } : {}),
    ...(options.progress === undefined ? {} : { progress: options.progress }),
  });
  const labels = new Set(meta.labels);
  const perClass: Record<string, FaceClassScore> = {};
  for (const name of folder.classNames)
    perClass[name] = { known: labels.has(name), n: 0, correct: 0, accuracy: 0, noFace: 0 };
  const faces: { i: number; descriptor: Float32Array }[] = [];
  let paddedRetry = 0;
  folder.results.forEach((r, i) => {
    if (r.status === "face") {
      faces.push({ i, descriptor: r.descriptor });
      if (r.source === "padded-retry") paddedRetry++;
    }
  });
  const classified = await classifyFaceDescriptors(
    loaded.model,
    faces.map((f) => f.descriptor),
    meta,
  );
  const byIndex = new Map(faces.map((f, k) => [f.i, classified[k]!]));
  const errors: FaceEvaluation["errors"] = [];
  let known = 0;
  let knownCorrect = 0;
  let knownTop1 = 0;
  let strangers = 0;
  let rejected = 0;
  let noFace = 0;
  folder.files.forEach((file, i) => {
    const folderName = folder.classNames[file.classIndex]!;
    const score = perClass[folderName]!;
    const isKnown = score.known;
    const c = byIndex.get(i);
    score.n++;
    if (isKnown) known++;
    else strangers++;
    if (!c) {
      noFace++;
      score.noFace++;
      if (!isKnown) {
        rejected++;
        score.correct++;
      } else
        errors.push({
          file: displayPath(folder.root, file.path),
          expected: folderName,
          predicted: "(no face)",
          score: 0,
          distance: null,
        });
      return;
    }
    const right = isKnown ? c.label === folderName : c.label === UNKNOWN_FACE_LABEL;
    if (isKnown && c.bestMatch === folderName) knownTop1++;
    if (right) {
      score.correct++;
      if (isKnown) knownCorrect++;
      else rejected++;
    } else {
      errors.push({
        file: displayPath(folder.root, file.path),
        expected: isKnown ? folderName : UNKNOWN_FACE_LABEL,
        predicted: c.label,
        score: c.score,
        distance: c.distance,
      });
    }
  });
  for (const s of Object.values(perClass)) s.accuracy = s.n ? s.correct / s.n : 0;
  const n = folder.files.length;
  return {
    model: options.modelDir ?? meta.name,
    data: folder.root,
    rejection: meta.face.rejection,
    n,
    accuracy: n ? (knownCorrect + rejected) / n : 0,
    knownAccuracy: known ? knownCorrect / known : null,
    knownTop1: known ? knownTop1 / known : null,
    unknownRejection: strangers ? rejected / strangers : null,
    known,
    strangers,
    noFace,
    paddedRetry,
    perClass,
    errors,
    skipped: folder.skipped.map((s) => ({ file: displayPath(folder.root, s.path), reason: s.reason })),
    embedding: {
      photos: folder.stats.embedded,
      cached: folder.stats.cached,
      seconds: folder.stats.seconds,
      photosPerSecond: folder.stats.photosPerSecond,
    },
  };
}

const pct = (x: number | null) => (x === null ? "   -  " : `${(x * 100).toFixed(2).padStart(6)}%`);

/** A readable table of a {@link FaceEvaluation}. */
export function formatFaceEvaluation(ev: FaceEvaluation): string {
  const lines: string[] = [];
  lines.push(
    `Face model ${ev.model} on ${basename(ev.data)} (${ev.rejection.kind} rule, threshold ${ev.rejection.threshold})`,
  );
  const width = Math.max(12, ...Object.keys(ev.perClass).map((k) => k.length));
  lines.push(`${"class".padEnd(width)}  kind       photos  correct  no-face  accuracy`);
  for (const [name, s] of Object.entries(ev.perClass)) {
    lines.push(
      `${name.padEnd(width)}  ${(s.known ? "known" : "stranger").padEnd(9)}  ${String(s.n).padStart(6)}  ${String(s.correct).padStart(7)}  ${String(s.noFace).padStart(7)}  ${pct(s.accuracy)}`,
    );
  }
  lines.push("");
  lines.push(
    `photos                 ${ev.n} (${ev.known} known, ${ev.strangers} strangers; ${ev.noFace} without a face, ${ev.paddedRetry} found by the padded retry)`,
  );
  lines.push(`accuracy               ${pct(ev.accuracy)}`);
  lines.push(`known accepted+correct ${pct(ev.knownAccuracy)}   (closed-set top-1 ${pct(ev.knownTop1)})`);
  lines.push(`strangers rejected     ${pct(ev.unknownRejection)}`);
  if (ev.errors.length) {
    lines.push("", `Wrong (${ev.errors.length}):`);
    for (const e of ev.errors.slice(0, 30))
      lines.push(
        `  ${e.file}: expected ${e.expected}, got ${e.predicted} (p ${e.score.toFixed(3)}${e.distance === null ? "" : `, d ${e.distance.toFixed(3)}`})`,
      );
    if (ev.errors.length > 30) lines.push(`  … ${ev.errors.length - 30} more (see --json)`);
  }
  return lines.join("\n");
}
