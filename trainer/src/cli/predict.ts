// `pnpm predict --model-dir DIR photo.jpg [more.jpg …] [--json] [--top N]`: classify photos with an export.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import {
  decodeImage,
  isMarqueeError,
  MarqueeError,
  modelWorkingPixels,
  preprocessImage,
} from "@marquee/shared";
import { useNodeWasmDecoders } from "@marquee/shared/node";
import { Command, Option } from "commander";
import { type BackendRequest, selectBackend } from "../backend/index.ts";
import { type ClassScore, classifyPixels, loadExportedModel } from "../export/load-model.ts";
import { formatFacePhotoResults, predictFacePhotos } from "../face/face-commands.ts";
import { integerOption, runCli } from "./parse-options.ts";

const program = new Command()
  .name("pnpm predict")
  .description("Print the top classes for each photo, using an exported model (the best weights).")
  .option(
    "--model-dir <dir>",
    "export folder (model.json + metadata.json), or a run folder containing model/",
    fileURLToPath(new URL("../../../models/default", import.meta.url)),
  )
  .argument("<photos...>", "image files (JPEG, PNG, WebP, GIF)")
  .option("--json", "print JSON instead of text", false)
  .option("--top <n>", "classes to show per photo", integerOption("--top", 1), 3)
  .addOption(
    new Option("--backend <name>", "tfjs backend")
      .choices(["auto", "node-gpu", "node", "wasm", "cpu"])
      .default("auto"),
  );

/** One photo's outcome. */
type PhotoResult =
  | { file: string; predictions: ClassScore[] }
  | { file: string; error: { code: string; message: string } };

async function main(): Promise<number> {
  program.parse();
  const o = program.opts();
  const photos = program.args;
  let dir = resolve(o.modelDir);
  if (!existsSync(join(dir, "model.json")) && existsSync(join(dir, "model", "model.json")))
    dir = join(dir, "model");

  await selectBackend(o.backend as BackendRequest);
  await useNodeWasmDecoders();
  const loaded = await loadExportedModel(dir);
  if (loaded.metadata.pipeline === "face") {
    // Every face: box (fractions of the photo), detection score, label or "unknown", score, top-k.
    const faceResults = await predictFacePhotos(loaded, photos, { top: o.top });
    loaded.model.dispose();
    if (o.json)
      console.log(
        JSON.stringify(
          {
            model: { name: loaded.metadata.name, version: loaded.metadata.version, dir },
            results: faceResults,
          },
          null,
          2,
        ),
      );
    else console.log(formatFacePhotoResults(faceResults));
    return faceResults.some((r) => "error" in r) ? 1 : 0;
  }
  if (loaded.metadata.pipeline !== "image") {
    throw new MarqueeError(
      "bad_request",
      `${dir} holds a "${loaded.metadata.pipeline}" model; pnpm predict classifies whole images only.`,
    );
  }
  const results: PhotoResult[] = [];
  for (const file of photos) {
    try {
      // Decoded to the worker's working size, so `pnpm predict` answers what the worker answers.
      const { image } = await decodeImage(new Uint8Array(await readFile(file)), {
        maxPixels: modelWorkingPixels(loaded.metadata),
      });
      const pixels = preprocessImage(image, loaded.metadata);
      results.push({ file, predictions: (await classifyPixels(loaded, pixels)).slice(0, o.top) });
    } catch (err) {
      const code = isMarqueeError(err) ? err.code : ((err as NodeJS.ErrnoException).code ?? "error");
      results.push({ file, error: { code, message: (err as Error).message } });
    }
  }
  loaded.model.dispose();

  if (o.json) {
    console.log(
      JSON.stringify(
        { model: { name: loaded.metadata.name, version: loaded.metadata.version, dir }, results },
        null,
        2,
      ),
    );
  } else {
    for (const r of results) {
      console.log(r.file);
      if ("error" in r) {
        console.log(`  error (${r.error.code}): ${r.error.message}`);
        continue;
      }
      r.predictions.forEach((p, i) => {
        console.log(`  ${i + 1}. ${p.label.padEnd(24)} ${(p.probability * 100).toFixed(1).padStart(5)}%`);
      });
    }
  }
  return results.some((r) => "error" in r) ? 1 : 0;
}

runCli(main);
