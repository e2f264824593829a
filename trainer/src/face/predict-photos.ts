// Every face in a photo, named by a face model, as the worker answers (`pnpm predict` for face models).
import { readFile } from "node:fs/promises";
import { decodeImage, isMarqueeError, modelWorkingPixels } from "@marquee/shared";
import { type RecognizedFace, recognizeFaces } from "@marquee/shared/face";
import { useNodeWasmDecoders } from "@marquee/shared/node";
import { initWasmBackend } from "../backend/wasm-node.ts";
import type { LoadedExport } from "../export/load-model.ts";
import { facePolicyFor } from "./embed-photo.ts";
import { DEFAULT_FACE_PIPELINE, loadPipelineModels, pipelineFromMetadata } from "./face-pipeline.ts";

/** One photo's faces, as `pnpm predict --json` prints them. */
export type FacePhotoResult =
  | {
      file: string;
      faces: Array<
        Pick<RecognizedFace, "box" | "detectionScore" | "label" | "score" | "predictions" | "source"> & {
          distance: number | null;
        }
      >;
      /** The subject face's top-k (empty without a face). */
      predictions: { label: string; score: number }[];
      message?: string;
    }
  | { file: string; error: { code: string; message: string } };

/**
 * `pnpm predict` for a face model: every face with its box (fractions of the photo), detection
 * score, label (or "unknown"), score and top-k — shared's recognizeFaces with the worker's face
 * policy (shared's servingFacePolicy: BlazeFace with the scaled pass, at most 100 faces), so it
 * answers what the deployed worker answers.
 */
export async function predictFacePhotos(
  loaded: LoadedExport,
  photos: string[],
  o: { top: number },
): Promise<FacePhotoResult[]> {
  const meta = loaded.metadata;
  await initWasmBackend();
  await useNodeWasmDecoders();
  const pipeline = meta.face ? pipelineFromMetadata(meta.face) : DEFAULT_FACE_PIPELINE;
  const nets = await loadPipelineModels(pipeline);
  const results: FacePhotoResult[] = [];
  try {
    for (const file of photos) {
      try {
        // Decoded to the worker's working size, so `pnpm predict` answers what the worker answers.
        const { image } = await decodeImage(new Uint8Array(await readFile(file)), {
          maxPixels: modelWorkingPixels(meta),
        });
        const r = await recognizeFaces(nets, loaded.model, image, meta, {
          policy: facePolicyFor(pipeline),
          topK: o.top,
        });
        const faces = r.faces.map((f) => ({
          box: f.box,
          detectionScore: f.detectionScore,
          label: f.label,
          score: f.score,
          distance: f.distance,
          predictions: f.predictions,
          source: f.source,
        }));
        results.push({
          file,
          faces,
          predictions: r.subject >= 0 ? faces[r.subject]!.predictions : [],
          ...(faces.length === 0 ? { message: "No face found in the photo." } : {}),
        });
      } catch (err) {
        const code = isMarqueeError(err) ? err.code : ((err as NodeJS.ErrnoException).code ?? "error");
        results.push({ file, error: { code, message: (err as Error).message } });
      }
    }
  } finally {
    nets.dispose();
  }
  return results;
}

/** Text lines for {@link predictFacePhotos} results. */
export function formatFacePhotoResults(results: FacePhotoResult[]): string {
  const lines: string[] = [];
  const pct = (x: number) => `${(x * 100).toFixed(1).padStart(5)}%`;
  for (const r of results) {
    lines.push(r.file);
    if ("error" in r) {
      lines.push(`  error (${r.error.code}): ${r.error.message}`);
      continue;
    }
    if (r.faces.length === 0) lines.push(`  ${r.message}`);
    r.faces.forEach((f, i) => {
      const b = f.box;
      lines.push(
        `  face ${i + 1}: box left ${b.left.toFixed(3)} top ${b.top.toFixed(3)} width ${b.width.toFixed(3)} height ${b.height.toFixed(3)}, detection ${f.detectionScore.toFixed(2)}${f.source === "padded-retry" ? " (padded retry: a tight crop)" : ""}`,
      );
      lines.push(
        `    → ${f.label} (${pct(f.score)}${f.distance === null ? "" : `, distance ${f.distance.toFixed(3)}`})   top: ${f.predictions.map((p) => `${p.label} ${pct(p.score).trim()}`).join(", ")}`,
      );
    });
  }
  return lines.join("\n");
}
